"""Writers SIGKILLed in the middle of large values and edge batches leave a usable heap.

Each writer announces every iteration on a pipe *before* writing it, so after the kill the
master knows exactly which iteration may have been cut short: everything before it must be
complete, and re-adding the cut one (value and edges) must make it fully visible. Values
carry a CRC, so a reader (running all along) would notice a torn value.
"""

from __future__ import annotations

import os
import random
import select
import signal
import struct
import traceback
import zlib
from collections.abc import Callable, Iterator

import pytest

from heap_native import SharedHeap

pytestmark = pytest.mark.fault

ROUNDS = 6
WRITERS = 2
MAX_ITERATIONS = 24
VALUE_BYTES = 1 << 20
EDGES_PER_ITERATION = 2000
READER_TIMEOUT_S = 60.0  # a hung reader fails the test instead of hanging it


def key_of(rnd: int, child: int, i: int) -> bytes:
    return b"crash/%d/%d/%d" % (rnd, child, i)


def value_of(rnd: int, child: int, i: int, blob: bytes) -> bytes:
    body = key_of(rnd, child, i) + b"|" + blob
    return body + struct.pack("<I", zlib.crc32(body))


def check_value(rnd: int, child: int, i: int, value: bytes) -> None:
    body, (crc,) = value[:-4], struct.unpack("<I", value[-4:])
    assert zlib.crc32(body) == crc, f"torn value for {key_of(rnd, child, i)!r}"
    assert body.startswith(key_of(rnd, child, i) + b"|")
    assert len(body) == len(key_of(rnd, child, i)) + 1 + VALUE_BYTES


def dependency_of(rnd: int, child: int, i: int) -> int:
    return 1 + (rnd * WRITERS + child) * 1000 + i


def edges_of(rnd: int, child: int, i: int) -> list[tuple[int, int]]:
    dep = dependency_of(rnd, child, i)
    return [(dep, dependent) for dependent in range(1, EDGES_PER_ITERATION + 1)]


def writer_main(heap: SharedHeap, rnd: int, child: int, progress_w: int) -> None:
    """Loop writing 1 MB values and edge batches until killed; announce each iteration first."""
    blob = random.Random(rnd * 100 + child).randbytes(VALUE_BYTES)
    for i in range(MAX_ITERATIONS):
        os.write(progress_w, b".")
        heap.add(key_of(rnd, child, i), value_of(rnd, child, i, blob))
        edges = edges_of(rnd, child, i)
        heap.add_deps(edges[: EDGES_PER_ITERATION // 2])
        for dependency, dependent in edges[EDGES_PER_ITERATION // 2 :]:
            heap.add_dep(dependency, dependent)


def reader_main(heap: SharedHeap, cmd_r: int, reply_w: int) -> None:
    """Read the current round's keys and edges until told to pause; reply with a count."""
    while True:
        cmd = os.read(cmd_r, 64)
        if cmd == b"quit":
            return
        rnd = int(cmd)
        seen = 0
        deps_seen: dict[int, set[int]] = {}
        while not select.select([cmd_r], [], [], 0)[0]:
            for child in range(WRITERS):
                for i in range(MAX_ITERATIONS):
                    value = heap.get(key_of(rnd, child, i))
                    if value is not None:
                        check_value(rnd, child, i, value)
                        seen += 1
                dep = dependency_of(rnd, child, random.randrange(MAX_ITERATIONS))
                got = set(heap.get_deps(dep))
                assert got <= set(range(1, EDGES_PER_ITERATION + 1)), dep
                assert deps_seen.setdefault(dep, set()) <= got, "an edge disappeared"
                deps_seen[dep] = got
        assert os.read(cmd_r, 64) == b"pause"
        os.write(reply_w, b"%d" % seen)


def spawn(target: Callable[..., None], *args: object) -> int:
    """Run ``target(*args)`` in a forked child that exits 3 (traceback on stderr) if it raises."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            target(*args)
        except BaseException:
            traceback.print_exc()
            code = 3
        finally:
            os._exit(code)
    return pid


def read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 4096):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def reaper() -> Iterator[list[int]]:
    """Pids registered here are killed and reaped whatever the test outcome."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def test_killed_writers_leave_a_consistent_heap(reaper: list[int]) -> None:
    """SIGKILL mid-write: no torn reads, interrupted edges re-add fully, heap keeps working."""
    rng = random.Random(2024)
    with SharedHeap(heap_size="192M", hash_slots=1 << 12, dep_slots=1 << 18) as heap:
        cmd_r, cmd_w = os.pipe()
        reply_r, reply_w = os.pipe()
        reader = spawn(reader_main, heap, cmd_r, reply_w)
        reaper.append(reader)
        os.close(cmd_r)
        os.close(reply_w)
        reads = 0
        for rnd in range(ROUNDS):
            os.write(cmd_w, b"%d" % rnd)
            with heap.phase():
                started = []
                for child in range(WRITERS):
                    progress_r, progress_w = os.pipe()
                    pid = spawn(writer_main, heap, rnd, child, progress_w)
                    reaper.append(pid)
                    os.close(progress_w)
                    assert os.read(progress_r, 1) == b".", "writer died before it was ready"
                    # Let it run a random number of iterations (0 = kill in the first one).
                    run_for = rng.randrange(MAX_ITERATIONS // 2)
                    for _ in range(run_for):
                        assert os.read(progress_r, 1) == b"."
                    os.kill(pid, signal.SIGKILL)
                    announced = 1 + run_for + len(read_all(progress_r))
                    os.close(progress_r)
                    _, status = os.waitpid(pid, 0)
                    reaper.remove(pid)
                    assert os.WIFSIGNALED(status) or os.waitstatus_to_exitcode(status) == 0
                    started.append(announced)
                for child, n in enumerate(started):
                    _check_after_kill(heap, rnd, child, n)
            os.write(cmd_w, b"pause")
            ready, _, _ = select.select([reply_r], [], [], READER_TIMEOUT_S)
            assert ready, "reader hung"
            reads += int(os.read(reply_r, 64))

            heap.verify()
            for child, n in enumerate(started):
                for i in range(n):
                    assert heap.remove(key_of(rnd, child, i)) is True
            heap.clear_deps()
            assert heap.collect() > 0
            heap.verify()
            assert heap.add(b"after/%d" % rnd, b"still works") is True
            heap.add_dep(7, rnd + 1)
            assert heap.get(b"after/%d" % rnd) == b"still works"
            assert heap.get_deps(7) == [rnd + 1]
        os.write(cmd_w, b"quit")
        _, status = os.waitpid(reader, 0)
        reaper.remove(reader)
        assert os.waitstatus_to_exitcode(status) == 0, "reader failed (see captured stderr)"
        assert reads > 0, "the reader never saw a value"
        for rnd in range(ROUNDS):
            assert heap.get(b"after/%d" % rnd) == b"still works"
        os.close(cmd_w)
        os.close(reply_r)


def _check_after_kill(heap: SharedHeap, rnd: int, child: int, started: int) -> None:
    """Iterations before the last announced one are complete; the last one re-adds fully."""
    for i in range(started - 1):
        value = heap.get(key_of(rnd, child, i))
        assert value is not None, f"completed value {i} of writer {child} missing"
        check_value(rnd, child, i, value)
        assert sorted(heap.get_deps(dependency_of(rnd, child, i))) == list(
            range(1, EDGES_PER_ITERATION + 1)
        )
    last = started - 1
    key = key_of(rnd, child, last)
    before = heap.get(key)
    if before is not None:
        check_value(rnd, child, last, before)
    blob = random.Random(rnd * 100 + child).randbytes(VALUE_BYTES)
    assert heap.add(key, value_of(rnd, child, last, blob)) == (before is None)
    check_value(rnd, child, last, heap.get(key))  # type: ignore[arg-type]
    edges = edges_of(rnd, child, last)
    heap.add_deps(edges)
    got = heap.get_deps(dependency_of(rnd, child, last))
    assert sorted(got) == [d for _, d in edges], "an interrupted edge cannot be re-added"
