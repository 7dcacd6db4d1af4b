"""The cyclic collector in workers: a job's cyclic garbage is collected before the next job,
and what jobs keep is frozen (a later full collection does not walk it again); a job may
pause it until its reply is sent; the C heap's free pages go back to the system between
jobs."""

import gc
import os
import weakref

from parallel import WorkerPool, hold_until_replied, pause_collector_until_replied

_KEPT: list[object] = []
_DROPPED: list[weakref.ref] = []


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def leave_cycle(bucket):
    """Leave one unreachable cycle behind, watched through a weak reference."""
    _DROPPED.append(weakref.ref(_Node()))
    return []


def cycle_freed(bucket):
    return [_DROPPED[-1]() is None]


def keep(bucket):
    _KEPT.append([object() for _ in range(10)])
    return []


def kept_in_a_generation(bucket):
    """Whether the kept list is still among the objects a collection walks."""
    kept = _KEPT[-1]
    return [any(o is kept for o in gc.get_objects())]


def _rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


_PINNED: list[bytes] = []


def leave_free_heap(bucket):
    """Free 20 MB of the C heap below one block that stays (so it cannot shrink by itself)."""
    blocks = [bytes(4000) for _ in range(5000)]
    _PINNED.append(blocks[-1])
    del blocks
    return [_rss()]


def rss_now(bucket):
    return [_rss()]


def extend(part, acc):
    acc.extend(part)
    return acc


def run(pool, job):
    return pool.map_reduce(job, [0], merge=extend, neutral=[])


def test_cyclic_garbage_of_a_job_is_collected_before_the_next():
    with WorkerPool(workers=1) as pool:
        run(pool, leave_cycle)
        assert run(pool, cycle_freed) == [True]


def test_what_a_job_keeps_is_frozen():
    with WorkerPool(workers=1) as pool:
        run(pool, keep)
        assert run(pool, kept_in_a_generation) == [False]


def test_free_c_heap_pages_go_back_to_the_system_between_jobs():
    with WorkerPool(workers=1) as pool:
        [after_job] = run(pool, leave_free_heap)
        [next_job] = run(pool, rss_now)
    assert after_job - next_job > 10 * 2**20


def pause_on_odd(bucket):
    """(collector on at the start, on after the pause call), pausing for odd items; an odd
    item leaves a cycle held until the reply, watched through a weak reference."""
    [item] = bucket
    at_start = gc.isenabled()
    if item % 2:
        pause_collector_until_replied()
        node = _Node()
        _DROPPED.append(weakref.ref(node))
        hold_until_replied(node)
    return [(item, at_start, gc.isenabled())]


def test_a_job_pauses_the_collector_until_its_reply_then_it_collects_and_resumes():
    """The pause lasts past the job's return (its reply is pickled unwalked), the next job
    starts with the collector on, and what was held is collected in between. Two paused
    jobs, so that a resume that happened once only would show."""
    with WorkerPool(workers=1) as pool:
        states = pool.map_reduce(pause_on_odd, [1, 2, 3, 4], merge=extend, neutral=[],
                                 bucket_size=1)
        assert run(pool, cycle_freed) == [True]  # item 3's held cycle
    assert sorted(states) == [(1, True, False), (2, True, True), (3, True, False),
                              (4, True, True)]


def test_outside_a_worker_the_pause_does_nothing():
    assert gc.isenabled()
    pause_collector_until_replied()
    assert gc.isenabled()
