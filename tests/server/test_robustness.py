"""Responsiveness and recovery: ``$/cancelRequest``, a newer edit cancelling a running
recheck, ``$/progress`` for the first check, a killed worker, a configuration changed on disk.

A plugin rule that blocks while a gate file exists (on a module naming ``BLOCK``) holds a
check in the middle for as long as a test needs, without any timing."""
from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from conftest import TIMEOUT, alive, codes, serve, uri, write_project
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

GATE_RULE = '''
import ast
import os
import time
from analyzer.rules import LintRule

class Gate(LintRule):
    """Holds the check of a module that names BLOCK while the gate file exists."""
    CODE = "X902"
    NAME = "gate"
    MESSAGE = "passed the gate"
    TREE = "ast"

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "BLOCK":
            open({started!r}, "w").close()
            while os.path.exists({gate!r}):
                time.sleep(0.005)
'''


def _gated(root: Path, files: dict[str, str]) -> tuple[Path, Path, Path]:
    """A project with the gate rule; (root, the gate file, the file the rule touches)."""
    gate, started = root / "gate", root / "started"
    write_project(root, {**files, "rules/gate.py": GATE_RULE.format(gate=str(gate),
                                                                    started=str(started))})
    (root / "pyproject.toml").write_text('[tool.shoal]\nplugins = ["rules/gate.py"]\n'
                                         'exclude = ["rules"]\n')
    gate.touch()
    return root, gate, started


async def _exists(path: Path) -> None:
    """Wait (bounded) until a process under test creates ``path``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not path.exists():
        assert loop.time() < deadline, f"{path} never appeared"
        await asyncio.sleep(0.01)


@pytest.mark.asyncio
async def test_cancel_request_answers_request_cancelled(tmp_path):
    root, gate, started = _gated(tmp_path, {"m.py": "import os\nBLOCK = 1\n"})
    async with serve(root) as s:
        await _exists(started)  # the first check is held: a pull request has to wait
        # send_request writes at once (pytest-lsp's _async variant only when awaited), so
        # the cancel surely follows the request on the wire
        pending = s.client.protocol.send_request(
            types.TEXT_DOCUMENT_DIAGNOSTIC, types.DocumentDiagnosticParams(
                types.TextDocumentIdentifier(uri(root / "m.py"))), msg_id="pull-1")
        s.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="pull-1"))
        with pytest.raises(JsonRpcRequestCancelled):
            await asyncio.wait_for(asyncio.wrap_future(pending), TIMEOUT)
        gate.unlink()
        # still serving: the held check completes and its findings arrive
        await s.diagnostics(root / "m.py", lambda d: codes(d) == ["F401"])


@pytest.mark.asyncio
async def test_a_newer_edit_cancels_a_running_recheck(tmp_path):
    root, gate, started = _gated(tmp_path, {"m.py": "x = 1\n"})
    m = root / "m.py"
    async with serve(root) as s:
        s.open(m)
        await s.diagnostics(m, lambda d: d == [])
        s.replace_all(m, "import os\nBLOCK = 1\n")
        await _exists(started)  # that recheck is running, held by the gate
        # A newer edit: with the gate still shut, findings can only come if it cancels.
        s.replace_all(m, "import sys\n")
        found = await s.diagnostics(m, lambda d: d != [])
        assert [(d.code, d.message) for d in found] == [("F401", "'sys' imported but unused")]
        # the cancelled text left nothing behind: one more edit checks from a sound state
        s.replace_all(m, "import sys\nsys.exit()\n")
        await s.diagnostics(m, lambda d: d == [])
        gate.unlink()


@pytest.mark.asyncio
async def test_progress_for_the_first_check(tmp_path):
    root = write_project(tmp_path, {f"m{i}.py": "import os\n" for i in range(4)})
    capabilities = types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True))
    async with serve(root, capabilities=capabilities) as s:
        await s.diagnostics(root / "m3.py", lambda d: codes(d) == ["F401"])
        (reports,) = s.client.progress_reports.values()
        assert isinstance(reports[0], types.WorkDoneProgressBegin)
        assert isinstance(reports[-1], types.WorkDoneProgressEnd)
        stages: dict[str, list[int]] = {}
        for r in reports[1:-1]:
            stages.setdefault(r.message.split()[0], []).append(r.percentage)
        assert stages  # each stage counts its own way up to 100
        assert all(p == sorted(p) and p[-1] == 100 for p in stages.values()), stages


@pytest.mark.asyncio
async def test_no_progress_unless_the_client_offers_it(tmp_path):
    root = write_project(tmp_path, {"m.py": "import os\n"})
    async with serve(root) as s:
        await s.diagnostics(root / "m.py", lambda d: codes(d) == ["F401"])
        assert s.client.progress_reports == {}


def _workers(server_pid: int) -> list[int]:
    """The pool's first workers: the server's children after the zygote (forked first)."""
    kids: list[int] = []
    for task in Path(f"/proc/{server_pid}/task").glob("*"):
        try:
            kids += map(int, (task / "children").read_text().split())
        except OSError:
            pass
    return sorted(kids)[1:]


@pytest.mark.asyncio
async def test_a_killed_worker_is_replaced(tmp_path):
    root = write_project(tmp_path, {"m.py": "x = 1\n"})
    m = root / "m.py"
    async with serve(root) as s:
        s.open(m)
        await s.diagnostics(m, lambda d: d == [])
        victims = _workers(s.pid)
        assert len(victims) == 2  # --workers 2
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        s.replace_all(m, "import os\n")
        await s.diagnostics(m, lambda d: codes(d) == ["F401"])
        s.replace_all(m, "import os\nimport sys\n")
        await s.diagnostics(m, lambda d: codes(d) == ["F401", "F401"])
        assert not any(alive(p) for p in victims)
        assert len(s.processes()) >= 4  # server, zygote, and two workers again


@pytest.mark.asyncio
async def test_pyproject_changed_on_disk_reloads_and_rechecks(tmp_path):
    root = write_project(tmp_path, {"a.py": "import os\n"})
    async with serve(root) as s:
        await s.diagnostics(root / "a.py", lambda d: codes(d) == ["F401"])
        (root / "pyproject.toml").write_text('[tool.shoal]\nignore = ["F401"]\n')
        await s.diagnostics(root / "a.py", lambda d: d == [])
        (root / "pyproject.toml").write_text("[tool.shoal]\n")
        await s.diagnostics(root / "a.py", lambda d: codes(d) == ["F401"])


@pytest.mark.asyncio
async def test_a_project_outgrowing_the_dependency_table_is_served(tmp_path):
    """The first check fills the table sized from the file count: the server (threads
    running, so nothing can fork from it) moves to a larger heap, its zygote maps it, and
    the new workers serve the next edit, whose findings come from the readers' edges."""
    from tests.edge_heavy import edge_heavy_files

    root = write_project(tmp_path, edge_heavy_files())
    app, s0 = root / "app.py", root / "pkg" / "s0.py"
    async with serve(root) as s:
        s.open(app)
        await s.diagnostics(app, lambda d: "SH001" in codes(d))
        s.open(s0)
        s.replace_all(s0, "def f0_1():\n    return 1\n")  # f0_0, which app.py imports, goes
        found = await s.diagnostics(app, lambda d: codes(d).count("SH001") == 2)
        assert sorted(d.message for d in found if d.code == "SH001") == [
            "'f0_0' is not defined in module 'pkg'", "'nothere' is not defined in module 'pkg'"]
