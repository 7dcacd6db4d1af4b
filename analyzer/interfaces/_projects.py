"""`shoal check` over paths of several projects: one check per project, one merged result.

Each project is checked with its own index (its own plan, session and cache), so a module
of one never resolves an import of another; the findings are merged and sorted as one
check's are, so the output has the same shape whatever the number of projects.
"""
from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analyzer.engine import CheckPlan, CheckResult
    from analyzer.frontend import Project

__all__ = ["check_projects", "merge_results", "settings_of"]


def check_projects(
    plans: Sequence[CheckPlan], progress: Callable[[str, int, int], None] | None = None,
    timings: dict[str, float] | None = None,
) -> CheckResult:
    """Check every plan in turn and merge the results (the plans' order does not matter);
    ``timings``, when given, receives every project's rule and phase times, summed."""
    from analyzer.engine import run_check

    # The largest project goes last: only the last check may run its phase 2 in the master
    # (``CheckPlan.followed``), and the largest pays most for workers. Merged in the given
    # order, since the first project's rule descriptions win.
    order = sorted(range(len(plans)), key=lambda i: len(plans[i].discovery.files))
    results: dict[int, CheckResult] = {}
    for i in order:
        plan = plans[i] if i == order[-1] else dataclasses.replace(plans[i], followed=True)
        results[i] = run_check(plan, progress=progress, timings=timings)
    return merge_results([results[i] for i in range(len(plans))])


def merge_results(results: Sequence[CheckResult]) -> CheckResult:
    """One result from several projects' results: findings sorted as one check sorts them,
    file counts added, rules known to any of them known."""
    from analyzer.engine import CheckResult
    from analyzer.rules import Diagnostic

    if len(results) == 1:
        return results[0]
    registry = copy.copy(results[0].registry)
    registry.by_code = {}
    for result in reversed(results):  # the first project's description of a code wins
        registry.by_code.update(result.registry.by_code)
    diagnostics = sorted((d for r in results for d in r.diagnostics), key=Diagnostic.sort_key)
    return CheckResult(
        diagnostics, sum(r.files_checked for r in results), registry,
        frozenset().union(*(r.selected for r in results)),
        {"projects": [r.stats for r in results]},
    )


def settings_of(project: Project, plan: CheckPlan) -> dict[str, Any]:
    """``--show-settings`` for one project: the resolved settings, the selection, and which
    project root was chosen and why."""
    settings = plan.config.settings_dict()
    settings["project-root"] = str(project.root) if project.root else None
    settings["project-root-reason"] = project.reason
    settings["paths"] = list(project.paths)
    settings["selected"] = sorted(plan.selected)
    return settings
