"""The server's ends and its robustness: every way out leaves no process behind; a rule
that raises is a finding; malformed requests get JSON-RPC errors."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TIMEOUT, all_gone, codes, serve, uri, write_project
from lsprotocol import types

CRASH = '''
import ast
from analyzer.rules import LintRule

class Boom(LintRule):
    """Raises on every call."""
    CODE = "X901"
    NAME = "boom"
    MESSAGE = "never"
    TREE = "ast"

    def visit_Call(self, node: ast.Call) -> None:
        raise RuntimeError("the rule broke")
'''


@pytest.mark.asyncio
async def test_a_rule_that_raises_is_sh900_and_the_server_lives(tmp_path):
    root = write_project(tmp_path, {"rules/boom.py": CRASH, "a.py": "print(1)\n",
                                    "b.py": "import os\n"})
    (root / "pyproject.toml").write_text('[tool.shoal]\nplugins = ["rules/boom.py"]\n'
                                         'exclude = ["rules"]\n')
    async with serve(root) as s:
        s.open(root / "a.py")
        await s.diagnostics(root / "a.py", lambda d: "SH900" in codes(d))
        # still serving: another file's finding arrives after the crash
        s.open(root / "b.py")
        await s.diagnostics(root / "b.py", lambda d: "F401" in codes(d))


@pytest.mark.asyncio
async def test_stdin_closed_ends_the_server_and_its_workers(tmp_path):
    root = write_project(tmp_path, {"a.py": "import os\n"})
    async with serve(root, shutdown=False) as s:
        await s.diagnostics(root / "a.py", lambda d: codes(d) == ["F401"])
        procs = s.processes()
        assert len(procs) >= 3  # the server, the zygote, the workers
        s.client._server.stdin.close()  # type: ignore[union-attr]
        code = await asyncio.wait_for(s.client._server.wait(), TIMEOUT)  # type: ignore[union-attr]
        assert code == 1  # gone without `shutdown`
        assert await all_gone(procs) == set()


def _frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _read(stream) -> dict:
    length = 0
    while True:
        line = stream.readline()
        assert line, "the server closed its output"
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
        if line in (b"\r\n", b"\n"):
            return json.loads(stream.read(length))


def _response(stream, msg_id: int) -> dict:
    while True:
        message = _read(stream)
        if message.get("id") == msg_id and "method" not in message:
            return message


def test_malformed_requests_get_errors_and_the_client_gone_ends_it(tmp_path):
    root = write_project(tmp_path, {"a.py": "x = 1\n"})
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    server = subprocess.Popen(
        [sys.executable, "-m", "analyzer", "server", "--workers", "1"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    try:
        send = server.stdin.write  # type: ignore[union-attr]
        send(_frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": parent.pid, "rootUri": uri(root), "capabilities": {}}}))
        server.stdin.flush()  # type: ignore[union-attr]
        assert "result" in _response(server.stdout, 1)
        send(_frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        send(_frame({"jsonrpc": "2.0", "id": 2, "method": "no/suchMethod", "params": {}}))
        send(b"Content-Length: 9\r\n\r\n{not json")
        send(_frame({"jsonrpc": "2.0", "id": 3, "method": "textDocument/hover",
                     "params": {"position": "nowhere"}}))
        send(_frame({"jsonrpc": "2.0", "id": 4, "method": "shutdown"}))
        server.stdin.flush()  # type: ignore[union-attr]
        assert _response(server.stdout, 2)["error"]["code"] == -32601  # method not found
        assert _response(server.stdout, None)["error"]["code"] == -32700  # parse error
        assert _response(server.stdout, 3)["error"]["code"] == -32602  # invalid params
        assert _response(server.stdout, 4).get("result", "missing") is None  # still serving
        procs = {server.pid} | _descendants(server.pid)
        parent.kill()  # the editor dies without a word
        parent.wait()
        server.wait(TIMEOUT)  # raises TimeoutExpired if the server outlives its client
        assert asyncio.run(all_gone(procs)) == set()
    finally:
        parent.kill()
        parent.wait()
        server.kill()
        server.wait()
        server.stdin.close()  # type: ignore[union-attr]
        server.stdout.close()  # type: ignore[union-attr]


def _descendants(pid: int) -> set[int]:
    from conftest import _children

    return _children(pid)


@pytest.mark.asyncio
async def test_shutdown_then_exit_is_exit_code_zero(tmp_path):
    root = write_project(tmp_path, {"a.py": "x = 1\n"})
    async with serve(root) as s:
        s.open(root / "a.py")
        await s.diagnostics(root / "a.py", lambda d: d == [])
        server = s.client._server
    assert server is not None and server.returncode == 0


@pytest.mark.asyncio
async def test_pull_diagnostics(tmp_path):
    root = write_project(tmp_path, {"a.py": "import os\n", "b.py": "x = 1\n"})
    async with serve(root) as s:
        s.open(root / "b.py")
        s.replace_all(root / "b.py", "import sys\n")
        report = await s.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            types.TextDocumentIdentifier(uri(root / "b.py"))))
        assert codes(report.items) == ["F401"]
        everything = await s.client.workspace_diagnostic_async(
            types.WorkspaceDiagnosticParams(previous_result_ids=[]))
        by_uri = {item.uri: codes(item.items) for item in everything.items}
        assert by_uri[uri(root / "a.py")] == ["F401"]
