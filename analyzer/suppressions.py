"""``# noqa`` comments: finding them (in the workers) and applying them (in the master).

Line-level syntax and semantics are flake8's, so existing comments keep working:

- ``# noqa`` anywhere on the line (flake8 searches the physical line, strings included), any
  case; ``# noqa:CODE,CODE`` or ``# noqa: CODE CODE`` (one optional space after the colon).
  A malformed list degrades as in flake8: ``# noqa : E501`` and ``# noqa:,E501`` are blanket
  ``# noqa`` (the code part does not match), ``# noqa:E501,`` suppresses E501.
- A code suppresses every code it prefixes (flake8: ``# noqa: E1`` covers E101); codes are
  compared upper-cased.
- A comment anywhere in a multi-line string, or in lines joined by backslashes, applies to all
  of those physical lines (flake8's ``_noqa_line_mapping``; the first comment of the range
  wins). Lines inside brackets are not joined: flake8 ends its ranges at tokenize's NL tokens,
  so a ``# noqa`` closing a bracketed call covers only its own line (measured on flake8 7.5).

File level: a line ``# shoal: noqa`` exempts the file, ``# shoal: noqa: CODES`` turns CODES off
in it. ``# ruff: noqa[: CODES]`` and ``# flake8: noqa[: CODES]`` are honoured the same way, so a
project moving from either keeps its exemptions (flake8 itself ignores the CODES form; ruff
honours it — we follow ruff). SH900 (internal error) is never suppressed.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from analyzer.rules import Diagnostic

__all__ = ["NoqaComment", "NoqaMap", "UsedNoqa", "apply_noqa", "scan_noqa"]

UNSUPPRESSIBLE = frozenset({"SH900"})

_INLINE = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_FILE = re.compile(r"\s*(?P<directive>#\s*(?:shoal|ruff|flake8)[:=]\s*noqa)(?P<rest>.*)", re.I)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MENTIONS_NOQA = re.compile("noqa", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class NoqaComment:
    """One suppression comment, where it is written, and what it names."""

    #: 1-based line of the comment itself.
    line: int
    #: 1-based character columns of the directive (end exclusive).
    column: int
    end_column: int
    #: The codes it names, upper-cased; ``None`` for a blanket noqa (no codes).
    codes: tuple[str, ...] | None
    #: ``True`` for ``# shoal: noqa`` (and its ruff/flake8 spellings).
    file_level: bool = False

    def covers(self, code: str) -> str | None:
        """The listed code that suppresses ``code`` (``"*"`` for a blanket), else ``None``."""
        if self.codes is None:
            return "*"
        for listed in self.codes:
            if code.startswith(listed):
                return listed
        return None


@dataclass(frozen=True, slots=True)
class UsedNoqa:
    """A comment that suppressed something, and the codes it suppressed (for SH100)."""

    comment: NoqaComment
    codes: frozenset[str]


@dataclass(frozen=True)
class NoqaMap:
    """Every suppression of one file; built in a worker, sent to the master (picklable)."""

    #: Physical line -> the comment in force on it (multi-line ranges already spread).
    by_line: dict[int, NoqaComment] = field(default_factory=dict)
    #: File-level comments.
    file_level: tuple[NoqaComment, ...] = ()
    #: Every comment, once, in text order (the candidates for "unused noqa").
    comments: tuple[NoqaComment, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.comments)


_EMPTY = NoqaMap()


def _codes(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(c.upper() for c in _CODE.findall(text))


#: One pass over the text in C: comments and strings are skipped whole, so only real
#: continuations and multi-line strings are seen. Equivalent to flake8's token walk (NL tokens
#: inside brackets end its ranges; only multi-line strings and backslashes join lines), at a
#: fraction of tokenize's cost (tokenizing every file that mentions noqa took 18 s on 27 MB).
_LEXEME = re.compile(
    r"#[^\r\n]*"
    r'|"""[^"\\]*(?:(?:\\(?:\r\n|.)|"(?!""))[^"\\]*)*"""'
    r"|'''[^'\\]*(?:(?:\\(?:\r\n|.)|'(?!''))[^'\\]*)*'''"
    r'|"[^"\\\r\n]*(?:\\(?:\r\n|.)[^"\\\r\n]*)*"'
    r"|'[^'\\\r\n]*(?:\\(?:\r\n|.)[^'\\\r\n]*)*'"
    r"|\\(?:\r\n|\r|\n)",
    re.DOTALL,
)


def _line_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _logical_ranges(text: str) -> list[tuple[int, int]]:
    """(first, last) physical lines joined by a multi-line string or a backslash continuation,
    merged where they share a line: flake8's noqa ranges (see :data:`_LEXEME`)."""
    starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
    ranges: list[tuple[int, int]] = []
    for match in _LEXEME.finditer(text):
        lexeme = match.group()
        if lexeme[0] == "#":
            continue
        breaks = _line_breaks(lexeme)
        if not breaks:
            continue
        first = bisect.bisect_right(starts, match.start())
        last = first + breaks
        if ranges and ranges[-1][1] >= first:
            ranges[-1] = (ranges[-1][0], max(last, ranges[-1][1]))
        else:
            ranges.append((first, last))
    return ranges


def _file_level(number: int, match: re.Match[str]) -> NoqaComment | None:
    """A file-level directive, or ``None`` when its code list is malformed: a typo must not
    silently exempt the whole file (ruff warns and ignores it likewise)."""
    rest = match.group("rest")
    start = match.start("directive") + 1
    if not rest.strip() or rest[0].isspace():
        return NoqaComment(number, start, match.end("directive") + 1, None, True)
    if rest[0] != ":":
        return None
    codes = _codes(rest[1:])
    if not codes or _CODE.sub("", rest[1:]).strip(", \t"):
        return None
    return NoqaComment(number, start, len(match.group(0).rstrip()) + 1, codes, True)


def scan_noqa(text: str) -> NoqaMap:
    """Find the suppression comments of a decoded file.

    Cheap when there are none (one regex search); only files that mention noqa are lexed, to
    spread comments over multi-line strings and backslash-continued lines.
    """
    if not _MENTIONS_NOQA.search(text):
        return _EMPTY
    lines = _LINE_BREAK.split(text)
    inline: dict[int, NoqaComment] = {}
    file_level: list[NoqaComment] = []
    comments: list[NoqaComment] = []
    for number, line in enumerate(lines, start=1):
        if "noqa" not in line.lower():
            continue
        match = _FILE.match(line)
        if match is not None:
            comment = _file_level(number, match)
            if comment is not None:
                file_level.append(comment)
                comments.append(comment)
            continue
        match = _INLINE.search(line)
        if match is not None:
            comment = NoqaComment(
                number, match.start() + 1, match.end() + 1, _codes(match.group("codes"))
            )
            inline[number] = comment
            comments.append(comment)
    by_line = dict(inline)
    if inline:
        for first, last in _logical_ranges(text):
            in_range = [inline[n] for n in range(first, last + 1) if n in inline]
            if in_range:
                for number in range(first, last + 1):
                    by_line[number] = in_range[0]
    return NoqaMap(by_line, tuple(file_level), tuple(comments))


def apply_noqa(
    diagnostics: Iterable[Diagnostic], noqa: NoqaMap
) -> tuple[list[Diagnostic], list[UsedNoqa]]:
    """Drop the suppressed diagnostics of one file.

    :returns: the kept diagnostics (in the given order) and, per comment that suppressed
        something, the codes it suppressed.
    """
    if not noqa:
        return list(diagnostics), []
    kept: list[Diagnostic] = []
    used: dict[NoqaComment, set[str]] = {}
    for diagnostic in diagnostics:
        code = diagnostic.code
        if code in UNSUPPRESSIBLE:
            kept.append(diagnostic)
            continue
        suppressor = None
        for comment in noqa.file_level:
            if comment.covers(code) is not None:
                suppressor = comment
                break
        if suppressor is None:
            comment = noqa.by_line.get(diagnostic.line)
            if comment is not None and comment.covers(code) is not None:
                suppressor = comment
        if suppressor is None:
            kept.append(diagnostic)
        else:
            used.setdefault(suppressor, set()).add(code)
    return kept, [UsedNoqa(comment, frozenset(codes)) for comment, codes in used.items()]
