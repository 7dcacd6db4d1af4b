"""The pool with the shared heap: errors crossing as their own class, phases, the stop flag."""

import os

import pytest

import heap_native
from parallel import JobError, WorkerPool


def add(part, acc):
    return acc + part


def fill_heap(bucket):
    raise heap_native.HeapFull("heap full: 16 MiB used of 16 MiB; raise heap_size")


def stop_requested_class(bucket):
    return [issubclass(heap_native.StopRequested, BaseException)]


@pytest.mark.parametrize("workers", [0, 1], ids=["in-process", "worker"])
def test_heap_error_arrives_as_its_own_class(workers):
    with WorkerPool(workers=workers) as pool, pytest.raises(heap_native.HeapFull) as info:
        pool.map_reduce(fill_heap, [1, 2, 3], merge=add, neutral=0, bucket_size=3)
    error = info.value
    assert not isinstance(error, JobError)
    assert "raise heap_size" in str(error)
    assert "fill_heap" in error.remote_traceback
    assert error.items == [1, 2, 3]
    assert error.accumulator == 0
    assert error.unfinished == []


# -- with a real heap --------------------------------------------------------------------------

HEAP = None  # the heap of the running test, inherited by the workers at fork


def write_squares(bucket):
    for i in bucket:
        HEAP.add(f"sq:{i}".encode(), str(i * i).encode())
    return len(bucket)


def read_squares(bucket):
    return sum(int(HEAP.get(f"sq:{i}".encode())) for i in bucket)


def write_until_full(bucket):
    payload = b"x" * 65536
    for i in range(10**6):
        HEAP.add(f"big:{os.getpid()}:{i}".encode(), payload)
    return 0


def spin_in_heap(bucket):
    """Announce itself, then make heap calls until the stop flag makes one raise."""
    marker = bucket[0]
    open(marker, "w").close()
    while True:
        HEAP.contains(b"never-there")


@pytest.fixture
def heap():
    global HEAP
    shared = heap_native.SharedHeap(heap_size="16M", hash_slots=2**14)
    HEAP = shared
    try:
        yield shared
    finally:
        HEAP = None
        shared.close()


def test_workers_write_in_one_call_and_read_in_the_next(heap):
    with WorkerPool(workers=2, heap=heap) as pool:
        assert pool.map_reduce(write_squares, range(1000), merge=add, neutral=0) == 1000
        total = pool.map_reduce(read_squares, range(1000), merge=add, neutral=0)
    assert total == sum(i * i for i in range(1000))
    assert heap.get(b"sq:7") == b"49"


def test_heap_full_in_a_worker_arrives_as_heap_full(heap):
    with WorkerPool(workers=2, heap=heap) as pool:
        with pytest.raises(heap_native.HeapFull) as info:
            pool.map_reduce(write_until_full, [1, 2], merge=add, neutral=0, bucket_size=1)
        assert "write_until_full" in info.value.remote_traceback
        assert info.value.items in ([1], [2])


def test_stop_flag_interrupts_a_job_blocked_in_heap_calls(heap, tmp_path):
    from parallel import Cancelled

    marker = str(tmp_path / "started")
    # stop_timeout is long: the call must end because the heap raised, not by a kill.
    with WorkerPool(workers=1, heap=heap, stop_timeout=30) as pool:
        before = pool.pids
        with pytest.raises(Cancelled) as info:
            pool.map_reduce(spin_in_heap, [marker], merge=add, neutral=0,
                            interrupt=lambda: os.path.exists(marker))
        assert info.value.unfinished == [marker]
        assert pool.pids == before  # it stopped by itself: nobody was killed


def bind(shared):
    """What the test's master and (by rebind's hook) the zygote run to switch heaps."""
    global HEAP
    HEAP = shared


def where_and_who(bucket):
    HEAP.add(f"seen:{bucket[0]}".encode(), b"1")
    return [(HEAP.get(b"where"), os.getpid())]


@pytest.mark.parametrize("zygote", [True, False], ids=["zygote", "no-zygote"])
def test_rebind_moves_every_worker_to_the_new_heap(heap, zygote):
    """After rebind() each worker is a new process that reads and writes the new heap;
    the old heap's entries are not touched again."""
    heap.add(b"where", b"old")
    with WorkerPool(workers=2, heap=heap, zygote=zygote) as pool:
        first = pool.map_reduce(where_and_who, range(8), merge=extend, neutral=[],
                                bucket_size=1)
        assert {w for w, _ in first} == {b"old"}
        before = set(pool.pids)
        bigger = heap.copy(dep_slots=2**12)
        try:
            heap.remove(b"where")
            bigger.remove(b"where")
            bigger.add(b"where", b"new")
            bind(bigger)
            pool.rebind(bigger, bind)
            assert not before & set(pool.pids)
            after = pool.map_reduce(where_and_who, range(8, 16), merge=extend, neutral=[],
                                    bucket_size=1)
            assert {w for w, _ in after} == {b"new"}
            assert {pid for _, pid in after} <= set(pool.pids)
            assert all(bigger.contains(f"seen:{i}".encode()) for i in range(16))
            assert not any(heap.contains(f"seen:{i}".encode()) for i in range(8, 16))
        finally:
            bind(heap)
            bigger.close()


def extend(part, acc):
    acc.extend(part)
    return acc
