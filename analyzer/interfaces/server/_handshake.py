"""The first message, read before any thread starts.

The worker pool forks once, before the process has threads, and the session it serves needs
the project root, which only the client's ``initialize`` names. So the main thread reads that
one message itself, opens the session (the fork), and hands pygls a reader that replays the
message before the rest of the stream.
"""
from __future__ import annotations

import io
import json
import re
from typing import Any, BinaryIO

__all__ = ["Replay", "read_first"]

_LENGTH = re.compile(rb"^Content-Length: *(\d+)\r?\n$", re.IGNORECASE)


def read_first(stream: BinaryIO) -> tuple[bytes, dict[str, Any] | None]:
    """(the raw bytes of the first message, its JSON object or None when it is not one)."""
    raw = bytearray()
    length = None
    while True:
        line = stream.readline()
        raw += line
        if not line:
            return bytes(raw), None  # end of input before a whole message
        match = _LENGTH.match(line)
        if match:
            length = int(match.group(1))
        if not line.strip() and length is not None:
            break
    body = stream.read(length) if length else b""
    raw += body
    try:
        message = json.loads(body)
    except ValueError:
        return bytes(raw), None
    return bytes(raw), message if isinstance(message, dict) else None


class Replay:
    """``stream`` with ``prefix`` in front: what pygls reads (``readline`` and ``read``)."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        self._prefix = io.BytesIO(prefix)
        self._stream = stream

    def readline(self) -> bytes:
        """One line, from the replayed prefix while it lasts."""
        line = self._prefix.readline()
        return line if line else self._stream.readline()

    def read(self, n: int) -> bytes:
        """``n`` bytes (fewer at end of input)."""
        data = self._prefix.read(n)
        if len(data) < n:
            data += self._stream.read(n - len(data))
        return data
