"""Built-in pycodestyle rule W605: a backslash in a string that starts no escape sequence.

``"\\d"`` is a backslash and a ``d`` today, a DeprecationWarning since Python 3.6 and a
SyntaxWarning since 3.12, and a regular expression's ``\\d`` is the usual culprit. The
literals are read from the text (``ast`` keeps no prefixes nor escapes), only those of the
statements that hold a suspect backslash: off by default, as in ruff. Code, positions,
message and fixes are ruff's: a raw prefix where the string has no real escape, else the
backslash doubled.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import ClassVar

from analyzer.rules import Edit, Fix, Invalid, LintRule, Valid
from plugins._text import end_offset, start_offset

__all__ = ["InvalidEscapeSequence", "RULES"]

#: What may follow a backslash in a string (ruff's list: ``\N``, ``\u`` and ``\U`` in bytes
#: too), a line ending among them.
_VALID = frozenset("\n\r\\'\"abfnrtv01234567xNuU")


#: A backslash pair whose second character starts no escape, wherever it stands.
_SUSPECT = re.compile(r"\\[^\n\r\\'\"abfnrtv0-7xNuU]")


def _escapes(body: str) -> Iterator[tuple[int, bool]]:
    """(offset of each backslash that starts an escape in ``body``, whether it is valid)."""
    i = 0
    size = len(body)
    while i < size:
        if body[i] == "\\":
            following = body[i + 1] if i + 1 < size else ""
            yield i, following in _VALID
            i += 2
        else:
            i += 1


def _is_string(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant)
                                              and isinstance(node.value, (str, bytes)))


def _first_line(stmt: ast.stmt) -> int:
    """A statement's first line, its decorators' included."""
    decorators = getattr(stmt, "decorator_list", None)
    return min([stmt.lineno, *(d.lineno for d in decorators)]) if decorators else stmt.lineno


def _innermost(stmts: list[ast.stmt], line: int) -> ast.stmt | None:
    """The deepest statement of ``stmts`` and their blocks that spans ``line``."""
    for stmt in stmts:
        if _first_line(stmt) <= line <= (stmt.end_lineno or stmt.lineno):
            blocks = [getattr(stmt, f, None) or [] for f in ("body", "orelse", "finalbody")]
            blocks += [h.body for h in getattr(stmt, "handlers", ())]
            blocks += [c.body for c in getattr(stmt, "cases", ())]
            for block in blocks:
                inner = _innermost(block, line)
                if inner is not None:
                    return inner
            return stmt
    return None


def _string_tokens(source: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    """(first offset, text) of each string token between ``start`` and ``end``: one literal,
    or several implicitly joined, with blanks, comments and line continuations between."""
    pos = start
    while pos < end:
        char = source[pos]
        if char in " \t\f\r\n()":
            pos += 1
        elif char == "\\":
            pos += 2  # a line continuation
        elif char == "#":
            newline = source.find("\n", pos)
            pos = end if newline < 0 else newline
        else:
            quote_at = pos
            while quote_at < end and source[quote_at].isalpha():
                quote_at += 1
            if quote_at >= end or source[quote_at] not in "'\"":
                return  # not a string token: nothing more to read
            quote = source[quote_at] * (3 if source.startswith(source[quote_at] * 3, quote_at)
                                        else 1)
            i = quote_at + len(quote)
            while i < end and not source.startswith(quote, i):
                i += 2 if source[i] == "\\" else 1
            token_end = min(i + len(quote), end)
            yield pos, source[pos:token_end]
            pos = token_end


class InvalidEscapeSequence(LintRule):
    """W605: a backslash that starts no escape sequence; a raw string was probably meant."""

    CODE = "W605"
    NAME = "invalid-escape-sequence"
    EQUIVALENT = "pycodestyle W605, ruff W605"
    MESSAGE = "Invalid escape sequence"
    TREE = "ast"
    DEFAULT_ENABLED = False
    FIXABLE = True
    FIX_APPLICABILITY = "safe"
    VALID: ClassVar[list[Valid]] = [
        Valid('a = r"\\d"\nb = "\\n \\t \\x41 \\101 \\u1234 \\N{EM DASH} \\\\"\nc = "a\\\nb"\n'),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid('import re\nre.match("\\d+", s)\n', line=2, column=11,
                message="Invalid escape sequence: `\\d`",
                expected_fix='import re\nre.match(r"\\d+", s)\n'),
        Invalid('s = f"\\w{x}" + "\\s \\n"\n', line=1, column=7,
                expected_fix='s = rf"\\w{x}" + "\\\\s \\n"\n'),
        Invalid('s = b"\\d"\n', line=1, column=7, expected_fix='s = rb"\\d"\n'),
    ]

    def visit_Module(self, node: ast.Module) -> None:
        """Check the string literals that hold a suspect backslash."""
        # A backslash before a character no escape starts, anywhere in the text (raw strings
        # and comments included), is rare and found at C speed; only the statements holding
        # one are walked for their string literals, and only those literals are lexed.
        source = self.context.source
        suspects = [m.start() for m in _SUSPECT.finditer(source)]
        if not suspects:
            return
        lines = self.context.lines
        done: set[int] = set()  # the string tokens checked, by their first offset
        for offset in suspects:
            line = lines.position(offset)[0]
            stmt = _innermost(node.body, line)
            if stmt is None:
                continue
            for string in ast.walk(stmt):
                if not _is_string(string):
                    continue
                start, end = start_offset(lines, string), end_offset(lines, string)
                if start <= offset < end:
                    for token_start, text in _string_tokens(source, start, end):
                        if token_start not in done:
                            done.add(token_start)
                            token_line, token_column = lines.position(token_start)
                            self._check(text, token_line, token_column - 1)
                    break

    def _check(self, text: str, line: int, column: int) -> None:
        """Report the invalid escapes of one string token ``text`` that starts at ``line``,
        0-based ``column``."""
        quote_at = min(i for i in (text.find("'"), text.find('"')) if i >= 0)
        prefix = text[:quote_at].lower()
        if "r" in prefix:
            return
        quote = text[quote_at] * (3 if text.startswith(text[quote_at] * 3, quote_at) else 1)
        body_start = quote_at + len(quote)
        body = text[body_start:len(text) - len(quote)]
        escapes = list(_escapes(body))
        invalid = [offset for offset, valid in escapes if not valid]
        if not invalid:
            return
        raw = len(invalid) == len(escapes)  # no real escape: a raw string means the same
        for offset in invalid:
            where = self._position(text, line, column, body_start + offset)
            if raw:
                edit = Edit("r", line, column + 1, line, column + 1)
                fix = Fix("safe", "Add `r` prefix", (edit,))
            else:
                edit = Edit("\\", where[0], where[1], where[0], where[1])
                fix = Fix("safe", "Escape backslash", (edit,))
            escaped = body[offset:offset + 2]
            self.report(where, f"Invalid escape sequence: `{escaped}`", fix=fix,
                        end=(where[0], where[1] + len(escaped)))

    @staticmethod
    def _position(text: str, line: int, column: int, index: int) -> tuple[int, int]:
        """1-based (line, column) of ``text[index]``, the token starting at ``line``,
        0-based ``column``."""
        before = text[:index]
        newlines = before.count("\n")
        if not newlines:
            return line, column + index + 1
        return line + newlines, index - before.rfind("\n")


#: The rules of this module.
RULES: tuple[type[LintRule], ...] = (InvalidEscapeSequence,)
