"""A check on dask.distributed (``shoal check --scheduler``): pure jobs and what feeds them.

The shared heap does not span machines, so the jobs here take everything in their bucket
or in data the pool shares once per call (:meth:`parallel.DaskPool.share`), and return
everything they produce; the master writes it into its own heap and dependency table:

* Phase 1 gets ``(context token, task with the file's bytes)``: the master reads each file
  as its bucket is sent (a worker need not see the project's file system) and the job
  returns each file's :class:`~analyzer.jobs.FileResult` with its facts. Phase 1 records no
  dependency edges.
* Phase 2 gets ``(snapshot token, context token, sources token, module task)``: the master
  saves its heap as a snapshot (the heap's own format, DESIGN §2) and shares it; each worker
  loads it into a process-local heap on its first bucket and reuses it for every later
  bucket of the call. When a selected rule reads other modules' trees (``READS_TREES``),
  the master also shares every module's bytes (the sources token; else None), since trees
  are not stored on dask: ``index.tree`` parses them there. The job returns the module's
  diagnostics and the ids of the keys its index read, exactly what
  :func:`analyzer.jobs.phase2_job` returns to the fork pool.

The run context (rule classes, settings, module map) is shared pickled by cloudpickle:
rules of a plugin loaded from a path live in a private module no worker can import, so that
module travels by value. The per-module work is the fork pool's own code
(:func:`analyzer.jobs.check_file`, :func:`analyzer.jobs.check_module`), so both pools give
the same diagnostics in the same order.
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import analyzer.engine._jobs as jobs
from analyzer.engine._tasks import FileResult, FileTask, ModuleTask, RunContext
from analyzer.model import ModuleFacts

if TYPE_CHECKING:
    from analyzer.model import ProjectIndex
    from analyzer.rules import Diagnostic, RuleClass
    from heap_native import SharedHeap
    from parallel import DaskPool

__all__ = ["LOCAL", "SourceOf", "Unreadable", "open_pool", "phase1_items", "phase1_job",
           "phase2_items", "phase2_job",
           "share_context", "share_sources", "ship_by_value"]

_Task = TypeVar("_Task", FileTask, ModuleTask)

#: ``--scheduler local``: a LocalCluster of this machine's cores.
LOCAL = "local"

#: Heaps loaded from snapshots in this worker, by token, newest last. Two are kept so that
#: a late bucket of the previous call (one an interrupted master abandoned) still has its own.
_HEAPS: dict[str, SharedHeap] = {}
_KEEP_HEAPS = 2
_CONTEXTS: dict[str, RunContext] = {}
_INDEXES: dict[tuple[str, str, str | None], ProjectIndex] = {}
#: The modules' bytes shared for ``index.tree`` (``share_sources``), by token.
_SOURCES: dict[str, dict[str, bytes]] = {}
_LOCK = threading.Lock()
#: A dask worker may run several tasks at once in threads. The jobs are pure Python, so
#: threads would only take turns on the GIL anyway, and CPython 3.11's ``ast.parse`` is not
#: safe in two threads at once (its AST conversion keeps one recursion counter per
#: interpreter: "AST constructor recursion depth mismatch"). One bucket at a time per process.
_ONE_AT_A_TIME = threading.Lock()


# ---------------------------------------------------------------------------------------
# Master side


def open_pool(scheduler: str, workers: int) -> DaskPool:
    """A ``DaskPool`` for ``--scheduler`` (``local`` or an address).

    :raises analyzer.engine.CheckError: dask is not installed, or the scheduler cannot be
        reached (within ``DaskPool``'s connect timeout, a few seconds).
    """
    from analyzer.engine._plan import CheckError

    try:
        from parallel import DaskPool, SchedulerUnreachable
    except ImportError as exc:  # pragma: no cover - parallel itself is always there
        raise CheckError(str(exc)) from exc
    try:
        if scheduler == LOCAL:
            return DaskPool(workers=max(1, workers))
        return DaskPool(scheduler)
    except ImportError as exc:  # DaskPool's message names the extra to install
        raise CheckError(f"--scheduler: {exc}") from exc
    except SchedulerUnreachable as exc:
        raise CheckError(str(exc)) from exc
    except (OSError, ValueError) as exc:
        raise CheckError(f"--scheduler {scheduler}: {exc}") from exc


def ship_by_value(rule_classes: Sequence[RuleClass], extractors: Sequence[type] = ()) -> None:
    """Have cloudpickle send the modules of path-loaded plugins (rules and fact extractors)
    by value: a worker cannot import them by their private names."""
    import cloudpickle

    from analyzer.loading import is_private_module

    for cls in (*rule_classes, *extractors):
        name = cls.__module__
        if is_private_module(name) and name in sys.modules:
            cloudpickle.register_pickle_by_value(sys.modules[name])


def share_context(pool: DaskPool, ctx: RunContext) -> str:
    """Share the run context with the pool's workers once; returns its token."""
    import cloudpickle

    return pool.share(cloudpickle.dumps(ctx, protocol=5))


class SourceOf(Generic[_Task]):
    """A task whose file is read when its bucket is pickled for a worker, into the task's
    ``field`` (``content`` for phase 1, ``source`` for phase 2).

    So the master holds the bytes of the buckets in flight only, not of the whole tree, and
    starts submitting at once. A file it cannot read travels as :class:`Unreadable` with the
    master's reason. Attributes are the task's.
    """

    __slots__ = ("task", "field")
    task: _Task
    field: str

    def __init__(self, task: _Task, field: str) -> None:
        self.task = task
        self.field = field

    def __getattr__(self, name: str) -> Any:
        return getattr(self.task, name)

    def __reduce__(self) -> tuple[Any, ...]:
        try:
            data = jobs._read(self.task.path)
        except OSError as exc:
            return (Unreadable, (self.task, f"{exc.strerror or exc}"))
        return (_with_bytes, (self.task, self.field, data))


def _with_bytes(task: _Task, field: str, data: bytes) -> _Task:
    changes: dict[str, Any] = {field: data}
    return replace(task, **changes)


class Unreadable(Generic[_Task]):
    """A file the master could not read, with the reason (see :class:`SourceOf`)."""

    __slots__ = ("task", "reason")
    task: _Task
    reason: str

    def __init__(self, task: _Task, reason: str) -> None:
        self.task = task
        self.reason = reason


def phase1_items(
    ctx_token: str, todo: Sequence[FileTask],
) -> list[tuple[str, FileTask | SourceOf[FileTask]]]:
    """Phase 1's items: each task's file is read when its bucket leaves (:class:`SourceOf`)."""
    return [(ctx_token, task if task.content is not None else SourceOf(task, "content"))
            for task in todo]


def share_snapshot(pool: DaskPool, heap: SharedHeap) -> str:
    """Save the master's heap as a snapshot and share it; returns its token."""
    with tempfile.TemporaryDirectory(prefix="shoal-snapshot-") as tmp:
        path = os.path.join(tmp, "heap")
        heap.save(path)
        with open(path, "rb") as f:
            data = f.read()
    return pool.share(data)


def share_sources(pool: DaskPool, modules: Mapping[str, tuple[str, str]],
                  contents: dict[str, bytes]) -> str:
    """Share every module's bytes (its buffer's, else its file's while it has the digest
    phase 1 saw) for ``index.tree`` on the workers; returns the token."""
    import pickle

    from analyzer.engine._tree_reads import project_sources

    return pool.share(pickle.dumps(project_sources(modules, contents, jobs._read),
                                   protocol=5))


def phase2_items(
    snapshot: str, ctx_token: str, todo: Sequence[ModuleTask], *, with_source: bool,
    sources: str | None = None,
) -> list[tuple[str, str, str | None, ModuleTask | SourceOf[ModuleTask]]]:
    """Phase 2's items; with ``with_source`` (a project rule needs the tree) each task
    carries its file's bytes, read when its bucket leaves, since a worker may not see the
    file (:class:`SourceOf`). ``sources``: the token of :func:`share_sources`, if shared."""
    return [(snapshot, ctx_token, sources,
             SourceOf(task, "source") if with_source and task.source is None else task)
            for task in todo]


# ---------------------------------------------------------------------------------------
# Worker side


def phase1_job(
    bucket: Sequence[tuple[str, FileTask | Unreadable[FileTask]]],
) -> list[tuple[FileResult, ModuleFacts | None]]:
    """Phase 1 on files whose bytes travel in the task; returns results and facts."""
    from parallel import shared_data

    _deep_recursion_for_good()
    out: list[tuple[FileResult, ModuleFacts | None]] = []
    with _ONE_AT_A_TIME:
        for ctx_token, task in bucket:
            if isinstance(task, Unreadable):
                out.append((jobs._unreadable(task.task, "", task.reason), None))
                continue
            ctx = _context(ctx_token, shared_data)
            result, facts = jobs.check_file(task, ctx)
            out.append((jobs.summarized(task, result, facts, ctx.interface_digests), facts))
    return out


def _deep_recursion_for_good() -> None:
    """Raise the recursion limit once for the worker's life, never lower it again.

    The fork pool raises it around each bucket and restores it; a dask worker may run
    buckets in several threads, and a limit changed while another thread is inside
    ``ast.parse`` makes CPython fail that parse ("AST constructor recursion depth
    mismatch").
    """
    if sys.getrecursionlimit() < jobs.RECURSION_LIMIT:
        with _LOCK:
            if sys.getrecursionlimit() < jobs.RECURSION_LIMIT:
                sys.setrecursionlimit(jobs.RECURSION_LIMIT)


def phase2_job(
    bucket: Sequence[tuple[str, str, str | None, ModuleTask | Unreadable[ModuleTask]]],
) -> list[tuple[str, str, tuple[Diagnostic, ...], tuple[int, ...]]]:
    """Phase 2 against the shared snapshot, loaded once per worker."""
    from parallel import shared_data

    _deep_recursion_for_good()
    out = []
    with _ONE_AT_A_TIME:
        for snapshot, ctx_token, sources, task in bucket:
            if isinstance(task, Unreadable):
                task = task.task  # its tree then fails in the rule, as it would locally
            heap = _heap(snapshot, shared_data)
            ctx = _context(ctx_token, shared_data)
            index = _index(snapshot, ctx_token, sources, ctx, heap, shared_data)
            out.append(jobs.check_module(ctx, index, task, heap))
    return out


def _context(token: str, shared_data: Callable[[str], bytes]) -> RunContext:
    ctx = _CONTEXTS.get(token)
    if ctx is None:
        import pickle

        ctx = pickle.loads(shared_data(token))
        with _LOCK:
            if len(_CONTEXTS) > 4:
                _CONTEXTS.clear()
            _CONTEXTS[token] = ctx
    return ctx


def _heap(token: str, shared_data: Callable[[str], bytes]) -> SharedHeap:
    with _LOCK:
        heap = _HEAPS.get(token)
        if heap is not None:
            return heap
        from heap_native import SharedHeap

        with tempfile.TemporaryDirectory(prefix="shoal-snapshot-") as tmp:
            path = os.path.join(tmp, "heap")
            with open(path, "wb") as f:
                f.write(shared_data(token))
            heap = SharedHeap.load(path)
        _HEAPS[token] = heap
        while len(_HEAPS) > _KEEP_HEAPS:
            oldest = next(iter(_HEAPS))
            for key in [k for k in _INDEXES if k[0] == oldest]:
                del _INDEXES[key]
            _HEAPS.pop(oldest).close()
        return heap


def _index(snapshot: str, ctx_token: str, sources: str | None, ctx: RunContext,
           heap: SharedHeap, shared_data: Callable[[str], bytes]) -> ProjectIndex:
    key = (snapshot, ctx_token, sources)
    index = _INDEXES.get(key)
    if index is None:
        index = jobs.new_project_index(ctx, heap, _sources(sources, shared_data))
        with _LOCK:
            _INDEXES[key] = index
    return index


def _sources(token: str | None, shared_data: Callable[[str], bytes]) -> dict[str, bytes] | None:
    """The modules' bytes shared under ``token`` (None: none shared, no rule reads trees)."""
    if token is None:
        return None
    found = _SOURCES.get(token)
    if found is None:
        import pickle

        found = pickle.loads(shared_data(token))
        with _LOCK:
            _SOURCES.clear()  # one call's at a time: they are the size of the project
            _SOURCES[token] = found
    return found
