"""Built-in pycodestyle rule E501: a line wider than ``line-length`` (88, ruff's default).

Off by default, as in ruff, where a formatter usually keeps the width; on with ``E501``,
``E5`` or ``E`` selected. Read as ruff reads it: the width in columns (a wide character
counts two, a tab reaches the next multiple of four), a trailing pragma comment (``# type:``,
``# noqa``, ``# pyright:``...) left out, a line that is one word (a long URL in a comment)
or ends with a URL starting within the limit let through, and the finding at the first
column beyond the limit. Code, message and position are ruff's.
"""
from __future__ import annotations

import io
import re
import tokenize
import unicodedata
from typing import ClassVar

from analyzer.rules import Invalid, LintRule, Valid
from plugins._text import LINE_ENDING

__all__ = ["LineTooLong", "RULES"]

#: Comments other tools read, left out of the width (ruff's list).
_PRAGMAS = ("noqa", "type:", "ty:", "pyright:", "pylint:", "flake8:", "ruff:", "isort:", "nosec",
            "mypy:")
_TAB = 4
_PRAGMA = re.compile(r"#\s*(?:" + "|".join(re.escape(p) for p in _PRAGMAS) + ")")


def _width(text: str) -> int:
    """``text``'s width in columns from the start of a line."""
    if text.isascii() and "\t" not in text:
        return len(text)
    width = 0
    for char in text:
        if char == "\t":
            width += _TAB - width % _TAB
        else:
            width += _char_width(char)
    return width


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _column_beyond(text: str, limit: int) -> int:
    """The 1-based character column of the first character that starts past ``limit``
    columns (a wide character across the limit stays within it, as ruff counts)."""
    width = 0
    for index, char in enumerate(text):
        if width >= limit:
            return index + 1
        width += _TAB - width % _TAB if char == "\t" else _char_width(char)
    return len(text) + 1


class LineTooLong(LintRule):
    """E501: a line wider than ``line-length`` columns."""

    CODE = "E501"
    NAME = "line-too-long"
    EQUIVALENT = "pycodestyle E501, ruff E501"
    MESSAGE = "Line too long"
    TREE = "ast"
    DEFAULT_ENABLED = False
    VALID: ClassVar[list[Valid]] = [
        Valid("x = 1\n# " + "https://example.com/" + "a" * 90 + "\n"
              "y = 'see https://example.com/" + "b" * 80 + "'\n"
              "z = ['" + "c" * 76 + "']  # type: ignore[list-item]\n"
              "w = '" + "d" * 60 + "'  # a note  # noqa: F841 " + "e" * 20 + "\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("x = 1  # " + "a " * 45 + "\n", line=1, column=89,
                message="Line too long (99 > 88)"),  # the trailing blank counts
        Invalid("v = '" + "\u4e2d" * 45 + "'\n", line=1, column=48),
        Invalid("if x:\n\ty = '" + "d" * 80 + "'\n", line=2, column=86,
                message="Line too long (90 > 88)"),
    ]

    def visit_Module(self, node: object) -> None:
        """Measure every physical line; read the comments only when one is too wide."""
        limit = self.context.settings.line_length
        source = self.context.source
        lines = LINE_ENDING.split(source)
        # A file of ASCII without tabs (most) is measured by its lines' lengths alone.
        if source.isascii() and "\t" not in source:
            wide = [i for i, line in enumerate(lines, 1) if len(line) > limit]
        else:
            wide = [i for i, line in enumerate(lines, 1) if _width(line) > limit]
        if not wide:
            return
        # Only a pragma comment changes a line's measure: the comments are read (tokenize,
        # in Python) only when a wide line may hold one.
        comments = (self._comments() if any(_PRAGMA.search(lines[n - 1]) for n in wide)
                    else {})
        for number in wide:
            self._check(number, lines[number - 1], limit, comments.get(number))

    def _comments(self) -> dict[int, int]:
        """Line -> the character offset its comment starts at."""
        found: dict[int, int] = {}
        try:
            for token in tokenize.generate_tokens(io.StringIO(self.context.source).readline):
                if token.type == tokenize.COMMENT:
                    found[token.start[0]] = token.start[1]
        except (tokenize.TokenError, SyntaxError):
            pass  # E999's to report; the lines are measured whole
        return found

    def _check(self, number: int, line: str, limit: int, comment: int | None) -> None:
        text = line  # trailing blanks count, as ruff measures
        if comment is not None:
            # A pragma anywhere in the comment ends the measure at its `#` (celery's
            # `# Create local variable  # noqa: F841`), as ruff strips it.
            pragma = _PRAGMA.search(line, comment)
            if pragma is not None:
                text = line[:pragma.start()].rstrip()
        width = _width(text)
        if width <= limit:
            return
        chunks = text.split()
        if len(chunks) < 2:
            return  # one word: no way to break it
        last = chunks[-1]
        if "://" in last and width - _width(last) <= limit:
            return  # ends with a URL that starts within the limit
        if text.lstrip().startswith("# SPDX-License-Identifier:"):
            return
        column = _column_beyond(text, limit)
        self.report((number, column), f"Line too long ({width} > {limit})",
                    end=(number, len(text) + 1))


#: The rules of this module.
RULES: tuple[type[LintRule], ...] = (LineTooLong,)
