"""DaskPool on a LocalCluster: the map_reduce contract, and where dask makes it differ."""

import ast
import os
import select
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

import heap_native
from parallel import (
    Cancelled,
    DaskPool,
    JobError,
    JobTimeout,
    SchedulerUnreachable,
    WorkerDied,
    WorkerPool,
    _ledger,
)
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
    kill_on_poison,
    say_stuck,
    total,
    unpicklable_result,
)

#: the most a blocked job waits for its release before going on by itself, so a broken
#: test cannot keep a worker thread forever
RELEASE_CAP_SECONDS = 30.0
#: the most a test waits for the nannies to bring killed workers back (a cap on a wait for
#: that event, not a measure of how long it takes)
RESTART_CAP_SECONDS = 120.0


def start_process_global_helpers():
    """Start what the first LocalCluster leaves running for the life of the process, by
    design: multiprocessing's resource tracker (a child process and its pipe, started by the
    first spawned worker and reused by every later one)."""
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()


pytestmark = pytest.mark.leaks_per_module(warm_up=start_process_global_helpers)


@pytest.fixture(scope="module")
def pool():
    with DaskPool(workers=2) as pool:
        yield pool


@pytest.fixture
def address(pool):
    return pool.client.scheduler.address


# -- jobs and merges (module level: the workers import them by reference) --------------------


def describe(bucket):
    return [(x, x * x, f"item-{x}") for x in bucket]


def read_shared(bucket):
    """(token, length of the shared bytes, id of that object) per item, and the pid."""
    from parallel import shared_data

    return [(token, len(shared_data(token)), id(shared_data(token)), os.getpid())
            for token in bucket]


def shared_length_or_kill(bucket):
    """The shared data's length per item (the token is in a tuple with the item); the
    poison item kills its worker, and with it that worker's copy of the data."""
    from parallel import shared_data

    out = []
    for token, x in bucket:
        if x == POISON:
            os.kill(os.getpid(), signal.SIGKILL)
        out.append((x, len(shared_data(token))))
    return out


def raise_heap_full(bucket):
    raise heap_native.HeapFull("heap full: 16 MiB used of 16 MiB; raise heap_size")


def pid_of_worker(bucket):
    return [os.getpid()]


def block_until_released(bucket):
    """Items are ``(started, release, i)``: on an item with a ``started`` path, announce the
    start there (one more byte) and block until ``release`` exists."""
    for started, release, _ in bucket:
        if started is not None:
            say_stuck(started)
            deadline = time.monotonic() + RELEASE_CAP_SECONDS
            while not os.path.exists(release) and time.monotonic() < deadline:
                select.select([], [], [], 0.01)
    return [i for _, _, i in bucket]


def blocking_items(tmp_path, n=30, at=POISON):
    started, release = str(tmp_path / "started"), str(tmp_path / "release")
    items = [(started if i == at else None, release, i) for i in range(n)]
    return started, release, items


# -- the module and the pool ------------------------------------------------------------------


def test_importing_parallel_does_not_import_dask():
    code = (
        "import sys, parallel\n"
        "from parallel import DaskPool, SchedulerUnreachable\n"
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, cwd=os.path.dirname(os.path.dirname(os.path.dirname(
                             os.path.abspath(__file__)))))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_local_cluster_has_one_thread_per_process_and_no_memory_limit(pool):
    info = pool.client.scheduler_info()["workers"]
    assert len(info) == 2
    assert all(w["nthreads"] == 1 for w in info.values())
    assert all(not w["memory_limit"] for w in info.values())
    pids = pool.pids
    assert len(set(pids)) == 2 and os.getpid() not in pids


FORK_POOL = textwrap.dedent(
    """
    import sys
    sys.path[:0] = [{tests!r}, {root!r}]
    from test_dask_pool import describe, extend
    from parallel import WorkerPool

    with WorkerPool(workers=2) as pool:
        for kwargs in {cases!r}:
            out = pool.map_reduce(describe, range(300), merge=extend, neutral=[], **kwargs)
            print(repr(sorted(out)))
    """
)
CASES = [{}, {"bucket_size": 1}, {"bucket_size": 7}]


def test_results_equal_the_fork_pools(pool):
    # The fork pool runs in a fresh process: this one already has dask's threads.
    tests = os.path.dirname(os.path.abspath(__file__))
    script = FORK_POOL.format(tests=tests, root=os.path.dirname(os.path.dirname(tests)),
                              cases=CASES)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    expected = [ast.literal_eval(line) for line in out.stdout.splitlines()]
    got = [sorted(pool.map_reduce(describe, range(300), merge=extend, neutral=[], **kwargs))
           for kwargs in CASES]
    assert got == expected
    assert len(got[0]) == 300


def test_cost_aware_buckets_and_progress(pool):
    seen = []
    out = pool.map_reduce(total, range(200), merge=add, neutral=0, cost=lambda x: x,
                          progress=lambda done, n: seen.append((done, n)))
    assert out == sum(range(200))
    assert seen[0] == (0, 200) and seen[-1] == (200, 200)
    assert all(n == 200 for _, n in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    # One report per bucket after the first: 2 threads, so 1 + 200 // 20 items at most each.
    assert len(seen) - 1 >= 200 // (1 + 200 // 20)


def test_work_is_spread_over_the_worker_processes(pool):
    out = pool.map_reduce(pid_of_worker, range(40), merge=extend, neutral=[], bucket_size=1)
    assert len(out) == 40
    assert set(out) <= set(pool.pids)


def test_shared_data_reaches_every_bucket_once_per_worker(pool):
    data = os.urandom(1 << 20)
    before = pool.traffic.shared_bytes
    token = pool.share(data)
    try:
        out = pool.map_reduce(read_shared, [token] * 40, merge=extend, neutral=[],
                              bucket_size=1)
    finally:
        pool.unshare(token)
    assert {length for _, length, _, _ in out} == {len(data)}
    # Each worker holds one copy and hands every task that same object: shipped once.
    per_worker: dict[int, set[int]] = {}
    for _, _, obj, pid in out:
        per_worker.setdefault(pid, set()).add(obj)
    assert all(len(objs) == 1 for objs in per_worker.values())
    assert pool.traffic.shared_bytes - before == len(data) * 2
    # Released: a later call's jobs cannot read it, and say which token was missing.
    with pytest.raises(JobError, match="no data shared under"):
        pool.map_reduce(read_shared, [token], merge=extend, neutral=[])


def test_traffic_counts_payloads_and_replies(pool):
    before = (pool.traffic.payload_bytes, pool.traffic.reply_bytes, pool.traffic.buckets)
    pool.map_reduce(describe, range(100), merge=extend, neutral=[], bucket_size=10)
    payload, reply, buckets = (pool.traffic.payload_bytes - before[0],
                               pool.traffic.reply_bytes - before[1],
                               pool.traffic.buckets - before[2])
    assert buckets == 10
    assert payload > 10 * 10 and reply > 100 * len("item-00")


def test_shared_data_outside_a_dask_job_is_a_clear_error():
    from parallel import shared_data

    with pytest.raises(KeyError, match="only a job running on the DaskPool"):
        shared_data("nothing")


def test_empty_input_returns_neutral(pool):
    assert pool.map_reduce(total, [], merge=add, neutral=7) == 7


def test_a_lambda_job_is_refused_before_anything_runs(pool):
    with pytest.raises(TypeError, match="module-level function"):
        pool.map_reduce(lambda b: b, [1], merge=add, neutral=0)


# -- failures ---------------------------------------------------------------------------------


def test_job_error_carries_type_message_traceback_and_items(pool):
    with pytest.raises(JobError) as info:
        pool.map_reduce(fail_on_poison, range(30), merge=extend, neutral=[], bucket_size=5)
    error = info.value
    assert error.exc_type == "ValueError"
    assert error.exc_message == "poisoned by 13"
    assert "fail_on_poison" in error.remote_traceback
    assert "raise ValueError" in error.remote_traceback
    assert_partition(error, [10, 11, 12, 13, 14])
    assert pool.map_reduce(total, range(10), merge=add, neutral=0) == 45


@pytest.mark.parametrize("n_failing", [2, 3], ids=["two", "three"])
def test_each_item_is_accounted_once_when_several_buckets_fail(pool, n_failing):
    # Two buckets in flight per thread: the first four are submitted before any reply is
    # read, so every failing bucket runs and fails, and only one can be `items`.
    assert 2 * pool.nthreads() > n_failing
    failing = range(n_failing)
    items = flagged_items(40, 5, failing)
    with pytest.raises(JobError) as info:
        pool.map_reduce(fail_on_flagged, items, merge=extend, neutral=[], bucket_size=5)
    assert_each_item_once(info.value, 40, 5, failing)


def test_heap_error_arrives_as_its_own_class(pool):
    with pytest.raises(heap_native.HeapFull) as info:
        pool.map_reduce(raise_heap_full, [1, 2, 3], merge=add, neutral=0, bucket_size=3)
    error = info.value
    assert not isinstance(error, JobError)
    assert "raise heap_size" in str(error)
    assert "raise_heap_full" in error.remote_traceback
    assert (error.items, error.accumulator, error.unfinished) == ([1, 2, 3], 0, [])


def test_unpicklable_result_is_a_job_error(pool):
    with pytest.raises(JobError, match="pickle"):
        pool.map_reduce(unpicklable_result, [1], merge=add, neutral=0)


def test_a_killed_worker_is_retried_then_worker_died(pool):
    before = pool.pids
    with pytest.raises(WorkerDied, match="killed 2 dask worker") as info:
        pool.map_reduce(kill_on_poison, range(30), merge=extend, neutral=[], bucket_size=5)
    error = info.value
    # dask does not say how a worker ended.
    assert error.exitcode is None and error.signal is None
    assert error.pid != 0 and error.pid not in pool.pids
    assert_partition(error, [10, 11, 12, 13, 14])
    # The nannies restarted the killed processes and the next call runs normally.
    assert pool.map_reduce(total, range(100), merge=add, neutral=0, bucket_size=1) == 4950
    # The next call may have run before the second nanny was done: wait for it.
    pool.client.wait_for_workers(2, timeout=RESTART_CAP_SECONDS)
    assert len(pool.pids) == 2 and pool.pids != before


def test_shared_data_is_shared_again_when_the_workers_holding_it_die(pool):
    data = b"d" * 1000
    token = pool.share(data)
    failed = []
    try:
        out = pool.map_reduce(shared_length_or_kill, [(token, x) for x in range(30)],
                              merge=extend, neutral=[], bucket_size=3,
                              on_failure=lambda item, error: failed.append((item[1], error)))
    finally:
        pool.unshare(token)
    # The poison killed both workers (and every copy of the data) before it was blamed;
    # every other item still read the data.
    assert sorted(out) == [(x, len(data)) for x in range(30) if x != POISON]
    assert [(x, type(e)) for x, e in failed] == [(POISON, WorkerDied)]


@pytest.mark.parametrize(("job", "error_class"),
                         [(fail_on_poison, JobError), (kill_on_poison, WorkerDied)],
                         ids=["raises", "killed"])
def test_on_failure_costs_one_item_not_its_bucket(pool, job, error_class):
    failed = []
    out = pool.map_reduce(job, range(30), merge=extend, neutral=[], bucket_size=5,
                          on_failure=lambda item, error: failed.append((item, error)))
    assert sorted(out) == [x for x in range(30) if x != POISON]
    [(item, error)] = failed
    assert item == POISON
    assert isinstance(error, error_class)
    assert error.items == [POISON]


# -- best-effort stopping ---------------------------------------------------------------------


def test_interrupt_cancels_with_unfinished_and_accumulator(pool, tmp_path):
    started, release, items = blocking_items(tmp_path, at=0)
    try:
        with pytest.raises(Cancelled) as info:
            pool.map_reduce(block_until_released, items, merge=extend, neutral=[],
                            bucket_size=1, interrupt=lambda: os.path.exists(started))
    finally:
        open(release, "w").close()  # the abandoned task still holds a thread: let it end
    stop = info.value
    assert not isinstance(stop, Exception)
    unfinished = [i for _, _, i in stop.unfinished]
    assert 0 in unfinished
    assert stop.items == []
    assert sorted(stop.accumulator + unfinished) == list(range(30))
    # The late result of the abandoned task is discarded, not merged into a later call.
    assert pool.map_reduce(total, range(10), merge=add, neutral=0) == 45


def test_job_timeout_abandons_the_bucket(address, tmp_path, monkeypatch):
    started, release, items = blocking_items(tmp_path)
    # Time passes only once the blocked bucket is alone: the other 25 items are merged.
    clock = StuckClock(started, [25])
    monkeypatch.setattr(_ledger, "clock", clock)
    with DaskPool(address, job_timeout=0.5) as timed:
        try:
            with pytest.raises(JobTimeout, match="job_timeout=0.5s") as info:
                timed.map_reduce(block_until_released, items, merge=extend, neutral=[],
                                 bucket_size=5, progress=clock.progress)
        finally:
            open(release, "w").close()
        error = info.value
        assert clock.jumps == 1
        assert "dask cannot stop a running task" in str(error)
        assert error.items == items[10:15]
        assert sorted(error.accumulator) == [i for i in range(30) if not 10 <= i < 15]
        assert error.unfinished == []
        assert timed.map_reduce(total, range(10), merge=add, neutral=0) == 45


# -- connecting -------------------------------------------------------------------------------


def test_an_address_connects_and_closing_leaves_the_cluster_running(pool, address):
    # Workers killed by earlier tests may still be coming back: let both pools see them all.
    pool.client.wait_for_workers(2, timeout=RESTART_CAP_SECONDS)
    with DaskPool(address) as remote:
        assert remote.map_reduce(total, range(100), merge=add, neutral=0) == 4950
        assert sorted(remote.pids) == sorted(pool.pids)
    assert "closed" in repr(remote)
    with pytest.raises(ValueError, match="closed"):
        remote.map_reduce(total, [1], merge=add, neutral=0)
    remote.close()  # idempotent
    assert pool.map_reduce(total, range(10), merge=add, neutral=0) == 45


def test_an_unreachable_scheduler_fails_fast_with_a_named_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"  # nothing listens there any more
    with pytest.raises(SchedulerUnreachable, match=address) as info:
        DaskPool(address, connect_timeout=1.0)
    assert isinstance(info.value, ConnectionError)
    assert info.value.address == address
    assert "connect_timeout=1s" in str(info.value)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="job_timeout"):
        DaskPool(job_timeout=0)
    with pytest.raises(ValueError, match="workers"):
        DaskPool(workers=0)


def test_the_fork_pool_still_refuses_to_fork_with_dask_threads(pool):
    with pytest.raises(RuntimeError, match="before any other thread starts"):
        WorkerPool(workers=1)
