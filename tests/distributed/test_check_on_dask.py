"""`shoal check --scheduler`: the same diagnostics, order and exit code as the fork pool."""
from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from parallel import DaskPool
from tests.cli.helpers import Run, run_subprocess, write_tree


def start_process_global_helpers():
    """multiprocessing's resource tracker: started by the first spawned dask worker and
    kept for the life of the process, by design."""
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()


pytestmark = pytest.mark.leaks_per_module(warm_up=start_process_global_helpers)

PLUGIN = '''\
import ast
from analyzer.rules import LintRule, ProjectRule


class NoPrint(LintRule):
    """print() call."""

    CODE = "X101"
    NAME = "no-print"
    MESSAGE = "print() call"
    TREE = "ast"

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id == "print":
            self.report(node)


class CountsFunctions(ProjectRule):
    """How many functions the module's tree holds (it needs the tree)."""

    CODE = "X901"
    NAME = "counts-functions"
    MESSAGE = "m"
    NEEDS_TREE = True

    def check(self, facts, index):
        n = sum(isinstance(node, ast.FunctionDef) for node in ast.walk(self.context.tree))
        self.report(1, 1, f"{n} functions")
'''

#: A project with something for every stage: module rules, project rules reading other
#: modules (SH001, SH002, SH004), an import cycle (SH003), bad input (E999, E902), noqa,
#: and a plugin loaded from a path (its module travels by value) whose project rule needs
#: the tree (the file's bytes travel with the task).
PROJECT = {
    "pyproject.toml": '[tool.shoal]\nplugins = ["lint/local_rules.py"]\n',
    "lint/local_rules.py": PLUGIN,
    "pkg/__init__.py": "",
    "pkg/lib.py": "import os\n\n\ndef f(a, b):\n    return a\n\n\ndef g():\n    print(1)\n",
    "pkg/use.py": ("from pkg.lib import f, g, nope\nfrom pkg import missing_mod\n\n"
                   "f(1)\nprint(g, x == None)  # noqa: E711\n"),
    "pkg/a.py": "from pkg import b\n\n\ndef h(x=[]):\n    return x\n",
    "pkg/b.py": "from pkg import a\nvalue = f'{1}' if a else f'plain'\n",
    "pkg/broken.py": "def f(:\n    pass\n",
    "pkg/latin.py": b"# no coding line\nname = '\xe9'\n",
    "pkg/deep/__init__.py": "",
    "pkg/deep/mod.py": "from ..lib import f\nfrom ... import toofar\n\nf(1, 2, 3)\n",
}


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 worker processes, started by the test module itself."""
    with DaskPool(workers=2) as pool:
        yield pool


@pytest.fixture
def project(tmp_path):
    write_tree(tmp_path, PROJECT)
    return tmp_path


def check(project: Path, *args: str) -> Run:
    return run_subprocess("check", "--no-cache", "--format", "json", *args, cwd=project)


def test_a_test_started_cluster_gives_byte_identical_json(project, cluster):
    local = check(project, "--workers", "2")
    assert local.code == 1, local.err
    codes = {d["code"] for d in local.json()}
    # The fixture exercises every stage (or the comparison below proves little).
    assert {"F401", "B006", "F541", "SH001", "SH002", "SH003", "SH004", "E999", "E902",
            "X101", "X901"} <= codes, codes
    remote = check(project, "--scheduler", cluster.client.scheduler.address)
    assert remote.err == local.err
    assert (remote.code, remote.out) == (local.code, local.out)
    # Both calls ran on the cluster: its workers imported the plugin nowhere but by value.
    assert "X901" in remote.out


def test_progress_reports_both_phases_as_the_local_pool_does(project, cluster, monkeypatch):
    from analyzer.engine import run_check
    from analyzer.interfaces import build_parser, prepare

    monkeypatch.chdir(project)
    seen: dict[str, list[tuple[int, int]]] = {"local": [], "dask": []}
    # The local side runs in-process (--workers 0): this process has dask's threads, so it
    # cannot fork; the calls and their progress are the pool's all the same.
    for name, extra in (("local", ["--workers", "0"]),
                        ("dask", ["--scheduler", cluster.client.scheduler.address])):
        args = build_parser().parse_args(["check", "--no-cache", *extra])
        plan = prepare(args)
        calls = seen[name]
        run_check(plan, progress=lambda stage, done, total, calls=calls: calls.append(
            (stage, done, total)))
    for calls in seen.values():
        stages = [stage for stage, _, _ in calls]
        assert stages[0] == "checking" and stages[-1] == "project rules"
        assert calls[-1][1] == calls[-1][2]
    # Every stage ends complete, with the same totals on both backends.
    ends = {name: {stage: total for stage, done, total in calls if done == total}
            for name, calls in seen.items()}
    assert ends["dask"] == ends["local"]
    assert ends["local"]["checking"] == len([p for p in PROJECT if p.endswith(".py")])


def test_scheduler_local_gives_byte_identical_json_and_text(project):
    for fmt in ("json", "text"):
        local = run_subprocess("check", "--no-cache", "--format", fmt, "--workers", "2",
                               cwd=project)
        remote = run_subprocess("check", "--format", fmt, "--scheduler", "local",
                                "--workers", "2", cwd=project)
        assert (remote.code, remote.out) == (local.code, local.out), remote.err
    assert not (project / ".shoal_cache").exists()  # a distributed run leaves no cache


def test_a_project_outgrowing_the_dependency_table_on_the_cluster(tmp_path, cluster):
    """The master grows its heap at the commit (tests/edge_heavy.py); a dask run keeps the
    heap in the master alone, and gives the fork pool's findings."""
    from tests.edge_heavy import edge_heavy_files

    write_tree(tmp_path, {"pyproject.toml": "[tool.shoal]\n", **edge_heavy_files()})
    local = check(tmp_path, "--workers", "2")
    remote = check(tmp_path, "--scheduler", cluster.client.scheduler.address)
    assert (remote.code, remote.out, remote.err) == (local.code, local.out, local.err)
    assert local.code == 1 and "SH001" in {d["code"] for d in local.json()}


def test_a_fixit_plugin_runs_on_the_cluster(tmp_path, cluster):
    write_tree(tmp_path, {
        "pyproject.toml": '[tool.shoal]\nplugins = ["fixit.rules"]\n',
        "m.py": "class C(object):\n    pass\n\n\nx = 'a' + str(1)\nif True:\n    pass\n",
    })
    local = check(tmp_path, "--workers", "1")
    remote = check(tmp_path, "--scheduler", cluster.client.scheduler.address)
    assert (remote.code, remote.out) == (local.code, local.out), remote.err
    assert "NoInheritFromObject" in remote.out


def test_a_file_that_kills_its_dask_worker_is_sh900_for_that_file_only(tmp_path, cluster):
    write_tree(tmp_path, {
        "pyproject.toml": '[tool.shoal]\nplugins = ["killer.py"]\n',
        "killer.py": '''\
import os
from analyzer.rules import LintRule


class Kills(LintRule):
    """Ends its process on a module named poison."""

    CODE = "X103"
    NAME = "kills"
    MESSAGE = "m"
    TREE = "ast"

    def visit_Module(self, node):
        if self.context.module == "poison":
            os._exit(3)
''',
        "poison.py": "x = 1\n",
        **{f"m{i}.py": "import os\n" for i in range(6)},
    })
    run = check(tmp_path, "--scheduler", cluster.client.scheduler.address)
    assert run.code == 2, run.err
    found = [(d["path"], d["code"]) for d in run.json()]
    assert ("poison.py", "SH900") in found
    assert sorted(p for p, c in found if c == "F401") == [f"m{i}.py" for i in range(6)], run.out
    assert [c for p, c in found if p == "poison.py"] == ["SH900"]


def test_a_file_the_master_cannot_read_is_e902_with_its_reason(tmp_path, cluster, shoal,
                                                               monkeypatch):
    """The master reads each file as its bucket is sent; a failure travels to the worker,
    which reports it as the fork pool's worker would."""
    from analyzer.engine import _jobs as jobs

    write_tree(tmp_path, {"pyproject.toml": "[tool.shoal]\n", "ok.py": "import os\n",
                          "locked.py": "x = 1\n"})
    real_read = jobs._read

    def read(path):
        if path.endswith("locked.py"):
            raise PermissionError(13, "Permission denied", path)
        return real_read(path)

    monkeypatch.setattr(jobs, "_read", read)
    monkeypatch.chdir(tmp_path)
    run = shoal("check", "--format", "json", "--scheduler", cluster.client.scheduler.address)
    assert [(d["path"], d["code"], d["message"]) for d in run.json()] == [
        ("locked.py", "E902", "Permission denied"), ("ok.py", "F401", "'os' imported but unused")]


def test_an_unreachable_scheduler_is_exit_two_naming_it(project):
    with socket_without_listener() as address:
        run = check(project, "--scheduler", address)
    assert run.code == 2
    assert f"cannot reach the dask scheduler at {address}" in run.err
    assert "Traceback" not in run.err


def test_a_scheduler_that_is_not_an_address_is_a_usage_error(project):
    run = check(project, "--scheduler", "somewhere")
    assert run.code == 2
    assert "--scheduler expects 'local' or an address" in run.err


def test_ctrl_c_stops_the_check_and_every_cluster_process(tmp_path):
    """Ctrl-C while a rule blocks on the cluster: exit 130, and no process of the run is left
    (dask's worker processes and nannies inherit the environment marker)."""
    fifo = tmp_path / "started"
    os.mkfifo(fifo)
    write_tree(tmp_path, {
        "pyproject.toml": '[tool.shoal]\nplugins = ["blocking.py"]\n',
        "blocking.py": f'''\
from analyzer.rules import LintRule


class Blocks(LintRule):
    """Tells the test it runs, then blocks until killed."""

    CODE = "X102"
    NAME = "blocks"
    MESSAGE = "m"
    TREE = "ast"

    def visit_Module(self, node):
        with open({str(fifo)!r}, "w") as f:
            f.write("x")
        import threading
        threading.Event().wait()
''',
        "a.py": "x = 1\n",
    })
    mark = uuid.uuid4().hex
    env = {**os.environ, "SHOAL_TEST_MARK": mark}
    proc = subprocess.Popen(
        [sys.executable, "-m", "analyzer", "check", "--no-cache", "--scheduler", "local",
         "--workers", "1", "a.py"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_fifo_or_exit(fifo, proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err.decode()
    assert "interrupted" in err.decode()
    assert processes_marked(mark) == []


def wait_for_fifo_or_exit(fifo: Path, proc: subprocess.Popen) -> None:
    """Return once a writer wrote to ``fifo``; fail if ``proc`` ends first (a blocking open
    would wait forever for a writer that is gone)."""
    # Non-blocking: the open returns at once, and until a writer has come, no hang-up is
    # reported, so the descriptor is readable only on data.
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    pidfd = os.pidfd_open(proc.pid)
    try:
        ready, _, _ = select.select([fd, pidfd], [], [])
        if fd not in ready:
            _, err = proc.communicate()
            raise AssertionError(f"the check ended (exit {proc.returncode}) before its rule "
                                 f"ran on a dask worker: {err.decode()}")
        assert os.read(fd, 1) == b"x"
    finally:
        os.close(pidfd)
        os.close(fd)


def processes_marked(mark: str) -> list[int]:
    """Pids of live processes whose environment holds ``SHOAL_TEST_MARK=mark``."""
    found = []
    needle = f"SHOAL_TEST_MARK={mark}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


class socket_without_listener:
    """A tcp:// address on 127.0.0.1 that refuses connections (bound, never listening)."""

    def __enter__(self) -> str:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{self.sock.getsockname()[1]}"

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def test_remote_workers_send_each_module_summary_so_the_master_decodes_no_facts(
        project, cluster, monkeypatch):
    import analyzer.engine._invalidation as invalidation
    from analyzer.engine import run_check
    from analyzer.interfaces import build_parser, prepare

    monkeypatch.chdir(project)
    made: list[str] = []
    real = invalidation.module_summary

    def counted(facts):  # type: ignore[no-untyped-def]
        made.append(facts.module)
        return real(facts)

    # The cluster's workers are other processes: only the master's summaries are counted.
    monkeypatch.setattr(invalidation, "module_summary", counted)
    plan = prepare(build_parser().parse_args(
        ["check", "--no-cache", "--scheduler", cluster.client.scheduler.address]))
    result = run_check(plan)
    assert {d.code for d in result.diagnostics} >= {"SH001", "SH002", "SH003"}
    assert made == []
