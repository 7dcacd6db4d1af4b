"""The committed findings as one sorted sequence, kept as per-file lists (issue 16).

A recheck replaces the lists of the files it touched, in place (``_versions``), and counts
what it added and dropped; the one flat list every output reads is made on first need,
so its cost is the presentation's, not the recheck's. An earlier version stays readable:
its map of lists is then a ``Retired`` view.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import chain
from typing import Any, overload

from analyzer.rules import Diagnostic

__all__ = ["Findings"]


class Findings(Sequence[Diagnostic]):
    """Every finding, sorted: ``files`` (display -> its sorted findings, in path order)
    flattened when first read; ``count`` is their number."""

    def __init__(self, files: Mapping[str, list[Diagnostic]], count: int) -> None:
        self._files = files
        self._count = count
        self._flat: list[Diagnostic] | None = None

    @property
    def files(self) -> Mapping[str, list[Diagnostic]]:
        """display -> that file's findings, in path order."""
        return self._files

    def _list(self) -> list[Diagnostic]:
        if self._flat is None:
            # One pass over every finding, done in C; the lists are already in order.
            self._flat = list(chain.from_iterable(self._files.values()))
        return self._flat

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self._list())

    @overload
    def __getitem__(self, index: int) -> Diagnostic: ...

    @overload
    def __getitem__(self, index: slice) -> list[Diagnostic]: ...

    def __getitem__(self, index: int | slice) -> Diagnostic | list[Diagnostic]:
        return self._list()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Findings):
            return self._list() == other._list()
        if isinstance(other, list):
            return self._list() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a sequence compared by value, as a list

    def __repr__(self) -> str:
        return f"Findings({self._list()!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Stored (the warm cache) as the plain list it stands for.
        return (list, (self._list(),))
