"""Every way a bucket can fail, what the exception carries, and on_failure."""

import os
import select
import signal
import threading

import pytest

from parallel import JobError, JobTimeout, PoolFailure, WorkerDied, WorkerPool, _ledger
from tests.parallel.pool_jobs import (
    POISON,
    StuckClock,
    add,
    assert_each_item_once,
    assert_partition,
    extend,
    fail_on_flagged,
    fail_on_poison,
    flagged_items,
    hang_when_marked,
    kill_on_poison,
    total,
    unpicklable_result,
)

#: buckets run by record_then_fail_on_poison in this process (workers=0 only)
RAN_IN_PROCESS: list[list[int]] = []


def exit_on_poison(bucket):
    if POISON in bucket:
        os._exit(3)
    return list(bucket)


def record_then_fail_on_poison(bucket):
    RAN_IN_PROCESS.append(list(bucket))
    return fail_on_poison(bucket)


def exit_via_sys_exit(bucket):
    raise SystemExit(4)


def stuck_items(tmp_path, n=30):
    """``(path or None, i)``: the poison item says it is stuck in ``path``, then hangs."""
    path = str(tmp_path / "stuck")
    return path, [(path if i == POISON else None, i) for i in range(n)]


@pytest.mark.parametrize("workers", [0, 2], ids=["in-process", "workers"])
def test_job_error_carries_type_message_traceback_and_items(workers):
    with WorkerPool(workers=workers) as pool:
        with pytest.raises(JobError) as info:
            pool.map_reduce(fail_on_poison, range(30), merge=extend, neutral=[], bucket_size=5)
        error = info.value
        assert error.exc_type == "ValueError"
        assert error.exc_message == "poisoned by 13"
        assert "fail_on_poison" in error.remote_traceback
        assert "raise ValueError" in error.remote_traceback
        assert "poisoned by 13" in str(error)
        assert_partition(error, [10, 11, 12, 13, 14])
        assert pool.map_reduce(total, range(10), merge=add, neutral=0) == 45


@pytest.mark.parametrize("workers", [0, 1], ids=["in-process", "one-worker"])
def test_no_bucket_is_dispatched_after_a_failure(workers):
    RAN_IN_PROCESS.clear()
    with WorkerPool(workers=workers) as pool, pytest.raises(JobError) as info:
        pool.map_reduce(record_then_fail_on_poison, range(30), merge=extend, neutral=[],
                        bucket_size=5)
    assert info.value.accumulator == list(range(10))
    assert info.value.items == list(range(10, 15))
    assert info.value.unfinished == list(range(15, 30))
    if workers == 0:
        # In this process the jobs are visible: nothing ran after the failing bucket.
        assert RAN_IN_PROCESS == [list(range(0, 5)), list(range(5, 10)), list(range(10, 15))]


@pytest.mark.parametrize("n_failing", [2, 3], ids=["two", "three"])
@pytest.mark.parametrize("in_process", [False, True], ids=["workers", "in-process"])
def test_each_item_is_accounted_once_when_several_buckets_fail(n_failing, in_process):
    # One worker per failing bucket and one more: the first buckets all start before any
    # reply is read, so every failing bucket runs and fails, and only one can be `items`.
    failing = range(n_failing)
    items = flagged_items(40, 5, failing)
    with WorkerPool(workers=0 if in_process else n_failing + 1) as pool:
        with pytest.raises(JobError) as info:
            pool.map_reduce(fail_on_flagged, items, merge=extend, neutral=[], bucket_size=5)
    assert_each_item_once(info.value, 40, 5, failing)


def test_sys_exit_in_a_job_is_a_job_error():
    with WorkerPool(workers=1) as pool, pytest.raises(JobError) as info:
        pool.map_reduce(exit_via_sys_exit, [1], merge=add, neutral=0)
    assert info.value.exc_type == "SystemExit"


def test_unpicklable_result_is_a_job_error():
    with WorkerPool(workers=1) as pool, pytest.raises(JobError, match="pickle"):
        pool.map_reduce(unpicklable_result, [1], merge=add, neutral=0)


@pytest.mark.parametrize(
    ("job", "exitcode", "words"),
    [(exit_on_poison, 3, "exited with status 3"), (kill_on_poison, -9, "signal SIGKILL")],
    ids=["os-exit", "sigkill"],
)
def test_dead_worker_is_named_and_replaced(job, exitcode, words):
    with WorkerPool(workers=2) as pool:
        before = pool.pids
        with pytest.raises(WorkerDied, match=words) as info:
            pool.map_reduce(job, range(30), merge=extend, neutral=[], bucket_size=5)
        error = info.value
        assert error.exitcode == exitcode
        assert error.pid in before and error.pid not in pool.pids
        assert len(pool.pids) == 2
        assert_partition(error, [10, 11, 12, 13, 14])
        # The replacement comes from the zygote and the next call runs normally.
        assert pool.map_reduce(total, range(100), merge=add, neutral=0, bucket_size=1) == 4950


def test_a_worker_killed_between_calls_is_replaced_silently():
    with WorkerPool(workers=1) as pool:
        victim = pool.pids[0]
        pidfd = os.pidfd_open(victim)
        try:
            os.kill(victim, signal.SIGKILL)
            select.select([pidfd], [], [])  # readable once the worker has exited
        finally:
            os.close(pidfd)
        assert pool.map_reduce(total, range(10), merge=add, neutral=0) == 45
        assert pool.pids != [victim]


def test_timeout_kills_and_replaces_the_worker(tmp_path, monkeypatch):
    path, items = stuck_items(tmp_path)
    # Time passes only once the stuck bucket is alone: the other 25 items are merged.
    clock = StuckClock(path, [25])
    monkeypatch.setattr(_ledger, "clock", clock)
    with WorkerPool(workers=2, job_timeout=0.3) as pool:
        before = pool.pids
        with pytest.raises(JobTimeout, match="job_timeout=0.3") as info:
            pool.map_reduce(hang_when_marked, items, merge=extend, neutral=[], bucket_size=5,
                            progress=clock.progress)
        error = info.value
        assert error.pid in before and error.pid not in pool.pids
        assert error.items == items[10:15]
        assert sorted(error.accumulator) == [i for i in range(30) if not 10 <= i < 15]
        assert error.unfinished == []
        assert pool.map_reduce(total, range(10), merge=add, neutral=0) == 45


@pytest.mark.parametrize(
    ("job", "error_class"),
    [(fail_on_poison, JobError), (exit_on_poison, WorkerDied), (kill_on_poison, WorkerDied)],
    ids=["raises", "exits", "killed"],
)
def test_on_failure_costs_one_item_not_its_bucket(job, error_class):
    check_on_failure(job, error_class, workers=2)


def test_on_failure_in_process():
    check_on_failure(fail_on_poison, JobError, workers=0)


def test_on_failure_costs_one_item_when_it_hangs(tmp_path, monkeypatch):
    path, items = stuck_items(tmp_path)
    # First jump: the 25 items outside the stuck bucket are merged; second: its four
    # healthy items, re-run one per bucket, are merged too and the poison hangs again.
    clock = StuckClock(path, [25, 29])
    monkeypatch.setattr(_ledger, "clock", clock)
    failed = []
    with WorkerPool(workers=2, job_timeout=0.3) as pool:
        out = pool.map_reduce(hang_when_marked, items, merge=extend, neutral=[], bucket_size=5,
                              progress=clock.progress,
                              on_failure=lambda item, error: failed.append((item, error)))
    assert sorted(out) == [x for x in range(30) if x != POISON]
    [(item, error)] = failed
    assert item == (path, POISON)
    assert isinstance(error, JobTimeout)
    assert error.items == [(path, POISON)]
    assert clock.jumps == 2


def check_on_failure(job, error_class, workers):
    failed = []
    with WorkerPool(workers=workers) as pool:
        out = pool.map_reduce(job, range(30), merge=extend, neutral=[], bucket_size=5,
                              on_failure=lambda item, error: failed.append((item, error)))
    assert sorted(out) == [x for x in range(30) if x != POISON]
    [(item, error)] = failed
    assert item == POISON
    assert isinstance(error, error_class)
    assert error.items == [POISON]


def test_all_failures_share_one_base():
    for cls in (JobError, WorkerDied, JobTimeout):
        assert issubclass(cls, PoolFailure)


def test_without_zygote_the_pool_fails_clearly_and_still_closes():
    with WorkerPool(workers=1) as pool:
        zygote = pool.zygote_pid
        pidfd = os.pidfd_open(zygote)
        try:
            os.kill(zygote, signal.SIGKILL)
            select.select([pidfd], [], [])
        finally:
            os.close(pidfd)
        with pytest.raises(WorkerDied):
            pool.map_reduce(kill_on_poison, [POISON], merge=extend, neutral=[])
        with pytest.raises(RuntimeError, match="zygote"):
            pool.map_reduce(total, [1, 2], merge=add, neutral=0)


def test_a_pool_without_zygote_forks_replacements_itself():
    others = set(_children())  # an earlier test's processes, if any are still going
    with WorkerPool(workers=2, zygote=False) as pool:
        assert pool.zygote_pid is None
        # The pool's processes are this process's children, and nothing else is.
        assert set(_children()) - others == set(pool.pids)
        before = pool.pids
        with pytest.raises(WorkerDied) as info:
            pool.map_reduce(kill_on_poison, range(30), merge=extend, neutral=[], bucket_size=5)
        assert info.value.pid in before and info.value.pid not in pool.pids
        assert len(pool.pids) == 2
        assert set(_children()) - others == set(pool.pids)
        assert pool.map_reduce(total, range(100), merge=add, neutral=0, bucket_size=1) == 4950
    assert set(_children()) - others == set()


def test_a_pool_without_zygote_cannot_replace_a_worker_once_threads_run():
    release = threading.Event()
    with WorkerPool(workers=1, zygote=False) as pool:
        thread = threading.Thread(target=release.wait, name="busy-thread")
        thread.start()
        try:
            with pytest.raises(WorkerDied):
                pool.map_reduce(kill_on_poison, [POISON], merge=extend, neutral=[])
            with pytest.raises(RuntimeError, match="no zygote and this process now runs threads"):
                pool.map_reduce(total, [1, 2], merge=add, neutral=0)
        finally:
            release.set()
            thread.join()


def _children() -> list[int]:
    with open(f"/proc/self/task/{os.getpid()}/children", encoding="ascii") as handle:
        return [int(pid) for pid in handle.read().split()]
