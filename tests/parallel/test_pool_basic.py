"""map_reduce results, bucket dispatch, progress, and how the pool starts and closes."""

import os
import signal
import threading

import pytest

from parallel import WorkerPool, should_stop


def add(part, acc):
    return acc + part


def total(bucket):
    return sum(bucket)


def pid_and_items(bucket):
    return [(os.getpid(), x) for x in bucket]


def extend(part, acc):
    acc.extend(part)
    return acc


def open_descriptors(bucket):
    return [sorted(int(fd) for fd in os.listdir("/proc/self/fd"))]


def signal_state(bucket):
    return [(signal.getsignal(signal.SIGINT) is signal.SIG_IGN, os.getppid(), should_stop())]


@pytest.mark.parametrize("workers", [0, 1, 2], ids=["in-process", "one", "two"])
def test_sum(workers):
    with WorkerPool(workers=workers) as pool:
        assert pool.map_reduce(total, range(1000), merge=add, neutral=0) == sum(range(1000))


def test_in_process_runs_the_job_in_the_master():
    with WorkerPool(workers=0) as pool:
        out = pool.map_reduce(pid_and_items, range(50), merge=extend, neutral=[])
    assert sorted(x for _, x in out) == list(range(50))
    assert {pid for pid, _ in out} == {os.getpid()}


def test_work_is_spread_over_workers():
    with WorkerPool(workers=2) as pool:
        out = pool.map_reduce(pid_and_items, range(400), merge=extend, neutral=[], bucket_size=1)
        assert sorted(x for _, x in out) == list(range(400))
        assert {pid for pid, _ in out} <= set(pool.pids)


def test_empty_input_returns_neutral():
    with WorkerPool(workers=2) as pool:
        assert pool.map_reduce(total, [], merge=add, neutral=7) == 7


def test_progress_reaches_total():
    seen = []
    with WorkerPool(workers=2) as pool:
        pool.map_reduce(total, range(100), merge=add, neutral=0, bucket_size=10,
                        progress=lambda done, n: seen.append((done, n)))
    assert seen[0] == (0, 100)
    assert seen[-1] == (100, 100)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert len(seen) == 11


def test_cost_ordered_call_gives_the_same_result():
    with WorkerPool(workers=2) as pool:
        out = pool.map_reduce(total, range(300), merge=add, neutral=0, cost=lambda x: x % 17)
    assert out == sum(range(300))


def test_the_pool_serves_many_calls_with_the_same_workers():
    with WorkerPool(workers=2) as pool:
        pids = pool.pids
        for n in (10, 100, 1000):
            assert pool.map_reduce(total, range(n), merge=add, neutral=0) == sum(range(n))
        assert pool.pids == pids


def test_a_closure_is_refused_before_anything_runs():
    def local_job(bucket):
        return 0

    with WorkerPool(workers=1) as pool, pytest.raises(TypeError, match="module-level"):
        pool.map_reduce(local_job, [1], merge=add, neutral=0)


def test_workers_ignore_sigint_keep_few_fds_and_know_their_parent():
    with WorkerPool(workers=1) as pool:
        [(ignored, ppid, stop)] = pool.map_reduce(signal_state, [0], merge=extend, neutral=[])
        [fds] = pool.map_reduce(open_descriptors, [0], merge=extend, neutral=[])
    assert ignored and ppid == os.getpid() and stop is False
    # stdin/stdout/stderr and its own socket (listdir's descriptor shows up too)
    assert len(fds) <= 5, fds


def test_refuses_to_fork_with_other_threads_running():
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="busy-thread")
    thread.start()
    try:
        with pytest.raises(RuntimeError, match="busy-thread"):
            WorkerPool(workers=1)
    finally:
        release.set()
        thread.join()


def test_in_process_pool_does_not_mind_threads():
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        with WorkerPool(workers=0) as pool:
            assert pool.map_reduce(total, [1, 2], merge=add, neutral=0) == 3
    finally:
        release.set()
        thread.join()


def test_close_reaps_workers_and_zygote_and_is_idempotent():
    pool = WorkerPool(workers=2)
    pids = pool.pids + [pool.zygote_pid]
    pool.close()
    pool.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(ValueError, match="closed"):
        pool.map_reduce(total, [1], merge=add, neutral=0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="workers"):
        WorkerPool(workers=-1)
    with pytest.raises(ValueError, match="job_timeout"):
        WorkerPool(workers=0, job_timeout=0)
