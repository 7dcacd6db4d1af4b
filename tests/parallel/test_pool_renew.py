"""Heavy items (buckets of their own, never two at once) and renewed workers (a fresh fork
after a heavy bucket, after the last heavy bucket of one worker that runs them all, after
every bucket, or once a worker's private memory grew too much)."""

import itertools
import os
import select

import pytest

from parallel import WorkerPool
from parallel._ledger import Ledger

#: how long a heavy job waits for a light bucket to start beside it (it always does, unless
#: the pool runs a second heavy bucket instead)
PATIENCE = 20.0


def _extend(part, acc):
    acc.extend(part)
    return acc


def _ledger(items, heavy, cost=None, bucket_size=None):
    return Ledger(items, 2, bucket_size, cost, _extend, [], None, None, heavy)


def test_heavy_items_get_their_own_buckets_first_costliest_first():
    ledger = _ledger(list(range(10)), heavy=lambda i: i in (3, 7, 8), cost=float)
    buckets = list(ledger.pending)
    assert buckets[:3] == [[8], [7], [3]]
    assert sorted(i for b in buckets[3:] for i in b) == [0, 1, 2, 4, 5, 6, 9]
    assert [ledger.is_heavy(b) for b in buckets[:4]] == [True, True, True, False]


def test_while_a_heavy_bucket_is_out_only_light_ones_start():
    ledger = _ledger(list(range(6)), heavy=lambda i: i < 2, bucket_size=2)
    first = ledger.next_bucket()
    assert ledger.is_heavy(first)
    second = ledger.next_bucket()
    assert not ledger.is_heavy(second)  # the other heavy one waits
    third = ledger.next_bucket()
    assert third is not None and not ledger.is_heavy(third)
    assert ledger.next_bucket() is None  # only the heavy one is left, and one is out
    ledger.succeeded(first, first)
    assert ledger.is_heavy(ledger.next_bucket())


def test_a_caller_that_runs_the_heavy_buckets_in_turn_may_take_one_while_one_is_out():
    ledger = _ledger(list(range(6)), heavy=lambda i: i < 2, bucket_size=2)
    first = ledger.next_bucket(heavy=True)
    assert ledger.is_heavy(first) and ledger.heavy_queued()
    assert not ledger.is_heavy(ledger.next_bucket(heavy=False))  # the other worker's
    second = ledger.next_bucket(heavy=True)  # the same worker's next, sent ahead
    assert ledger.is_heavy(second) and second is not first
    assert not ledger.heavy_queued()
    assert not ledger.is_heavy(ledger.next_bucket(heavy=True))  # light ones once none is left


def test_a_worker_that_does_not_run_heavy_buckets_gets_none_when_only_they_are_left():
    ledger = _ledger([0, 1, 2], heavy=lambda i: i == 0, bucket_size=2)
    light = ledger.next_bucket(heavy=False)
    assert light is not None and not ledger.is_heavy(light)
    assert ledger.next_bucket(heavy=False) is None
    assert ledger.due and ledger.heavy_queued()


@pytest.mark.parametrize("hand_back", ["requeue", "discard", "failed"])
def test_a_heavy_bucket_handed_back_any_way_lets_the_next_one_start(hand_back):
    ledger = _ledger([0, 1], heavy=lambda i: True)
    first = ledger.next_bucket()
    assert ledger.next_bucket() is None
    if hand_back == "failed":
        ledger.failed(first, ValueError("boom"))
        ledger.failure = None  # the call would stop; here only the heavy accounting matters
    else:
        getattr(ledger, hand_back)(first)
    assert ledger.next_bucket() is not None


def heavy_or_light(bucket):
    """A heavy item claims a marker no other heavy job may hold, then waits until a light
    bucket has started; a light one says it started. Returns (item, pid, overlapped)."""
    results = []
    for where, item, heavy in bucket:
        if not heavy:
            open(os.path.join(where, "light-started"), "w").close()
            results.append((item, os.getpid(), False))
            continue
        marker = os.path.join(where, "heavy-running")
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            results.append((item, os.getpid(), True))
            continue
        os.close(fd)
        waited = 0.0
        while not os.path.exists(os.path.join(where, "light-started")) and waited < PATIENCE:
            select.select([], [], [], 0.01)
            waited += 0.01
        os.unlink(marker)
        results.append((item, os.getpid(), False))
    return results


@pytest.mark.parametrize("renew", [None, "heavy-run"])
def test_two_heavy_buckets_never_run_at_once(tmp_path, renew):
    where = str(tmp_path)
    items = [(where, i, i < 3) for i in range(12)]
    with WorkerPool(workers=2, renew=renew) as pool:
        result = pool.map_reduce(heavy_or_light, items, merge=_extend, neutral=[],
                                 heavy=lambda item: item[2], bucket_size=2)
    assert sorted(item for item, _, _ in result) == list(range(12))
    assert not [item for item, _, overlapped in result if overlapped]


def pids(bucket):
    return [(item, os.getpid()) for item in bucket]


#: items run so far by this process (a worker's count starts afresh in each fork)
_RUN = itertools.count()


def pids_in_order(bucket):
    return [(item, os.getpid(), next(_RUN)) for item in bucket]


def test_a_worker_is_renewed_after_each_heavy_bucket():
    """A heavy bucket's worker runs nothing after it (it may have run light buckets before:
    the heavy bucket goes to whichever worker is idle first) and is not in the pool after."""
    items = list(range(20))
    with WorkerPool(workers=2, zygote=False, renew="heavy") as pool:
        result = pool.map_reduce(pids_in_order, items, merge=_extend, neutral=[],
                                 bucket_size=2, heavy=lambda i: i < 4)
        left = set(pool.pids)
    assert sorted(item for item, _, _ in result) == items
    for heavy in range(4):
        ((pid, order),) = [(p, n) for i, p, n in result if i == heavy]
        later = [i for i, p, n in result if p == pid and n > order]
        assert later == [], f"the worker of heavy item {heavy} ran {later} after it"
        assert pid not in left


def _heavy_run(renew_above=None):
    """Twenty items, the first four heavy, on two workers with ``renew="heavy-run"``: the
    pid of the worker of the heavy items, the items by pid, and the pool's pids after."""
    with WorkerPool(workers=2, zygote=False, renew="heavy-run",
                    renew_above=renew_above) as pool:
        result = pool.map_reduce(pids_in_order, list(range(20)), merge=_extend, neutral=[],
                                 bucket_size=2, heavy=lambda i: i < 4)
        left = set(pool.pids)
    assert sorted(item for item, _, _ in result) == list(range(20))
    by_pid: dict[int, set[int]] = {}
    for item, pid, _ in result:
        by_pid.setdefault(pid, set()).add(item)
    (heavy_pid,) = {pid for item, pid, _ in result if item < 4}
    return heavy_pid, by_pid, left


def test_with_heavy_run_one_worker_runs_every_heavy_bucket_and_is_renewed_after_the_last():
    heavy_pid, by_pid, left = _heavy_run()
    assert by_pid[heavy_pid] == {0, 1, 2, 3}  # and nothing else: replaced after the last
    assert heavy_pid not in left
    light = set(by_pid) - {heavy_pid}
    assert light and light <= left  # the light ones ran beside it, in kept workers


def test_with_heavy_run_the_heavy_worker_is_kept_however_it_grows():
    """Every worker counts as grown (a limit of 0): the light ones are replaced after each
    bucket, the heavy one only after its last heavy bucket."""
    heavy_pid, by_pid, left = _heavy_run(renew_above=0)
    assert by_pid[heavy_pid] == {0, 1, 2, 3}
    # A light worker runs its bucket and at most the one sent ahead to it before it grew.
    light = {pid: items for pid, items in by_pid.items() if pid != heavy_pid}
    assert len(light) >= 4 and all(len(items) <= 4 for items in light.values())
    assert not left & set(by_pid)


def test_every_bucket_in_a_fresh_worker_with_renew_every():
    with WorkerPool(workers=2, renew="every") as pool:
        result = pool.map_reduce(pids, list(range(8)), merge=_extend, neutral=[],
                                 bucket_size=1)
    assert len({pid for _, pid in result}) == 8


@pytest.mark.parametrize("zygote", [False, True])
def test_renewed_workers_are_reaped_by_the_end_of_the_call(zygote):
    """A call with renewals leaves no zombie and no live replaced worker behind, in a
    kept pool too."""
    with WorkerPool(workers=2, zygote=zygote, renew="every") as pool:
        for _ in range(2):  # a kept pool: each call reaps its own
            result = pool.map_reduce(pids, list(range(6)), merge=_extend, neutral=[],
                                     bucket_size=1)
            gone = {pid for _, pid in result} - set(pool.pids)
            assert len(gone) == 6
            for pid in gone:
                assert not os.path.exists(f"/proc/{pid}"), f"worker {pid} is still there"
                if not zygote:
                    with pytest.raises(ChildProcessError):
                        os.waitpid(pid, os.WNOHANG)


#: memory a job keeps in its worker, so that the worker's private memory grows
_KEPT: list[bytearray] = []


def keep_memory(bucket):
    _KEPT.append(bytearray(os.urandom(1)) * (48 * 2**20))
    return [(item, os.getpid()) for item in bucket]


def test_a_worker_grown_past_renew_above_is_replaced_after_its_queued_bucket():
    with WorkerPool(workers=1, renew_above=32 * 2**20) as pool:
        result = pool.map_reduce(keep_memory, [0, 1, 2, 3], merge=_extend, neutral=[],
                                 bucket_size=1)
    order = [pid for _, pid in sorted(result)]
    # Bucket 1 was sent ahead while bucket 0 ran: it runs in the grown worker; after it,
    # nothing is sent ahead to that worker, which is replaced, and so is its successor.
    assert order[0] == order[1]
    assert len(set(order[1:])) == 3


def test_a_worker_under_renew_above_is_kept():
    with WorkerPool(workers=1, renew_above=1 << 40) as pool:
        result = pool.map_reduce(keep_memory, [0, 1, 2, 3], merge=_extend, neutral=[],
                                 bucket_size=1)
    assert len({pid for _, pid in result}) == 1


def test_renew_must_name_a_policy():
    with pytest.raises(ValueError, match="renew"):
        WorkerPool(workers=0, renew="always")
