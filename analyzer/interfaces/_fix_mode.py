"""Fix mode of ``shoal check``: ``--fix``, ``--unsafe-fixes``, ``--diff``, ``--fix-only``,
``--show-fixes``, ``--exit-non-zero-on-fix`` and ``--add-noqa``.

The loop: check; per file, apply one round of fixes (``_fix_plan``: which fixes, in one
transform; a fix touching an accepted one waits for the next round); re-check the changed
files; repeat until no fix applies (at most :data:`MAX_ROUNDS` rounds). Rounds after the
first check the new texts from a private overlay directory (copies under the same relative
paths, with the configuration re-rooted there so ``per-file-ignores`` still match), so
``--diff`` sees exactly what ``--fix`` would write and nothing is written until the loop is
over. Then the files are written (``_fix_write``: encoding, line endings, links and
permissions kept; a file that changed on disk since it was read is left alone and the run
exits 2) and what remains is reported.

F401's fix is downgraded to unsafe when another project module imports the removed name from
this one: the session decides that after its merge (``analyzer.engine._reexports``).
"""
from __future__ import annotations

import argparse
import dataclasses
import difflib
import enum
import os
import re
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.engine import (
    CheckError,
    CheckPlan,
    CheckResult,
    noqa_target_line,
    rewrite_directive,
    run_check,
    scan_noqa,
)
from analyzer.frontend import SourceFile
from analyzer.interfaces import exit_codes
from analyzer.interfaces._fix_notebook import load_fixable
from analyzer.interfaces._fix_plan import applicable, fix_text
from analyzer.interfaces._fix_write import (
    FixWriteError,
    SourceState,
    write_all,
    write_source,
)
from analyzer.rules import Diagnostic, Edit

__all__ = [
    "MAX_ROUNDS",
    "FixMode",
    "FixOutcome",
    "add_noqa",
    "fix_project",
    "run_fix_mode",
]

#: Fix rounds before giving up on convergence (each round re-checks the changed files).
MAX_ROUNDS = 10

#: Findings that mean the rules did not run on the file: nothing to fix nor to suppress.
_NOT_CHECKED = frozenset({"E902", "E999", "SH900"})
#: An E999 of this name is syntax the target version lacks: the file parsed, its rules ran.
_PARSED_ANYWAY = "unsupported-syntax"


def _not_checked(d: Diagnostic) -> bool:
    return d.code in _NOT_CHECKED and d.name != _PARSED_ANYWAY
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

_Warn = Callable[[str], None]
#: A baseline's filter: the findings minus the baselined ones, given the texts of the files
#: fixed but not yet written (``BaselineRun.filter``).
_Keep = Callable[[list[Diagnostic], Mapping[str, str]], list[Diagnostic]]


class FixMode(enum.Enum):
    """What the fix flags ask for, collapsed once at the edge."""

    #: ``--fix`` / ``--fix-only``: write the fixes.
    APPLY = "apply"
    #: ``--diff``: print them, write nothing.
    DIFF = "diff"
    #: ``--add-noqa``: suppress every current finding instead.
    ADD_NOQA = "add-noqa"

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> FixMode:
        """``--add-noqa`` beats nothing (it is exclusive), ``--diff`` beats ``--fix``."""
        if args.add_noqa:
            return cls.ADD_NOQA
        if args.diff:
            return cls.DIFF
        return cls.APPLY


# ---------------------------------------------------------------------------------------------
# The loop


class _Overlay:
    """A private directory holding the fixed texts under the project's relative paths, and
    plans that check them in place of the originals."""

    def __init__(self, plan: CheckPlan) -> None:
        self.plan = plan
        self.root = Path(tempfile.mkdtemp(prefix="shoal-fix-"))
        self.base = plan.config.root or Path.cwd()
        self.paths: dict[str, Path] = {}

    def _where(self, f: SourceFile) -> Path:
        if f.display not in self.paths:
            relative = os.path.relpath(f.path, self.base)
            if relative.startswith(os.pardir) or os.path.isabs(relative):
                relative = os.path.join("_outside", str(len(self.paths)), f.path.name)
            self.paths[f.display] = self.root / relative
        return self.paths[f.display]

    def plan_for(self, states: Iterable[SourceState], recheck: Iterable[SourceState]) -> CheckPlan:
        """A plan reporting on ``recheck``, with every changed file read from the overlay."""
        moved: dict[str, Path] = {}
        for state in states:
            if not state.changed:
                continue
            where = self._where(state.file)
            where.parent.mkdir(parents=True, exist_ok=True)
            where.write_bytes(state.payload())
            moved[state.file.display] = where
        files = [dataclasses.replace(f, path=moved[f.display], is_stdin=False)
                 if f.display in moved else f for f in self.plan.discovery.files]
        reported = {moved[s.file.display] for s in recheck}
        config = self.plan.config
        name = config.path.name if config.path is not None else "pyproject.toml"
        return dataclasses.replace(
            self.plan,
            config=dataclasses.replace(config, path=self.root / name),
            discovery=dataclasses.replace(self.plan.discovery, files=files, reported=reported),
            cache_dir=None,
        )

    def close(self) -> None:
        """Remove the directory."""
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class FixOutcome:
    """What the fix loop did: the first check, the fixed files and the fixes applied."""

    first: CheckResult
    #: Every file a fix changed, with its original and fixed text.
    states: list[SourceState] = field(default_factory=list)
    #: The diagnostics whose fix was applied, in the order applied.
    fixed: list[Diagnostic] = field(default_factory=list)
    #: ``False`` when fixes still applied after :data:`MAX_ROUNDS` rounds.
    converged: bool = True


def fix_project(
    plan: CheckPlan, *, unsafe: bool, warn: _Warn | None = None, keep: _Keep | None = None
) -> FixOutcome:
    """Check, then fix and re-check until no fix applies; write nothing.

    :param unsafe: apply unsafe fixes too.
    :param warn: receives one line per fix that was dropped.
    :param keep: drops the findings a baseline holds, which are left unfixed.
    """
    warn = warn or (lambda message: print(f"shoal: warning: {message}", file=sys.stderr))
    # run_check's findings already carry the F401 applicability the master decided.
    first = run_check(plan)
    states: dict[str, SourceState] = {}
    reported = {f.display: f for f in plan.discovery.files if f.path in plan.discovery.reported}
    diagnostics = keep(first.diagnostics, {}) if keep else first.diagnostics
    outcome = FixOutcome(first)
    overlay: _Overlay | None = None
    try:
        for round_number in range(1, MAX_ROUNDS + 1):
            changed = _fix_round(diagnostics, reported, states, plan.stdin, unsafe, warn, outcome)
            if not changed:
                break
            if round_number == MAX_ROUNDS:
                outcome.converged = False
                warn(f"fixes did not converge after {MAX_ROUNDS} rounds in "
                     f"{', '.join(sorted(s.file.display for s in changed))}; "
                     f"run `shoal check --fix` again")
                break
            overlay = overlay or _Overlay(plan)
            recheck = overlay.plan_for(states.values(), changed)
            diagnostics = _refilter(plan, run_check(recheck).diagnostics, reported)
            if keep:
                diagnostics = keep(diagnostics, {s.file.display: s.text for s in states.values()})
    finally:
        if overlay is not None:
            overlay.close()
    outcome.states = sorted((s for s in states.values() if s.changed), key=lambda s: s.file.display)
    return outcome


def _fix_round(
    diagnostics: Iterable[Diagnostic],
    reported: dict[str, SourceFile],
    states: dict[str, SourceState],
    stdin: bytes | None,
    unsafe: bool,
    warn: _Warn,
    outcome: FixOutcome,
) -> list[SourceState]:
    """One round over every file with a fix to apply; the files whose text changed."""
    by_file: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        if applicable(d.fix, unsafe) or _not_checked(d):
            by_file.setdefault(d.path, []).append(d)
    changed = []
    for display, diags in sorted(by_file.items()):
        f = reported.get(display)
        if f is None or any(_not_checked(d) for d in diags):
            continue
        state = states.get(display)
        if state is None:
            state = load_fixable(f, stdin)
            if state is None:
                continue
            states[display] = state
        text, applied = fix_text(state, diags, unsafe=unsafe, warn=warn)
        if applied and text != state.text:
            state.text = text
            outcome.fixed.extend(applied)
            changed.append(state)
    return changed


def _refilter(
    plan: CheckPlan, diagnostics: list[Diagnostic], reported: dict[str, SourceFile]
) -> list[Diagnostic]:
    """Per-file ignores again, on the real paths (an overlay copy outside the configuration
    directory may match fewer globs)."""
    config = plan.config
    if not config.per_file_ignores:
        return diagnostics
    return [d for d in diagnostics
            if d.path not in reported or not config.is_ignored_for(reported[d.path].path, d.code)]


# ---------------------------------------------------------------------------------------------
# --add-noqa


def add_noqa(plan: CheckPlan, keep: _Keep | None = None, reason: str = "",
             ) -> tuple[int, list[FixWriteError], CheckResult]:
    """Append ``# noqa: CODE[, CODE]`` where each current finding is reported, merging with
    the comment already in force there, and write the files; ``reason`` follows the codes
    of each comment written (ruff's ``--add-noqa=REASON``).

    A finding inside a multi-line string or a backslash-continued statement gets its comment
    on the last line of that range (flake8 spreads it over the range; a comment cannot go
    inside a string). Files whose rules did not run (E902, E999, SH900) are skipped.

    :returns: the number of comments added or extended, the files that could not be written,
        and the check that found the findings.
    """
    result = run_check(plan)
    by_file: dict[str, list[Diagnostic]] = {}
    for d in keep(result.diagnostics, {}) if keep else result.diagnostics:
        by_file.setdefault(d.path, []).append(d)
    files = {f.display: f for f in plan.discovery.files if f.path in plan.discovery.reported}
    count = 0
    errors: list[FixWriteError] = []
    for display, diags in sorted(by_file.items()):
        f = files.get(display)
        if f is None or f.is_stdin or any(_not_checked(d) for d in diags):
            continue
        state = load_fixable(f, plan.stdin)
        if state is None:
            continue
        edits = _noqa_edits(state.text, diags, reason)
        try:
            text = state.apply(edits)
        except ValueError as exc:
            # Two comments for one spot: a bug here, but the file must stay as it was.
            errors.append(FixWriteError(display, f"the `# noqa` comments to add conflict "
                                                 f"({exc}); left as it is"))
            continue
        data = state.encode(text)
        if data is None:
            errors.append(FixWriteError(display, "adding `# noqa` comments would not leave valid "
                                                 "Python; left as it is"))
            continue
        try:
            write_source(f.path, data, expected=state.data, name=display)
        except FixWriteError as exc:
            errors.append(exc)
            continue
        count += len(edits)
    return count, errors, result


def _noqa_edits(text: str, diagnostics: Iterable[Diagnostic], reason: str = "") -> list[Edit]:
    noqa = scan_noqa(text)
    lines = _LINE.findall(text)
    extend: dict[int, set[str]] = {}
    append: dict[int, set[str]] = {}
    comments = {}
    for d in diagnostics:
        line = min(max(d.line, 1), max(len(lines), 1))
        comment = noqa.by_line.get(line)
        if comment is not None and comment.codes is not None and comment.in_comment:
            comments[comment.line] = comment
            extend.setdefault(comment.line, set(comment.codes)).add(d.code)
        else:
            append.setdefault(noqa_target_line(text, line), set()).add(d.code)
    edits = [rewrite_directive(comments[n], codes, reason) for n, codes in extend.items()]
    tail = f" {reason}" if reason else ""
    for n, codes in append.items():
        content = lines[n - 1].rstrip("\r\n") if n <= len(lines) else ""
        kept = content.rstrip(" \t")
        edits.append(Edit(f"{'  ' if kept else ''}# noqa: {', '.join(sorted(codes))}{tail}",
                          n, len(kept) + 1, n, len(content) + 1))
    return edits


# ---------------------------------------------------------------------------------------------
# The command


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _show_fixes(fixed: Iterable[Diagnostic], names: dict[str, str]) -> list[str]:
    """ruff's ``--show-fixes`` listing."""
    from analyzer.interfaces.output import escape_path

    per_file: dict[str, Counter[str]] = {}
    for d in fixed:
        per_file.setdefault(d.path, Counter())[d.code] += 1
    total = sum(sum(c.values()) for c in per_file.values())
    if not total:
        return ["No errors fixed."]
    lines = [f"Fixed {_plural(total, 'error')}:"]
    for path in sorted(per_file):
        lines.append(f"- {escape_path(path)}:")
        for code, n in sorted(per_file[path].items()):
            name = names.get(code, "")
            lines.append(f"    {n} × {code}" + (f" ({name})" if name else ""))
    return lines


def _output(args: argparse.Namespace, text: str) -> None:
    from analyzer.interfaces.output import write_text

    if args.output_file:
        with open(args.output_file, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
    elif not getattr(args, "silent", False):
        write_text(sys.stdout, text)


def _diff(state: SourceState) -> str:
    from analyzer.interfaces.output import escape_path

    name = escape_path(state.file.display)  # a newline in it would forge a diff line
    out = []
    for line in difflib.unified_diff(_LINE.findall(state.original), _LINE.findall(state.text),
                                     fromfile=name, tofile=name):
        out.append(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def run_fix_mode(args: argparse.Namespace, plan: CheckPlan, baseline: Any = None) -> int:
    """``shoal check`` with ``--fix``, ``--diff``, ``--fix-only`` or ``--add-noqa``: returns
    the exit code (ruff's: 1 when findings remain, or with ``--diff`` when something would
    change, or with ``--exit-non-zero-on-fix`` when something was fixed; 2 on an internal
    error or a file that could not be written). ``baseline``: a ``BaselineRun`` whose
    findings are neither fixed nor reported."""
    mode = FixMode.from_args(args)
    keep = baseline.filter if baseline is not None and baseline.baseline is not None else None
    if mode is FixMode.ADD_NOQA and (args.fix or args.diff or args.fix_only):
        print("shoal: error: --add-noqa cannot be combined with --fix, --diff or --fix-only",
              file=sys.stderr)
        return exit_codes.ERROR
    if plan.stdin is not None and mode is FixMode.ADD_NOQA:
        print("shoal: error: standard input (--stdin-filename) cannot take --add-noqa",
              file=sys.stderr)
        return exit_codes.ERROR
    try:
        if plan.stdin is not None and mode is FixMode.APPLY:
            from analyzer.interfaces._fix_stdin import fix_stdin

            outcome = fix_project(plan, unsafe=args.unsafe_fixes, keep=keep)
            fixed = next((s.encode(s.text) for s in outcome.states if s.file.is_stdin), None)
            return fix_stdin(args, plan, fixed or plan.stdin, len(outcome.fixed),
                             outcome.first, keep)
        if mode is FixMode.ADD_NOQA:
            return _run_add_noqa(plan, keep, getattr(args, "add_noqa_reason", None) or "")
        outcome = fix_project(plan, unsafe=args.unsafe_fixes, keep=keep)
        if mode is FixMode.DIFF:
            return _report_diff(args, outcome)
        return _report_fixes(args, plan, outcome, keep)
    except CheckError as exc:
        print(f"shoal: error: {exc}", file=sys.stderr)
        return exit_codes.ERROR


def _run_add_noqa(plan: CheckPlan, keep: _Keep | None = None, reason: str = "") -> int:
    count, errors, result = add_noqa(plan, keep, reason)
    for error in errors:
        print(f"shoal: error: {error}", file=sys.stderr)
    print(f"Added {_plural(count, 'noqa directive')}.", file=sys.stderr)
    return exit_codes.ERROR if errors or result.internal_errors else exit_codes.SUCCESS


def _report_diff(args: argparse.Namespace, outcome: FixOutcome) -> int:
    _output(args, "".join(_diff(state) for state in outcome.states))
    n = len(outcome.fixed)
    if not args.quiet:
        print(f"Would fix {_plural(n, 'error')}." if n else "No errors would be fixed.",
              file=sys.stderr)
    if outcome.first.internal_errors:
        return exit_codes.ERROR
    return exit_codes.PROBLEMS if outcome.states else exit_codes.SUCCESS


def _report_fixes(args: argparse.Namespace, plan: CheckPlan, outcome: FixOutcome,
                  keep: _Keep | None = None) -> int:
    from analyzer.interfaces.output import OutputOptions, Report, render, should_color

    errors = write_all(outcome.states)
    for error in errors:
        print(f"shoal: error: {error}", file=sys.stderr)
    # A fix in a file left as it was is not fixed: the final check still finds it.
    unwritten = {str(error.path) for error in errors}
    written = [d for d in outcome.fixed if d.path not in unwritten]
    fixed = len(written)
    names = {code: info.name for code, info in plan.registry.by_code.items()}
    listing = _show_fixes(written, names) if args.show_fixes else []
    status = exit_codes.ERROR if errors else exit_codes.SUCCESS
    if args.fix_only:
        lines = list(listing)
        if fixed and not args.quiet:
            lines.append(f"Fixed {_plural(fixed, 'error')}.")
        _output(args, "".join(line + "\n" for line in lines))
        if outcome.first.internal_errors:
            return exit_codes.ERROR
        if status == exit_codes.SUCCESS and fixed and args.exit_non_zero_on_fix:
            status = exit_codes.PROBLEMS
        return status

    # What remains, as a plain check reports it: checked again when anything was written.
    final = run_check(plan) if outcome.states else outcome.first
    shown = keep(final.diagnostics, {}) if keep else final.diagnostics
    report = Report(shown, final.registry.by_code, final.files_checked)
    color = False if args.output_file else should_color(args.color, sys.stdout)
    text_format = args.format in ("concise", "full", "grouped")
    summary = text_format and not args.quiet and not args.count
    options = OutputOptions(cwd=os.getcwd(), color=color, quiet=args.quiet or summary,
                            count=args.count)
    text = render(report, args.format, options, statistics=args.statistics)
    if summary:
        remaining = len(report.diagnostics)
        tail = report.summary()
        if fixed:
            tail[0] = (f"Found {_plural(fixed + remaining, 'error')} "
                       f"({fixed} fixed, {remaining} remaining).")
        text += "".join(line + "\n" for line in [*listing, *tail])
    elif listing:
        print("\n".join(listing), file=sys.stderr)
    _output(args, text)
    code = report.exit_code(exit_zero=args.exit_zero)
    if code == exit_codes.SUCCESS and fixed and args.exit_non_zero_on_fix:
        code = exit_codes.PROBLEMS
    return max(code, status) if status == exit_codes.ERROR else code
