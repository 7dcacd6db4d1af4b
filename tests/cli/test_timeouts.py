"""Nothing hangs a check: a FIFO (named, or swapped in for a file after discovery) is E902
without a read that blocks, and a worker stuck on one file (here SIGSTOPped by a plugin
rule) is replaced after ``file-timeout`` seconds, the file reported as SH900, the others
checked, no process left behind.

Each run is a subprocess bounded by ``LIMIT``: a hang fails the test instead of the suite.
"""
from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from analyzer.engine import _changes
from analyzer.frontend import read_source_file
from tests.cli.helpers import write_tree

pytestmark = pytest.mark.fault

#: seconds any one run may take before the test calls it a hang
LIMIT = 60

STOP_RULE = '''
import os
import signal
from analyzer.rules import LintRule

class StopHere(LintRule):
    """Stops its own process (SIGSTOP) on a module naming STOP while the marker exists."""
    CODE = "X903"
    NAME = "stop-here"
    MESSAGE = "never reported"
    TREE = "ast"

    def visit_Name(self, node):
        if node.id == "STOP" and os.path.exists({marker!r}):
            open(os.path.join({pids!r}, str(os.getpid())), "w").close()
            os.kill(os.getpid(), signal.SIGSTOP)
'''


def shoal(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`shoal ARGS` in ``root`` as a subprocess; a run past LIMIT fails the test."""
    return subprocess.run([sys.executable, "-m", "analyzer", *args], cwd=root,
                          capture_output=True, text=True, timeout=LIMIT)


def findings(run: subprocess.CompletedProcess[str]) -> dict[str, list[tuple[str, str]]]:
    """path -> [(code, message)] of a JSON run."""
    out: dict[str, list[tuple[str, str]]] = {}
    for d in json.loads(run.stdout):
        out.setdefault(d["path"], []).append((d["code"], d["message"]))
    return out


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write_tree(tmp_path, {"pyproject.toml": "[tool.shoal]\n", "good.py": "import os\n"})
    return tmp_path


# ---------------------------------------------------------------------------------------
# Only regular files are read


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_fifo_named_on_the_command_line_is_e902(root, workers):
    os.mkfifo(root / "y.py")
    run = shoal(root, "check", "y.py", "good.py", "--workers", workers, "--no-cache",
                "--format", "json")
    assert run.returncode == 1, run.stderr
    assert findings(run) == {"y.py": [("E902", "is a FIFO, not a regular file")],
                             "good.py": [("F401", "'os' imported but unused")]}


def test_a_fifo_named_on_the_command_line_is_e902_on_dask(root):
    # Not imported here: dask starts threads, and a later WorkerPool in this process would
    # refuse to fork.
    if importlib.util.find_spec("distributed") is None:
        pytest.skip("needs shoal[distributed]")
    os.mkfifo(root / "y.py")
    run = shoal(root, "check", "y.py", "good.py", "--scheduler", "local", "--workers", "1",
                "--format", "json")
    assert run.returncode == 1, run.stderr
    assert findings(run) == {"y.py": [("E902", "is a FIFO, not a regular file")],
                             "good.py": [("F401", "'os' imported but unused")]}


@pytest.mark.parametrize("workers", [0, 2])
def test_a_fifo_swapped_in_after_discovery_is_e902(root, workers):
    write_tree(root, {"swapped.py": "x = 1\n"})
    script = textwrap.dedent(f"""
        import json, os, sys
        from analyzer.engine import run_check
        from analyzer.interfaces import build_parser, prepare
        plan = prepare(build_parser().parse_args(
            ["check", ".", "--workers", "{workers}", "--no-cache"]))
        os.unlink("swapped.py")
        os.mkfifo("swapped.py")  # after discovery, before any read
        result = run_check(plan)
        print(json.dumps([[d.path, d.code, d.message] for d in result.diagnostics]))
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True,
                          text=True, timeout=LIMIT)
    assert proc.returncode == 0, proc.stderr
    assert sorted(map(tuple, json.loads(proc.stdout))) == [
        ("good.py", "F401", "'os' imported but unused"),
        ("swapped.py", "E902", "is a FIFO, not a regular file")]


def test_a_warm_cache_does_not_read_a_fifo_swapped_in(root):
    write_tree(root, {"swapped.py": ""})  # empty: the FIFO has its size
    assert shoal(root, "check", ".", "--workers", "0").returncode == 1
    os.unlink(root / "swapped.py")
    os.mkfifo(root / "swapped.py")
    run = shoal(root, "check", "swapped.py", "good.py", "--workers", "0", "--format", "json")
    assert findings(run)["swapped.py"] == [("E902", "is a FIFO, not a regular file")]


def test_read_source_file_names_what_it_refuses(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock"))
        for name, kind in [("fifo", "a FIFO"), ("dir", "a directory"), ("sock", "a socket")]:
            with pytest.raises(OSError) as info:
                read_source_file(tmp_path / name)
            assert info.value.strerror == f"is {kind}, not a regular file"
    with pytest.raises(OSError, match="a character device"):
        read_source_file(os.devnull)
    (tmp_path / "ok.py").write_bytes(b"x = 1\n")
    assert read_source_file(tmp_path / "ok.py") == b"x = 1\n"


# ---------------------------------------------------------------------------------------
# A stuck worker


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _stopping_project(root: Path, modules: int) -> tuple[Path, Path]:
    """A project whose ``stuck.py`` stops its worker while the marker exists; (marker, the
    directory where each stopped process leaves its pid)."""
    marker, pids = root / "stop-marker", root / "pids"
    pids.mkdir()
    marker.touch()
    write_tree(root, {
        "pyproject.toml": '[tool.shoal]\nplugins = ["rules/stop.py"]\nexclude = ["rules"]\n',
        "rules/stop.py": STOP_RULE.format(marker=str(marker), pids=str(pids)),
        "stuck.py": "STOP = 1\n",
        **{f"m{i}.py": f"import os\nx{i} = {i}\n" for i in range(modules)},
    })
    return marker, pids


def test_a_stopped_worker_is_replaced_and_its_file_is_sh900(root):
    _, pids = _stopping_project(root, 24)
    run = shoal(root, "check", ".", "--workers", "2", "--file-timeout", "2", "--no-cache",
                "--format", "json", "--extend-select", "X903")
    assert run.returncode == 2, run.stderr  # SH900: the run could not check everything
    assert "Traceback" not in run.stderr
    found = findings(run)
    assert found.pop("stuck.py") == [
        ("SH900", "internal error: timed out after 2 s (its worker was replaced) while "
                  "checking this file")]
    unused = [("F401", "'os' imported but unused")]
    assert found == {"good.py": unused, **{f"m{i}.py": unused for i in range(24)}}
    stopped = [int(p.name) for p in pids.iterdir()]
    assert stopped  # once, or twice when its bucket held more files and it ran again alone
    assert not [pid for pid in stopped if _alive(pid)]


def test_the_file_timeout_setting_is_read_and_checked(root):
    write_tree(root, {"pyproject.toml": "[tool.shoal]\nfile-timeout = 0\n"})
    run = shoal(root, "check", ".")
    assert run.returncode == 2 and "file-timeout" in run.stderr
    assert "Traceback" not in run.stderr
    write_tree(root, {"pyproject.toml": "[tool.shoal]\nfile-timeout = 7.5\n"})
    run = shoal(root, "check", "--show-settings")
    assert '"file-timeout": 7.5' in run.stdout or "file-timeout = 7.5" in run.stdout, run.stdout
    run = shoal(root, "check", ".", "--file-timeout", "-1")
    assert run.returncode == 2 and "--file-timeout" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_a_file_that_timed_out_is_checked_again_by_the_next_warm_run(root, shoal,
                                                                      monkeypatch):
    marker, _ = _stopping_project(root, 2)
    # In this process, with no racy window and old files: only the stat could spare a read.
    monkeypatch.chdir(root)
    monkeypatch.setattr(_changes, "RACY_WINDOW_NS", 0)
    hour_ago = time.time_ns() - 3600 * 10**9
    for path in root.rglob("*.py"):
        os.utime(path, ns=(hour_ago, hour_ago))
    args = ("check", ".", "--workers", "2", "--file-timeout", "2", "--format", "json")
    first = shoal(*args)
    assert [d["code"] for d in first.json() if d["path"] == "stuck.py"] == ["SH900"]
    marker.unlink()  # the file is fine now; its bytes and stat are as they were
    second = shoal(*args)
    assert [d for d in second.json() if d["path"] == "stuck.py"] == []
    assert second.code == 1
