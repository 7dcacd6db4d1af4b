"""Source positions: 1-based lines, 1-based character columns, and ast's UTF-8 byte offsets.

``ast`` reports ``col_offset`` in UTF-8 bytes; every public position in shoal counts code
points (docs/contracts.md, "Diagnostics"). :class:`SourceLines` converts between the two and
between (line, column) and offsets into the text. Lines end at ``\\r\\n``, ``\\r`` or ``\\n`` —
the tokenizer's rule, not :meth:`str.splitlines`, which also breaks at form feeds and other
separators that Python source treats as ordinary characters.

Everything is computed lazily: most files have no finding, and an all-ASCII file never
needs its lines split to convert a column.
"""
from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable

from analyzer.core._diagnostic import Edit

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    """``text``'s lines, each with its ending: CR LF, CR or LF (the tokenizer's rule)."""
    # str.splitlines is many times faster than the regex, but also breaks at form feeds
    # and other separators: when it made more lines than the tokenizer's breaks, some
    # were such, and the regex decides. (io.StringIO(text, newline="").readlines() splits
    # exactly so and a third faster, but holds the text as UCS-4 meanwhile: 4.7 MB for the
    # stdlib's largest file against 1.7, in the heavy worker whose peak is the check's.)
    lines = text.splitlines(keepends=True)
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    if text and text[-1] not in "\r\n":
        breaks += 1  # the last line, without an ending
    if len(lines) == breaks:
        return lines
    return _LINE_RE.findall(text)


class SourceLines:
    """1-based line access and column conversions over one decoded source text."""

    __slots__ = ("text", "_ascii", "_lines", "_starts")

    def __init__(self, text: str) -> None:
        self.text = text
        self._ascii: bool | None = None
        self._lines: list[str] | None = None
        self._starts: list[int] | None = None

    def _split(self) -> list[str]:
        if self._lines is None:
            self._lines = split_lines(self.text)
        return self._lines

    def __len__(self) -> int:
        return len(self._split())

    def line(self, lineno: int) -> str:
        """Line ``lineno`` (1-based) with its line ending; ``""`` past the end of the text."""
        lines = self._split()
        if 1 <= lineno <= len(lines):
            return lines[lineno - 1]
        return ""

    def column(self, lineno: int, col_offset: int) -> int:
        """1-based character column of the UTF-8 byte offset ``col_offset`` on line ``lineno``."""
        if self._ascii is None:
            self._ascii = self.text.isascii()
        if self._ascii:
            return col_offset + 1
        line = self.line(lineno)
        if line.isascii():
            return col_offset + 1
        # errors="ignore": an offset inside a multi-byte character (never produced by ast)
        # rounds down instead of raising.
        return len(line.encode("utf-8")[:col_offset].decode("utf-8", errors="ignore")) + 1

    def byte_offset(self, lineno: int, column: int) -> int:
        """UTF-8 byte offset on line ``lineno`` of the 1-based character ``column``."""
        line = self.line(lineno)
        if line.isascii():
            return column - 1
        return len(line[: column - 1].encode("utf-8"))

    def line_start(self, lineno: int) -> int:
        """Offset in :attr:`text` of the first character of line ``lineno`` (1-based)."""
        if self._starts is None:
            self._starts = list(itertools.accumulate(map(len, self._split()), initial=0))
        starts = self._starts
        if lineno - 1 < len(starts):
            return starts[lineno - 1]
        return len(self.text)

    def offset(self, lineno: int, column: int) -> int:
        """Offset in :attr:`text` of the 1-based (line, character column) position."""
        return self.line_start(lineno) + column - 1

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, character column) of an offset in :attr:`text`."""
        self.line_start(1)
        assert self._starts is not None
        index = bisect.bisect_right(self._starts, offset)
        return index, offset - self._starts[index - 1] + 1

    def node_range(self, node: object) -> tuple[int, int, int, int]:
        """(line, column, end_line, end_column) of an ast node, columns in characters."""
        lineno: int = node.lineno  # type: ignore[attr-defined]
        end_lineno = getattr(node, "end_lineno", None) or lineno
        end_col = getattr(node, "end_col_offset", None)
        column = self.column(lineno, node.col_offset)  # type: ignore[attr-defined]
        if end_col is None:
            return lineno, column, lineno, column
        return lineno, column, end_lineno, self.column(end_lineno, end_col)

    def segment(self, line: int, column: int, end_line: int, end_column: int) -> str:
        """The text between two 1-based character positions (end exclusive)."""
        return self.text[self.offset(line, column) : self.offset(end_line, end_column)]


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-conflicting :class:`~analyzer.core.Edit` values to ``text``, in any order.

    Raises :class:`ValueError` naming both edits when two conflict: they overlap, or both
    insert at one point (either order would do, so neither is right), or one ends before it
    starts. An insertion where a replacement begins or ends does not conflict: it goes there.
    """
    lines = SourceLines(text)
    # Sorted on offsets only: edits themselves do not order, and ties are conflicts anyway.
    spans = sorted(
        ((lines.offset(e.line, e.column), lines.offset(e.end_line, e.end_column), e) for e in edits),
        key=lambda span: span[:2],
    )
    out: list[str] = []
    cursor = 0
    previous: tuple[int, int, Edit] | None = None
    for start, end, edit in spans:
        if end < start:
            raise ValueError(f"edit ends before it starts: {edit!r}")
        if previous is not None:
            if start < cursor:
                raise ValueError(f"overlapping edits: {previous[2]!r} and {edit!r}")
            if start == end == previous[0] == previous[1]:
                raise ValueError(f"two insertions at one point: {previous[2]!r} and {edit!r}")
        out.append(text[cursor:start])
        out.append(edit.content)
        cursor = end
        previous = (start, end, edit)
    out.append(text[cursor:])
    return "".join(out)
