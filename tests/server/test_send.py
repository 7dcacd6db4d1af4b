"""How the checker thread writes ``publishDiagnostics``: at once, whole, and after what it
queued on the event loop before (the first check's ``$/progress`` end)."""
from __future__ import annotations

import asyncio
import json
import threading
import time

from lsprotocol import types

from analyzer.interfaces.server._publish import Notice
from analyzer.interfaces.server._server import ShoalLanguageServer


class _Writer:
    def __init__(self) -> None:
        self.data: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        if self.closed:
            raise ValueError("write to closed file")
        # in two parts, as a pipe may take it: another thread may run in between
        half = len(data) // 2
        self.data.append(data[:half])
        time.sleep(0.0001)
        self.data.append(data[half:])

    def close(self) -> None:
        self.closed = True


def _messages(writer: _Writer) -> list[dict]:
    stream, out = b"".join(writer.data), []
    while stream:
        header, rest = stream.split(b"\r\n\r\n", 1)
        length = int(header.split(b"\r\n")[0].split(b":")[1])
        out.append(json.loads(rest[:length]))
        stream = rest[length:]
    return out


def test_a_notice_waits_for_what_was_queued_before_it_and_only_then():
    ls = ShoalLanguageServer()
    writer = _Writer()
    ls.protocol.set_writer(writer)
    loop = asyncio.new_event_loop()
    ls.loop = loop
    try:
        notice = Notice("file:///a.py", 3, [])
        ls.from_thread(ls.window_show_message, types.ShowMessageParams(
            types.MessageType.Error, "said before"))
        ls.send_notice(notice)
        assert writer.data == []  # both wait for the loop: the message goes first
        loop.run_until_complete(asyncio.sleep(0))
        assert [m["method"] for m in _messages(writer)] == [
            "window/showMessage", "textDocument/publishDiagnostics"]
        ls.send_notice(notice)  # nothing queued: written at once, from this thread
        assert _messages(writer)[-1] == {
            "jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
            "params": {"uri": "file:///a.py", "version": 3, "diagnostics": []}}
    finally:
        loop.close()


def test_writes_from_two_threads_stay_whole_and_a_closed_stream_loses_them_quietly():
    ls = ShoalLanguageServer()
    writer = _Writer()
    ls.protocol.set_writer(writer)
    notice = Notice("file:///a.py", None, ['{"message": "%s"}' % ("x" * 1000)] * 50)

    def send() -> None:
        for _ in range(50):
            ls.protocol.send_body(notice.body())

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(_messages(writer)) == 100
    ls.protocol.writer.close()
    ls.protocol.send_body(notice.body())  # after `exit`: no exception in the checker
    assert len(_messages(writer)) == 100
