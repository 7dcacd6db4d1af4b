"""Moving a session to a larger heap when one of its tables fills up.

The heap's tables sit at fixed offsets in its region, sized when the session opened
(``_plan.heap_geometry``), so a full one cannot grow in place. The master copies the live
entries and edges into a larger region (``SharedHeap.copy``) and the workers follow it: a
pool forked per call maps the heap it is given at its next call, a session's pool is moved
by ``WorkerPool.rebind`` through its zygote, whatever threads the master runs by then (the
watch's observer, the server's). docs/contracts.md, section 13, "A session that outgrows
its heap".
"""
from __future__ import annotations

from typing import Any

import analyzer.engine._jobs as jobs

__all__ = ["grown", "move_heap", "outgrown"]


def grown(session: Any, edges: int) -> Any:
    """The session's heap, moved to one whose dependency table holds ``edges`` (as
    ``heap_geometry`` sizes it: twice the edges, and at least double the old table); None
    when it cannot be."""
    from analyzer.engine._plan import dep_slots_for

    dep_slots = max(session.heap.stats().dep_capacity * 2, dep_slots_for(edges))
    return session.heap if move_heap(session, dep_slots=dep_slots) else None


def outgrown(session: Any, exc: BaseException, files: int) -> bool:
    """Whether the session's heap moved to one with room where ``exc`` (a full heap or hash
    table, raised by an update that was then forgotten) found none: twice the full part,
    and for the hash table at least what ``heap_geometry`` gives ``files`` files."""
    from analyzer.engine._plan import hash_slots_for
    from heap_native import HashTableFull, HeapFull

    stats = session.heap.stats()
    if isinstance(exc, HeapFull):
        return move_heap(session, heap_size=2 * stats.heap_capacity)
    if isinstance(exc, HashTableFull):
        return move_heap(session, hash_slots=max(2 * stats.hash_capacity,
                                                 hash_slots_for(files)))
    return False


def move_heap(session: Any, **sizes: int) -> bool:
    """Move ``session`` to a heap of ``sizes`` (the others as they are) holding its heap's
    live entries and edges, the workers following it; whether it could."""
    from heap_native import HeapError
    from parallel import WorkerPool

    old = session.heap
    try:
        heap = old.copy(**sizes)
    except (HeapError, MemoryError, OSError, ValueError):
        return False
    jobs.bind_heap(heap)
    pool = session.pool
    if isinstance(pool, WorkerPool):
        try:
            pool.rebind(heap, jobs.bind_heap)
        except (OSError, RuntimeError):
            jobs.bind_heap(old)
            heap.close()
            return False
    elif pool is not None and not session.remote:
        pool.heap = heap  # a pool forked per call maps the heap it is given
    session.heap = heap
    old.close()
    return True
