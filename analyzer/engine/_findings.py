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

__all__ = ["FinishMemo", "cycle_findings", "diagnostic_changes", "final_diagnostics",
           "with_unreadable"]


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


class FinishMemo:
    """Each reported file's merged findings from the last update, reused while the file's
    raw findings and suppressions are the same objects (or equal): an update then merges
    only the files it touched, not the whole project (issue 16: a recheck's cost follows
    what changed). Valid for one plan: a new configuration starts a new memo."""

    def __init__(self, plan: Any) -> None:
        self.plan = plan
        self.by_display: dict[str, tuple[list[Diagnostic], Any, list[Diagnostic]]] = {}


def final_diagnostics(state: SessionState, plan: Any,
                      memo: FinishMemo | None = None) -> list[Diagnostic]:
    """The output of ``state`` under ``plan``'s configuration and selection, sorted: the
    findings of the reported files only (the named ones), SH900 included, so a broken file
    the command line did not name never decides a partial run's exit code."""
    # Phase 1 runs on every indexed file (project rules need their facts); whatever it
    # said about a file that was not named stays out of the output.
    raw: dict[str, list[Diagnostic]] = {}
    noqa: dict[str, Any] = {}
    by_display: dict[str, str] = {}
    for fs in state.files.values():
        if not fs.task.report:
            continue
        display = fs.task.display
        by_display[display] = fs.task.path
        raw.setdefault(display, []).extend(fs.diagnostics)
        if fs.noqa is not None:
            noqa[display] = fs.noqa
    for found in state.project.values():
        for d in found:
            if d.path in by_display:
                raw.setdefault(d.path, []).append(d)
    for d in state.cycles:
        if d.path in by_display:
            raw.setdefault(d.path, []).append(d)
    if memo is not None and memo.plan is not plan:
        memo.by_display.clear()
        memo.plan = plan
    previous = memo.by_display if memo is not None else {}
    merged: dict[str, tuple[list[Diagnostic], Any, list[Diagnostic]]] = {}
    # A file with suppressions and no finding may still owe SH100s: it is merged too.
    for display in sorted(raw.keys() | noqa.keys()):
        diags, comments = raw.get(display, []), noqa.get(display)
        last = previous.get(display)
        if last is not None and last[1] is comments and last[0] == diags:
            merged[display] = last
            continue
        out = finish(diags, {display: comments} if comments is not None else {},
                     by_display, plan.config, plan.selected)
        merged[display] = (diags, comments, out)
    if memo is not None:
        memo.by_display = merged
    # Per-file lists in path order are the whole list in Diagnostic.sort_key order.
    final = [d for _, _, out in merged.values() for d in out]
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


def with_unreadable(diagnostics: list[Diagnostic], plan: Any) -> list[Diagnostic]:
    """``diagnostics`` plus an E902 for each named path or directory discovery could not
    read (``Discovery.unreadable``), under the selection and per-file ignores, sorted.

    Added after the check, never kept in a session's state nor in the cache: whether a
    directory can be listed is the discovery's, fresh on every run."""
    unreadable = getattr(plan.discovery, "unreadable", ())  # a test's hand-made discovery
    if not unreadable or "E902" not in plan.selected:
        return diagnostics
    extra = [Diagnostic(display, 1, 1, "E902", reason, end_line=1, end_column=1,
                        name="io-error")
             for path, display, reason in unreadable
             if not plan.config.is_ignored_for(str(path), "E902")]
    return sorted(diagnostics + extra, key=Diagnostic.sort_key)


def diagnostic_changes(old: list[Diagnostic], new: list[Diagnostic]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(new, fixed) between two diagnostic lists, as multisets, in their lists' order."""
    # Only the files whose findings differ are counted: equal lists of the same objects
    # compare by identity, so an update that touched one file costs one file's findings.
    old_by, new_by = _by_path(old), _by_path(new)
    changed = {p for p in old_by.keys() | new_by.keys() if old_by.get(p) != new_by.get(p)}
    if not changed:
        return [], []
    old_sub = [d for d in old if d.path in changed]
    new_sub = [d for d in new if d.path in changed]
    before, after = Counter(old_sub), Counter(new_sub)
    return _take(new_sub, after - before), _take(old_sub, before - after)


def _by_path(items: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    grouped: dict[str, list[Diagnostic]] = {}
    for d in items:
        grouped.setdefault(d.path, []).append(d)
    return grouped


def _take(items: list[Diagnostic], counts: Mapping[Diagnostic, int]) -> list[Diagnostic]:
    left = dict(counts)
    out = []
    for d in items:
        if left.get(d, 0) > 0:
            out.append(d)
            left[d] -= 1
    return out
