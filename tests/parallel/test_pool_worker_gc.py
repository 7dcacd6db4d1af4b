"""The cyclic collector in workers: a job's cyclic garbage is collected before the next job,
and what jobs keep is frozen (a later full collection does not walk it again)."""

import gc
import weakref

from parallel import WorkerPool

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
