"""``run_check``: a :class:`~analyzer.engine.Session`'s first update, or a warm one from the
cache.

DESIGN §1's data path. The master creates the heap before any worker exists, forks the pool,
runs phase 1 (files) and phase 2 (modules) as two ``map_reduce`` calls, computes the import
cycles itself from every module's facts, then applies suppressions and sorts, so the output
is identical whatever the worker count. The machinery lives in the session so that a cold check
and an incremental recheck are one code path.
"""
from __future__ import annotations

from collections.abc import Callable

from analyzer.engine._cache import cached_check
from analyzer.engine._collector import age_survivors, collector_paused
from analyzer.engine._findings import with_unreadable
from analyzer.engine._plan import CheckPlan, CheckResult
from analyzer.engine._session import Session

__all__ = ["run_check"]


def run_check(
    plan: CheckPlan,
    *,
    progress: Callable[[str, int, int], None] | None = None,
    timings: dict[str, float] | None = None,
) -> CheckResult:
    """Check the plan's files with its selected codes: warm from the cache when the plan
    names one that is valid, else cold; the output is the same either way.

    ``timings``: add each rule's and phase's time to it (``rule:CODE`` / phase name ->
    seconds, summed over workers); the check is then cold, as a warm one runs no rule.
    """
    # The master's allocations during a check (merged results, the state, decoded facts) are
    # long-lived and acyclic: left to the collector, every young collection traverses and
    # promotes them, and each full one walks them all again -- 4.5 of the master's 11.6
    # CPU-seconds on a 20,000-file tree. Workers resume collecting (``setup_child``).
    with collector_paused():
        if (timings is None and plan.cache_dir is not None and plan.stdin is None
                and plan.scheduler is None):
            result = cached_check(plan, progress=progress)
        else:
            with Session(plan, one_shot=True) as session:
                session.timings = timings
                # No cache: the heap and the state go with the session, unread.
                session.outlived = False
                session.check(progress=progress)
                result = session.result()
        age_survivors()
    result.diagnostics = with_unreadable(result.diagnostics, plan)
    return result
