"""The client's messages, each read whole in one trip between a reading thread and the loop.

pygls's ``StdinAsyncReader`` hands the event loop every header line and then the body in
separate ``run_in_executor`` round trips: three per message, each a thread wake-up on both
sides and a wait for the GIL, which the checker thread holds while it works (up to a switch
interval, 5 ms, per trip). :class:`MessageReader` reads the whole message in the reading
thread and serves pygls's ``readline`` / ``readexactly`` from it: one round trip.
"""
from __future__ import annotations

import asyncio
import re
from collections import deque
from concurrent.futures import Executor
from typing import BinaryIO

__all__ = ["MessageReader"]

#: the header pygls's loop (``pygls.io_.run_async``) takes a body's length from, as it does
_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")


class MessageReader:
    """pygls's ``AsyncReader`` over ``stream``, one message per trip to ``executor``.

    The reading thread follows pygls's own loop: header lines until a blank one after a
    ``Content-Length``, then that many bytes; so pygls asks for exactly what it read.
    """

    def __init__(self, stream: BinaryIO, executor: Executor | None = None) -> None:
        self.stream = stream
        self.executor = executor
        self._lines: deque[bytes] = deque()
        self._body: bytes | None = None

    async def readline(self) -> bytes:
        """The next header line (empty at end of input)."""
        if not self._lines:
            loop = asyncio.get_running_loop()
            lines, self._body = await loop.run_in_executor(self.executor, self._read_message)
            self._lines.extend(lines)
        return self._lines.popleft()

    async def readexactly(self, n: int) -> bytes:
        """The body after the header lines (fewer bytes at end of input)."""
        body, self._body = self._body, None
        if body is None:  # not read ahead: pygls's own way
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.executor, self.stream.read, n)
        return body

    def _read_message(self) -> tuple[list[bytes], bytes | None]:
        """In the reading thread: one message's header lines and its body (None when the
        input ended first: the last line is then empty)."""
        lines: list[bytes] = []
        length = 0
        while True:
            line = self.stream.readline()
            lines.append(line)
            if not line:
                return lines, None
            if not length:
                match = _LENGTH.fullmatch(line)
                if match:
                    length = int(match.group(1))
            if length and not line.strip():
                return lines, self.stream.read(length)
