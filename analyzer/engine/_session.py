"""The stateful engine: one heap, one pool, and the committed state of the last check.

A :class:`Session` is what ``shoal check`` (a cold check, or a warm one from the cache) and
``shoal watch`` (a check, then rechecks) run on. Cold and incremental share one code path,
:meth:`Session._update`: it re-parses a set of files in the workers, diffs the interface
digests of the modules whose facts changed, asks the heap's dependency table who read the
changed keys, and runs the project rules on exactly those modules (DESIGN §4, "Incremental
recheck"). A cold check is the same update from an empty state with every file changed.

The master commits an update — the digest map, the diagnostics, the dependency edges, the
heap removals — only when it completes: a cancelled update raises
:class:`parallel.Cancelled` and leaves the session as it was.

The steps live beside this file: ``_changes`` (which files changed on disk), ``_phases``
(phase 1 and phase 2 on the pool), ``_parse_files`` (phase 1's results as the next file
states), ``_invalidation`` (which modules to recheck), ``_findings`` (cycles, the merge,
what is new), ``_commit`` (step 5: the next state), ``_hygiene`` (the heap's upkeep) and
``_state`` (the records).
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import analyzer.engine._jobs as jobs
from analyzer.engine._changes import (
    RACY_WINDOW_NS,
    file_set_may_change,
    is_config,
    rediscovered,
    to_reparse,
)
from analyzer.engine._commit import next_state
from analyzer.engine._ctx_patch import ContextBase, store_phase2
from analyzer.engine._delta import (
    TaskLayout,
    module_owners,
    overlay_moves,
    task_layout,
    writers_after,
)
from analyzer.engine._draft import Draft, Run
from analyzer.engine._edge_log import EdgeLog
from analyzer.engine._findings import FinishMemo, cycle_findings, diagnostic_changes
from analyzer.engine._heap_moves import grown, outgrown
from analyzer.engine._hygiene import forget, referenced
from analyzer.engine._invalidation import fact_holders, module_changes, owners, recheck_set
from analyzer.engine._overlay import with_overlays
from analyzer.engine._parse_files import parse_files
from analyzer.engine._phases import PHASE2_IN_MASTER_MODULES, Dispatch, add_time
from analyzer.engine._referrers import moved_targets, referrers_after
from analyzer.engine._state import FileState, Recheck, SessionState, file_tasks
from analyzer.engine._tasks import FileTask
from analyzer.engine._tree_reads import reads_trees
from analyzer.engine._trees import TreeTally, drop_trees, needs_trees
from analyzer.engine._versions import applied
from analyzer.engine._warm import Warmth
from analyzer.frontend import Discovery
from analyzer.rules import Diagnostic, RuleSettings

# RACY_WINDOW_NS and file_tasks are also imported from here by ``_cache``.
__all__ = ["RACY_WINDOW_NS", "FileState", "Recheck", "Session", "SessionState", "file_tasks"]

Progress = Callable[[str, int, int], None]
Interrupt = Callable[[], bool]


class Session:
    """A heap, a pool forked once, and the committed state; :meth:`check` then :meth:`recheck`.

    :param plan: the ``CheckPlan`` (config, discovery, rules, workers).
    :param replan: returns a fresh plan for the same command line (config re-read, files
        re-discovered); used when files appear or disappear and when the configuration
        changes. Without it the session re-walks its discovery's roots.
    :param heap: an existing heap (a warm cache's snapshot) instead of a new one.
    :param state: the state that goes with ``heap``.
    :param one_shot: the session runs one update and ends (``shoal check``, which starts no
        thread): its workers are forked for each call and stopped when it returns
        (``_call_pool``), so the master's own work between and after the calls never adds
        to theirs; no zygote is forked (this process forks any replacement itself).
    """

    def __init__(
        self,
        plan: Any,
        *,
        replan: Callable[[], Any] | None = None,
        heap: Any = None,
        state: SessionState | None = None,
        one_shot: bool = False,
    ) -> None:
        self.plan = plan
        self.one_shot = one_shot
        self.replan = replan
        self.heap = heap
        self.pool: Any = None
        self.state = state if state is not None else SessionState()
        self._finish_memo = FinishMemo(plan)
        #: path (absolute) -> an editor buffer's bytes, checked instead of the file (``_overlay``)
        self.overlays: dict[str, bytes] = {}
        #: who references whom (``_referrers``), and the committed state it goes with
        self._referrers: tuple[SessionState, Mapping[str, tuple[str, ...]]] | None = None
        #: the phase-2 context's base (``_ctx_patch``), and the committed state it goes with
        self._ctx_base: tuple[SessionState, ContextBase] | None = None
        #: the committed tasks' layout (``_delta``), and the committed state it goes with
        self._layout: tuple[SessionState, TaskLayout] | None = None
        #: the writers of ``sys.modules`` (phase 2's index), and the state they go with
        self._writers: tuple[SessionState, dict[str, tuple[str, ...]]] | None = None
        #: the edges each module committed (``_edge_log``), and the state they go with
        self._edge_log: tuple[SessionState, EdgeLog] | None = None
        #: when set (``--timings``), each update adds its rules' and phases' seconds to it
        self.timings: dict[str, float] | None = None
        #: something reads this session's heap or state after its check (a cache, a query,
        #: the next update); a caller that drops both unread turns it off, and phase 1 then
        #: makes no key records and, unless this check's phase 2 reads them, no interface
        #: digests (``RunContext.key_records``, ``interface_digests``)
        self.outlived = True
        #: which workers hold the committed context's decoded facts (``_warm``)
        self.warmth = Warmth()
        self._settings_for(plan)

    # -- lifecycle -----------------------------------------------------------------------

    def open(self) -> Session:
        """Create the heap (unless given) and fork the pool; returns self."""
        from analyzer.engine._plan import CheckError, heap_geometry
        from heap_native import HeapError, SharedHeap
        from parallel import WorkerPool

        if self.heap is None:
            geometry = heap_geometry(self.plan.discovery.files, self.plan.config.heap_size,
                                     trees=self.trees.store)
            try:
                self.heap = SharedHeap(**geometry)
            except HeapError as exc:
                raise CheckError(str(exc)) from exc
        jobs.bind_heap(self.heap)
        try:
            if self.plan.scheduler is not None:
                import analyzer.engine._remote as remote

                self.pool = remote.open_pool(self.plan.scheduler, self.plan.workers)
                remote.ship_by_value(self.module_rules + self.project_rules, self.extractors)
            elif self.one_shot:
                from analyzer.engine._call_pool import CallScopedPool

                self.pool = CallScopedPool(self.plan.workers, self.heap,
                                           self.plan.config.file_timeout)
            else:
                self.pool = WorkerPool(workers=self.plan.workers, heap=self.heap,
                                       job_timeout=self.plan.config.file_timeout)
        except BaseException:
            self.close()
            raise
        return self

    @property
    def remote(self) -> bool:
        """Whether the jobs run on dask (pure jobs, the master writes the heap)."""
        return self.plan.scheduler is not None

    def close(self) -> None:
        """Stop the workers and release the heap; idempotent."""
        try:
            if self.pool is not None:
                self.pool.close()
                self.pool = None
        finally:
            if jobs._HEAP is self.heap:
                jobs.bind_heap(None)
            if self.heap is not None:
                self.heap.close()
                self.heap = None

    def wake(self) -> None:
        """Make a running update call its ``interrupt`` now (from any thread): an edit that
        cancels it is seen at once, not at the pool's next poll."""
        pool = self.pool
        if pool is not None:
            pool.wake()

    def warm(self, *, interrupt: Interrupt | None = None) -> int | None:
        """While idle: the workers decode the facts they lack (``_warm``); how many, None
        when nothing was due. ``parallel.Cancelled`` when ``interrupt`` returns true."""
        if self.pool is None or self.remote or self.one_shot or not self.project_rules:
            return None
        if jobs._HEAP is not self.heap:
            jobs.bind_heap(self.heap)
        return self.warmth.run(self.pool, self.heap, self.state.ctx_key, self.state.modules,
                               self.state.imports, interrupt)

    def prime(self, *, interrupt: Interrupt | None = None) -> bool:
        """While idle: commit the state again through an update that reads no file, so that
        the maps an edit's recheck starts from exist (the task layout, the merged findings,
        the re-export index); whether it ran. A session resumed from the cache has none, and
        its first edit built them for the whole project (0.9 s on 20,000 files); about as
        long, in the master, with nothing for an interrupt to stop on the way, so an event
        that is already waiting cancels it (``parallel.Cancelled``) before it starts."""
        from parallel import Cancelled

        state = self.state
        if self.pool is None or self.remote or self.one_shot or not state.files or (
                self._layout is not None and self._layout[0] is state):
            return False
        # The committed tasks as they are, buffers included: nothing to reparse, and the
        # state's time of check stays (no file was looked at).
        tasks = [fs.task for fs in state.files.values()]
        if interrupt is not None and interrupt():
            raise Cancelled("an event came before the session was primed")
        self._update(tasks, set(), interrupt=interrupt, started=state.checked_at_ns)
        return True

    def __enter__(self) -> Session:
        return self.open() if self.pool is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the public operations ---------------------------------------------------------------

    def check(self, *, progress: Progress | None = None,
              interrupt: Interrupt | None = None) -> Recheck:
        """A cold check of the plan's files (the heap is emptied first)."""
        if self.state.files:
            self.heap.clear()
            self.state = SessionState(diagnostics=self.state.diagnostics)
        self.warmth.reset()
        tasks = with_overlays(file_tasks(self.plan.discovery, self.plan.stdin), self.overlays,
                              self.plan.stdin)
        return self._update(tasks, {t.path for t in tasks}, progress=progress,
                            interrupt=interrupt, everything=True)

    def rebuild(self, plan: Any, *, interrupt: Interrupt | None = None) -> Recheck:
        """Adopt a new plan (the configuration changed) and check everything again."""
        old = self.state
        self.plan = plan
        self._settings_for(plan)
        self.heap.clear()
        self.state = SessionState()
        try:
            report = self.check(interrupt=interrupt)
        except BaseException:
            # The heap is gone; the only consistent state is an empty one (next: check()).
            self.state = SessionState(diagnostics=old.diagnostics)
            raise
        report.new, report.fixed = diagnostic_changes(old.diagnostics, self.state.diagnostics)
        report.previous_count = len(old.diagnostics)
        report.rebuilt = True
        return report

    def recheck(
        self,
        candidates: Iterable[str | os.PathLike[str]] | None = None,
        *,
        interrupt: Interrupt | None = None,
        discovery: Discovery | None = None,
    ) -> Recheck:
        """Recheck after edits of ``candidates`` (paths of files or directories that may have
        changed; ``None``: rescan every file by stat and digest).

        :param discovery: the current file set when the caller already knows it (a warm
            run's fresh discovery); else re-discovered when the file set may have changed.
        :raises parallel.Cancelled: ``interrupt`` returned true; nothing was committed.
        """
        state = self.state
        paths = None if candidates is None else {
            os.path.abspath(os.fspath(p)) for p in candidates}
        layout = self._layout[1] if self._layout is not None and self._layout[0] is state \
            else None
        if paths is not None and discovery is None and layout is not None \
                and not file_set_may_change(paths, state.files):
            # The file set stands: look at the edited paths and the overlaid ones only.
            moved = overlay_moves(state.files, self.overlays, layout.content_paths,
                                  self.plan.stdin)
            started = time.time_ns()
            reparse = to_reparse([moved.get(p) or state.files[p].task
                                  for p in sorted(paths | moved.keys())],
                                 state.files, paths, state.checked_at_ns)
            if not reparse:
                return Recheck(0, frozenset(), 0.0, [], [], len(state.diagnostics))
            return self._update(None, reparse, interrupt=interrupt, started=started,
                                moved=moved)
        if paths is None or discovery is not None or file_set_may_change(paths, state.files):
            if discovery is None:
                outputs = self.plan.discovery.outputs
                self.plan = rediscovered(self.plan, self.replan)
                discovery = self.plan.discovery
                if discovery.outputs != outputs:
                    # Other modules may be build outputs now (a .gitignore, a meson.build or
                    # setup.py changed): any MISSING answer may have changed, and none
                    # recorded a key for it. A rebuild, as the watch and the server do on any
                    # .gitignore edit (``is_config``).
                    return self.rebuild(self.plan, interrupt=interrupt)
            tasks = file_tasks(discovery, None)
        else:
            tasks = [fs.task for fs in state.files.values()]
        tasks = with_overlays(tasks, self.overlays, self.plan.stdin)
        started = time.time_ns()
        reparse = to_reparse(tasks, state.files, paths, state.checked_at_ns)
        removed = state.files.keys() - {t.path for t in tasks}
        if not reparse and not removed:
            # Nothing changed (a touch, a save without change): no recheck, no commit
            # except the fresher stat of re-digested files.
            return Recheck(0, frozenset(), 0.0, [], [], len(state.diagnostics))
        return self._update(tasks, reparse, interrupt=interrupt, started=started)

    def config_changed(self, paths: Iterable[str | os.PathLike[str]]) -> bool:
        """Whether any of ``paths`` is configuration: a rebuild, not a recheck."""
        return is_config(paths, self.plan.config.files())

    def result(self) -> Any:
        """The committed diagnostics as a ``CheckResult``."""
        from analyzer.engine._plan import CheckResult

        stats: dict[str, Any] = {}
        if self.heap is not None:
            stats["heap"] = self.heap.stats()
        if self.trees.store or self.trees.given_up:
            stats["trees"] = self.trees.as_dict()
        return CheckResult(list(self.state.diagnostics), self.state.files_checked,
                           self.plan.registry, self.plan.selected, stats)

    # -- one update ----------------------------------------------------------------------------

    def _settings_for(self, plan: Any) -> None:
        registry, selected, config = plan.registry, plan.selected, plan.config
        self.module_rules = registry.classes(selected, "module")
        self.project_rules = registry.classes(selected, "project")
        self.extractors = registry.extractors_for(selected)
        # Phase 2 reads the interface digests for these: who references whom (SH005) and
        # which modules hold each plugin fact.
        self._reads_references = any(rule.READS_REFERENCES for rule in self.project_rules)
        self._reads_digests = self._reads_references or bool(self.extractors)
        # A one-shot check forks workers for each phase (``CallScopedPool``); a small phase
        # 2 costs less in the master, when no third-party rule could hang or crash it there.
        self._phase2_in_master = (
            PHASE2_IN_MASTER_MODULES if self.one_shot and plan.scheduler is None
            and not plan.followed and registry.all_builtin(selected, "project") else 0)
        # A new plan starts over (its heap is cleared): trees again if its rules need them.
        self.trees = TreeTally(store=needs_trees(self.project_rules)
                               and plan.scheduler is None)
        self._phase1_keys: dict[tuple[bool, ...], str] = {}  # see Dispatch.phase1_keys
        self.settings = RuleSettings(
            builtins=frozenset(config.builtins),
            target_version=config.target_version,
            per_file_target_version=config.per_file_target_version,
            project_root=None if config.root is None else str(config.root),
            options={name: dict(table) for name, table in config.options.items()},
            dummy_variable_rgx=config.dummy_variable_rgx,
            line_length=config.line_length,
            allowed_unused_imports=tuple(config.allowed_unused_imports),
            dead_code_ignore_decorators=tuple(config.dead_code_ignore_decorators),
            entry_points=tuple(config.entry_points),
        )

    def _update(
        self,
        tasks: list[FileTask] | None,
        reparse: set[str],
        *,
        progress: Progress | None = None,
        interrupt: Interrupt | None = None,
        everything: bool = False,
        started: int | None = None,
        moved: dict[str, FileTask] | None = None,
    ) -> Recheck:
        """Re-parse ``reparse``, recheck what that can affect, commit; see the module doc.

        :param tasks: every task; ``None``: the committed ones, with ``moved`` (path -> new
            task) replacing some (the file set stands: ``_delta``)."""
        from analyzer.engine._plan import HeapTooSmall
        from heap_native import DepTableFull, HeapError, HeapFull
        from parallel import Cancelled

        clock = time.perf_counter()
        if jobs._HEAP is not self.heap:
            jobs.bind_heap(self.heap)
        old = self.state
        started = time.time_ns() if started is None else started
        run = Run(progress, interrupt)
        try:
            draft = self._draft(tasks, reparse, old, everything, run, moved or {})
        except Cancelled:
            forget(self.heap, run.added_keys, run.added_ctx, old)
            raise
        except HeapError as exc:
            forget(self.heap, run.added_keys, run.added_ctx, old)
            if self.trees.store and not isinstance(exc, DepTableFull):
                # Trees go first: drop them all, make room, and run the update without them.
                self._give_up_trees(old)
                return self._update(tasks, reparse, progress=progress, interrupt=interrupt,
                                    everything=everything, started=started, moved=moved)
            explicit = self.plan.config.heap_size is not None and isinstance(exc, HeapFull)
            files = len(tasks) if tasks is not None else len(old.files) + len(reparse)
            if not explicit and outgrown(self, exc, files):
                # The facts need more room than shoal gave them when the session opened:
                # the heap moved to a larger one, the workers with it; run the update again.
                return self._update(tasks, reparse, progress=progress, interrupt=interrupt,
                                    everything=everything, started=started, moved=moved)
            raise HeapTooSmall(f"the shared heap cannot hold the facts of this project: "
                               f"{exc}", sized_by_shoal=not explicit) from exc
        lap = time.perf_counter()
        self._commit(old, draft, started, run.added_ctx, everything)
        add_time(self.timings, "merge and commit (master)", lap)
        known = self._finish_memo.changes_since(old.diagnostics)
        fresh, fixed = known if known is not None else diagnostic_changes(
            old.diagnostics, self.state.diagnostics)
        return Recheck(
            files_changed=len(reparse) + len(draft.removed),
            modules_rechecked=frozenset(draft.eligible),
            elapsed_ms=(time.perf_counter() - clock) * 1000,
            new=fresh, fixed=fixed, previous_count=len(old.diagnostics),
        )

    def _draft(self, tasks: list[FileTask] | None, reparse: set[str], old: SessionState,
               everything: bool, run: Run, moved: dict[str, FileTask]) -> Draft:
        """Steps 1 to 4 of an update, in the heap but not in the state: nothing committed."""
        dispatch = Dispatch(self.pool, self.heap, self.remote, self.module_rules,
                            self.project_rules, self.settings, self.extractors,
                            timings=self.timings, trees=self.trees.store,
                            phase1_keys=self._phase1_keys,
                            keep_facts=not self.one_shot,
                            phase2_in_master=self._phase2_in_master,
                            phase1_keeps_workers=self.one_shot and not self.remote,
                            key_records=self.outlived,
                            interface_digests=self.outlived or self._reads_digests,
                            outputs=self.plan.discovery.outputs)
        # 1. Phase 1 on the changed files.
        if tasks is None:
            todo = [moved.get(p) or old.files[p].task for p in sorted(reparse)]
        else:
            todo = [t for t in tasks if t.path in reparse]
        summaries: dict[str, Any] = {}
        files = parse_files(dispatch, tasks, todo, old, run, summaries)
        every_tree = reads_trees(self.project_rules)
        if dispatch.trees:
            self.trees.count(self.heap, (jobs.facts_key(t.module, fs.digest, t.path)
                                         for t in todo if (fs := files[t.path]).parse_ok
                                         and (t.report or every_tree)))
        if tasks is None:
            assert self._layout is not None
            layout = self._layout[1].after(files, reparse)
            touched_modules = {t.module for t in todo if t.module}
            modules: Mapping[str, tuple[str, str]] = module_owners(old.modules, files, layout,
                                                                   touched_modules)
            removed: set[str] = set()
        else:
            layout = task_layout(tasks)
            touched_modules = None
            modules = owners(tasks, files)
            removed = old.files.keys() - files.keys()
        # 2. Which modules' facts changed, and which keys that fires.
        changes = module_changes(old, todo, modules,
                                 self.heap.table(jobs.FACTS_TABLE, cache_size=0),
                                 touched_modules, fire=not everything, summaries=summaries)
        # 3. The recheck set: the changed modules plus the readers of the fired keys.
        if everything:
            recheck = set(modules)
        else:
            recheck = recheck_set(changes, old.readers, modules, self.heap.get_deps)
        eligible = sorted(m for m in recheck
                          if layout.last_task(m, files).report and files[modules[m][1]].parse_ok)
        referrers: Mapping[str, tuple[str, ...]] | None = None
        previous: Mapping[str, tuple[str, ...]] | None = None
        if self._reads_references:
            kept = self._referrers
            previous = kept[1] if kept is not None and kept[0] is old and not everything \
                else None
            referrers = referrers_after(previous, old.interfaces, changes.interfaces,
                                        changes.changed | changes.gone)
        ctx_key = old.ctx_key
        kept_base = self._ctx_base
        base = kept_base[1] if kept_base is not None and kept_base[0] is old \
            and kept_base[1].key == old.ctx_base and not everything else None
        kept_writers = self._writers
        writers = kept_writers[1] if kept_writers is not None and kept_writers[0] is old \
            and not everything else None
        project: dict[str, tuple[Diagnostic, ...]] = {}
        edges: dict[str, tuple[int, ...]] = {}
        if self.project_rules and (eligible or everything or changes.changed or changes.gone):
            writers = writers_after(writers, changes.imports, changes.changed | changes.gone)
            # Without an extractor there is no plugin fact to look for in every digest map.
            holders = fact_holders(changes.interfaces) if dispatch.extractors else {}
            # A module's tree read by another (index.tree) is its buffer's when it has one.
            contents = {t.module: t.content for p in sorted(layout.content_paths)
                        if (t := files[p].task).content is not None
                        and modules.get(t.module, ("", ""))[1] == t.path}
            ctx = dispatch.run_context(modules, writers, holders, referrers, contents)
            # On dask the context travels whole (``_remote`` shares it as it is stored).
            shifted = changes.changed | changes.gone
            ctx_key, base = store_phase2(dispatch, ctx, None if self.remote else base, {
                "modules": shifted | changes.appeared, "writers": shifted,
                # A map built afresh may differ anywhere from the base's.
                "referrers": set() if referrers is None else None if previous is None
                else moved_targets(old.interfaces, changes.interfaces, shifted)}, run.added_ctx)
            if eligible:
                project, edges = dispatch.phase2(ctx_key,
                                                 [layout.last_task(m, files) for m in eligible],
                                                 modules, run.progress, run.interrupt)
        # 4. Import cycles, in the master, when an import changed.
        if everything or changes.imports_changed or changes.appeared:
            lap = time.perf_counter()
            cycles = cycle_findings(self.plan.selected, changes.imports, files)
            add_time(self.timings, "import cycles (master)", lap)
        else:
            cycles = old.cycles
        return Draft(files, modules, changes, recheck, eligible, project, edges, ctx_key,
                     cycles, {t.path for t in todo}, referrers, base, removed, layout,
                     tasks is None, writers)

    def _give_up_trees(self, old: SessionState) -> None:
        """Drop every stored tree and store none from now on: the facts need the room."""
        drop_trees(self.heap, referenced(old))
        self.heap.collect()
        self.trees.store = False
        self.trees.given_up = True

    def _commit(self, old: SessionState, draft: Draft, started: int, added_ctx: set[str],
                everything: bool) -> None:
        """Step 5 (``_commit``), then what the session keeps beside the new state."""
        kept_log = self._edge_log
        log = kept_log[1] if kept_log is not None and kept_log[0] is old and not everything \
            else {}
        self._edge_log = None  # until the table is as the new log says
        new, log = next_state(self.heap, self.plan, self._finish_memo, old, draft, log,
                              started, added_ctx, everything,
                              grow=lambda edges: grown(self, edges))
        self.state = new
        self._referrers = None if draft.referrers is None \
            else (new, applied(draft.referrers))
        self._ctx_base = None if draft.ctx_base is None else (new, draft.ctx_base)
        self._layout = None if draft.layout is None else (new, draft.layout)
        self._writers = None if draft.writers is None else (new, draft.writers)
        self._edge_log = (new, log)
