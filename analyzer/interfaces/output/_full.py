"""``--output-format full``: each finding with its source, as ruff's ``full`` shows it.

::

    pkg/a.py:1:8: F401 [*] 'os' imported but unused
      |
    1 | import dataclasses
import dataclasses
import os
      |        ^^ F401
    2 | import sys
      |
      = help: Remove unused import

Up to two lines of context either side of the finding's first line (blank lines at the edges
trimmed, as ruff does); the carets run from the start column to the end column, or to the end
of the line when the span goes on. Tabs are expanded to the next multiple of four columns and
control characters shown as their Unicode pictures, so the carets stay under the text and the
source cannot send escape sequences to the terminal; wide (East Asian) characters count two
columns. A finding at 1:1 with an empty span is about the whole file (E902): no source shown.
"""
from __future__ import annotations

import dataclasses
import os
import re
import unicodedata

from analyzer.interfaces.output._base import Formatter, OutputOptions, end_of, escape_surrogates
from analyzer.interfaces.output._cells import cell_bounds, span
from analyzer.interfaces.output._report import Report
from analyzer.interfaces.output._text import BOLD, RED, RESET, closing, headline
from analyzer.rules import Diagnostic

__all__ = ["FullFormatter", "code_frame"]

CONTEXT = 2
TAB_WIDTH = 4
BLUE = "\x1b[34m"
#: The line ends Python's tokenizer knows (str.splitlines also splits on \f, \x1c, ...).
_LINE_END = re.compile(r"\r\n|\r|\n")


def _picture(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟
    return "\u2421" if code == 0x7F else char  # ␡


def _width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _expand(line: str) -> tuple[str, list[int]]:
    """The line as shown, and the display column where each character (and the end) starts."""
    shown: list[str] = []
    starts: list[int] = []
    column = 0
    for char in line:
        starts.append(column)
        if char == "\t":
            step = TAB_WIDTH - column % TAB_WIDTH
            shown.append(" " * step)
            column += step
            continue
        char = _picture(char)
        shown.append(char)
        column += _width(char)
    starts.append(column)
    return "".join(shown), starts


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{RESET}" if color and text else text


def code_frame(d: Diagnostic, lines: list[str] | None, color: bool = False) -> list[str]:
    """The source lines of ``d`` with the caret line and the fix's message (no lines when the
    source is unknown or the finding is about the whole file)."""
    end_line, end_column = end_of(d)
    whole_file = (d.line, d.column) == (1, 1) and (end_line, end_column) == (1, 1)
    if lines is None or whole_file or not 1 <= d.line <= len(lines):
        return []
    first = max(1, d.line - CONTEXT)
    while first < d.line and not lines[first - 1].strip():
        first += 1
    last = min(len(lines), d.line + CONTEXT)
    while last > d.line and not lines[last - 1].strip():
        last -= 1
    width = len(str(last))
    bar = _paint(" " * width + " |", BOLD + BLUE, color)
    out = [bar]
    for number in range(first, last + 1):
        line = lines[number - 1]
        shown, starts = _expand(line)
        gutter = _paint(f"{number:>{width}} |", BOLD + BLUE, color)
        out.append(f"{gutter} {shown}".rstrip() if shown.strip() else gutter)
        if number == d.line:
            out.append(f"{bar} {_carets(d, line, starts, end_line, end_column, color)}")
    out.append(bar)
    if d.fix is not None and d.fix.message:
        help_text = escape_surrogates(d.fix.message)
        out.append(f"{' ' * width} = {_paint('help', BOLD, color)}: {help_text}")
    return out


def _carets(d: Diagnostic, line: str, starts: list[int], end_line: int, end_column: int,
            color: bool) -> str:
    length = len(line)
    start = min(max(d.column, 1), length + 1) - 1
    if end_line == d.line:
        end = min(max(end_column, d.column), length + 1) - 1
    else:  # the span goes on: underline the rest of this line
        end = max(len(line.rstrip()), start)
    left = starts[start]
    right = max(starts[end], left + 1)  # an empty span still gets one caret
    return " " * left + _paint("^" * (right - left) + " " + d.code, BOLD + RED, color)


class _Sources:
    """Each file's lines, read once (the overrides first, then the disk; ``None`` when it
    cannot be read or decoded -- the finding is still shown, without its source)."""

    def __init__(self, options: OutputOptions) -> None:
        self._options = options
        self._lines: dict[str, list[str] | None] = {}

    def lines(self, path: str) -> list[str] | None:
        if path not in self._lines:
            self._lines[path] = self._read(path)
        return self._lines[path]

    def _read(self, path: str) -> list[str] | None:
        from analyzer.frontend import (
            NOTEBOOK_SUFFIX,
            SourceDecodeError,
            decode_source,
            notebook_source,
        )

        text = self._options.sources.get(path)
        if text is None:
            try:
                with open(os.path.join(self._options.cwd, path), "rb") as f:
                    data = f.read()
                # A notebook's cells as written, `%matplotlib inline` and all.
                text = (notebook_source(data, as_written=True)[0]
                        if path.endswith(NOTEBOOK_SUFFIX) else decode_source(data))
            except (OSError, SourceDecodeError):
                return None
        return _LINE_END.split(text.lstrip("\ufeff"))


class FullFormatter(Formatter):
    """The concise line of each finding, then its source, carets and the fix's message."""

    name = "full"

    def render(self, report: Report, options: OutputOptions) -> str:
        """Each finding as a block followed by a blank line, then the summary (or count)."""
        sources = _Sources(options)
        lines: list[str] = []
        for d in report.diagnostics:
            lines.append(headline(d, options))
            frame = code_frame(*_in_cell(d, sources.lines(d.path), options.cwd), options.color)
            if not frame and d.fix is not None and d.fix.message:
                frame = [f"  = help: {escape_surrogates(d.fix.message)}"]
            lines.extend(frame)
            lines.append("")
        lines.extend(closing(report, options))
        return "".join(line + "\n" for line in lines)


def _in_cell(d: Diagnostic, lines: list[str] | None,
             cwd: str) -> tuple[Diagnostic, list[str] | None]:
    """In a notebook, the finding placed in its cell and that cell's lines (the frame's
    line numbers are the cell's, as in ruff); elsewhere both as they are."""
    bounds = cell_bounds(d, cwd)
    if bounds is None or lines is None:
        return d, lines
    line, column, end_line, end_column = span(d, cwd)
    return (dataclasses.replace(d, line=line, column=column, end_line=end_line,
                                end_column=end_column), lines[bounds[1] - 1:bounds[2]])
