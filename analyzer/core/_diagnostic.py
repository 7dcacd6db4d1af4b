"""Diagnostics and fixes: the values every rule produces and every output format reads.

These are part of the public contract (docs/contracts.md, "Diagnostics"): positions are
1-based lines and 1-based columns counted in characters (code points), end exclusive.
They are plain frozen dataclasses; each pickles as a constructor call on its fields
(``__reduce__``): a slotted dataclass's default unpickling looks its fields up again for every
object, which made reading a warm cache's 96,000 findings cost a second.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Applicability = Literal["safe", "unsafe"]


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text between two positions (end exclusive) with ``content``."""

    content: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __reduce__(self) -> tuple[type[Edit], tuple[str, int, int, int, int]]:
        return Edit, (self.content, self.line, self.column, self.end_line, self.end_column)


@dataclass(frozen=True, slots=True)
class Fix:
    """A set of non-overlapping edits to one file, applied together or not at all."""

    applicability: Applicability
    message: str
    edits: tuple[Edit, ...] = ()

    def __reduce__(self) -> tuple[type[Fix], tuple[Applicability, str, tuple[Edit, ...]]]:
        return Fix, (self.applicability, self.message, self.edits)


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """One finding. Ordering (path, line, column, code, ...) is the output order."""

    path: str
    line: int
    column: int
    code: str
    message: str
    end_line: int = 0
    end_column: int = 0
    name: str = ""
    fix: Fix | None = field(default=None, compare=False)
    #: Another line whose noqa comment also suppresses it (0: none), as ruff's "parent": F401
    #: on a multi-line import is reported at the statement (pyflakes, flake8) and also obeys
    #: a comment on the imported name's own line (where ruff reports it).
    noqa_line: int = field(default=0, compare=False)

    def __reduce__(self) -> tuple[type[Diagnostic], tuple[object, ...]]:
        return Diagnostic, (self.path, self.line, self.column, self.code, self.message,
                            self.end_line, self.end_column, self.name, self.fix,
                            self.noqa_line)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """The key every output is sorted by, whatever order workers finished in."""
        return (self.path, self.line, self.column, self.code, self.message)
