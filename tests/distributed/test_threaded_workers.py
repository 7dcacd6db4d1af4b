"""`shoal check --scheduler` on a cluster started the way users start one: `dask scheduler`
and `dask worker` processes, the worker with two threads."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.helpers import run_subprocess

DASK = shutil.which("dask") or os.path.join(os.path.dirname(sys.executable), "dask")
READY_DEADLINE = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_line(proc: subprocess.Popen, needle: str) -> None:
    """Read the process's log until ``needle`` appears (the pipe is left open after)."""
    assert proc.stderr is not None
    for line in proc.stderr:
        if needle in line:
            return
    raise AssertionError(f"{proc.args[:2]} ended before logging {needle!r}")


@pytest.fixture(scope="module")
def threaded_cluster() -> Iterator[str]:
    """A scheduler and one worker process with two threads, as separate programs."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    host, port = address[len("tcp://"):].split(":")
    procs: list[subprocess.Popen] = []
    try:
        scheduler = subprocess.Popen(
            [DASK, "scheduler", "--host", host, "--port", port, "--no-dashboard"],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        procs.append(scheduler)
        _wait_for_line(scheduler, "Scheduler at")
        worker = subprocess.Popen(
            [DASK, "worker", address, "--nthreads", "2", "--nworkers", "1", "--no-dashboard",
             "--memory-limit", "0"],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        procs.append(worker)
        _wait_for_line(worker, "Registered to")
        yield address
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGINT)  # dask's clean shutdown
            try:
                proc.communicate(timeout=READY_DEADLINE)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()


def _project(root: Path) -> None:
    """Real code, in files big enough that two threads parse at the same time: two
    standard-library packages."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for package in ("asyncio", "email"):
        shutil.copytree(stdlib / package, root / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (root / "pyproject.toml").write_text("[tool.shoal]\n")


def test_two_threads_per_worker_give_the_fork_pools_output(tmp_path, threaded_cluster):
    _project(tmp_path)
    local = run_subprocess("check", "--no-cache", "--format", "json", "--workers", "2",
                           cwd=tmp_path)
    assert local.code == 1, local.err
    assert "SH900" not in local.out
    for _ in range(2):
        remote = run_subprocess("check", "--format", "json", "--scheduler", threaded_cluster,
                                cwd=tmp_path)
        assert (remote.code, remote.out) == (local.code, local.out), remote.out[:2000]
