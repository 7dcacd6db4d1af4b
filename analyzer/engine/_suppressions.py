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
honours it — we follow ruff). So are ruff's own comments (0.15), as ruff reads them: ``# ruff:
ignore[CODES]`` after code on a line (as ``# noqa: CODES``), ``# ruff: file-ignore[CODES]``,
and the blocks of ``# ruff: disable[CODES]`` ... ``# ruff: enable[CODES]`` (:func:`_blocks`);
SH100 never calls one of them unused. SH900 (internal error) is never suppressed.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from analyzer.rules import Diagnostic, Edit, Fix

__all__ = [
    "UNUSED_NOQA",
    "NoqaComment",
    "NoqaMap",
    "UsedNoqa",
    "apply_noqa",
    "noqa_target_line",
    "rewrite_directive",
    "scan_noqa",
    "unused_noqa",
]

UNSUPPRESSIBLE = frozenset({"SH900"})
#: The code of an unused suppression (ruff's RUF100).
UNUSED_NOQA = "SH100"

#: A code is flake8-style (``E501``, any case) or a Fixit rule's name (``NoRedundantFString``,
#: case-sensitive: a capital then a lower-case letter, so a lower-case word after the colon
#: leaves the comment a blanket one).
_INLINE = re.compile(
    r"# noqa(?::[\s]?(?P<codes>((?:[A-Z]+[0-9]+|(?-i:[A-Z][a-z]\w*))(?:[,\s]+)?)+))?",
    re.IGNORECASE)
_FILE = re.compile(r"\s*(?P<directive>#\s*(?:shoal|ruff|flake8)[:=]\s*noqa)(?P<rest>.*)", re.I)
_CODE = re.compile(r"[A-Z]+[0-9]+|(?-i:[A-Z][a-z]\w*)", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


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
    #: The physical line holding it, without its line ending (SH100's fix edits it).
    source: str = ""
    #: ``False`` when the directive sits inside a string: flake8 honours it there too, but
    #: SH100 neither reports nor edits it (removing it would change the string).
    in_comment: bool = True

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
    #: ruff's block suppressions (``# ruff: disable[CODES]`` ... ``# ruff: enable[CODES]``):
    #: (first line, last line, the codes), each code exactly (:func:`_blocks`).
    blocks: tuple[tuple[int, int, frozenset[str]], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.comments or self.blocks)

    def in_block(self, line: int, code: str) -> bool:
        """Whether a block suppression covers ``code`` on ``line``."""
        return any(first <= line <= last and code in codes for first, last, codes in self.blocks)


_EMPTY = NoqaMap()


def _codes(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    # flake8 codes compare upper-cased; a Fixit rule name keeps its case.
    return tuple(c if c[1:2].islower() else c.upper() for c in _CODE.findall(text))


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


def _lex(text: str) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """flake8's noqa ranges, and where each line's real comment starts.

    :returns: (first, last) physical lines joined by a multi-line string or a backslash
        continuation, merged where they share a line (see :data:`_LEXEME`); and line -> the
        0-based column of the first ``#`` on it that starts a comment (not one in a string).
    """
    starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
    ranges: list[tuple[int, int]] = []
    comment_at: dict[int, int] = {}
    for match in _LEXEME.finditer(text):
        lexeme = match.group()
        if lexeme[0] == "#":
            line = bisect.bisect_right(starts, match.start())
            comment_at.setdefault(line, match.start() - starts[line - 1])
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
    return ranges, comment_at


def _logical_ranges(text: str) -> list[tuple[int, int]]:
    """(first, last) physical lines joined by a multi-line string or a backslash continuation,
    merged where they share a line: flake8's noqa ranges (see :data:`_LEXEME`)."""
    return _lex(text)[0]


def noqa_target_line(text: str, line: int) -> int:
    """The line where a new ``# noqa`` must go to cover a finding on ``line``: the last line
    of its multi-line string or backslash-continued range (a comment cannot sit inside a
    string nor after a backslash, and flake8 spreads it over the whole range), else ``line``.
    """
    for first, last in _logical_ranges(text):
        if first <= line <= last:
            return last
        if first > line:
            break
    return line


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


#: ruff's own suppression comments (0.15): ``# ruff: ignore[CODES]`` after code on a line,
#: ``# ruff: file-ignore[CODES]`` for the file, ``# ruff: disable[CODES]`` and ``# ruff:
#: enable[CODES]`` on their own lines around a block. Codes only (names are ruff's preview).
_RUFF = re.compile(r"#\s*ruff\s*:\s*(?P<verb>ignore|file-ignore|disable|enable)\s*"
                   r"\[(?P<codes>[^\]]*)\]")
_RUFF_CODES = re.compile(r"\s*[A-Z]+[0-9]+\s*(?:,\s*[A-Z]+[0-9]+\s*)*,?\s*")


def _ruff_comments(lines: list[str], comment_at: dict[int, int] | None,
                   ) -> tuple[dict[int, NoqaComment], list[NoqaComment],
                              list[tuple[int, int, frozenset[str]]]]:
    """ruff's ``ignore``/``file-ignore``/``disable``/``enable`` comments: inline ones as noqa
    comments with those codes, file-level ones likewise, and the blocks (:func:`_blocks`).
    A comment whose list is not all codes is left out, as ruff leaves it (RUF103)."""
    inline: dict[int, NoqaComment] = {}
    file_level: list[NoqaComment] = []
    marks: list[tuple[int, str, int, frozenset[str]]] = []
    for number, line in enumerate(lines, start=1):
        if "ruff" not in line:
            continue
        match = _RUFF.search(line)
        if match is None or not _RUFF_CODES.fullmatch(match.group("codes")):
            continue
        if comment_at is not None and comment_at.get(number) != match.start():
            continue  # inside a string, or after another comment's #
        codes = tuple(c.strip() for c in match.group("codes").split(",") if c.strip())
        verb = match.group("verb")
        own_line = not line[:match.start()].strip()
        # Never SH100's to report or rewrite (in_comment=False): another spelling than noqa.
        comment = NoqaComment(number, match.start() + 1, match.end() + 1, codes,
                              file_level=verb == "file-ignore", source=line, in_comment=False)
        if verb == "ignore" and not own_line:
            inline[number] = comment
        elif verb == "file-ignore":
            file_level.append(comment)
        elif verb in ("disable", "enable") and own_line:
            marks.append((number, verb, match.start(), frozenset(codes)))
    return inline, file_level, _blocks(lines, marks) if marks else []


def _blocks(lines: list[str], marks: list[tuple[int, str, int, frozenset[str]]],
            ) -> list[tuple[int, int, frozenset[str]]]:
    """The lines each ``disable`` covers, as ruff 0.15 reads them: up to the ``enable`` at
    the same indentation naming the same codes, else to the end of the block the comment
    sits in (the first later line of code indented less), at module level the end of the
    file. An ``enable`` that closes nothing is ignored."""
    blocks: list[tuple[int, int, frozenset[str]]] = []
    open_marks: list[tuple[int, int, frozenset[str]]] = []
    for number, verb, indent, codes in marks:
        if verb == "disable":
            open_marks.append((number, indent, codes))
            continue
        for i in range(len(open_marks) - 1, -1, -1):
            start, at, wanted = open_marks[i]
            if at == indent and wanted == codes:
                blocks.append((start, number, codes))
                del open_marks[i]
                break
    for start, indent, codes in open_marks:
        end = len(lines)
        if indent:
            for number in range(start + 1, len(lines) + 1):
                line = lines[number - 1]
                stripped = line.lstrip()
                if stripped and not stripped.startswith("#") and len(line) - len(stripped) < indent:
                    end = number - 1
                    break
        blocks.append((start, end, codes))
    return blocks


def scan_noqa(text: str) -> NoqaMap:
    """Find the suppression comments of a decoded file.

    Cheap when there are none (one regex search); only files that mention noqa are lexed, to
    spread comments over multi-line strings and backslash-continued lines.
    """
    # Lowering the text and looking for the word costs a fraction of a case-insensitive
    # regex search, and finds the same files: no other character lowers to n, o, q or a.
    has_noqa = "noqa" in text.lower()
    if not has_noqa and "ruff" not in text:
        return _EMPTY
    lines = _LINE_BREAK.split(text)
    inline: dict[int, NoqaComment] = {}
    file_level: list[NoqaComment] = []
    comments: list[NoqaComment] = []
    blocks: list[tuple[int, int, frozenset[str]]] = []
    lexed = None  # the text lexed once, when a comment needs it (``_lex``)
    if "ruff" in text and _RUFF.search(text):
        lexed = _lex(text)
        inline, file_level, blocks = _ruff_comments(lines, lexed[1])
        comments = list(file_level)  # the inline ones join at the end, with noqa's
    for number, line in enumerate(lines, start=1):
        if not has_noqa or "noqa" not in line.lower():
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
                number, match.start() + 1, match.end() + 1, _codes(match.group("codes")),
                source=line,
            )
            inline[number] = comment
    if not inline:
        return NoqaMap({}, tuple(file_level), tuple(comments), tuple(blocks))
    ranges, comment_at = lexed if lexed is not None else _lex(text)
    for number, comment in inline.items():
        if comment_at.get(number, len(comment.source)) > comment.column - 1:
            inline[number] = comment = NoqaComment(
                comment.line, comment.column, comment.end_column, comment.codes,
                source=comment.source, in_comment=False,
            )
    comments = sorted([*comments, *inline.values()], key=lambda c: c.line)
    by_line = dict(inline)
    if inline:
        for first, last in ranges:
            in_range = [inline[n] for n in range(first, last + 1) if n in inline]
            if in_range:
                for number in range(first, last + 1):
                    by_line[number] = in_range[0]
    return NoqaMap(by_line, tuple(file_level), tuple(comments), tuple(blocks))


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
        suppressor: NoqaComment | None = None
        for comment in noqa.file_level:
            if comment.covers(code) is not None:
                suppressor = comment
                break
        if suppressor is None:
            inline = noqa.by_line.get(diagnostic.line)
            if inline is not None and inline.covers(code) is not None:
                suppressor = inline
            elif diagnostic.noqa_line:
                inline = noqa.by_line.get(diagnostic.noqa_line)
                if inline is not None and inline.covers(code) is not None:
                    suppressor = inline
        if suppressor is None:
            if noqa.blocks and noqa.in_block(diagnostic.line, code):
                continue  # a ruff block suppression: never SH100's to call unused
            kept.append(diagnostic)
        else:
            used.setdefault(suppressor, set()).add(code)
    return kept, [UsedNoqa(comment, frozenset(codes)) for comment, codes in used.items()]


def rewrite_directive(comment: NoqaComment, codes: Iterable[str], reason: str = "") -> Edit:
    """The edit that makes an inline ``comment`` name exactly ``codes`` (sorted, in shoal's
    spelling ``# noqa: A, B``, ``reason`` after them when given), or removes it when
    ``codes`` is empty.

    Removal takes the blanks before the directive when nothing follows it on the line, else
    the blanks after it; text after it that is not a comment of its own keeps a ``#``, so the
    line stays a comment (``# noqa: F401 why`` becomes ``# why``).
    """
    text, line = comment.source, comment.line
    start, end = comment.column - 1, comment.end_column - 1
    wanted = sorted(set(codes))
    if wanted:
        core_end = start + len(text[start:end].rstrip(", \t"))
        return Edit("# noqa: " + ", ".join(wanted) + (f" {reason}" if reason else ""),
                    line, start + 1, line, core_end + 1)
    rest = text[end:]
    if not rest.strip():
        start = len(text[:start].rstrip(" \t"))
        return Edit("", line, start + 1, line, len(text) + 1)
    end += len(rest) - len(rest.lstrip(" \t"))
    return Edit("" if rest.lstrip().startswith("#") else "# ", line, start + 1, line, end + 1)


def unused_noqa(
    path: str,
    noqa: NoqaMap,
    used: Iterable[UsedNoqa],
    ran: Callable[[str], bool],
    *,
    blanket: bool = False,
    external: Iterable[str] = (),
) -> list[Diagnostic]:
    """SH100: the inline ``# noqa`` comments of one file that suppressed nothing, each with a
    safe fix removing the comment, or only its unused codes.

    shoal lives beside other linters, so SH100 only speaks for shoal's own checks. A blanket
    ``# noqa`` that suppressed nothing is reported only with ``blanket``
    (``report-blanket-noqa = true``): it may serve ruff or flake8. A listed code is reported
    only when it is the code of a check that ran on this file (``ran(code)``: selected, not
    turned off there by ``per-file-ignores``) and no ``external`` entry prefixes it; so codes
    shoal does not know (``E501``), prefixes (``E1``) and checks that did not run stay, and
    the fix removes only the unused codes shoal knows from the list. (ruff's RUF100 also
    reports known codes that are merely not enabled, which strips suppressions a fuller run
    still needs.) A comment naming SH100 itself, file-level comments and directives inside
    strings are never reported; a file-level comment covering SH100 silences it for the file.

    :param path: the display path the findings carry.
    :param used: what :func:`apply_noqa` says each comment suppressed.
    :param external: codes or prefixes of other tools (ruff's ``lint.external``).
    """
    external = tuple(code.upper() for code in external)
    if any(c.covers(UNUSED_NOQA) is not None for c in noqa.file_level):
        return []
    suppressed: dict[NoqaComment, frozenset[str]] = {u.comment: u.codes for u in used}
    out: list[Diagnostic] = []
    for comment in noqa.comments:
        if comment.file_level or not comment.in_comment:
            continue
        done = suppressed.get(comment, frozenset())
        if comment.codes is None:
            if done or not blanket:
                continue
            message = "Unused blanket `noqa` directive"
            fix = Fix("safe", "Remove unused `noqa` directive", (rewrite_directive(comment, ()),))
        else:
            if comment.covers(UNUSED_NOQA) is not None:
                continue
            unused = [
                listed for listed in dict.fromkeys(comment.codes)
                if ran(listed) and not listed.startswith(external)
                and not any(code.startswith(listed) for code in done)
            ]
            if not unused:
                continue
            keep = [listed for listed in comment.codes if listed not in unused]
            message = "Unused `noqa` directive (unused: {})".format(
                ", ".join(f"`{c}`" for c in unused))
            fix = Fix(
                "safe",
                "Remove unused suppression codes" if keep else "Remove unused `noqa` directive",
                (rewrite_directive(comment, keep),),
            )
        end = comment.column + len(
            comment.source[comment.column - 1:comment.end_column - 1].rstrip(", \t"))
        out.append(Diagnostic(path, comment.line, comment.column, UNUSED_NOQA, message,
                              comment.line, end, "unused-noqa", fix))
    return out
