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
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import analyzer.engine._jobs as jobs
from analyzer.engine._jobs import FileResult, FileTask, ModuleTask, RunContext
from analyzer.engine._merge import finish
from analyzer.engine._reexports import ReexportIndex
from analyzer.engine._suppressions import NoqaMap
from analyzer.frontend import Discovery
from analyzer.model import (
    MODULES_KEY,
    ModuleFacts,
    changed_keys,
    dep_id,
    interface_digests,
    module_key,
)
from analyzer.rules import Diagnostic, RuleSettings

__all__ = ["FileState", "Recheck", "Session", "SessionState", "file_tasks"]

#: Files modified less than this long before a check started are re-digested by the next
#: one even when size and mtime match: file system clocks are coarse (a same-size rewrite
#: within the mtime granularity keeps the mtime), and the kernel's clock lags ours.
RACY_WINDOW_NS = 2_000_000_000

#: Compact the heap when the bytes of superseded entries pass this share of the used bytes
#: (and at least this many bytes), or tombstones fill a quarter of the hash table.
WASTE_SHARE = 0.5
MIN_WASTE_BYTES = 4 << 20

#: Names whose change alters the configuration or the file set: a rebuild, not a recheck.
CONFIG_NAMES = frozenset({"pyproject.toml", ".gitignore", "exclude"})


@dataclass(frozen=True, slots=True)
class FileState:
    """What the session knows about one file: its task, content identity and phase-1 output."""

    task: FileTask
    digest: str
    size: int
    mtime_ns: int
    parse_ok: bool
    diagnostics: tuple[Diagnostic, ...] = ()
    noqa: NoqaMap | None = None


@dataclass
class SessionState:
    """The committed state of a session (also what the warm cache stores)."""

    #: path -> file state, for every file of phase 1.
    files: dict[str, FileState] = field(default_factory=dict)
    #: owner module -> (content digest, path): the facts the index reads.
    modules: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: module -> interface digests (docs/contracts.md §2).
    interfaces: dict[str, dict[str, str]] = field(default_factory=dict)
    #: module -> facts reduced to what the import graph needs (SH003 without the heap).
    imports: dict[str, ModuleFacts] = field(default_factory=dict)
    #: module -> its project rules' diagnostics.
    project: dict[str, tuple[Diagnostic, ...]] = field(default_factory=dict)
    #: reader id -> the modules with that id whose edges are in the dependency table
    #: (several when ids collide).
    readers: dict[int, set[str]] = field(default_factory=dict)
    #: SH003 diagnostics, with display paths.
    cycles: list[Diagnostic] = field(default_factory=list)
    #: ``time.time_ns()`` when the last update started reading files.
    checked_at_ns: int = 0
    #: the heap key of the phase-2 context in force.
    ctx_key: str = ""
    #: the final, sorted diagnostics.
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_checked: int = 0


@dataclass
class Recheck:
    """What one update did: for the watch status line and the tests."""

    files_changed: int
    modules_rechecked: frozenset[str]
    elapsed_ms: float
    new: list[Diagnostic]
    fixed: list[Diagnostic]
    previous_count: int
    rebuilt: bool = False

    @property
    def problem_count(self) -> int:
        """The problem count after the update."""
        return self.previous_count + len(self.new) - len(self.fixed)


def file_tasks(discovery: Discovery, stdin: bytes | None = None) -> list[FileTask]:
    """Phase 1's tasks for a discovery: every reported file plus every indexed module."""
    reported = discovery.reported
    tasks = []
    for f in discovery.files:
        report = f.path in reported
        if not report and (not f.indexed or not f.module):
            continue  # neither reported nor part of the index: nothing reads it
        tasks.append(FileTask(str(f.path), f.display, f.module if f.indexed else "",
                              f.is_package, report and not f.is_extension,
                              stdin if f.is_stdin else None, f.is_extension))
    return tasks


class Session:
    """A heap, a pool forked once, and the committed state; :meth:`check` then :meth:`recheck`.

    :param plan: the ``CheckPlan`` (config, discovery, rules, workers).
    :param replan: returns a fresh plan for the same command line (config re-read, files
        re-discovered); used when files appear or disappear and when the configuration
        changes. Without it the session re-walks its discovery's roots.
    :param heap: an existing heap (a warm cache's snapshot) instead of a new one.
    :param state: the state that goes with ``heap``.
    """

    def __init__(
        self,
        plan: Any,
        *,
        replan: Callable[[], Any] | None = None,
        heap: Any = None,
        state: SessionState | None = None,
    ) -> None:
        self.plan = plan
        self.replan = replan
        self.heap = heap
        self.pool: Any = None
        self.state = state if state is not None else SessionState()
        self._settings_for(plan)

    # -- lifecycle -----------------------------------------------------------------------

    def open(self) -> Session:
        """Create the heap (unless given) and fork the pool; returns self."""
        from analyzer.engine._plan import CheckError, heap_geometry
        from heap_native import HeapError, SharedHeap
        from parallel import WorkerPool

        if self.heap is None:
            geometry = heap_geometry(self.plan.discovery.files, self.plan.config.heap_size)
            try:
                self.heap = SharedHeap(**geometry)
            except HeapError as exc:
                raise CheckError(str(exc)) from exc
        jobs.bind_heap(self.heap)
        try:
            if self.plan.scheduler is not None:
                import analyzer.engine._remote as remote

                self.pool = remote.open_pool(self.plan.scheduler, self.plan.workers)
                remote.ship_by_value(self.module_rules + self.project_rules)
            else:
                self.pool = WorkerPool(workers=self.plan.workers, heap=self.heap)
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

    def __enter__(self) -> Session:
        return self.open() if self.pool is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the public operations ---------------------------------------------------------------

    def check(
        self,
        *,
        progress: Callable[[str, int, int], None] | None = None,
        interrupt: Callable[[], bool] | None = None,
    ) -> Recheck:
        """A cold check of the plan's files (the heap is emptied first)."""
        if self.state.files:
            self.heap.clear()
            self.state = SessionState(diagnostics=self.state.diagnostics)
        tasks = file_tasks(self.plan.discovery, self.plan.stdin)
        return self._update(tasks, {t.path for t in tasks}, progress=progress,
                            interrupt=interrupt, everything=True)

    def rebuild(self, plan: Any, *, interrupt: Callable[[], bool] | None = None) -> Recheck:
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
        interrupt: Callable[[], bool] | None = None,
        discovery: Discovery | None = None,
    ) -> Recheck:
        """Recheck after edits of ``candidates`` (paths of files or directories that may have
        changed; ``None``: rescan every file by stat and digest).

        :param discovery: the current file set when the caller already knows it (a warm
            run's fresh discovery); else re-discovered when the file set may have changed.
        :raises parallel.Cancelled: ``interrupt`` returned true; nothing was committed.
        """
        state = self.state
        if candidates is None:
            structural = True
            paths: set[str] | None = None
        else:
            paths = {os.path.abspath(os.fspath(p)) for p in candidates}
            structural = discovery is not None or any(
                p not in state.files or not os.path.isfile(p) for p in paths)
        if structural:
            if discovery is None:
                discovery = self._rediscover()
            tasks = file_tasks(discovery, None)
        else:
            tasks = [fs.task for fs in state.files.values()]
        started = time.time_ns()
        reparse: set[str] = set()
        for task in tasks:
            old = state.files.get(task.path)
            if old is None or old.task != task:
                reparse.add(task.path)
            elif (paths is None or task.path in paths) and self._changed(old, state):
                reparse.add(task.path)
        removed = state.files.keys() - {t.path for t in tasks}
        if not reparse and not removed:
            # Nothing changed (a touch, a save without change): no recheck, no commit
            # except the fresher stat of re-digested files.
            return Recheck(0, frozenset(), 0.0, [], [], len(state.diagnostics))
        return self._update(tasks, reparse, interrupt=interrupt, started=started)

    def config_changed(self, paths: Iterable[str | os.PathLike[str]]) -> bool:
        """Whether any of ``paths`` is configuration: a rebuild, not a recheck."""
        config_path = self.plan.config.path
        for p in paths:
            name = os.path.basename(os.fspath(p))
            if name in CONFIG_NAMES:
                return True
            if config_path is not None and os.path.abspath(os.fspath(p)) == str(config_path):
                return True
        return False

    def result(self) -> Any:
        """The committed diagnostics as a ``CheckResult``."""
        from analyzer.engine._plan import CheckResult

        stats: dict[str, Any] = {}
        if self.heap is not None:
            stats["heap"] = self.heap.stats()
        return CheckResult(list(self.state.diagnostics), self.state.files_checked,
                           self.plan.registry, self.plan.selected, stats)

    # -- machinery -------------------------------------------------------------------------

    def _settings_for(self, plan: Any) -> None:
        registry, selected, config = plan.registry, plan.selected, plan.config
        self.module_rules = registry.classes(selected, "module")
        self.project_rules = registry.classes(selected, "project")
        self.settings = RuleSettings(
            builtins=frozenset(config.builtins),
            target_version=config.target_version,
            options={name: dict(table) for name, table in config.options.items()},
        )

    def _rediscover(self) -> Discovery:
        if self.replan is not None:
            # Only the file set is taken: a configuration change is the caller's rebuild.
            plan = self.replan()
            self.plan = replace(self.plan, discovery=plan.discovery)
            return plan.discovery
        from analyzer.frontend import discover

        old = self.plan.discovery
        roots = [str(r) for r in old.index_roots] or [str(old.project_root)]
        fresh = discover(roots, self.plan.config)
        # Without the command line, report what was reported before plus new files in the
        # directories that held reported files.
        reported_dirs = {p.parent for p in old.reported}
        fresh.reported = {p for p in fresh.reported
                          if p in old.reported or p.parent in reported_dirs}
        self.plan = replace(self.plan, discovery=fresh)
        return fresh

    @staticmethod
    def _changed(old: FileState, state: SessionState) -> bool:
        """Stat before read: same size and an mtime safely older than the last check mean
        unchanged; otherwise the digest decides."""
        try:
            st = os.stat(old.task.path)
        except OSError:
            return True
        if (st.st_size == old.size and st.st_mtime_ns == old.mtime_ns
                and st.st_mtime_ns < state.checked_at_ns - RACY_WINDOW_NS):
            return False
        if old.task.extension:
            return jobs.extension_digest(old.task.path) != old.digest
        try:
            data = jobs._read(old.task.path)
        except OSError:
            return True
        from analyzer.frontend import content_digest

        return content_digest(data) != old.digest

    def _stat(self, path: str) -> tuple[int, int]:
        try:
            st = os.stat(path)
        except OSError:
            return 0, 0
        return st.st_size, st.st_mtime_ns

    def _update(
        self,
        tasks: list[FileTask],
        reparse: set[str],
        *,
        progress: Callable[[str, int, int], None] | None = None,
        interrupt: Callable[[], bool] | None = None,
        everything: bool = False,
        started: int | None = None,
    ) -> Recheck:
        """Re-parse ``reparse``, recheck what that can affect, commit; see the module doc."""
        from analyzer.engine._plan import CheckError
        from heap_native import HeapError
        from parallel import Cancelled

        clock = time.perf_counter()
        if jobs._HEAP is not self.heap:
            jobs.bind_heap(self.heap)
        old = self.state
        started = time.time_ns() if started is None else started
        table = self.heap.table(jobs.FACTS_TABLE)
        added_keys: set[str] = set()
        added_ctx: set[str] = set()
        try:
            # 1. Phase 1 on the changed files (stat before read).
            todo = [t for t in tasks if t.path in reparse]
            stats = {t.path: self._stat(t.path) for t in todo}
            results = self._phase1(todo, stats, progress, interrupt, added_keys, added_ctx)
            files: dict[str, FileState] = {}
            for t in tasks:
                r = results.get(t.path)
                if r is None:
                    files[t.path] = old.files[t.path]
                else:
                    size, mtime = stats[t.path] if t.content is None else (len(t.content), 0)
                    files[t.path] = FileState(t, r.digest, size, mtime, r.parse_ok,
                                              r.diagnostics, r.noqa)
            modules = {t.module: (files[t.path].digest, t.path)
                       for t in tasks if t.module and files[t.path].digest}

            # 2. Which modules' facts changed, and which keys that fires.
            changed = {m for m, entry in modules.items() if old.modules.get(m) != entry}
            changed |= {t.module for t in todo if t.module in modules}
            gone = old.modules.keys() - modules.keys()
            keys: set[str] = set()
            interfaces = {m: d for m, d in old.interfaces.items() if m in modules}
            imports = {m: f for m, f in old.imports.items() if m in modules}
            names = sorted(changed)
            loaded = table.get_many([jobs.facts_key(m, *modules[m]) for m in names])
            imports_changed = bool(gone)
            for m, facts in zip(names, loaded, strict=True):
                new_if = interface_digests(facts) if facts is not None else None
                if facts is None:
                    interfaces.pop(m, None)
                    imports.pop(m, None)
                else:
                    interfaces[m] = new_if
                    light = ModuleFacts(module=facts.module, path=facts.path,
                                        is_package=facts.is_package, parse_ok=facts.parse_ok,
                                        imports=facts.imports)
                    if old.imports.get(m) != light:
                        imports_changed = True
                    imports[m] = light
                keys |= changed_keys(m, old.interfaces.get(m), new_if)
            for m in gone:
                keys |= changed_keys(m, old.interfaces.get(m), None)
            appeared = modules.keys() - old.modules.keys()
            everyone = everything
            if appeared or gone:
                keys.add(MODULES_KEY)
                for m in appeared | gone:
                    # A namespace package exists by its submodules: its resolution changes.
                    parts = m.split(".")
                    keys.update(module_key(".".join(parts[:i])) for i in range(1, len(parts)))
                # A new (or vanished) top-level name turns EXTERNAL lookups under it into
                # MISSING ones (and back): the index records the top-level name's key on
                # every lookup the project's tops decided, and the prefixes above fire it.

            # 3. The recheck set: the changed modules plus the readers of the fired keys.
            if everyone:
                recheck = set(modules)
            else:
                recheck = set(changed)
                for key in keys:
                    for rid in self.heap.get_deps(dep_id(key)):
                        recheck |= old.readers.get(rid, set())
                # Edges are replaced per reader id: every module sharing an id goes too.
                for rid in {dep_id(m) for m in recheck}:
                    recheck |= old.readers.get(rid, set())
                recheck &= modules.keys()
            by_module = {t.module: t for t in tasks if t.module}
            eligible = sorted(
                m for m in recheck
                if by_module[m].report and files[modules[m][1]].parse_ok
            )
            project_out: dict[str, tuple[Diagnostic, ...]] = {}
            edges: dict[str, tuple[int, ...]] = {}
            ctx_key = old.ctx_key
            if self.project_rules and (eligible or everything or changed or gone):
                ctx_key = self._store_context(
                    "phase2", RunContext(self.module_rules, self.project_rules,
                                         self.settings, modules), added_ctx)
                if eligible:
                    project_out, edges = self._phase2(
                        ctx_key, [by_module[m] for m in eligible], files, modules,
                        progress, interrupt)

            # 4. Import cycles, in the master, when an import changed.
            if everything or imports_changed or appeared:
                cycles = self._cycles(imports, files)
            else:
                cycles = old.cycles
        except Cancelled:
            self._forget(added_keys, added_ctx, old)
            raise
        except HeapError as exc:
            self._forget(added_keys, added_ctx, old)
            raise CheckError(f"the shared heap cannot hold the facts of this project: "
                             f"{exc}") from exc

        # 5. Commit: diagnostics, edges, removals.
        project = {m: d for m, d in old.project.items() if m in modules and m not in recheck}
        project.update(project_out)
        readers: dict[int, set[str]] = {}
        for rid, mods in old.readers.items():
            kept = {m for m in mods if m in modules and m not in recheck}
            if kept:
                readers[rid] = kept
        for m in edges:
            readers.setdefault(dep_id(m), set()).add(m)
        dropped = {dep_id(m) for m in recheck | gone}
        if dropped and not everything:
            self.heap.remove_dependents(sorted(dropped))
        pairs = [(key_id, dep_id(m)) for m, ids in edges.items() for key_id in ids]
        try:
            self.heap.add_deps(pairs)
        except HeapError as exc:
            raise CheckError(f"the dependency table cannot hold this project's edges: "
                             f"{exc}") from exc
        new = SessionState(files=files, modules=modules, interfaces=interfaces,
                           imports=imports, project=project, readers=readers, cycles=cycles,
                           checked_at_ns=started, ctx_key=ctx_key)
        self._sweep(old, new, added_ctx)
        new.diagnostics = self._final(new)
        new.files_checked = sum(1 for fs in files.values() if fs.task.report)
        self.state = new
        fresh, fixed = diagnostic_changes(old.diagnostics, new.diagnostics)
        return Recheck(
            files_changed=len(reparse) + len(old.files.keys() - files.keys()),
            modules_rechecked=frozenset(eligible),
            elapsed_ms=(time.perf_counter() - clock) * 1000,
            new=fresh, fixed=fixed, previous_count=len(old.diagnostics),
        )

    def _phase1(self, todo, stats, progress, interrupt, added_keys, added_ctx) -> dict[str, FileResult]:
        from analyzer.engine._plan import CheckError
        from heap_native import HeapError

        if not todo:
            return {}
        extensions = [t for t in todo if t.extension]
        done: list[tuple[FileResult, ModuleFacts | None]] = []
        if extensions:
            # Nothing to parse: the master notes they exist (and their digest) itself.
            done = [jobs.extension_result(t) for t in extensions]
            facts = [(jobs.facts_key(r.module, r.digest, r.path), f) for r, f in done
                     if f is not None]
            added_keys.update(key for key, _ in facts)
            self.heap.table(jobs.FACTS_TABLE).add_many(facts)
            todo = [t for t in todo if not t.extension]
        failed: list[FileResult] = []
        heap_errors: list[BaseException] = []

        def on_failure(item: tuple[str, FileTask], error: BaseException) -> None:
            task = item[1]
            if isinstance(error, HeapError):
                # Facts are not optional: without them the project rules would be wrong.
                heap_errors.append(error)
                return
            diag = Diagnostic(task.display, 1, 1, "SH900",
                              f"internal error: {_describe(error)} while checking this file",
                              end_line=1, end_column=1, name="internal-error")
            failed.append(FileResult(task.path, task.module, "", False,
                                     (diag,) if task.report else ()))

        def collect(partial: list[FileResult], acc: list[FileResult]) -> list[FileResult]:
            # Known as soon as they arrive, so a cancelled update can take them back.
            added_keys.update(jobs.facts_key(r.module, r.digest, r.path)
                              for r in partial if r.digest)
            acc.extend(partial)
            return acc

        def collect_remote(partial: list[tuple[FileResult, ModuleFacts | None]],
                           acc: list[FileResult]) -> list[FileResult]:
            # A remote worker returns the facts it would have written: the master writes them.
            facts = [(jobs.facts_key(r.module, r.digest, r.path), f) for r, f in partial
                     if f is not None]
            added_keys.update(key for key, _ in facts)
            try:
                self.heap.table(jobs.FACTS_TABLE).add_many(facts)
            except HeapError as exc:
                heap_errors.append(exc)
            acc.extend(r for r, _ in partial)
            return acc

        job: Callable[..., Any] = jobs.phase1_job
        merge: Callable[..., Any] = collect
        tokens: list[str] = []
        items: list[Any]
        if self.remote:
            import analyzer.engine._remote as remote

            tokens.append(remote.share_context(self.pool, RunContext(
                self.module_rules, self.project_rules, self.settings)))
            items = remote.phase1_items(tokens[0], todo)
            job, merge = remote.phase1_job, collect_remote
        else:
            # The fork pool's workers read the context from the heap (remote ones from
            # the data shared above), so only this path stores it.
            ctx_key = self._store_context("phase1", RunContext(
                self.module_rules, self.project_rules, self.settings), added_ctx)
            items = [(ctx_key, t) for t in todo]
        results = self._map(job, items, merge, tokens, "checking", progress, interrupt,
                            on_failure, cost=lambda item: stats[item[1].path][0])
        if heap_errors:
            raise CheckError(f"the shared heap cannot hold the facts of this project: "
                             f"{heap_errors[0]}")
        return {r.path: r for r in results + failed + [r for r, _ in done]}

    def _phase2(self, ctx_key, todo, files, modules, progress, interrupt):
        failed: list[tuple[str, str, tuple[Diagnostic, ...], tuple[int, ...]]] = []

        def on_failure(item: tuple[Any, ...], error: BaseException) -> None:
            task = item[-1]
            failed.append((task.module, task.path, (Diagnostic(
                task.display, 1, 1, "SH900",
                f"internal error: {_describe(error)} in the project rules",
                end_line=1, end_column=1, name="internal-error"),), ()))

        tasks = [ModuleTask(t.module, t.path, t.display, modules[t.module][0]) for t in todo]
        job: Callable[..., Any] = jobs.phase2_job
        items: list[Any] = [(ctx_key, t) for t in tasks]
        tokens: list[str] = []
        if self.remote:
            import analyzer.engine._remote as remote

            tokens.append(remote.share_snapshot(self.pool, self.heap))
            tokens.append(remote.share_context(self.pool, RunContext(
                self.module_rules, self.project_rules, self.settings, modules)))
            items = remote.phase2_items(
                tokens[0], tokens[1], tasks,
                with_source=any(r.NEEDS_TREE for r in self.project_rules))
            job = remote.phase2_job
        results = self._map(job, items, _extend, tokens, "project rules", progress, interrupt,
                            on_failure)
        diags: dict[str, tuple[Diagnostic, ...]] = {}
        edges: dict[str, tuple[int, ...]] = {}
        for module, _path, found, ids in results + failed:
            diags[module] = found
            edges[module] = ids
        return diags, edges

    def _map(self, job: Callable[..., Any], items: list[Any], merge: Callable[..., Any],
             tokens: list[str], stage: str, progress: Callable[[str, int, int], None] | None,
             interrupt: Callable[[], bool] | None, on_failure: Callable[..., None],
             cost: Callable[[Any], float] | None = None) -> list[Any]:
        """One map_reduce call of a phase; the data shared for it is released after."""
        try:
            return self.pool.map_reduce(
                job, items, merge=merge, neutral=[], cost=cost,
                progress=(lambda done, total: progress(stage, done, total)) if progress else None,
                interrupt=interrupt, on_failure=on_failure,
            )
        finally:
            for token in tokens:
                self.pool.unshare(token)

    def _cycles(self, imports: Mapping[str, ModuleFacts], files: Mapping[str, FileState]) -> list[Diagnostic]:
        if "SH003" not in self.plan.selected:
            return []
        from analyzer.model import import_cycles

        out = []
        for d in import_cycles(imports):
            # import_cycles names files by facts.path (absolute); output uses display paths.
            fs = files.get(d.path)
            if fs is not None and fs.task.report:
                out.append(Diagnostic(fs.task.display, d.line, d.column, d.code, d.message,
                                      d.end_line, d.end_column, d.name, d.fix))
        return out

    def _store_context(self, name: str, ctx: RunContext, added: set[str]) -> str:
        import pickle

        from analyzer.frontend import content_digest

        key = f"{name}:{content_digest(pickle.dumps(ctx, protocol=5))}"
        if self.heap.table(jobs.CONTEXT_TABLE).add(key, ctx):
            added.add(key)
        return key

    def _referenced(self, state: SessionState) -> set[str]:
        return {jobs.facts_key(fs.task.module, fs.digest, fs.task.path)
                for fs in state.files.values() if fs.digest}

    def _forget(self, added_keys: set[str], added_ctx: set[str], old: SessionState) -> None:
        """Take back what a cancelled or failed update put in the heap."""
        keep = self._referenced(old)
        facts = self.heap.table(jobs.FACTS_TABLE)
        for key in added_keys - keep:
            facts.remove(key)
        ctx = self.heap.table(jobs.CONTEXT_TABLE)
        for key in added_ctx:
            ctx.remove(key)

    def _sweep(self, old: SessionState, new: SessionState, added_ctx: set[str]) -> None:
        """Remove superseded entries; compact when the waste passes the threshold."""
        facts = self.heap.table(jobs.FACTS_TABLE)
        for key in self._referenced(old) - self._referenced(new):
            facts.remove(key)
        ctx = self.heap.table(jobs.CONTEXT_TABLE)
        for key in added_ctx:
            if key != new.ctx_key and not key.startswith("phase1:"):
                ctx.remove(key)
        if old.ctx_key and old.ctx_key != new.ctx_key:
            ctx.remove(old.ctx_key)
        s = self.heap.stats()
        if ((s.wasted_bytes > MIN_WASTE_BYTES and s.wasted_bytes > WASTE_SHARE * s.used_bytes)
                or s.used_slots - s.live_slots > s.hash_capacity // 4):
            self.heap.collect()

    def _final(self, state: SessionState) -> list[Diagnostic]:
        diagnostics: list[Diagnostic] = [d for fs in state.files.values() for d in fs.diagnostics]
        for found in state.project.values():
            diagnostics.extend(found)
        diagnostics.extend(state.cycles)
        noqa = {fs.task.display: fs.noqa for fs in state.files.values() if fs.noqa is not None}
        by_display = {fs.task.display: fs.task.path for fs in state.files.values()}
        defaults = frozenset(i.code for i in self.plan.registry
                             if i.default_enabled and i.code != "SH900")
        final = finish(diagnostics, noqa, by_display, self.plan.config, self.plan.selected,
                       defaults)
        if any(d.code == "F401" and d.fix is not None and d.fix.applicability == "safe"
               for d in final):
            # An F401 fix is unsafe when another project module imports the name from this
            # one: only the master, after the merge, holds every module's imports.
            files = {fs.task.path: fs.task for fs in state.files.values()}
            index = ReexportIndex.from_facts(
                self.plan.discovery.files, state.imports,
                lambda path: files[path].display if path in files else path)
            final = index.mark(final, lambda f: state.imports[f.module].imports
                               if f.module in state.imports else ())
        return final


def diagnostic_changes(old: list[Diagnostic], new: list[Diagnostic]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(new, fixed) between two diagnostic lists, as multisets, in their lists' order."""
    from collections import Counter

    before, after = Counter(old), Counter(new)
    return _take(new, after - before), _take(old, before - after)


def _take(items: list[Diagnostic], counts: Mapping[Diagnostic, int]) -> list[Diagnostic]:
    left = dict(counts)
    out = []
    for d in items:
        if left.get(d, 0) > 0:
            out.append(d)
            left[d] -= 1
    return out


def _extend(partial: list, acc: list) -> list:
    acc.extend(partial)
    return acc


def _describe(error: BaseException) -> str:
    name = type(error).__name__
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{name}: {text}" if text else name


def stat_key(path: Path) -> tuple[int, int]:
    """(size, mtime_ns) of a file, (0, 0) when it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return 0, 0
    return st.st_size, st.st_mtime_ns
