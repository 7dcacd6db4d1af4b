"""An update's findings in the master: SH003 import cycles from every module's imports, the
merge of every file's and module's findings (selection, ignores, ``# noqa``, sorted), the
F401 fixes that would break a re-export, and what changed since the last update."""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from analyzer.engine._final_list import Findings
from analyzer.engine._merge import finish
from analyzer.engine._reexports import ReexportIndex
from analyzer.engine._state import FileState, SessionState
from analyzer.engine._versions import Overlay, settle
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
    """What the last update produced per reported file, so the next one merges, marks and
    compares only the files it touched, not the whole project (issue 16: a recheck's cost
    follows what changed). Valid for one configuration and selection: a new one starts a
    new memo.

    A file's merged findings are reused while its raw findings and suppressions are the same
    (or equal); its final findings (F401 fixes marked) while those and the re-export index
    are; the re-export index while every module's imports are.
    """

    def __init__(self, plan: Any) -> None:
        self.reset(plan)

    def reset(self, plan: Any) -> None:
        """Forget everything: ``plan`` is a new configuration."""
        self.plan = plan
        #: display -> (raw findings, noqa, merged findings)
        self.by_display: dict[str, tuple[list[Diagnostic], Any, list[Diagnostic]]] = {}
        #: display -> final findings (a new list only when they may have changed)
        self.finals: dict[str, list[Diagnostic]] = {}
        #: the findings the last update returned (their ``files`` are ``finals``)
        self.last: Findings | None = None
        #: (new, fixed) of the last update against ``since`` (None: unknown)
        self.delta: tuple[list[Diagnostic], list[Diagnostic]] | None = None
        self.since: Sequence[Diagnostic] | None = None
        #: how many findings ``last`` holds
        self.count = 0
        self._imports: dict[str, ModuleFacts] = {}
        self._reexports: ReexportIndex | None = None
        #: the index the last finals were marked with (None: none was needed)
        self._reexports_used: ReexportIndex | None = None
        #: display -> absolute path of every reported file (per-file ignores match the path)
        self.paths: dict[str, str] = {}
        #: the last SH003 list seen, and its findings by display path
        self._cycles: tuple[list[Diagnostic], dict[str, list[Diagnostic]]] | None = None

    def cycles_by_display(self, cycles: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
        """SH003 findings by display path; grouped again only when the list is a new one
        (an update that changed no import keeps the state's list)."""
        if self._cycles is None or self._cycles[0] is not cycles:
            grouped: dict[str, list[Diagnostic]] = {}
            for d in cycles:
                grouped.setdefault(d.path, []).append(d)
            self._cycles = (cycles, grouped)
        return self._cycles[1]

    def changes_since(self, old: Sequence[Diagnostic]) -> tuple[list[Diagnostic], list[Diagnostic]] | None:
        """(new, fixed) of the last update when it started from ``old``; None if unknown."""
        return self.delta if self.since is old and self.delta is not None else None

    def reexports(self, state: SessionState, plan: Any) -> ReexportIndex:
        """The re-export index of ``state``: the last one while no module's imports changed."""
        imports, previous = state.imports, self._imports
        same = self._reexports is not None and len(imports) == len(previous) and all(
            (old := previous.get(m)) is f or (old is not None and old.imports == f.imports
                                              and old.is_package == f.is_package
                                              and old.path == f.path)
            for m, f in imports.items())
        if not same:
            files = {fs.task.path: fs.task for fs in state.files.values()}
            self._reexports = ReexportIndex.from_facts(
                plan.discovery.files, imports,
                lambda path: files[path].display if path in files else path)
        self._imports = dict(imports)  # references held: identity stays meaningful
        assert self._reexports is not None
        return self._reexports


def final_diagnostics(state: SessionState, plan: Any, memo: FinishMemo | None = None,
                      touched: Collection[str] | None = None) -> Findings:
    """The output of ``state`` under ``plan``'s configuration and selection, sorted: the
    findings of the reported files only (the named ones), SH900 included, so a broken file
    the command line did not name never decides a partial run's exit code.

    :param touched: the paths whose findings may differ from the memo's last update (their
        file, its module's project findings or its import cycles changed), when every
        module's imports are as they were; ``None``: look at every file.
    """
    if memo is None:
        memo = FinishMemo(plan)
    elif memo.plan is not plan:
        # A fresh discovery keeps the configuration: what was merged under it still holds.
        if memo.plan.config is plan.config and memo.plan.selected is plan.selected:
            memo.plan = plan
        else:
            memo.reset(plan)
    if touched is None or memo.last is None:
        raw, noqa, paths = _gather_all(state)
        memo.paths = paths
        displays: Collection[str] = sorted(raw.keys() | noqa.keys())
        whole = True
    else:
        raw, noqa, displays = _gather(state, touched, memo)
        whole = False
    previous = memo.by_display
    # display -> its merged entry, for the displays merged again (None: no longer reported)
    merged: dict[str, tuple[list[Diagnostic], Any, list[Diagnostic]] | None] = {}
    # A file with suppressions and no finding may still owe SH100s: it is merged too.
    for display in displays:
        diags, comments = raw.get(display), noqa.get(display)
        if diags is None and comments is None:
            merged[display] = None  # gone, or no longer reported
            continue
        diags = diags or []
        last = previous.get(display)
        if last is not None and last[1] is comments and last[0] == diags:
            merged[display] = last
            continue
        out = finish(diags, {display: comments} if comments is not None else {},
                     memo.paths, plan.config, plan.selected)
        merged[display] = (diags, comments, out)
    # An F401 fix is unsafe when another project module imports the name from this one:
    # only the master, after the merge, holds every module's imports.
    marking = any(_safe_f401(e[2]) for e in merged.values() if e is not None)
    if whole:
        index = memo.reexports(state, plan) if marking else None
        index_same = index is not None and index is memo._reexports_used
    else:
        # Every import is as it was, so the last index still holds where one was built.
        index = memo._reexports_used
        if index is None and marking:
            index = memo.reexports(state, plan)
        index_same = True
    old_finals = memo.finals
    finals: dict[str, list[Diagnostic] | None] = {}
    for display, entry in merged.items():
        if entry is None:
            finals[display] = None
            continue
        out = entry[2]
        kept = old_finals.get(display)
        if kept is not None and previous.get(display) is entry and (index_same or index is None
                                                                     and memo._reexports_used is None):
            finals[display] = kept
        elif index is not None and _safe_f401(out):
            finals[display] = index.mark(out, lambda f: state.imports[f.module].imports
                                         if f.module in state.imports else ())
        else:
            finals[display] = out
    # What changed, for the caller's report: the files whose final list is a new object.
    changed = [p for p in (sorted(finals.keys() | old_finals.keys()) if whole else displays)
               if finals.get(p) is not old_finals.get(p)]
    if memo.last is not None:
        memo.delta = diagnostic_changes(
            [d for p in changed for d in old_finals.get(p, ())],
            [d for p in changed for d in finals.get(p) or ()])
    else:
        memo.delta = None
    memo.since = memo.last
    memo._reexports_used = index
    final = _next_findings(memo, merged, finals, changed, whole)
    memo.last = final
    return final


def _next_findings(memo: FinishMemo,
                   merged: dict[str, tuple[list[Diagnostic], Any, list[Diagnostic]] | None],
                   finals: dict[str, list[Diagnostic] | None], changed: list[str],
                   whole: bool) -> Findings:
    """The memo's maps with this update's entries in, and the findings they make: written
    into the last update's maps when no file came or went (the last findings then read
    their own version), else maps made again in path order."""
    old_finals, last = memo.finals, memo.last
    same_files = not whole and last is not None and last.files is old_finals and all(
        (entry is None) == (display not in old_finals) for display, entry in finals.items())
    if not same_files:
        if whole:
            memo.by_display = {d: e for d, e in merged.items() if e is not None}
            memo.finals = {d: f for d, f in finals.items() if f is not None}
        else:  # a file came or went: path order
            by_display = {**memo.by_display, **merged}
            every = {**old_finals, **finals}
            memo.by_display = {d: e for d in sorted(by_display)
                               if (e := by_display[d]) is not None}
            memo.finals = {d: f for d in sorted(every) if (f := every[d]) is not None}
        memo.count = sum(map(len, memo.finals.values()))
        return Findings(memo.finals, memo.count)
    assert last is not None
    for display, entry in merged.items():
        if entry is not None:
            memo.by_display[display] = entry
    memo.count += sum(len(finals[p] or ()) - len(old_finals.get(p, ())) for p in changed)
    final = Findings(old_finals, memo.count)
    settle(last, final, "_files", Overlay(old_finals, {p: finals[p] for p in changed}))
    return final


def _gather_all(state: SessionState) -> tuple[dict[str, list[Diagnostic]], dict[str, Any],
                                               dict[str, str]]:
    """Every reported file's raw findings and suppressions, by display; display -> path."""
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
    return raw, noqa, by_display


def _gather(state: SessionState, touched: Collection[str], memo: FinishMemo,
            ) -> tuple[dict[str, list[Diagnostic]], dict[str, Any], list[str]]:
    """The raw findings and suppressions of the ``touched`` paths' files, by display, in
    the order :func:`_gather_all` puts them; and the displays to merge again."""
    raw: dict[str, list[Diagnostic]] = {}
    noqa: dict[str, Any] = {}
    displays: list[str] = []
    cycles = memo.cycles_by_display(state.cycles)
    by_path: dict[str, str] | None = None
    for path in touched:
        fs = state.files.get(path)
        if fs is None or not fs.task.report:
            if by_path is None:
                by_path = {path: display for display, path in memo.paths.items()}
            old = by_path.get(path)
            if old is not None:  # gone, or no longer reported: its findings go
                displays.append(old)
                del memo.paths[old]
            continue
        display = fs.task.display
        memo.paths[display] = path
        displays.append(display)
        found = raw.setdefault(display, [])
        found.extend(fs.diagnostics)
        if fs.noqa is not None:
            noqa[display] = fs.noqa
        owner = state.modules.get(fs.task.module) if fs.task.module else None
        if owner is not None and owner[1] == path:
            # A project rule reports in the module it checks (ProjectRule.report).
            found.extend(state.project.get(fs.task.module, ()))
        found.extend(cycles.get(display, ()))
    return raw, noqa, sorted(set(displays))


def _safe_f401(found: list[Diagnostic]) -> bool:
    return any(d.code == "F401" and d.fix is not None and d.fix.applicability == "safe"
               for d in found)


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


def diagnostic_changes(old: Sequence[Diagnostic], new: Sequence[Diagnostic]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(new, fixed) between two lists sorted by ``Diagnostic.sort_key``, as multisets, in
    that order."""
    if not old:
        # A cold check's: every finding is new (13,000 on the standard library, which the
        # counting below would hash one by one).
        return list(new), []
    # Only the files whose findings differ are counted: equal lists of the same objects
    # compare by identity, so an update that touched one file costs one file's findings.
    old_by, new_by = _by_path(old), _by_path(new)
    changed = {p for p in old_by.keys() | new_by.keys() if old_by.get(p) != new_by.get(p)}
    if not changed:
        return [], []
    # A file's lists are sorted and an edit changes a few of its findings: what both share
    # at the start and at the end is no change, and only the rest is counted.
    old_sub: list[Diagnostic] = []
    new_sub: list[Diagnostic] = []
    for path in sorted(changed):
        a, b = old_by.get(path, []), new_by.get(path, [])
        start, end_a, end_b = 0, len(a), len(b)
        while start < end_a and start < end_b and a[start] == b[start]:
            start += 1
        while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
            end_a -= 1
            end_b -= 1
        old_sub += a[start:end_a]
        new_sub += b[start:end_b]
    before, after = Counter(old_sub), Counter(new_sub)
    return _take(new_sub, after - before), _take(old_sub, before - after)


def _by_path(items: Iterable[Diagnostic]) -> dict[str, list[Diagnostic]]:
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
