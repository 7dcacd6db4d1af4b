"""An update's findings in the master: SH003 import cycles from every module's imports, the
merge of every file's and module's findings (selection, ignores, ``# noqa``, sorted), the
F401 fixes that would break a re-export, and what changed since the last update."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from analyzer.engine._merge import finish
from analyzer.engine._reexports import ReexportIndex
from analyzer.engine._state import FileState, SessionState
from analyzer.model import ModuleFacts, import_cycles
from analyzer.rules import Diagnostic

__all__ = ["cycle_findings", "diagnostic_changes", "final_diagnostics"]


def cycle_findings(selected: frozenset[str], imports: Mapping[str, ModuleFacts],
                  files: Mapping[str, FileState]) -> list[Diagnostic]:
    """SH003 (when selected) in the reported files, with display paths."""
    if "SH003" not in selected:
        return []
    out = []
    for d in import_cycles(imports):
        # import_cycles names files by facts.path (absolute); output uses display paths.
        fs = files.get(d.path)
        if fs is not None and fs.task.report:
            out.append(Diagnostic(fs.task.display, d.line, d.column, d.code, d.message,
                                  d.end_line, d.end_column, d.name, d.fix))
    return out


def final_diagnostics(state: SessionState, plan: Any) -> list[Diagnostic]:
    """The output of ``state`` under ``plan``'s configuration and selection, sorted."""
    diagnostics: list[Diagnostic] = [d for fs in state.files.values() for d in fs.diagnostics]
    for found in state.project.values():
        diagnostics.extend(found)
    diagnostics.extend(state.cycles)
    noqa = {fs.task.display: fs.noqa for fs in state.files.values() if fs.noqa is not None}
    by_display = {fs.task.display: fs.task.path for fs in state.files.values()}
    defaults = frozenset(i.code for i in plan.registry
                         if i.default_enabled and i.code != "SH900")
    final = finish(diagnostics, noqa, by_display, plan.config, plan.selected, defaults)
    if any(d.code == "F401" and d.fix is not None and d.fix.applicability == "safe"
           for d in final):
        # An F401 fix is unsafe when another project module imports the name from this
        # one: only the master, after the merge, holds every module's imports.
        files = {fs.task.path: fs.task for fs in state.files.values()}
        index = ReexportIndex.from_facts(
            plan.discovery.files, state.imports,
            lambda path: files[path].display if path in files else path)
        final = index.mark(final, lambda f: state.imports[f.module].imports
                           if f.module in state.imports else ())
    return final


def diagnostic_changes(old: list[Diagnostic], new: list[Diagnostic]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(new, fixed) between two diagnostic lists, as multisets, in their lists' order."""
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
