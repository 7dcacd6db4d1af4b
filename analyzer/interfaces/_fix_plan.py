"""Choosing which fixes one round applies to one file, and applying them (fix mode's planning).

Fixes are taken in output order. A fix is skipped when it is not applicable (unsafe without
``--unsafe-fixes``, no edits), dropped with a warning when its own edits leave the text or
conflict with each other, and deferred to the next round when it touches a fix already
accepted: *touching* includes meeting at one offset (one edit ends where the other begins,
or two insertions at the same point), since such edits have no agreed order and the second
fix was computed for a text the first one changes. The next round re-checks the new text,
so the deferred finding comes back with a fix computed for it, or not at all.

The accepted edits never conflict, so :func:`~analyzer.core.apply_edits` (which raises
``ValueError`` on a conflict) always applies them. A text that would not encode back in the
file's codec or not parse is never produced: the fixes that break it are dropped and named.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise

from analyzer.interfaces._fix_write import LINE_ENDING, SourceState
from analyzer.rules import Diagnostic, Edit, Fix, SourceLines

__all__ = ["applicable", "fix_text"]

_Span = tuple[int, int]


def applicable(fix: Fix | None, unsafe: bool) -> bool:
    """Whether ``fix`` is one this run applies (it has edits; safe, or ``unsafe`` allowed)."""
    return fix is not None and bool(fix.edits) and (unsafe or fix.applicability == "safe")


def _spans(lines: SourceLines, fix: Fix) -> list[_Span] | None:
    """The fix's edits as sorted text offsets; ``None`` when they leave the text or conflict
    as :func:`~analyzer.core.apply_edits` sees it (overlap, or insert twice at one point)."""
    size = len(lines.text)
    spans = []
    for e in fix.edits:
        start, end = lines.offset(e.line, e.column), lines.offset(e.end_line, e.end_column)
        if not (0 <= start <= end <= size) or e.line < 1 or e.end_line < 1:
            return None
        spans.append((start, end))
    spans.sort()
    for (a_start, a_end), (b_start, b_end) in pairwise(spans):
        if b_start < a_end or a_start == a_end == b_start == b_end:
            return None
    return spans


def _touches(spans: Sequence[_Span], taken: Sequence[_Span]) -> bool:
    # Closed intervals on purpose: meeting at one offset counts (as in ruff).
    return any(s <= t_end and t_start <= e for s, e in spans for t_start, t_end in taken)


def _with_newline(fix: Fix, newline: str) -> list[Edit]:
    if newline == "\n":
        return list(fix.edits)
    return [dataclasses.replace(e, content=LINE_ENDING.sub(newline, e.content)) for e in fix.edits]


def fix_text(
    state: SourceState,
    diagnostics: Iterable[Diagnostic],
    *,
    unsafe: bool,
    warn: Callable[[str], None],
) -> tuple[str, list[Diagnostic]]:
    """Apply one round of fixes to ``state.text``.

    :returns: the new text and the diagnostics whose fix it contains (a fix equal to an
        accepted one counts as applied). Fixes touching an accepted fix wait for the next
        round; a fix whose result cannot be encoded or parsed is dropped and named to ``warn``.
    """
    lines = SourceLines(state.text)
    accepted: list[tuple[Diagnostic, Fix]] = []
    taken: list[_Span] = []
    duplicates: list[tuple[Diagnostic, Fix]] = []
    for d in diagnostics:
        fix = d.fix
        if fix is None or not applicable(fix, unsafe):
            continue
        if any(fix == f for _, f in accepted):
            duplicates.append((d, fix))
            continue
        spans = _spans(lines, fix)
        if spans is None:
            warn(f"{d.path}:{d.line}:{d.column}: the fix for {d.code} has edits outside the "
                 f"file or conflicting with each other (overlapping, or inserting twice at one "
                 f"point); not applied")
            continue
        if _touches(spans, taken):
            continue
        accepted.append((d, fix))
        taken.extend(spans)
    if not accepted:
        return state.text, []

    def build(chosen: list[tuple[Diagnostic, Fix]]) -> str:
        return state.apply([e for _, f in chosen for e in _with_newline(f, state.newline)])

    text = build(accepted)
    if state.encode(text) is None:
        # Find the culprits: keep each fix only if the text still encodes and parses with it.
        kept: list[tuple[Diagnostic, Fix]] = []
        for d, fix in accepted:
            if state.encode(build([*kept, (d, fix)])) is not None:
                kept.append((d, fix))
            else:
                warn(f"{d.path}:{d.line}:{d.column}: the fix for {d.code} {state.refusal}; "
                     f"not applied")
        accepted = kept
        text = build(accepted) if accepted else state.text
    kept_fixes = [f for _, f in accepted]
    applied = [d for d, _ in accepted] + [d for d, f in duplicates if f in kept_fixes]
    return text, applied
