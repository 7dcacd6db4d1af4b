"""Suite-wide checks: every test must leave no child process, descriptor, mapping or thread."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import pytest

# Where numpy is installed, distributed imports it, and OpenBLAS starts its thread pool at
# import: a test module importing distributed would leave the pytest process with a native
# thread, and the in-process `shoal` runs after it could no longer fork their workers.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

#: descriptor targets a leak is made of; regular files are left out (pytest's capture uses them)
_FD_KINDS = ("pipe:", "socket:", "anon_inode:", "/memfd:", "/dev/shm/")
#: shared mappings a pool or heap may leave behind (an anonymous MAP_SHARED page shows as
#: "/dev/zero (deleted)")
_MAP_KINDS = ("/memfd:", "/dev/shm/", "/dev/zero")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "leaks_ok: skip the leak check after this test (say why in the test)"
    )
    config.addinivalue_line(
        "markers",
        "leaks_per_module(warm_up=None): on a module, check leaks once around the whole module "
        "instead of around each test, for a module-scoped resource that replaces its processes "
        "or starts threads as it goes; warm_up() runs before the first snapshot to start the "
        "process-global helpers such a resource leaves running by design",
    )


def _children() -> set[int]:
    pids: set[int] = set()
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/children") as f:
                pids.update(int(p) for p in f.read().split())
        except FileNotFoundError:
            pass  # the thread ended meanwhile
    return pids


def _fds() -> dict[int, str]:
    found: dict[int, str] = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue  # the listing's own descriptor
        if target.startswith(_FD_KINDS):
            found[int(name)] = target
    return found


def _maps() -> set[str]:
    with open("/proc/self/maps") as f:
        return {line.split(None, 5)[0] + " " + line.split(None, 5)[-1].strip()
                for line in f if any(kind in line for kind in _MAP_KINDS)}


def _reap(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            name = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        name = "?"
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    return f"{pid} ({name})"


class _Snapshot:
    """What a test may not leave behind, as it was before the test."""

    def __init__(self) -> None:
        self.children, self.fds, self.maps = _children(), _fds(), _maps()
        self.threads = set(threading.enumerate())

    def leaks(self) -> list[str]:
        """What is there now and was not before (leftover children are reaped)."""
        problems = []
        extra_threads = [t for t in threading.enumerate() if t not in self.threads]
        for t in extra_threads:
            t.join(timeout=1.0)  # a thread on its way out is not a leak
        extra_threads = [t for t in extra_threads if t.is_alive()]
        if extra_threads:
            problems.append(f"threads still running: {[t.name for t in extra_threads]}")
        extra_children = _children() - self.children
        if extra_children:
            problems.append(f"child processes left: {[_reap(p) for p in sorted(extra_children)]}")
        now = _fds()
        extra_fds = {fd: target for fd, target in now.items() if self.fds.get(fd) != target}
        if extra_fds:
            problems.append(f"descriptors left open: {extra_fds}")
        extra_maps = _maps() - self.maps
        if extra_maps:
            problems.append(f"shared mappings left: {sorted(extra_maps)}")
        return problems


@pytest.fixture(autouse=True)
def _no_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a child process (zombies too), a pipe/socket/memfd descriptor,
    a shared mapping or a thread behind; the leftovers are cleaned so later tests are not
    blamed."""
    if request.node.get_closest_marker("leaks_ok") or request.node.get_closest_marker(
        "leaks_per_module"
    ):
        yield
        return
    before = _Snapshot()
    yield
    problems = before.leaks()
    if problems:
        pytest.fail(f"{request.node.nodeid} leaked: " + "; ".join(problems), pytrace=False)


@pytest.fixture(autouse=True, scope="module")
def _no_module_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    """The leak check of a ``leaks_per_module`` module: set up before its module-scoped
    fixtures and torn down after them, so their close() is what gets checked."""
    marker = request.node.get_closest_marker("leaks_per_module")
    if marker is None:
        yield
        return
    warm_up = marker.kwargs.get("warm_up")
    if warm_up is not None:
        warm_up()
    before = _Snapshot()
    yield
    problems = before.leaks()
    if problems:
        pytest.fail(f"{request.node.nodeid} leaked: " + "; ".join(problems), pytrace=False)


@pytest.fixture
def shoal(capsys):
    """Run `shoal ARGS` in-process and capture what it prints (a `tests.cli.helpers.Run`)."""
    from analyzer.interfaces import main
    from tests.cli.helpers import Run

    def run(*args: str) -> Run:
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
