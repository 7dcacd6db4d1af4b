"""The two phases' dispatch: phase 1 (files) and phase 2 (modules), one ``map_reduce`` call
each, on the fork pool or on dask (``_remote``).

The fork pool's workers share the master's heap: they read the run context from it and write
facts into it. Dask workers do not: the context and (for phase 2) a heap snapshot travel as
shared data, and the master writes the facts phase 1's jobs return. A job that raises costs
its file or module an SH900 finding, never the check.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import analyzer.engine._jobs as jobs
from analyzer.engine._tasks import FileResult, FileTask, ModuleTask, RunContext
from analyzer.engine._timing import JobTimings
from analyzer.engine._tree_reads import reads_trees
from analyzer.model import ModuleFacts
from analyzer.rules import Diagnostic, FactExtractor, LintRule, ProjectRule, RuleSettings

__all__ = ["Dispatch"]

#: a file at least this large is parsed alone (``map_reduce``'s ``heavy``): never beside
#: another such file, and a one-shot check's worker is replaced after it (``_call_pool``).
#: Its tree costs tens of MiB (31 MiB for the 295 KiB ``test_typing.py``). Below it, a file
#: goes in a light bucket, whose worker is replaced after the bucket if it grew past
#: ``RENEW_ABOVE``: one fork for the bucket rather than one for the file. On the standard
#: library, 27 files rather than 52 (``peak_bench.py --rounds 6``, against 96 KiB): CPU
#: 11.85 -> 11.55 s, lower in each of the 6 rounds, wall 6.70 -> 6.56 s, peak 81 (80-83) ->
#: 82 (80-84) MiB, ruff's 85 (84-86); 160 KiB (18 files) saved a little more CPU but peaked
#: at 86. On 20,000 files, two rounds: 99.8 -> 97.7 CPU-s, peak 254 -> 260 MiB.
HEAVY_FILE_BYTES = 128 * 1024

#: a one-shot check's phase 2 on at most this many modules runs in the master
#: (``Dispatch.phase2_in_master``). Its workers would be forked for it and replaced after
#: nearly every bucket (``_call_pool.RENEW_ABOVE``), which costs more than the work they
#: share: with 2 workers, the standard library's phase 2 (1,771 modules) took 0.35-0.39 s
#: against 0.31-0.32 s in the master, the 20,000-file tree's 3.57 s against 3.36 s. Above
#: this the master's memo of decoded facts (about 28 KiB a module on the 20,000 files: 568
#: against 426 MiB at the peak) would outgrow the two workers it saves (13 MiB and more
#: each).
PHASE2_IN_MASTER_MODULES = 3000

#: A one-shot check's phase 1 keeps its light workers however they grow
#: (``Dispatch.phase1_keeps_workers``) on more files than this, or where the master holds no
#: interface digests at its end (a check without a cache, ``Dispatch.interface_digests``).
#: A worker holds about 13 MiB of its own after its first bucket, so with ``RENEW_ABOVE``'s
#: 12 MiB nearly every light bucket ended in a renewal, and each new fork copies again the
#: master's pages its code writes (about 9,000 page faults). On the 20,000-file tree: 126.5
#: -> 118.6 CPU-s, 74.9 -> 68.7 s, peak 430 -> 425 MiB (medians of four alternated rounds).
#: On the standard library without a cache, eight alternated rounds: 11.13 -> 10.71 CPU-s,
#: lower in each round, 6.33 -> 6.04 s, peak 82 (79-83) -> 81 (79-83) MiB, which stays in
#: the heavy files. With a cache written the master holds the digests (7.5 MiB) at the end
#: of phase 1, and kept workers moved the peak there: 82 (81-85) -> 88 (86-88) MiB, over
#: ruff's 85.
#:
#: On more files than this, the worker that parses the heavy files also runs them all, one
#: after another, and is replaced after the last (``renew="heavy-run"``) rather than after
#: each: its next large tree reuses the pools the last one freed, where a fresh fork faults
#: them in again. On the 20,000 files (450 heavy ones), medians of two benches of two and
#: three alternated rounds: 113.2 -> 101.9 and 105.7 -> 98.4 CPU-s, 65.6 -> 57.9 and 59.8
#: -> 55.7 s, the peak 256 MiB in both. On the standard library (52 heavy files) it saved
#: 0.5 of 12.4 CPU-s, but that worker keeps about 14 MiB of free pools in arenas a few
#: survivors pin: the peak rose from 81 (79-83) to 90 (89-91) MiB, over ruff's 85.
HEAVY_RUN_FILES = 3000

Progress = Callable[[str, int, int], None]
Interrupt = Callable[[], bool]


@dataclass(frozen=True)
class Dispatch:
    """What the phases run on: a session's pool and heap, its rules and their settings."""

    pool: Any
    heap: Any
    #: jobs run on dask: pure, and the master writes the heap.
    remote: bool
    module_rules: tuple[type[LintRule], ...]
    project_rules: tuple[type[ProjectRule], ...]
    settings: RuleSettings
    #: the plugin fact extractors phase 1 runs
    extractors: tuple[type[FactExtractor], ...] = ()
    #: ``--timings``: the workers time each rule and phase, and their totals are added here
    timings: dict[str, float] | None = None
    #: phase 1 stores the trees of reported modules in the heap (a project rule needs them;
    #: every module's when one reads other modules' trees, ``RunContext.all_trees``; never on
    #: dask, whose workers return what they make through the pipe)
    trees: bool = False
    #: the session's phase-1 context keys, by what makes the context differ (its rules and
    #: settings are the session's): one pickle of the rules per session, not per update
    phase1_keys: dict[tuple[bool, ...], str] | None = None
    #: the workers keep decoded facts for the next update (``RunContext.keep_facts``)
    keep_facts: bool = True
    #: phase 2 on at most this many modules runs in the master, not in workers forked for
    #: it (a one-shot check whose project rules are all shoal's own: a third-party rule that
    #: hangs or crashes must do so in a worker); 0: always in the pool's workers
    phase2_in_master: int = 0
    #: phase 1 keeps its light workers however they grow (a ``CallScopedPool``'s
    #: ``keep_workers``: a one-shot check's workers keep nothing from one file to the next)
    #: where the master makes no interface digests or on more than :data:`HEAVY_RUN_FILES`
    #: files, and on those runs the heavy files on one of them, replaced after the last
    #: (``heavy_run``)
    phase1_keeps_workers: bool = False
    #: phase 1 writes the modules' key records (``RunContext.key_records``)
    key_records: bool = True
    #: phase 1's summaries carry the interface digests (``RunContext.interface_digests``)
    interface_digests: bool = True
    #: the packages' build-output rules (``RunContext.outputs``)
    outputs: Mapping[str, tuple[tuple[str, bool, bool], ...]] = field(default_factory=dict)

    def run_context(self, modules: Mapping[str, tuple[str, str]] | None = None,
                    writers: Mapping[str, tuple[str, ...]] | None = None,
                    fact_holders: dict[str, tuple[str, ...]] | None = None,
                    referrers: Mapping[str, tuple[str, ...]] | None = None,
                    contents: dict[str, bytes] | None = None) -> RunContext:
        """The jobs' context; phase 2's names every module's facts (``modules``), every
        module that writes ``sys.modules`` (``writers``), the modules holding each
        plugin fact (``fact_holders``), who references whom (``referrers``) and the
        bytes of the modules whose content is not their file's (``contents``: buffers)."""
        return RunContext(self.module_rules, self.project_rules, self.settings,
                          {} if modules is None else modules, writers or {}, self.extractors,
                          fact_holders or {}, referrers, timings=self.timings is not None,
                          store_trees=self.trees and not self.remote,
                          all_trees=reads_trees(self.project_rules),
                          contents=contents if contents is not None else {},
                          keep_facts=self.keep_facts, key_records=self.key_records,
                          interface_digests=self.interface_digests, outputs=self.outputs)

    def store_context(self, name: str, ctx: RunContext, added: set[str]) -> str:
        """Put ``ctx`` in the heap under a key of its content; a new key goes into ``added``."""
        from analyzer.frontend import content_digest

        table = self.heap.table(jobs.CONTEXT_TABLE)
        data = table.codec.serialize(ctx)
        key = f"{name}:{content_digest(data)}"
        # Serialized once, for the key and the value: phase 2's context names every module.
        if key not in table and table.add_serialized(key, data):
            added.add(key)
        return key

    def phase1(self, todo: list[FileTask], stats: Mapping[str, tuple[int, ...]],
               progress: Progress | None, interrupt: Interrupt | None,
               added_keys: set[str], added_ctx: set[str]) -> dict[str, FileResult]:
        """Phase 1 on ``todo``, by path; ``stats`` (size first) weighs the buckets, and the
        facts keys and context keys written go into ``added_keys`` and ``added_ctx``."""

        if not todo:
            return {}
        extensions = self._extensions([t for t in todo if t.extension], added_keys)
        todo = [t for t in todo if not t.extension]
        sink = _Phase1Sink(self.heap, added_keys, self.timings, self.key_records)
        job: Callable[..., Any] = jobs.phase1_job
        merge: Callable[..., Any] = sink.collect
        tokens: list[str] = []
        items: list[Any]
        if self.remote:
            import analyzer.engine._remote as remote

            tokens.append(remote.share_context(self.pool, self.run_context()))
            items = remote.phase1_items(tokens[0], todo)
            job, merge = remote.phase1_job, sink.collect_remote
        else:
            # The fork pool's workers read the context from the heap (remote ones from
            # the data shared above), so only this path stores it.
            ctx_key = self._phase1_key(added_ctx)
            items = [(ctx_key, t) for t in todo]
        large = len(todo) > HEAVY_RUN_FILES
        results = self._map(job, items, merge, tokens, "checking", progress, interrupt,
                            sink.on_failure, cost=lambda item: stats[item[1].path][0],
                            heavy=lambda item: stats[item[1].path][0] >= HEAVY_FILE_BYTES,
                            keep_workers=self.phase1_keeps_workers
                            and (large or not self.interface_digests),
                            heavy_run=self.phase1_keeps_workers and large)
        if sink.heap_errors:
            # the session turns it into HeapTooSmall, as for the master's own heap writes
            raise sink.heap_errors[0]
        return {r.path: r for r in results + sink.failed + extensions}

    def _phase1_key(self, added_ctx: set[str]) -> str:
        """Phase 1's context in the heap: the key stored last while the heap still holds it."""
        memo = self.phase1_keys if self.phase1_keys is not None else {}
        flags = (self.timings is not None, self.trees, self.key_records,
                 self.interface_digests)
        key = memo.get(flags)
        if key is None or key not in self.heap.table(jobs.CONTEXT_TABLE):
            key = memo[flags] = self.store_context("phase1", self.run_context(), added_ctx)
        return key

    def _extensions(self, todo: list[FileTask], added_keys: set[str]) -> list[FileResult]:
        """Compiled modules: nothing to parse, so the master notes them (and their digest)."""
        if not todo:
            return []
        done = [jobs.extension_result(t) for t in todo]
        facts = [(jobs.facts_key(r.module, r.digest, r.path), f) for r, f in done
                 if f is not None]
        added_keys.update(key for key, _ in facts)
        jobs.store_facts(self.heap, facts, self.key_records)
        return [r for r, _ in done]

    def phase2(self, ctx_key: str, todo: list[FileTask], modules: Mapping[str, tuple[str, str]],
               progress: Progress | None, interrupt: Interrupt | None,
               ) -> tuple[dict[str, tuple[Diagnostic, ...]], dict[str, tuple[int, ...]]]:
        """The project rules on ``todo``'s modules: (diagnostics, key ids read) by module."""
        failed: list[tuple[str, str, tuple[Diagnostic, ...], tuple[int, ...]]] = []

        def on_failure(item: tuple[Any, ...], error: BaseException) -> None:
            task = item[-1]
            failed.append((task.module, task.path, (_internal_error(
                task.display, f"{_describe(error)} in the project rules"),), ()))

        # A buffer's bytes go along: a rule that parses the module again reads them, not the disk.
        tasks = [ModuleTask(t.module, t.path, t.display, modules[t.module][0], t.content)
                 for t in todo]
        job: Callable[..., Any] = jobs.phase2_job
        items: list[Any] = [(ctx_key, t) for t in tasks]
        tokens: list[str] = []
        if self.remote:
            import analyzer.engine._remote as remote

            tokens.append(remote.share_snapshot(self.pool, self.heap))
            # The context stored for this phase: writers and fact holders included.
            ctx = self.heap.table(jobs.CONTEXT_TABLE)[ctx_key]
            tokens.append(remote.share_context(self.pool, ctx))
            if reads_trees(self.project_rules):
                # No heap of trees there, nor perhaps the files: every module's bytes go.
                tokens.append(remote.share_sources(self.pool, modules, ctx.contents))
            items = remote.phase2_items(
                tokens[0], tokens[1], tasks,
                with_source=any(r.NEEDS_TREE for r in self.project_rules),
                sources=tokens[2] if len(tokens) > 2 else None)
            job = remote.phase2_job
        in_master = 0 < len(tasks) <= self.phase2_in_master
        try:
            results = self._map(job, items, _extend, tokens, "project rules", progress,
                                interrupt, on_failure, in_master=in_master)
        finally:
            if in_master:
                jobs.forget_decoded()
        results = _without_timings(results, self.timings)
        diags: dict[str, tuple[Diagnostic, ...]] = {}
        edges: dict[str, tuple[int, ...]] = {}
        for module, _path, found, ids in results + failed:
            diags[module] = found
            edges[module] = ids
        return diags, edges

    def _map(self, job: Callable[..., Any], items: list[Any], merge: Callable[..., Any],
             tokens: list[str], stage: str, progress: Progress | None,
             interrupt: Interrupt | None, on_failure: Callable[..., None],
             cost: Callable[[Any], float] | None = None,
             heavy: Callable[[Any], bool] | None = None,
             in_master: bool = False, keep_workers: bool = False,
             heavy_run: bool = False) -> list[Any]:
        """One map_reduce call of a phase; the data shared for it is released after.
        ``in_master`` (the call runs in this process), ``keep_workers`` (replaced only after
        heavy items) and ``heavy_run`` (one worker for those): see ``CallScopedPool``, the
        only pool that takes them."""
        extra: dict[str, bool] = {"in_master": True} if in_master else {}
        if keep_workers:
            extra["keep_workers"] = True
        if heavy_run:
            extra["heavy_run"] = True
        try:
            return self.pool.map_reduce(
                job, items, merge=merge, neutral=[], cost=cost, heavy=heavy,
                progress=(lambda done, total: progress(stage, done, total)) if progress else None,
                interrupt=interrupt, on_failure=on_failure, **extra,
            )
        finally:
            for token in tokens:
                self.pool.unshare(token)


class _Phase1Sink:
    """Phase 1's master side: folds the results in, notes each facts key as it arrives (so a
    cancelled update can take it back), and turns a failed file into an SH900 finding."""

    def __init__(self, heap: Any, added_keys: set[str],
                 timings: dict[str, float] | None = None, key_records: bool = True) -> None:
        self.heap = heap
        self.added_keys = added_keys
        self.timings = timings
        self.key_records = key_records
        self.failed: list[FileResult] = []
        self.heap_errors: list[BaseException] = []

    def on_failure(self, item: tuple[str, FileTask], error: BaseException) -> None:
        """A job raised on ``item``'s bucket."""
        from heap_native import HeapError

        task = item[1]
        if isinstance(error, HeapError):
            # Facts are not optional: without them the project rules would be wrong.
            self.heap_errors.append(error)
            return
        diag = _internal_error(task.display, f"{_describe(error)} while checking this file")
        self.failed.append(FileResult(task.path, task.module, "", False,
                                      (diag,) if task.report else ()))

    def collect(self, partial: list[FileResult], acc: list[FileResult]) -> list[FileResult]:
        """Merge a fork-pool bucket (its workers wrote the facts)."""
        partial = _without_timings(partial, self.timings)
        self.added_keys.update(jobs.facts_key(r.module, r.digest, r.path)
                               for r in partial if r.digest)
        acc.extend(partial)
        return acc

    def collect_remote(self, partial: list[tuple[FileResult, ModuleFacts | None]],
                       acc: list[FileResult]) -> list[FileResult]:
        """Merge a dask bucket: a remote worker returns the facts, the master writes them."""
        from heap_native import HeapError

        facts = [(jobs.facts_key(r.module, r.digest, r.path), f) for r, f in partial
                 if f is not None]
        self.added_keys.update(key for key, _ in facts)
        try:
            jobs.store_facts(self.heap, facts, self.key_records)
        except HeapError as exc:
            self.heap_errors.append(exc)
        acc.extend(r for r, _ in partial)
        return acc


def _internal_error(display: str, what: str) -> Diagnostic:
    return Diagnostic(display, 1, 1, "SH900", f"internal error: {what}",
                      end_line=1, end_column=1, name="internal-error")


def add_time(timings: dict[str, float] | None, key: str, start: float) -> None:
    """Add the seconds since ``start`` (a ``perf_counter`` reading) to ``key``, if timing."""
    if timings is not None:
        import time

        timings[key] = timings.get(key, 0.0) + time.perf_counter() - start


def _without_timings(results: list[Any], timings: dict[str, float] | None) -> list[Any]:
    """A job's results without the :class:`~._jobs.JobTimings` a timed job appends, whose
    seconds go into ``timings``."""
    if timings is None:
        return results
    kept = []
    for item in results:
        if isinstance(item, JobTimings):
            for key, seconds in item.seconds.items():
                timings[key] = timings.get(key, 0.0) + seconds
        else:
            kept.append(item)
    return kept


def _extend(partial: list[Any], acc: list[Any]) -> list[Any]:
    acc.extend(partial)
    return acc


def _describe(error: BaseException) -> str:
    from parallel import JobTimeout

    if isinstance(error, JobTimeout):
        return f"timed out after {error.seconds:g} s (its worker was replaced)"
    name = type(error).__name__
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{name}: {text}" if text else name
