"""The server's stdin reader: each message in one trip to the reading thread, and pygls's
loop sees the same messages as with its own line-by-line reader, malformed input included."""
from __future__ import annotations

import asyncio
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pygls.io_ import StdinAsyncReader, run_async

from analyzer.interfaces.server._reader import MessageReader


def message(body: bytes, extra: bytes = b"") -> bytes:
    return b"Content-Length: %d\r\n" % len(body) + extra + b"\r\n" + body


class _Counting(ThreadPoolExecutor):
    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.trips = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.trips += 1
        return super().submit(fn, *args, **kwargs)


class _Protocol:
    """What pygls's loop calls: the decoded messages, in order."""

    def __init__(self) -> None:
        self.handled: list[Any] = []

    def structure_message(self, data: Any) -> Any:
        return data

    def handle_message(self, message: Any) -> None:
        self.handled.append(message)


def _through_pygls(reader_class: Any, data: bytes) -> tuple[list[Any], int]:
    executor = _Counting()
    protocol = _Protocol()
    try:
        reader = reader_class(io.BytesIO(data), executor)
        asyncio.run(run_async(threading.Event(), reader, protocol))  # type: ignore[arg-type]
    finally:
        executor.shutdown()
    return protocol.handled, executor.trips


def test_each_message_takes_one_trip_to_the_reading_thread():
    data = message(b'{"a": 1}') + message(b'{"b": 2}', b"Content-Type: x\r\n")
    handled, trips = _through_pygls(MessageReader, data)
    assert handled == [{"a": 1}, {"b": 2}]
    assert trips == 3  # two messages and the end of input; pygls's reader: 7 + 1


INPUTS = {
    "plain": message(b'{"a": 1}') + message(b"[1, 2]"),
    "other headers": message(b'{"a": 1}', b"Content-Type: application/json\r\n"),
    "not pygls's header spelling": b"content-length: 8\r\n\r\n" + b'{"a": 1}' + message(b"{}"),
    "not json": message(b"{nope") + message(b'{"after": true}'),
    "ends in the headers": message(b'{"a": 1}') + b"Content-Length: 10\r\n",
    "ends in the body": message(b'{"a": 1}') + b"Content-Length: 10\r\n\r\n{\"b\"",
    "blank lines first": b"\r\n\r\n" + message(b'{"a": 1}'),
}


@pytest.mark.parametrize("data", INPUTS.values(), ids=INPUTS.keys())
def test_pygls_sees_what_its_own_reader_gives(data: bytes):
    assert _through_pygls(MessageReader, data)[0] == _through_pygls(StdinAsyncReader, data)[0]
