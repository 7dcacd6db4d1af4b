"""The workers' decoded facts, warmed while a resident session waits (issue 16: the first
edit of a hub after a start from the cache).

A worker decodes a module's facts the first time a project rule or a lookup reads them and
keeps them across updates (``_facts_cache``). A session started cold ran phase 2 on every
module, so its workers hold nearly all of them; a session started from the cache ran none,
and the first edit of a hub had its workers decode the facts of the hub's hundred readers
and of what they read: about 70 % of that recheck on the standard library.

So, once the session is idle (``shoal watch`` between events), each worker runs one
:func:`warm_job` over the committed phase-2 context (the module map; the facts' recipe,
adopted as phase 2 adopts it) and decodes the facts it does not hold yet, the modules a
recheck reads most first (:func:`ranked`). The job looks at the pool's stop flag between
two modules: the watch's first event cancels the call (its ``interrupt``) before the quiet
window is over, and a later idle moment goes on where it stopped, since what was decoded
stays. The memory is bounded: a worker's warm-ups decode at most :data:`WARM_BUDGET`
stored bytes of facts (every module's on the standard library; about a quarter of a
20,000-file tree's).

The master notes which worker processes completed a warm-up; a replaced worker (a crash,
a timeout) is warmed at the next idle moment, and a full check or rebuild starts over.
"""
from __future__ import annotations

import gc
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import analyzer.engine._jobs as jobs
from analyzer.engine._collector import collector_paused
from analyzer.engine._tasks import FACTS_TABLE, facts_key
from analyzer.model import ModuleFacts, absolute_module

__all__ = ["Warmth", "facts_held", "held_job", "warm_idle", "warm_job"]

#: Modules decoded between two ``tick()``s (the job timeout bounds each stretch).
TICK_EVERY = 64
#: Modules per bucket when the jobs run in the master (``workers=0``): its call looks at the
#: interrupt between buckets only.
IN_PROCESS_CHUNK = 128
#: The most modules whose keys a warm-up sends (the first :func:`ranked`).
WARM_LIMIT = 5_000
#: The stored (pickled) bytes of facts a worker decodes ahead, in all its warm-ups under one
#: recipe: decoded, facts take about 9 times their stored size (the standard library's 775
#: modules: 1.2 MiB stored, 11 MiB decoded), so about 75 MiB per worker. Every module's
#: facts would be ~265 MiB per worker on a 20,000-file tree.
WARM_BUDGET = 8 << 20

#: this worker's warm-ups: (the facts recipe they served, stored bytes they decoded)
_SPENT: list[Any] = [None, 0]


def warm_job(bucket: Sequence[tuple[str, Sequence[str], bool, int]],
             ) -> list[tuple[int, int, bool]]:
    """Decode the facts under each item's facts keys, with the recipe of the phase-2 context
    under its context key, until this worker's warm-ups decoded the item's budget of stored
    bytes (and freeze them, when the item says this is a worker); per item (this pid, facts
    decoded now, whether it got to the end or to the budget)."""
    from parallel import should_stop, tick

    out = []
    # The collector is paused, then what was decoded is frozen (``gc.freeze``) in a worker,
    # as ``parallel``'s worker loop freezes after each job: the facts live on, and the
    # collection after the job would walk all of them (seconds on a large tree), holding up
    # the recheck whose event cancelled this job.
    freeze = False
    with collector_paused():
        for ctx_key, keys, in_worker, budget in bucket:
            freeze = freeze or in_worker
            ctx = jobs._context(ctx_key)
            # The facts' recipe, as ``_jobs._project_index`` adopts it; adopted even when
            # the context keeps no facts (the cache's, written by a one-shot ``shoal
            # check``): this session's next context will keep them.
            recipe = (ctx.extractors, ctx.settings)
            jobs._FACTS.adopt(recipe, ctx.modules)
            if _SPENT[0] != recipe:
                _SPENT[:] = [recipe, 0]
            load = _measured(jobs._bound_heap().table(FACTS_TABLE))
            before = jobs._FACTS.loads
            finished = True
            for count, key in enumerate(keys):
                if _SPENT[1] >= budget:
                    break
                if should_stop():
                    finished = False
                    break
                jobs._FACTS.get(key, load)
                if count % TICK_EVERY == TICK_EVERY - 1:
                    tick()
            out.append((os.getpid(), jobs._FACTS.loads - before, finished))
    if freeze:
        gc.freeze()
    return out


def _measured(table: Any) -> Callable[[str], Any]:
    """``table.get``, adding the stored size of what it decodes to this worker's spend."""
    def load(key: str) -> Any:
        found = table.get_sized(key)
        if found is None:
            return None
        _SPENT[1] += found[1]
        return found[0]

    return load


def ranked(imports: Mapping[str, ModuleFacts]) -> list[str]:
    """The modules, those a recheck is likeliest to read first: by the project modules that
    import them plus the imports they make (a hub's readers import much; what their
    lookups pass through is imported by many), then by name."""
    score = dict.fromkeys(imports, 0)
    for module, facts in imports.items():
        score[module] += len(facts.imports)
        for imp in facts.imports:
            target = absolute_module(module, facts.is_package, imp.level, imp.module)
            if target in score:
                score[target] += 1
    return sorted(score, key=lambda m: (-score[m], m))


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
        #: :func:`ranked` of the modules, and how many modules it ranked
        self._ranked: tuple[list[str], int] | None = None

    def reset(self) -> None:
        """A full check or a rebuild: the workers' facts are another recipe's, or partial."""
        self.warm.clear()
        self._ranked = None

    def keys(self, modules: Mapping[str, tuple[str, str]],
             imports: Mapping[str, ModuleFacts]) -> list[str]:
        """The facts keys to warm: the first :data:`WARM_LIMIT` modules :func:`ranked`, at
        their current content (the ranking is kept while the number of modules holds)."""
        if self._ranked is None or self._ranked[1] != len(modules):
            self._ranked = (ranked(imports), len(modules))
        return [facts_key(m, *modules[m]) for m in self._ranked[0][:WARM_LIMIT] if m in modules]

    def run(self, pool: Any, heap: Any, ctx_key: str, modules: Mapping[str, tuple[str, str]],
            imports: Mapping[str, ModuleFacts],
            interrupt: Callable[[], bool] | None) -> int | None:
        """Warm the workers not yet warm; the facts decoded, None when nothing was due.

        :raises parallel.Cancelled: ``interrupt`` returned true; what was decoded stays.
        """
        from parallel import PoolFailure

        pids = set(pool.pids) if pool.workers else {os.getpid()}
        if self.failed or not ctx_key or pids <= self.warm \
                or ctx_key not in heap.table(jobs.CONTEXT_TABLE):
            return None
        keys = self.keys(modules, imports)
        if pool.workers:
            # One bucket per worker: every worker is idle when a call starts, so each takes
            # one, and each needs every module (a recheck's bucket goes to either).
            items = [(ctx_key, keys, True, WARM_BUDGET)] * pool.workers
        else:
            items = [(ctx_key, keys[start:start + IN_PROCESS_CHUNK], False, WARM_BUDGET)
                     for start in range(0, len(keys), IN_PROCESS_CHUNK)]
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


def warm_idle(session: Any, interrupt: Callable[[], bool]) -> None:
    """What ``shoal watch`` and ``shoal server`` do while idle, until ``interrupt`` says an
    event came: ``session.prime`` (the maps an edit's recheck starts from), then
    ``session.warm`` (when the session has them); a cancelled step is no error, since what
    a warm-up decoded stays, a cancelled prime committed nothing, and the next idle moment
    goes on."""
    from parallel import Cancelled

    for step in ("prime", "warm"):
        method = getattr(session, step, None)
        if method is None:
            continue
        try:
            method(interrupt=interrupt)
        except Cancelled:
            return


def _extend(partial: list[Any], acc: list[Any]) -> list[Any]:
    acc.extend(partial)
    return acc
