"""The cold check, orchestrated by the master: heap, pool, phase 1, phase 2, merge.

DESIGN §1's data path. The master creates the heap before any worker exists, forks the pool,
runs phase 1 (files) and phase 2 (modules) as two ``map_reduce`` calls, computes the import
cycles itself from every module's facts, then applies suppressions and sorts, so the output
is identical whatever the worker count.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer import jobs
from analyzer.config import Config
from analyzer.discovery import Discovery, SourceFile
from analyzer.jobs import FileResult, FileTask, ModuleTask, RunContext
from analyzer.registry import Registry
from analyzer.rules import Diagnostic, RuleSettings
from analyzer.suppressions import apply_noqa

#: Heap sizing from the project: facts are a small multiple of the source; the heap is
#: reserved lazily (MAP_NORESERVE + fallocate in chunks), so a generous virtual size is free.
MIN_HEAP_BYTES = 64 << 20
HEAP_BYTES_PER_SOURCE_BYTE = 4
MIN_HASH_SLOTS = 1 << 12
MIN_DEP_SLOTS = 1 << 16
EDGES_PER_MODULE = 64


class CheckError(Exception):
    """The check cannot go on (the heap cannot hold the facts, ...): exit code 2."""


@dataclass(frozen=True)
class CheckPlan:
    """Everything a check needs, resolved from the command line and the configuration."""

    config: Config
    discovery: Discovery
    registry: Registry
    selected: frozenset[str]
    workers: int
    #: The bytes of the file named by ``--stdin-filename`` (read from ``-``), if any.
    stdin: bytes | None = None


@dataclass
class CheckResult:
    """What a check found, sorted, with suppressions applied."""

    diagnostics: list[Diagnostic]
    files_checked: int
    registry: Registry
    selected: frozenset[str]
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def internal_errors(self) -> int:
        """How many SH900 findings there are (they make the exit code 2)."""
        return sum(1 for d in self.diagnostics if d.code == "SH900")


def _pow2_at_least(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


def heap_geometry(files: list[SourceFile], heap_size: int | None) -> dict[str, int]:
    """Heap bytes, hash slots and dependency slots sized from the project."""
    total = 0
    for f in files:
        try:
            total += os.stat(f.path).st_size
        except OSError:
            pass
    size = heap_size or max(MIN_HEAP_BYTES, total * HEAP_BYTES_PER_SOURCE_BYTE)
    return {
        "heap_size": size,
        "hash_slots": max(MIN_HASH_SLOTS, _pow2_at_least(8 * len(files) + 64)),
        "dep_slots": max(MIN_DEP_SLOTS, _pow2_at_least(2 * EDGES_PER_MODULE * len(files))),
    }


def run_check(
    plan: CheckPlan,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> CheckResult:
    """Run a cold check of the plan's files with its selected codes."""
    config, discovery, registry, selected = plan.config, plan.discovery, plan.registry, plan.selected
    workers, stdin = plan.workers, plan.stdin
    from heap_native import HeapError, SharedHeap
    from parallel import WorkerPool

    module_rules = registry.classes(selected, "module")
    project_rules = registry.classes(selected, "project")
    settings = RuleSettings(
        builtins=frozenset(config.builtins),
        target_version=config.target_version,
        options={name: dict(table) for name, table in config.options.items()},
    )
    reported = discovery.reported
    tasks = []
    for f in discovery.files:
        report = f.path in reported
        if not report and (not f.indexed or not f.module):
            continue  # neither reported nor part of the index: nothing reads it
        tasks.append(FileTask(str(f.path), f.display, f.module if f.indexed else "",
                              f.is_package, report, stdin if f.is_stdin else None))

    geometry = heap_geometry(discovery.files, config.heap_size)
    try:
        heap = SharedHeap(**geometry)
    except HeapError as exc:
        raise CheckError(str(exc)) from exc
    try:
        jobs.bind_heap(heap)
        with WorkerPool(workers=workers, heap=heap) as pool:
            results = _phase1(pool, heap, tasks, module_rules, project_rules, settings, progress)
            by_path = {r.path: r for r in results}
            modules = {
                t.module: (by_path[t.path].digest, t.path)
                for t in tasks if t.module and t.path in by_path and by_path[t.path].digest
            }
            diagnostics: list[Diagnostic] = [d for r in results for d in r.diagnostics]
            display = {t.path: t.display for t in tasks}
            if project_rules:
                diagnostics += _phase2(pool, heap, tasks, by_path, modules, module_rules,
                                       project_rules, settings, progress)
            if "SH003" in selected:
                diagnostics += _cycles(heap, modules, display, reported)
            stats = heap.stats()
    except HeapError as exc:
        raise CheckError(f"{exc}") from exc
    finally:
        jobs.bind_heap(None)
        heap.close()

    final = _finish(diagnostics, results, tasks, config, selected)
    return CheckResult(final, sum(1 for t in tasks if t.report), registry, selected,
                       {"heap": stats})


def _phase1(pool, heap, tasks, module_rules, project_rules, settings, progress) -> list[FileResult]:
    from heap_native import HeapError

    ctx = RunContext(module_rules, project_rules, settings)
    ctx_key = _store_context(heap, "phase1", ctx)
    sizes = {}
    for t in tasks:
        try:
            sizes[t.path] = os.stat(t.path).st_size if t.content is None else len(t.content)
        except OSError:
            sizes[t.path] = 0

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

    items = [(ctx_key, t) for t in tasks]
    results = pool.map_reduce(
        jobs.phase1_job, items, merge=_extend, neutral=[],
        cost=lambda item: sizes.get(item[1].path, 0),
        progress=(lambda done, total: progress("checking", done, total)) if progress else None,
        on_failure=on_failure,
    )
    if heap_errors:
        raise CheckError(f"the shared heap cannot hold the facts of this project: "
                         f"{heap_errors[0]}")
    return results + failed


def _phase2(pool, heap, tasks, by_path, modules, module_rules, project_rules, settings,
            progress) -> list[Diagnostic]:
    ctx = RunContext(module_rules, project_rules, settings, modules)
    ctx_key = _store_context(heap, "phase2", ctx)
    items = [
        (ctx_key, ModuleTask(t.module, t.path, t.display, by_path[t.path].digest))
        for t in tasks
        if t.report and t.module and t.path in by_path and by_path[t.path].parse_ok
        and modules.get(t.module, ("", ""))[1] == t.path
    ]
    failed: list[Diagnostic] = []

    def on_failure(item: tuple[str, ModuleTask], error: BaseException) -> None:
        task = item[1]
        failed.append(Diagnostic(task.display, 1, 1, "SH900",
                                 f"internal error: {_describe(error)} in the project rules",
                                 end_line=1, end_column=1, name="internal-error"))

    results = pool.map_reduce(
        jobs.phase2_job, items, merge=_extend, neutral=[],
        progress=(lambda done, total: progress("project rules", done, total)) if progress else None,
        on_failure=on_failure,
    )
    return [d for _, diags in results for d in diags] + failed


def _cycles(heap, modules, display, reported) -> list[Diagnostic]:
    from analyzer.import_graph import import_cycles

    table = heap.table(jobs.FACTS_TABLE)
    names = sorted(modules)
    values = table.get_many([jobs.facts_key(m, modules[m][0]) for m in names])
    facts = {m: f for m, f in zip(names, values, strict=True) if f is not None}
    reported_paths = {str(p) for p in reported}
    out = []
    for d in import_cycles(facts):
        # import_cycles names files by facts.path (absolute); output uses display paths.
        if d.path in reported_paths:
            out.append(_with_path(d, display.get(d.path, d.path)))
    return out


def _with_path(d: Diagnostic, path: str) -> Diagnostic:
    return Diagnostic(path, d.line, d.column, d.code, d.message, d.end_line, d.end_column,
                      d.name, d.fix)


def _finish(diagnostics, results, tasks, config: Config, selected) -> list[Diagnostic]:
    display_by_path = {t.path: t.display for t in tasks}
    path_by_display = {t.display: t.path for t in tasks}
    noqa_by_display = {
        display_by_path.get(r.path, r.path): r.noqa for r in results if r.noqa is not None
    }
    grouped: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        if d.code != "SH900" and d.code not in selected:
            continue
        path = path_by_display.get(d.path, d.path)
        if config.is_ignored_for(path, d.code):
            continue
        grouped.setdefault(d.path, []).append(d)
    final: list[Diagnostic] = []
    for display, diags in grouped.items():
        noqa = noqa_by_display.get(display)
        if noqa is not None:
            diags, _used = apply_noqa(diags, noqa)
        final.extend(diags)
    final.sort(key=Diagnostic.sort_key)
    return final


def _store_context(heap, name: str, ctx: RunContext) -> str:
    import pickle

    from analyzer.source import content_digest

    key = f"{name}:{content_digest(pickle.dumps(ctx, protocol=5))}"
    heap.table(jobs.CONTEXT_TABLE).add(key, ctx)
    return key


def _extend(partial: list, acc: list) -> list:
    acc.extend(partial)
    return acc


def _describe(error: BaseException) -> str:
    name = type(error).__name__
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{name}: {text}" if text else name


def default_workers() -> int:
    """All cores this process may use."""
    return jobs.worker_cpu_count()


def project_files(discovery: Discovery) -> list[Path]:
    """The paths of the files to report on, sorted."""
    return sorted(discovery.reported)
