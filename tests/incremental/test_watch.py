"""`shoal watch` end to end, in a subprocess: startup output, rechecks after edits,
creations and deletions, --verify, and a clean exit on SIGINT and SIGTERM."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import SELECT, make_plan, project, write

from analyzer.engine import run_check
from analyzer.interfaces.output import OutputOptions, Report, render

DEADLINE = 60.0


def expected_json(root: Path) -> str:
    result = run_check(make_plan(root))
    report = Report(result.diagnostics, result.registry.by_code, result.files_checked)
    return render(report, "json", OutputOptions(cwd=os.getcwd(), color=False))


def wait_for(condition, what: str) -> None:
    """Poll ``condition`` until it holds (waiting on a condition, with a generous deadline)."""
    end = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def processes_running(marker: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().decode(errors="replace")
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append(int(pid))
    return found


@pytest.fixture
def watch(tmp_path, monkeypatch):
    started = []

    def start(files: dict[str, str], *extra: str):
        root = project(tmp_path / "proj", files)
        monkeypatch.chdir(root)
        output = root / "out.json"
        log_out, log_err = open(tmp_path / "stdout", "wb"), open(tmp_path / "stderr", "wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "analyzer", "watch", ".", "--workers", "2",
             "--select", SELECT, "--format", "json", "--output-file", str(output), *extra],
            cwd=root, stdout=log_out, stderr=log_err)
        started.append((proc, log_out, log_err))
        return root, output, proc, tmp_path / "stdout", tmp_path / "stderr"

    yield start
    for proc, *logs in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for log in logs:
            log.close()


def _matches(output: Path, root: Path):
    def check() -> bool:
        try:
            return output.read_text(encoding="utf-8") == expected_json(root)
        except FileNotFoundError:
            return False
    return check


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_watch_rechecks_edits_and_exits_cleanly(watch, stop):
    root, output, proc, out_log, err_log = watch(
        {"a.py": "def f(x): pass\n", "b.py": "from a import f\nf(1)\n"}, "--verify")
    wait_for(_matches(output, root), "the startup output")
    write(root, {"a.py": "def f(x, y): pass\n"})
    wait_for(_matches(output, root), "the recheck after an edit")
    assert "SH002" in output.read_text()
    write(root, {"pkg/__init__.py": "", "pkg/m.py": "from a import g\n"})
    wait_for(_matches(output, root), "the recheck after new files")
    write(root, {"pkg/m.py": None})
    wait_for(_matches(output, root), "the recheck after a deletion")
    wait_for(lambda: b"+ b.py:2:1: SH002" in out_log.read_bytes(), "the new diagnostic")
    proc.send_signal(stop)
    assert proc.wait(timeout=DEADLINE) == 0
    assert processes_running(str(output)) == []
    err = err_log.read_text()
    assert "diverges" not in err and "problem" in err
    # The startup line times the startup check (a fork and a check cannot take 0 ms).
    first = next(line for line in err.splitlines() if "rechecked in" in line)
    assert " in 0 ms" not in first, first
    assert (root / ".shoal_cache" / "CACHEDIR.TAG").exists()


@pytest.mark.slow
def test_a_burst_of_edits_is_coalesced_and_ends_right(watch):
    files = {f"m{i}.py": f"def f{i}(x): pass\n" for i in range(20)}
    files["user.py"] = "".join(f"from m{i} import f{i}\nf{i}(1)\n" for i in range(20))
    root, output, proc, _out, err_log = watch(files)
    wait_for(_matches(output, root), "the startup output")
    # A `git checkout`: many files rewritten at once.
    write(root, {f"m{i}.py": f"def f{i}(): pass\n" for i in range(20)})
    wait_for(_matches(output, root), "the recheck of the burst")
    assert output.read_text().count('"SH002"') == 20
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=DEADLINE) == 0
    # Far fewer rechecks than files (the quiet window coalesces them).
    statuses = [line for line in err_log.read_text().splitlines() if "rechecked in" in line]
    assert len(statuses) < 12


PLUGIN = '''\
from analyzer.rules import LintRule


class Marks(LintRule):
    """Test plugin: one finding per module, its message naming the plugin's version."""

    CODE = "X777"
    NAME = "marks"
    MESSAGE = "m"
    TREE = "ast"

    def visit_Module(self, node):
        self.report((1, 1), "VERSION")
'''


@pytest.mark.slow
def test_a_local_plugin_edit_restarts_the_watch_with_the_new_source(watch):
    files = {"a.py": "x = 1\n", "lint/rules.py": PLUGIN.replace("VERSION", "plugin v1"),
             "pyproject.toml": '[tool.shoal]\nplugins = ["lint/rules.py"]\n'}
    root, output, proc, _out, err_log = watch(files, "--extend-select", "X777")
    wait_for(lambda: output.exists() and "plugin v1" in output.read_text(), "the plugin's output")
    write(root, {"lint/rules.py": PLUGIN.replace("VERSION", "plugin v2")})
    wait_for(lambda: "plugin v2" in output.read_text(), "the new plugin source at work")
    assert "plugin v1" not in output.read_text()
    assert "restarting the watch" in err_log.read_text()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=DEADLINE) == 0
    assert processes_running(str(output)) == []
