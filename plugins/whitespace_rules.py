"""Built-in pycodestyle rules on whitespace at the ends of lines and of the file: W291, W292,
W293.

Off by default, as in ruff (its ``W`` selects them). Codes, positions, messages and fixes
are ruff's: the blanks removed, safely but inside a multi-line string, whose text the fix
would change (unsafe there), and the missing final line ending added.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import ClassVar

from analyzer.rules import (
    Applicability,
    Edit,
    Fix,
    Invalid,
    LintRule,
    MetadataProvider,
    RuleContext,
    Valid,
)
from plugins._text import LINE_ENDING

__all__ = ["BlankLineWithWhitespace", "MissingNewlineAtEndOfFile", "RULES",
           "TrailingWhitespace"]

#: A line ending after a blank or a form feed (pycodestyle's blanks).
_TRAILING = re.compile(r"(?<=[ \t\x0c])(?:\r\n|\r|\n)")


def _string_lines(source: str) -> set[int]:
    """The lines whose ends lie inside a multi-line string (its closing line excluded)."""
    inside: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                inside.update(range(token.start[0], token.end[0]))
    except (tokenize.TokenError, SyntaxError):
        pass
    return inside


class _TrailingBlanks(MetadataProvider):
    """The runs of blanks before a line ending, scanned once for W291 and W293: (line,
    0-based start, 0-based end, whether the line holds nothing else, whether its end lies in
    a multi-line string)."""

    @classmethod
    def compute(cls, context: RuleContext, ast_tree: ast.Module
                ) -> tuple[tuple[int, int, int, bool, bool], ...]:
        """Scan ``context.source``."""
        source = context.source
        lines = context.lines
        found: list[tuple[int, int, int]] = []
        # Each line ending just after a blank, found at C speed (the engine looks for line
        # endings, far fewer than spaces); the run of blanks is walked back from there.
        ends = [m.start() for m in _TRAILING.finditer(source)]
        if source and source[-1] in " \t\x0c":
            ends.append(len(source))  # the last line, without a line ending
        for last in ends:
            first = last
            while first > 0 and source[first - 1] in " \t\x0c":
                first -= 1
            number, start = lines.position(first)
            found.append((number, start - 1, start - 1 + last - first))
        strings = _string_lines(source) if found else set()
        return tuple((number, start, end, start == 0, number in strings)
                     for number, start, end in found)


class _LineRule(LintRule):
    """The blanks at the ends of lines: W291 and W293 share the scan (``_TrailingBlanks``)."""

    TREE = "ast"
    DEFAULT_ENABLED = False
    FIXABLE = True
    FIX_APPLICABILITY = "safe (unsafe in a multi-line string)"
    METADATA_DEPENDENCIES = (_TrailingBlanks,)
    #: True: lines with nothing but blanks (W293); False: the others (W291).
    BLANK: ClassVar[bool] = False
    FIX_TITLE: ClassVar[str] = ""

    def visit_Module(self, node: object) -> None:
        """Report each line ending in blanks, of this rule's kind."""
        for number, start, end, blank, in_string in self.get_metadata(_TrailingBlanks):
            if blank != self.BLANK:
                continue
            edit = Edit("", number, start + 1, number, end + 1)
            applicability: Applicability = "unsafe" if in_string else "safe"
            fix = Fix(applicability, self.FIX_TITLE, (edit,))
            self.report((number, start + 1), end=(number, end + 1), fix=fix)


class TrailingWhitespace(_LineRule):
    """W291: blanks at the end of a line."""

    CODE = "W291"
    NAME = "trailing-whitespace"
    EQUIVALENT = "pycodestyle W291, ruff W291"
    MESSAGE = "Trailing whitespace"
    FIX_TITLE = "Remove trailing whitespace"
    VALID: ClassVar[list[Valid]] = [Valid("x = 1\n\ny = 2\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("x = 1  \ny = 2\t\n", line=1, column=6, expected_fix="x = 1\ny = 2\n"),
    ]


class BlankLineWithWhitespace(_LineRule):
    """W293: a line with nothing but blanks."""

    CODE = "W293"
    NAME = "blank-line-with-whitespace"
    EQUIVALENT = "pycodestyle W293, ruff W293"
    MESSAGE = "Blank line contains whitespace"
    FIX_TITLE = "Remove whitespace from blank line"
    BLANK = True
    VALID: ClassVar[list[Valid]] = [Valid("x = 1\n\ny = 2  \n")]
    INVALID: ClassVar[list[Invalid]] = [
        # A form feed (the example harness dedents lines of spaces alone to nothing).
        Invalid("x = 1\n\x0c\ny = 2\n", line=2, column=1, expected_fix="x = 1\n\ny = 2\n"),
    ]


class MissingNewlineAtEndOfFile(LintRule):
    """W292: the last line has no line ending."""

    CODE = "W292"
    NAME = "missing-newline-at-end-of-file"
    EQUIVALENT = "pycodestyle W292, ruff W292"
    MESSAGE = "No newline at end of file"
    TREE = "ast"
    DEFAULT_ENABLED = False
    FIXABLE = True
    FIX_APPLICABILITY = "safe"
    VALID: ClassVar[list[Valid]] = [Valid("x = 1\n"), Valid("")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("x = 1\ny = 2", line=2, column=6, expected_fix="x = 1\ny = 2\n"),
    ]

    def visit_Module(self, node: object) -> None:
        """Report the end of a file that does not end a line."""
        source = self.context.source
        if not source or source.endswith(("\n", "\r")):
            return
        endings = LINE_ENDING.findall(source)
        number = len(endings) + 1
        last = LINE_ENDING.split(source)[-1]
        # The file's own line ending (its first), as the fix writes it.
        ending = endings[0] if endings else "\n"
        column = len(last) + 1
        self.report((number, column), fix=Fix("safe", "Add trailing newline",
                                              (Edit(ending, number, column, number, column),)))


#: The rules of this module.
RULES: tuple[type[LintRule], ...] = (TrailingWhitespace, BlankLineWithWhitespace,
                                     MissingNewlineAtEndOfFile)
