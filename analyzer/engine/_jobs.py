"""The work the pool's workers do for a check: phase 1 per file, phase 2 per module.

Both jobs are module-level functions (the pool pickles them by reference) and take buckets
of small tuples. Everything a job needs besides its items — the selected rules, the settings,
the module map — lives in the shared heap under a key the items name, so a long-lived
worker picks up a new run's context without being re-forked. Only small results cross the
pipes: diagnostics and per-file summaries. Facts go to the heap.
"""
from __future__ import annotations

import ast
import contextlib
import dataclasses
import functools
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.engine._collector import collector_paused
from analyzer.engine._cst_gate import MAX_CST_BYTES, cst_factory
from analyzer.engine._ctx_live import LiveContext
from analyzer.engine._facts_cache import FactsCache
from analyzer.engine._index_carry import IndexCarry
from analyzer.engine._insight_keys import store_key_records
from analyzer.engine._invalidation import module_summary
from analyzer.engine._suppressions import scan_noqa
from analyzer.engine._tasks import (
    CONTEXT_TABLE,
    FACTS_TABLE,
    FileResult,
    FileTask,
    ModuleTask,
    RunContext,
    facts_key,
)
from analyzer.engine._timing import JobTimings, Laps, timed_project_rules
from analyzer.engine._tree_reads import module_tree
from analyzer.engine._trees import encode_tree, store_trees, tree_provider
from analyzer.frontend import (
    IPYTHON_BUILTINS,
    SourceDecodeError,
    checked_source,
    content_digest,
    parse_module,
    read_source_file,
    target_for_path,
)
from analyzer.model import (
    ModuleFacts,
    extract_facts,
    newer_python_error,
    unknown_facts,
    unsupported_syntax,
)
from analyzer.rules import Diagnostic, RuleContext, RuleSettings, SourceLines, run_module_rules

if TYPE_CHECKING:
    import libcst

    from analyzer.model import IndexMemo, ProjectIndex
    from heap_native import SharedHeap


#: ast.parse and plugin rules recurse; a raised limit lets deep but legal trees through
#: (the built-in walks loop over long chains), and RecursionError past it is reported.
RECURSION_LIMIT = 10_000


# ---------------------------------------------------------------------------------------
# Worker-side state. The heap is inherited through fork (or is the master's own heap with
# workers=0); the context is decoded once per key and kept for the worker's lifetime.

_HEAP: SharedHeap | None = None
_CONTEXTS: dict[str, RunContext] = {}


def bind_heap(heap: SharedHeap | None) -> None:
    """Make ``heap`` the store the jobs of this process use (call before forking)."""
    global _HEAP
    _HEAP = heap
    forget_decoded()


def forget_decoded() -> None:
    """Drop what this process's jobs decoded (contexts, project indexes, facts); the heap
    stays bound. The master calls it after a one-shot phase 2 it ran itself, whose memo of
    facts would otherwise live through the report."""
    _CONTEXTS.clear()
    _BASES.clear()
    _LIVE.clear()
    _INDEXES.clear()
    _FACTS.clear()
    _CARRY.clear()


def _context(key: str) -> RunContext:
    ctx = _CONTEXTS.get(key)
    if ctx is None:
        ctx = _bound_heap().table(CONTEXT_TABLE)[key]
        phase = key.partition(":")[0]
        if ctx.base:
            ctx = _LIVE.resolve(ctx, ctx.base, _base_context(ctx.base))
        elif phase == "phase2" and ctx.keep_facts:
            _LIVE.adopt(ctx, key)  # a new base: what moved since the last context is known
        # One context per phase: an update alternates the two, and phase 1's is the same
        # from one update to the next.
        for old in [k for k in _CONTEXTS if k.partition(":")[0] == phase]:
            del _CONTEXTS[old]
        _CONTEXTS[key] = ctx
    return ctx


#: The base of the patched contexts (``_ctx_patch``): decoded once, while the master keeps it.
_BASES: dict[str, RunContext] = {}
#: The patches of that base, resolved in place (``_ctx_live``).
_LIVE = LiveContext()


def _base_context(key: str) -> RunContext:
    ctx = _BASES.get(key) or _CONTEXTS.get(key)
    if ctx is None:
        ctx = _bound_heap().table(CONTEXT_TABLE)[key]
    if key not in _BASES:
        _BASES.clear()
        _BASES[key] = ctx
    return ctx


def _bound_heap() -> SharedHeap:
    if _HEAP is None:
        raise RuntimeError("no heap bound in this process: call bind_heap() before the jobs")
    return _HEAP


# ---------------------------------------------------------------------------------------
# Phase 1


def store_facts(heap: Any, facts: Sequence[tuple[str, ModuleFacts]],
                key_records: bool = True) -> None:
    """Write each ``(facts key, facts)`` pair, and with ``key_records`` the module's key
    record beside it (``_insight_keys``): every writer of facts, worker or master, goes
    through here.

    :raises heap_native.HeapError: the heap cannot hold them."""
    heap.table(FACTS_TABLE).add_many(facts)
    if key_records:
        store_key_records(heap, facts)


def phase1_job(bucket: Sequence[tuple[str, FileTask]]) -> list[Any]:
    """Read, digest, decode, parse, extract facts and run module rules for each file: a
    :class:`FileResult` each, then a :class:`JobTimings` when the run is timed."""
    # here, not above: a warm cache hit imports this module
    from parallel import hold_until_replied, pause_collector_until_replied, tick

    results: list[Any] = []
    facts_out: list[tuple[str, ModuleFacts]] = []
    trees: list[tuple[str, bytes | None]] = []
    timings: dict[str, float] | None = None
    key_records = False
    with deep_recursion():
        last = len(bucket) - 1
        for index, (ctx_key, task) in enumerate(bucket):
            ctx = _context(ctx_key)
            key_records = key_records or ctx.key_records
            if ctx.timings and timings is None:
                timings = {}
            # The last file's tree is freed after the reply (in a worker replaced after the
            # bucket, never): nothing is built after it, so it costs no memory. No young
            # collection walks it meanwhile: the worker collects once, after freeing it.
            if index == last:
                pause_collector_until_replied()
            result, facts = check_file(task, ctx, timings, trees,
                                       hold_until_replied if index == last else None)
            if facts is not None:
                facts_out.append((facts_key(task.module, result.digest, task.path), facts))
            results.append(summarized(task, result, facts, ctx.interface_digests))
            tick()  # the file timeout counts per file, not per bucket
        if facts_out:
            start = time.perf_counter()
            store_facts(_bound_heap(), facts_out, key_records)
            if timings is not None:
                timings["facts to the heap"] = time.perf_counter() - start
        if trees:
            # After the facts, never before: a heap without room for both keeps the facts.
            start = time.perf_counter()
            store_trees(_bound_heap(), trees)
            if timings is not None:
                timings["trees to the heap"] = time.perf_counter() - start
    if timings is not None:
        results.append(JobTimings(timings))
    return results


def summarized(task: FileTask, result: FileResult, facts: ModuleFacts | None,
               digests: bool = True) -> FileResult:
    """``result`` with its module's summary (``_invalidation.module_summary``, without the
    interface digests unless ``digests``): what the master keeps of the facts, made here so
    that the master decodes none."""
    if facts is None or not task.module:
        return result
    return dataclasses.replace(result, summary=module_summary(facts, digests))


def check_file(task: FileTask, ctx: RunContext, timings: dict[str, float] | None = None,
               trees: list[tuple[str, bytes | None]] | None = None,
               hold: Callable[[Any], None] | None = None,
               ) -> tuple[FileResult, ModuleFacts | None]:
    """Phase 1 for one file; every failure of the input becomes a diagnostic. ``timings``
    receives the seconds of each phase and rule (``--timings``); ``trees`` the module's
    ``(facts key, encoded tree)`` when the context stores trees and the module is reported
    (any module, with ``all_trees``); ``hold`` is given the parsed tree and its lines
    instead of their being freed here (``parallel.hold_until_replied``)."""
    with collector_paused():
        return _check_file(task, ctx, timings, trees, hold)


def facts_body(ctx: RunContext) -> frozenset[str] | None:
    """The facts body fields phase 1 extracts (None: all): those the project rules read,
    when every one of them says (``ProjectRule.READS_BODY``), and the calls a key record
    names (``_insight_keys``) when the check makes them.

    Nothing else reads the body: the interface digests leave out their ``ref[T]`` entries
    when the references were not extracted (no selected rule reads ``index.references``,
    so no ``ref[T]`` key is ever read), and a cache or a session serves only checks with
    the same rules (the selection is in the cache key; a new plan clears the heap)."""
    fields: frozenset[str] = frozenset()
    for rule in ctx.project_rules:
        reads = rule.READS_BODY
        if reads is None:
            return None
        fields |= reads
        if rule.READS_REFERENCES:
            fields |= _REFERENCES  # index.references reads the other modules' references
    return fields | _KEY_RECORD_FIELDS if ctx.key_records else fields


_REFERENCES = frozenset({"references"})
#: What a key record reads of the body (``_insight_keys.module_keys``).
_KEY_RECORD_FIELDS = frozenset({"calls"})


def _settings_of(task: FileTask, ctx: RunContext) -> RuleSettings:
    """The run's settings, with the file's ``per-file-target-version`` when one matches."""
    settings = ctx.settings
    targets = settings.per_file_target_version
    if not targets:
        return settings
    root = settings.project_root
    version = target_for_path(None if root is None else Path(root), targets, task.path)
    if version is None or version == settings.target_version:
        return settings
    return dataclasses.replace(settings, target_version=version)


def _check_file(task: FileTask, ctx: RunContext, timings: dict[str, float] | None,
                trees: list[tuple[str, bytes | None]] | None,
                hold: Callable[[Any], None] | None = None,
                ) -> tuple[FileResult, ModuleFacts | None]:
    laps = Laps(timings)
    data = task.content
    if data is None:
        try:
            data = _read(task.path)
        except OSError as exc:
            return _unreadable(task, "", f"{exc.strerror or exc}"), None
    digest = content_digest(data)
    laps.lap("read")
    try:
        text, cells = checked_source(task.path, data)  # cells: a notebook's
    except SourceDecodeError as exc:
        facts = unknown_facts(task.module, task.path, task.is_package)
        return _unreadable(task, digest, str(exc), getattr(exc, "line", None)), facts
    lines = SourceLines(text)
    settings = _settings_of(task, ctx)
    if cells:
        settings = dataclasses.replace(settings, builtins=settings.builtins | IPYTHON_BUILTINS)
    try:
        # In pieces when large: the parser's arena is then never the worker's peak.
        tree = parse_module(text, filename=task.display)
    except SyntaxError as exc:
        facts = unknown_facts(task.module, task.path, task.is_package)
        return _syntax_error(task, digest, exc, lines, settings.target_version), facts
    except (RecursionError, MemoryError) as exc:
        facts = unknown_facts(task.module, task.path, task.is_package)
        diag = _internal(task, f"the file is too deeply nested to analyse ({type(exc).__name__})")
        return FileResult(task.path, task.module, digest, False, (diag,)), facts
    laps.lap("parse")
    if trees is not None and ctx.store_trees and (task.report or ctx.all_trees):
        # Only reported modules, unless a rule reads other modules' trees: phase 2 runs on
        # no other. Encoded now, while the bucket
        # goes on, so the worker keeps bytes rather than every tree of its bucket.
        trees.append((facts_key(task.module, digest, task.path), encode_tree(tree, text)))
        laps.lap("tree encoding")
    facts = extract_facts(tree, module=task.module, path=task.path,
                          is_package=task.is_package, lines=lines, body=facts_body(ctx))
    laps.lap("facts")
    diagnostics: tuple[Diagnostic, ...] = ()
    noqa = None
    # One libcst parse at most, shared by the CST rules and the CST fact extractors.
    cst = functools.cache(cst_factory(text, tree)) if len(data) <= MAX_CST_BYTES else None
    failures: list[str] = []
    if ctx.extractors:
        facts, failures = _with_plugin_facts(facts, ctx, tree, cst, task.display)
        laps.lap("plugin facts")
    if task.report:
        context = RuleContext(path=task.display, module=task.module, is_package=task.is_package,
                              source=text, lines=lines, settings=settings, cells=cells)
        diagnostics = tuple(run_module_rules(context, ctx.module_rules, tree, cst,
                                             timings=timings))
        laps.restart()
        diagnostics += tuple(_internal(task, message) for message in failures)
        diagnostics += _too_new(task, tree, lines, settings.target_version)
        noqa = scan_noqa(text)
        laps.lap("noqa scan")
    if hold is not None:
        hold((tree, lines))
    return FileResult(task.path, task.module, digest, True, diagnostics, noqa), facts


def _with_plugin_facts(facts: ModuleFacts, ctx: RunContext, tree: ast.Module,
                       cst: Callable[[], libcst.Module] | None,
                       display: str) -> tuple[ModuleFacts, list[str]]:
    """``facts`` with the plugin extractors' values, and their failures (each an SH900)."""
    from dataclasses import replace

    from analyzer.rules import run_extractors

    plugin, failures = run_extractors(ctx.extractors, tree, cst, path=facts.path,
                                      module=facts.module, display=display)
    return (replace(facts, plugin_facts=plugin) if plugin else facts), failures


def extension_result(task: FileTask) -> tuple[FileResult, ModuleFacts | None]:
    """Phase 1 for a compiled extension module, in the master: a digest of its size and
    mtime (a rebuild is a change; binaries can be large, and their bytes say nothing more
    here) and facts that say only that the module exists, its names unknown."""
    digest = extension_digest(task.path)
    if digest is None:
        return FileResult(task.path, task.module, "", False), None
    facts = unknown_facts(task.module, task.path, task.is_package)
    return FileResult(task.path, task.module, digest, False), facts


def extension_digest(path: str) -> str | None:
    """An extension module's digest, of its size and mtime; one of its own when the file is
    absent (a build output its ``.gitignore`` names, not built yet: the module is known by
    name only); None when it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return _ABSENT
    except OSError:
        return None
    return content_digest(f"extension:{st.st_size}:{st.st_mtime_ns}".encode())


_ABSENT = content_digest(b"extension:absent")


def _read(path: str) -> bytes:
    # A regular file only: a FIFO or a device would block or never end (E902 instead).
    return read_source_file(path)


def _unreadable(task: FileTask, digest: str, reason: str, line: int | None = None) -> FileResult:
    diag = Diagnostic(task.display, line or 1, 1, "E902", reason, end_line=line or 1,
                      end_column=1, name="io-error")
    return FileResult(task.path, task.module, digest, False, (diag,) if task.report else ())


def _syntax_error(task: FileTask, digest: str, exc: SyntaxError, lines: SourceLines,
                  target: tuple[int, int]) -> FileResult:
    line = exc.lineno or 1
    column = 1
    if exc.offset:
        # SyntaxError.offset is 1-based and counts characters of exc.text.
        column = max(1, exc.offset)
    # A feature of a newer Python is named, not called invalid (only worked out when shown).
    message = (task.report and newer_python_error(lines.text, exc, target)
               or f"SyntaxError: {exc.msg}")
    diag = Diagnostic(task.display, line, column, "E999", message, end_line=line,
                      end_column=column, name="syntax-error")
    return FileResult(task.path, task.module, digest, False, (diag,) if task.report else ())


def _too_new(task: FileTask, tree: ast.Module, lines: SourceLines,
             target: tuple[int, int]) -> tuple[Diagnostic, ...]:
    """E999 for syntax the target version does not have (the file parsed: rules still ran)."""
    return tuple(
        Diagnostic(task.display, line, column, "E999", message, end_line=line,
                   end_column=column, name="unsupported-syntax")
        for line, column, message in unsupported_syntax(tree, lines, target))


def _internal(task: FileTask, message: str) -> Diagnostic:
    return Diagnostic(task.display, 1, 1, "SH900", f"internal error: {message}", end_line=1,
                      end_column=1, name="internal-error")


# ---------------------------------------------------------------------------------------
# Phase 2


def phase2_job(
    bucket: Sequence[tuple[str, ModuleTask]],
) -> list[tuple[str, str, tuple[Diagnostic, ...], tuple[int, ...]]]:
    """Run the project rules on each module; return its diagnostics and the ids of every key
    its index reads recorded.

    The edges go back to the master instead of into the heap: the master commits a recheck's
    edges (replacing the reader's old ones) only when the whole recheck completes, so a
    cancelled recheck leaves the dependency table as it was.
    """
    from parallel import tick

    out: list[Any] = []
    timings: dict[str, float] | None = None
    for ctx_key, task in bucket:
        ctx = _context(ctx_key)
        if ctx.timings and timings is None:
            timings = {}
        out.append(check_module(ctx, _project_index(ctx_key, ctx), task, _bound_heap(),
                                timings))
        tick()  # the file timeout counts per module, not per bucket
    if timings is not None:
        out.append(JobTimings(timings))
    return out


def check_module(
    ctx: RunContext, index: ProjectIndex, task: ModuleTask, heap: SharedHeap,
    timings: dict[str, float] | None = None,
) -> tuple[str, str, tuple[Diagnostic, ...], tuple[int, ...]]:
    """Phase 2 for one module, reading facts from ``heap`` through ``index``; ``timings``
    receives each project rule's seconds (``--timings``)."""
    from analyzer.model import dep_id
    from analyzer.rules import run_project_rules

    recorded: set[str] = set()
    reader = index.for_reader(recorded.add)
    laps = Laps(timings)
    facts = _load_facts(ctx, task.module, heap)
    laps.lap("project rules: load facts")
    if facts is None:
        return task.module, task.path, (), ()
    tree = tree_provider(heap, facts_key(task.module, task.digest, task.path), task.path,
                         task.source, _read)
    if timings is None:
        diags = run_project_rules(facts, reader, ctx.project_rules, path=task.display, tree=tree,
                                  settings=ctx.settings)
    else:
        diags = timed_project_rules(facts, reader, ctx.project_rules, task.display, tree,
                                     timings, ctx.settings)
    ids = _DEP_IDS
    if len(ids) > DEP_IDS_KEPT:
        ids.clear()
    found: set[int] = set()
    for key in recorded:
        key_id = ids.get(key)
        if key_id is None:
            key_id = ids[key] = dep_id(key)
        found.add(key_id)
    return task.module, task.path, tuple(diags), tuple(sorted(found))


#: Each key's dep_id, as this process worked it out: a hub's readers record the same keys
#: update after update, and a hash per key and reader was a tenth of phase 2.
_DEP_IDS: dict[str, int] = {}
#: Past this many keys the ids are worked out afresh (a few MiB).
DEP_IDS_KEPT = 200_000


#: One project index per run context, shared by every module a worker checks in it: the
#: index memoizes loads and re-export chains, and replays their edges to each new reader.
_INDEXES: dict[str, ProjectIndex] = {}


#: This process's decoded facts across updates (the bound heap's only).
_FACTS = FactsCache()
#: This process's project-index memo across updates (``_index_carry``).
_CARRY = IndexCarry()


def _project_index(ctx_key: str, ctx: RunContext) -> ProjectIndex:
    index = _INDEXES.get(ctx_key)
    if index is None:
        _INDEXES.clear()
        names = _LIVE.names(ctx)
        memo = None
        if ctx.keep_facts:
            recipe = (ctx.extractors, ctx.settings)
            _FACTS.adopt(recipe, ctx.modules)
            memo = _CARRY.memo(names, _LIVE.take_moved(), recipe)
        else:
            _FACTS.clear()
        index = _INDEXES[ctx_key] = new_project_index(ctx, _bound_heap(), names=names, memo=memo)
    return index


def new_project_index(ctx: RunContext, heap: SharedHeap,
                      sources: dict[str, bytes] | None = None, *,
                      names: frozenset[str] | None = None,
                      memo: IndexMemo | None = None) -> ProjectIndex:
    """A project index over the context's modules, loading facts (and trees) from ``heap``;
    ``sources``: module -> bytes, the modules' content where no file may be read (dask);
    ``names``: the modules' names when the caller holds them as a set already; ``memo``:
    what an earlier index worked out that still holds (``_index_carry``)."""
    from analyzer.model import BuildOutputs, ProjectIndex

    return ProjectIndex(ctx.modules.keys() if names is None else names, lambda module: _load_facts(ctx, module, heap),
                        writers=ctx.writers, fact_holders=ctx.fact_holders,
                        outputs=BuildOutputs(ctx.outputs) if ctx.outputs else None,
                        referrers=ctx.referrers,
                        fact_versions={e.NAME: e.VERSION for e in ctx.extractors},
                        trees=functools.partial(_module_tree, ctx, heap, sources), memo=memo)


def _module_tree(ctx: RunContext, heap: SharedHeap, sources: dict[str, bytes] | None,
                 module: str) -> ast.Module | None:
    """``index.tree``'s loader: the module's tree from the heap, else parsed again from its
    buffer's bytes, the shipped ``sources`` or (without them) its file (``_tree_reads``)."""
    entry = ctx.modules.get(module)
    if entry is None:
        return None
    digest, path = entry
    content = ctx.contents.get(module)
    if content is None and sources is not None:
        content = sources.get(module)
    return module_tree(heap, facts_key(module, digest, path), digest, path, content,
                       _read if sources is None else None)


def _load_facts(ctx: RunContext, module: str, heap: SharedHeap) -> ModuleFacts | None:
    entry = ctx.modules.get(module)
    if entry is None:
        return None
    key = facts_key(module, entry[0], entry[1])
    if not ctx.keep_facts:
        # One update (a one-shot check): a module's facts are decoded for its own check and
        # once more for the index, which memoizes them; a cache of every module's facts in
        # every worker (30 MiB each on the standard library) would serve no later update.
        return heap.table(FACTS_TABLE, cache_size=0).get(key)
    if heap is _HEAP and _FACTS.active:
        return _FACTS.get(key, heap.table(FACTS_TABLE).get)
    return heap.table(FACTS_TABLE).get(key)


@contextlib.contextmanager
def deep_recursion() -> Iterator[None]:
    """Let deep but legal trees through the rules; restored after, so the master (which
    runs jobs itself with workers=0) is left as it was."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, RECURSION_LIMIT))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def worker_cpu_count() -> int:
    """Cores this process may use (cgroup/affinity aware where Linux says so)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
