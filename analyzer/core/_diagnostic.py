"""Diagnostics and fixes: the values every rule produces and every output format reads.

These are part of the public contract (docs/contracts.md, "Diagnostics"): positions are
1-based lines and 1-based columns counted in characters (code points), end exclusive.
They are plain frozen dataclasses so they pickle cheaply across the worker pipes.
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


@dataclass(frozen=True, slots=True)
class Fix:
    """A set of non-overlapping edits to one file, applied together or not at all."""

    applicability: Applicability
    message: str
    edits: tuple[Edit, ...] = ()


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

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """The key every output is sorted by, whatever order workers finished in."""
        return (self.path, self.line, self.column, self.code, self.message)
