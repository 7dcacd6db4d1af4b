"""A module's tree from its text, parsed a piece at a time when the text is large.

Why: ``ast.parse`` keeps the parser's C tree (its arena, the parser's memo included: about
85 bytes a source byte) until the Python tree has been built from it, so the two exist
together at the end. For the 295 KiB ``test_typing.py`` that is 46 MiB at the peak against
the 19 MiB the tree keeps, and a one-shot check's memory peak is such a moment in the
worker parsing its largest file. Parsed in top-level pieces of about :data:`PIECE`
characters, each piece's arena is freed before the next piece is parsed: the peak is the
tree's, and the parse costs no more (the standard library: 3.87 s whole, 3.80 s in pieces).

The tree is the same. A piece starts where a top-level statement may (a line beginning at
column 0 with a name or ``@``, not a clause such as ``else``), and is padded with the
newlines before it, so every position is the one the whole parse gives. A start that is
not a statement's (inside a string or brackets, after a backslash, after a decorator)
leaves the piece before it unfinished, so that piece's parse fails: it is then extended
to the next start, and after a second failure to the end of the text. A text the pieces
cannot parse is parsed whole, so that an error is always CPython's own for the file.

The parser's warnings about the checked code (an invalid escape: a ``DeprecationWarning``
before Python 3.12, a ``SyntaxWarning`` since) are ignored. They are about that code, not the
check: under ``-W error`` or ``PYTHONWARNINGS=error`` the parse would raise them and a valid
file would get a false E999, and elsewhere they were printed on the check's stderr, twice
when the piece holding one was parsed again.
"""
from __future__ import annotations

import ast
import re
import warnings

__all__ = ["PIECE", "parse_module"]

#: the length, in characters, from which a text is parsed in pieces, and each piece's least
#: length: an arena of about 2.7 MiB, against 25 MiB for ``test_typing.py`` whole
PIECE = 32 * 1024

#: a line that may start a top-level statement: a name or a decorator at column 0, not a
#: clause continuing the statement above it
_START = re.compile(r"\n(?=[^\W\d]|@)(?!(?:else|elif|except|finally)\b)")


def parse_module(text: str, filename: str = "<unknown>", piece: int = PIECE) -> ast.Module:
    """``ast.parse(text, filename)`` without its warnings, in pieces of at least ``piece``
    characters when the text is longer than that (module docstring above)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _parse(text, filename, piece)


def _parse(text: str, filename: str, piece: int) -> ast.Module:
    """:func:`parse_module`'s work (the warning filters are its caller's to set)."""
    starts = _piece_starts(text, piece)
    if not starts:
        return ast.parse(text, filename=filename)
    body: list[ast.stmt] = []
    begin, line, failures = 0, 1, 0
    for end in [*starts, len(text)]:
        if failures == 2:
            end = len(text)  # a long string or an error: the rest in one piece
        try:
            part = ast.parse("\n" * (line - 1) + text[begin:end], filename=filename)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            if end == len(text):
                return ast.parse(text, filename=filename)  # CPython's error, or a tree
            failures += 1
            continue  # the next start ends the piece: this one was inside a statement
        body.extend(part.body)
        line += text.count("\n", begin, end)
        begin, failures = end, 0
        if end == len(text):
            break
    return ast.Module(body=body, type_ignores=[])


def _piece_starts(text: str, piece: int) -> list[int]:
    """Where the pieces after the first may start, at least ``piece`` characters apart;
    none where the text is short or may not be cut."""
    if len(text) <= piece or "barry_as_FLUFL" in text:
        return []  # that future import changes how the rest of the file parses
    if text.count("\r") != text.count("\r\n"):
        return []  # a lone carriage return ends a line too: line numbers would drift
    starts: list[int] = []
    position = piece
    while True:
        found = _START.search(text, position)
        if found is None:
            return starts
        start = found.end()
        starts.append(start)
        position = start + piece
