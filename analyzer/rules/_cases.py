"""The VALID/INVALID examples a rule carries: plain values, so a rule class can name them."""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Invalid", "Valid"]


@dataclass(frozen=True)
class Valid:
    """Code on which the rule must report nothing."""

    code: str


@dataclass(frozen=True)
class Invalid:
    """Code on which the rule must report; optional fields pin the first finding.

    ``line``/``column`` are 1-based (column in characters), ``message`` is compared exactly,
    and ``expected_fix`` is the whole file after applying the fixes of every finding.
    """

    code: str
    line: int | None = None
    column: int | None = None
    message: str | None = None
    expected_fix: str | None = None
