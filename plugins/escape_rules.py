"""Built-in pycodestyle rule W605: a backslash in a string that starts no escape sequence.

``"\\d"`` is a backslash and a ``d`` today, a DeprecationWarning since Python 3.6 and a
SyntaxWarning since 3.12, and a regular expression's ``\\d`` is the usual culprit. The
string tokens are read with ``tokenize`` (``ast`` keeps no prefixes nor escapes), which
costs a pass over the file: the rule is off by default, as in ruff. Code, positions,
message and fixes are ruff's: a raw prefix where the string has no real escape, else the
backslash doubled.
"""
from __future__ import annotations

import io
import tokenize
from collections.abc import Iterator
from typing import ClassVar

from analyzer.rules import Edit, Fix, Invalid, LintRule, Valid

__all__ = ["InvalidEscapeSequence", "RULES"]

#: What may follow a backslash in a string (ruff's list: ``\N``, ``\u`` and ``\U`` in bytes
#: too), a line ending among them.
_VALID = frozenset("\n\r\\'\"abfnrtv01234567xNuU")


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

    def visit_Module(self, node: object) -> None:
        """Scan every string token of the file."""
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(self.context.source).readline))
        except (tokenize.TokenError, SyntaxError):
            return  # E999's to report
        for token in tokens:
            if token.type == tokenize.STRING:
                self._check(token)

    def _check(self, token: tokenize.TokenInfo) -> None:
        text = token.string
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
        line, column = token.start
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
