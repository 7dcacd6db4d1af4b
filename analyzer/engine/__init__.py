"""How a check runs: the session that owns the heap and the workers, the per-file and
per-module jobs, the dask transport, the merge with suppressions, the warm cache.

A cold check and an incremental recheck are one code path (:class:`Session`); ``run_check`` is
its first update, or a warm one from the cache. A newcomer starts at
:meth:`Session.check` and :meth:`Session.recheck`, then ``_jobs`` (what a worker does; ``_tasks`` is what travels to it).
"""
from typing import TYPE_CHECKING

from analyzer._lazy import lazy_face

if TYPE_CHECKING:
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
    from analyzer.engine._insight import (
        EDGE_KINDS,
        Insight,
        ModuleInfo,
        insight_sidecar,
        load_insight,
        read_sidecar,
        refreshed_view,
    )
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
    from analyzer.engine._warm import warm_idle

#: public name -> the sub-module defining it (imported on first use: ``analyzer._lazy``)
_EXPORTS = {
    "CacheRejected": "_cache",
    "CheckError": "_plan",
    "CheckPlan": "_plan",
    "CheckResult": "_plan",
    "EDGE_KINDS": "_insight",
    "FileResult": "_tasks",
    "FileTask": "_tasks",
    "HeapTooSmall": "_plan",
    "Insight": "_insight",
    "KeptOutput": "_cache_output",
    "ModuleInfo": "_insight",
    "ModuleTask": "_tasks",
    "NoqaComment": "_suppressions",
    "NoqaMap": "_suppressions",
    "RACY_WINDOW_NS": "_changes",
    "Recheck": "_state",
    "ReexportIndex": "_reexports",
    "RunContext": "_tasks",
    "Session": "_session",
    "UNUSED_NOQA": "_suppressions",
    "apply_noqa": "_suppressions",
    "atomic_write": "_cache_files",
    "build_files": "_cache_keys",
    "cached_check": "_cache",
    "default_workers": "_plan",
    "diagnostic_changes": "_findings",
    "file_tasks": "_state",
    "heap_geometry": "_plan",
    "insight_sidecar": "_insight",
    "index_files": "_cache_output",
    "keep_output": "_cache_output",
    "kept_output": "_cache_output",
    "load_insight": "_insight",
    "noqa_target_line": "_suppressions",
    "open_session": "_cache",
    "read_sidecar": "_insight",
    "refreshed_view": "_insight",
    "rewrite_directive": "_suppressions",
    "rule_sources": "_cache_keys",
    "run_check": "_check",
    "scan_noqa": "_suppressions",
    "unused_noqa": "_suppressions",
    "warm_idle": "_warm",
    "warm_session": "_cache",
    "witness_files": "_cache_output",
}
__all__ = [
    "CacheRejected", "CheckError", "CheckPlan", "CheckResult", "EDGE_KINDS", "FileResult",
    "FileTask", "HeapTooSmall", "Insight", "KeptOutput", "ModuleInfo", "ModuleTask",
    "NoqaComment", "NoqaMap", "RACY_WINDOW_NS", "Recheck", "ReexportIndex", "RunContext",
    "Session", "UNUSED_NOQA", "apply_noqa", "atomic_write", "build_files", "cached_check",
    "default_workers", "diagnostic_changes", "file_tasks", "heap_geometry", "insight_sidecar", "index_files",
    "keep_output", "kept_output", "load_insight", "noqa_target_line", "open_session", "read_sidecar", "refreshed_view",
    "rewrite_directive", "rule_sources", "run_check", "scan_noqa", "unused_noqa",
    "warm_idle", "warm_session", "witness_files",
]
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS, globals())
