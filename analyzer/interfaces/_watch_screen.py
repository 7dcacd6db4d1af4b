"""What ``shoal watch`` shows after each recheck: the current state, as ``ruff check --watch``
and ``tsc --watch`` do, not a log of changes.

On a terminal the screen is cleared and redrawn: the current findings in the concise form
(colour, ``[*]`` on a safe fix), as many as fit the terminal's height, then "… and N more",
the count by code, the fixable count, and one status line. Piped, the same text is written
plainly (no escape codes, every finding) after each recheck. ``--verbose`` adds the change
log (``+`` new, ``-`` fixed; a finding that only moved with its line is neither) and the heap
figures.
"""
from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from analyzer.interfaces.output import OutputOptions, Report
from analyzer.interfaces.output._text import headline
from analyzer.rules import Diagnostic

__all__ = ["CLEAR", "LineCache", "Screen", "moved_aside", "render_screen", "status_line"]

#: Cursor home, clear the screen and its scrollback: each recheck starts on a clean page.
CLEAR = "\x1b[H\x1b[2J\x1b[3J"


def _key(d: Diagnostic) -> tuple[str, str, str]:
    return (d.path, d.code, d.message)


def moved_aside(new: Sequence[Diagnostic],
                fixed: Sequence[Diagnostic]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """``new`` and ``fixed`` without the pairs that are one finding whose line moved (same
    file, code and message): an edit above a finding does not make it new."""
    moved = Counter(_key(d) for d in new) & Counter(_key(d) for d in fixed)

    def without(found: Sequence[Diagnostic]) -> list[Diagnostic]:
        left = Counter(moved)
        kept = []
        for d in found:
            if left[_key(d)] > 0:
                left[_key(d)] -= 1
            else:
                kept.append(d)
        return kept

    return without(new), without(fixed)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n / 1024:.1f} KiB"


def status_line(report: Any, changed: int, session: Any = None) -> str:
    """``[HH:MM:SS] N files changed, M modules rechecked in T ms: P problems (+d)``; with a
    ``session`` (``--verbose``) the heap's figures follow."""
    delta = report.problem_count - report.previous_count
    heap = ""
    if session is not None and session.heap is not None:
        s = session.heap.stats()
        heap = f", heap {_mib(s.live_bytes)} live of {_mib(s.used_bytes)} used, {s.dep_edges} edges"
    what = "rebuilt after a configuration change; " if report.rebuilt else ""
    return (f"[{time.strftime('%H:%M:%S')}] {what}{_plural(changed, 'file')} changed, "
            f"{_plural(len(report.modules_rechecked), 'module')} rechecked in "
            f"{report.elapsed_ms:.0f} ms: {_plural(report.problem_count, 'problem')} "
            f"({delta:+d}){heap}")


def _summary(report: Report) -> list[str]:
    """ruff's closing lines, the first one with the count by code (most frequent first)."""
    lines = report.summary()
    if report.diagnostics:
        by_code = ", ".join(f"{count} {code}" for code, count in
                            sorted(report.counts().items(), key=lambda item: (-item[1], item[0])))
        lines[0] = f"{lines[0][:-1]}: {by_code}."
    return lines


def _rows(text: str, width: int | None) -> int:
    """Terminal rows a line of plain ``text`` takes once wrapped."""
    if not width:
        return 1
    return max(1, -(-len(text) // width))


class LineCache:
    """Each finding's concise line, kept from one redraw to the next while the finding is the
    same object: a recheck keeps the ``Diagnostic`` objects of every file it did not touch
    (``engine._findings.FinishMemo``), so a redraw formats only the findings it made."""

    def __init__(self) -> None:
        self._options: OutputOptions | None = None
        self._lines: dict[int, tuple[Diagnostic, str]] = {}
        self._next: dict[int, tuple[Diagnostic, str]] = {}

    def begin(self, options: OutputOptions) -> None:
        """Start a redraw; lines of another form are dropped."""
        if options != self._options:
            self._options, self._lines = options, {}
        self._next = {}

    def line(self, d: Diagnostic) -> str:
        """``headline(d)`` in the redraw's form (kept for the next redraw)."""
        key = id(d)
        kept = self._lines.get(key)
        if kept is None or kept[0] is not d:  # an id is only ours while we hold its object
            assert self._options is not None
            kept = (d, headline(d, self._options))
        self._next[key] = kept
        return kept[1]

    def end(self) -> None:
        """Keep what this redraw showed, nothing else."""
        self._lines, self._next = self._next, {}


def render_screen(diagnostics: Iterable[Diagnostic], rules: Mapping[str, Any], *, status: str,
                  cwd: str, color: bool = False, height: int | None = None,
                  width: int | None = None, log: Sequence[str] = (),
                  in_order: bool = False, cache: LineCache | None = None) -> str:
    """The screen's text: findings (cut to ``height`` rows, when given), summary, ``log``
    (the verbose change log), status line; no escape codes unless ``color``.

    :param in_order: ``diagnostics`` are in output order already (a session's findings).
    :param cache: lines kept from the last redraw (``Screen`` keeps one); a terminal's
        redraw formats the findings that fit, not every one.
    """
    found = list(diagnostics)
    report = Report.in_order(found, rules) if in_order else Report(found, rules)
    tail = [*_summary(report), *log, status]
    shown = report.diagnostics
    if cache is None:
        cache = LineCache()
    cache.begin(OutputOptions(cwd=cwd, color=color))
    if height is None:
        lines = [cache.line(d) for d in shown]
    else:
        budget = height - 1 - sum(_rows(line, width) for line in tail)  # 1: the cursor's row
        plain = OutputOptions(cwd=cwd, color=False)
        lines, used = [], 0
        for d in shown:
            # Rows are counted on the plain text: colour codes take no room.
            rows = _rows(headline(d, plain) if color else cache.line(d), width)
            if used + rows > budget:
                break
            used += rows
            lines.append(cache.line(d))
        hidden = len(shown) - len(lines)
        if hidden:
            while lines and used + 1 > budget:  # room for the "… and N more" line
                used -= _rows(headline(shown[len(lines) - 1], plain), width)
                lines.pop()
            lines.append(f"… and {len(shown) - len(lines)} more")
    cache.end()
    lines.extend(tail)
    return "".join(line + "\n" for line in lines)


@dataclass
class Screen:
    """Where the watch draws: a terminal (cleared, cut to its height) or a pipe (plain)."""

    stream: TextIO
    color: bool = False
    verbose: bool = False
    cache: LineCache = field(default_factory=LineCache)

    @property
    def terminal(self) -> bool:
        """Whether the stream is a terminal (then it is cleared before each redraw)."""
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def _size(self) -> tuple[int | None, int | None]:
        if not self.terminal:
            return None, None
        try:
            size = os.get_terminal_size(self.stream.fileno())
        except (OSError, ValueError, AttributeError):
            return None, None
        return (size.lines or None), (size.columns or None)

    def show(self, diagnostics: Iterable[Diagnostic], rules: Mapping[str, Any], status: str,
             log: Sequence[str] = ()) -> None:
        """Redraw with the current findings (a session's: in output order already), the
        change log (verbose) and the status line."""
        height, width = self._size()
        text = render_screen(diagnostics, rules, status=status, cwd=os.getcwd(),
                             color=self.color, height=height, width=width,
                             log=log if self.verbose else (), in_order=True, cache=self.cache)
        if self.terminal:
            text = CLEAR + text
        self.stream.write(text)
        self.stream.flush()
