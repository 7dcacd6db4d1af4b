"""The workers' decoded facts, warmed while a resident session waits (issue 16: the first
edit of a hub after a start from the cache).

A worker decodes a module's facts the first time a project rule or a lookup reads them and
keeps them across updates (``_facts_cache``). A session started cold ran phase 2 on every
module, so its workers hold nearly all of them; a session started from the cache ran none,
and the first edit of a hub had its workers decode the facts of the hub's hundred readers
and of what they read: about 70 % of that recheck on the standard library.

So, once the session is idle (``shoal watch`` between events), each worker runs one
:func:`warm_job` over the committed phase-2 context (the module map; the facts' recipe,
adopted as phase 2 adopts it) and decodes the facts of every module it does not hold yet.
The job looks at the pool's stop flag between two modules: the watch's first event cancels
the call (its ``interrupt``) before the quiet window is over, and a later idle moment goes
on where it stopped, since what was decoded stays. The memory is what a
session started cold holds: one decoded facts object per module in each worker, which
``FactsCache`` already bounds.

The master notes which worker processes completed a warm-up; a replaced worker (a crash,
a timeout) is warmed at the next idle moment, and a full check or rebuild starts over.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import analyzer.engine._jobs as jobs
from analyzer.engine._tasks import FACTS_TABLE, facts_key

__all__ = ["Warmth", "facts_held", "held_job", "warm_job"]

#: Modules decoded between two ``tick()``s (the job timeout bounds each stretch).
TICK_EVERY = 64
#: Modules per bucket when the jobs run in the master (``workers=0``): its call looks at the
#: interrupt between buckets only.
IN_PROCESS_CHUNK = 128


def warm_job(bucket: Sequence[tuple[str, int, int | None]]) -> list[tuple[int, int, bool]]:
    """Decode the facts of the modules ``[start:stop]`` of the phase-2 context under each
    item's key; per item (this pid, facts decoded now, whether it got to the end)."""
    from parallel import should_stop, tick

    out = []
    for ctx_key, start, stop in bucket:
        ctx = jobs._context(ctx_key)
        # The facts' recipe, as ``_jobs._project_index`` adopts it. Adopted here even when
        # the context does not keep facts: the cache's context was written by a one-shot
        # ``shoal check``, and this session's next context will keep them.
        jobs._FACTS.adopt((ctx.extractors, ctx.settings), ctx.modules)
        table = jobs._bound_heap().table(FACTS_TABLE)
        before = jobs._FACTS.loads
        finished = True
        for count, (module, (digest, path)) in enumerate(list(ctx.modules.items())[start:stop]):
            if should_stop():
                finished = False
                break
            jobs._FACTS.get(facts_key(module, digest, path), table.get)
            if count % TICK_EVERY == TICK_EVERY - 1:
                tick()
        out.append((os.getpid(), jobs._FACTS.loads - before, finished))
    return out


def held_job(bucket: Sequence[Any]) -> list[tuple[int, int, int]]:
    """Per item: (this pid, decoded facts held, facts decoded since the process started)."""
    return [(os.getpid(), jobs._FACTS.held, jobs._FACTS.loads) for _ in bucket]


def facts_held(pool: Any) -> dict[int, tuple[int, int]]:
    """Each worker's (decoded facts held, facts decoded so far), by pid: a debug query (one
    bucket per idle worker; the master's own with ``workers=0``)."""
    found: dict[int, tuple[int, int]] = {}
    for pid, held, loads in pool.map_reduce(held_job, [None] * max(1, pool.workers),
                                            merge=_extend, neutral=[], bucket_size=1):
        found[pid] = (held, loads)
    return found


class Warmth:
    """Which worker processes hold the committed context's facts (see the module doc)."""

    def __init__(self) -> None:
        #: pids whose warm-up ran to its end since the last reset
        self.warm: set[int] = set()
        #: a warm-up failed (a job raised, a worker died): not tried again
        self.failed = False
        #: facts decoded by the warm-ups so far (all workers)
        self.decoded = 0

    def reset(self) -> None:
        """A full check or a rebuild: the workers' facts are another recipe's, or partial."""
        self.warm.clear()

    def run(self, pool: Any, heap: Any, ctx_key: str, modules: int,
            interrupt: Callable[[], bool] | None) -> int | None:
        """Warm the workers not yet warm; the facts decoded, None when nothing was due.

        :raises parallel.Cancelled: ``interrupt`` returned true; what was decoded stays.
        """
        from parallel import PoolFailure

        pids = set(pool.pids) if pool.workers else {os.getpid()}
        if self.failed or not ctx_key or pids <= self.warm \
                or ctx_key not in heap.table(jobs.CONTEXT_TABLE):
            return None
        if pool.workers:
            # One bucket per worker: every worker is idle when a call starts, so each takes
            # one, and each needs every module (a recheck's bucket goes to either).
            items: list[tuple[str, int, int | None]] = [(ctx_key, 0, None)] * pool.workers
        else:
            items = [(ctx_key, start, start + IN_PROCESS_CHUNK)
                     for start in range(0, modules, IN_PROCESS_CHUNK)]
            items[-1:] = [(ctx_key, items[-1][1], None)] if items else []
        try:
            done = pool.map_reduce(warm_job, items, merge=_extend, neutral=[], bucket_size=1,
                                   interrupt=interrupt)
        except PoolFailure:
            self.failed = True  # an optimisation: never a failure of the session
            return None
        decoded = sum(n for _, n, _ in done)
        self.decoded += decoded
        self.warm |= {pid for pid, _, finished in done if finished}
        return decoded


def _extend(partial: list[Any], acc: list[Any]) -> list[Any]:
    acc.extend(partial)
    return acc
