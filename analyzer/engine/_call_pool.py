"""A one-shot session's pool: workers forked for each ``map_reduce`` call, stopped after it.

A ``shoal check`` makes two calls (phase 1 over the files, phase 2 over the modules) and, in
the master, works alone between them (the interface digests of every module) and after them
(the merge, the commit, the cache, the output). Workers kept alive through that work hold
their own peak (the trees of the largest files, phase 2's decoded facts) while the master
reaches its own: the process tree's peak is the sum of both. Forked afresh for each call, the
workers exist only while they work, and phase 2's start as copies of the master as it is
then, sharing its pages, instead of carrying phase 1's high-water mark.

The process starts no thread (it is a one-shot check), so the pool needs no zygote: a dead
worker's replacement is forked by this process (``WorkerPool(zygote=False)``).

A worker that parsed a heavy file (phase 1's ``heavy``: never two at once) is replaced after
it by a fresh fork (``renew="heavy"``): the memory a large tree leaves freed but fragmented
in its heap goes back with the process, where ``malloc_trim`` gets back only part of it. In
phase 2, so is a worker whose private memory grew past :data:`RENEW_ABOVE`: its project index
memo grows with every module its modules read. Phase 1 keeps its light workers however they
grow (``keep_workers=True``), since a file's tree and facts are gone when the file is done,
so what a worker holds stays about what its largest light file needed; not on a small tree
whose master holds the interface digests at the phase's end (a cache written). On a large
tree (``_phases.HEAVY_RUN_FILES``) one worker also runs the heavy files one after another,
replaced after the last (``heavy_run=True``, ``renew="heavy-run"``), since each replacement
copies the master's pages again and faults in afresh the memory the next large tree reuses.
"""
from __future__ import annotations

from typing import Any

__all__ = ["CallScopedPool"]

#: bytes of private memory past which a worker is replaced after its bucket. On the
#: standard library a phase-2 worker holds 13 MiB after its first bucket (most of it pages
#: of the master copied as the worker runs its code, which Python 3.11 rewrites as it
#: specializes it) and grows by 1 to 3 MiB a bucket. Below that, phase 2's workers are
#: fresh for each bucket: the stdlib's peak 88-89 -> 85-86 MiB (ruff 85), with no CPU
#: difference measured there or on 20,000 files (114.6 vs 115.3 CPU-s, one run each).
RENEW_ABOVE = 12 * 2**20


class CallScopedPool:
    """``map_reduce`` on a :class:`parallel.WorkerPool` forked for the call and closed after it.

    :param workers: worker processes per call; 0 runs every call in this process.
    :param heap: the shared heap the workers map.
    :param job_timeout: as ``WorkerPool``'s.
    """

    def __init__(self, workers: int, heap: Any = None,
                 job_timeout: float | None = None) -> None:
        self.workers = workers
        self.heap = heap
        self.job_timeout = job_timeout

    def map_reduce(self, job: Any, items: Any, *, in_master: bool = False,
                   keep_workers: bool = False, heavy_run: bool = False, **kwargs: Any) -> Any:
        """``WorkerPool.map_reduce`` on workers that live for this call only, no more of them
        than there are items (a warm check of one changed file forks one); ``in_master``:
        in this process, with no worker forked (a call too small to pay for them). A worker
        is replaced after each heavy item, and after a bucket that left it grown past
        :data:`RENEW_ABOVE` (a call whose jobs keep what they read, as phase 2's), unless
        ``keep_workers``; with ``heavy_run``, one worker runs the heavy items and is replaced
        after the last of them only."""
        from parallel import WorkerPool

        items = list(items)
        workers = 0 if in_master else min(self.workers, len(items))
        with WorkerPool(workers=workers, heap=self.heap, job_timeout=self.job_timeout,
                        zygote=False, renew="heavy-run" if heavy_run else "heavy",
                        renew_above=None if keep_workers else RENEW_ABOVE) as pool:
            return pool.map_reduce(job, items, **kwargs)

    def wake(self) -> None:
        """Nothing to wake: a one-shot check is never cancelled from another thread."""

    def close(self) -> None:
        """Nothing to stop between calls."""
