"""How a check runs: the session that owns the heap and the workers, the per-file and
per-module jobs, the dask transport, the merge with suppressions, the warm cache.

A cold check and an incremental recheck are one code path (:class:`Session`); ``run_check`` is
its first update, or a warm one from the cache. A newcomer starts at
:meth:`Session.check` and :meth:`Session.recheck`, then ``_jobs`` (what a worker does; ``_tasks`` is what travels to it).
"""
from analyzer.engine._cache import CacheRejected, cached_check, open_session, warm_session
from analyzer.engine._cache_files import atomic_write
from analyzer.engine._cache_keys import build_files, rule_sources
from analyzer.engine._cache_output import (
    KeptOutput,
    index_files,
    keep_output,
    kept_output,
    witness_files,
)
from analyzer.engine._changes import RACY_WINDOW_NS
from analyzer.engine._check import run_check
from analyzer.engine._findings import diagnostic_changes
from analyzer.engine._insight import EDGE_KINDS, Insight, ModuleInfo, load_insight
from analyzer.engine._plan import (
    CheckError,
    CheckPlan,
    CheckResult,
    HeapTooSmall,
    default_workers,
    heap_geometry,
)
from analyzer.engine._reexports import ReexportIndex
from analyzer.engine._session import Session
from analyzer.engine._state import Recheck, file_tasks
from analyzer.engine._suppressions import (
    UNUSED_NOQA,
    NoqaComment,
    NoqaMap,
    apply_noqa,
    noqa_target_line,
    rewrite_directive,
    scan_noqa,
    unused_noqa,
)
from analyzer.engine._tasks import FileResult, FileTask, ModuleTask, RunContext

__all__ = [
    "RACY_WINDOW_NS", "KeptOutput", "atomic_write", "build_files", "index_files", "rule_sources",
    "EDGE_KINDS", "Insight", "ModuleInfo", "load_insight",
    "UNUSED_NOQA", "CacheRejected", "CheckError", "CheckPlan", "HeapTooSmall", "CheckResult", "FileResult",
    "FileTask", "ModuleTask", "NoqaComment", "NoqaMap", "Recheck", "ReexportIndex", "RunContext",
    "Session", "apply_noqa", "cached_check", "keep_output", "kept_output", "witness_files", "default_workers", "diagnostic_changes",
    "file_tasks", "heap_geometry", "noqa_target_line", "open_session", "rewrite_directive",
    "run_check", "scan_noqa", "unused_noqa", "warm_session",
]
