"""The dependency table's calls of :class:`~heap_native.SharedHeap` (dependency -> dependent
edges between 32-bit ids; only the master removes), kept apart from the key-value calls.

Each call checks its ids in Python and makes one C call for the lot: the edges travel as an
``array('I')`` laid out ``[dependency, dependent, dependency, ...]``.
"""
from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from heap_native._native import ffi, lib

__all__ = ["DependencyTable", "check_id"]

_BUFFER_SMALL = lib.SHOAL_BUFFER_SMALL
_MAX_ID = (1 << 32) - 1
_from_buffer = ffi.from_buffer


def check_id(value: int, what: str) -> int:
    """``value`` when it is a dependency table id (an int in 1..2**32-1), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= _MAX_ID:
        raise ValueError(f"{what} must be an int in 1..2**32-1 (0 is reserved), got {value!r}")
    return value


def _ids(values: Iterable[int], message: str) -> array:
    """``values`` as an ``array('I')``; ValueError(``message``) for any that does not fit."""
    try:
        return array("I", values)
    except (OverflowError, TypeError):
        raise ValueError(message) from None


def _edges(flat: array) -> array:
    """``flat`` when it is laid out as the edge calls take it (an ``array('I')``)."""
    if flat.typecode != "I":
        raise ValueError("the edges must be an array('I')")
    return flat


class DependencyTable:
    """The dependency-table methods :class:`~heap_native.SharedHeap` inherits."""

    if TYPE_CHECKING:
        _h: Any
        _deps_out: Any

        def _check(self, status: int, op: str) -> None: ...

    def add_dep(self, dependency: int, dependent: int) -> None:
        """Record that dependent must be rechecked when dependency changes (ids are 32-bit, nonzero)."""
        check_id(dependency, "dependency")
        check_id(dependent, "dependent")
        self._check(lib.shoal_heap_add_dep(self._h, dependency, dependent), "add_dep")

    def add_deps(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Record many (dependency, dependent) edges in one C call."""
        self.add_deps_flat(_ids(itertools.chain.from_iterable(pairs),
                                "dependency ids must be ints in 1..2**32-1"))

    def add_deps_flat(self, flat: array) -> None:
        """:meth:`add_deps` of edges laid out as ``array('I', [dep, dependent, dep, ...])``."""
        n = len(_edges(flat)) // 2
        if n == 0:
            return
        done = ffi.new("size_t *")
        status = lib.shoal_heap_add_deps(self._h, _from_buffer("uint32_t[]", flat), n, done)
        if status == lib.SHOAL_INVALID and self._h != ffi.NULL:
            i = done[0]
            raise ValueError(f"edge {i} ({flat[2 * i]}, {flat[2 * i + 1]}): ids must be nonzero")
        self._check(status, "add_deps")

    def get_deps(self, dependency: int) -> list[int]:
        """Every dependent recorded for dependency (in no particular order)."""
        check_id(dependency, "dependency")
        count = ffi.new("size_t *")
        out = self._deps_out if self._deps_out is not None else ffi.new("uint32_t[]", 256)
        while True:
            status = lib.shoal_heap_get_deps(self._h, dependency, out, len(out), count)
            if status != _BUFFER_SMALL:
                break
            out = ffi.new("uint32_t[]", count[0] * 2)
        self._check(status, "get_deps")
        return ffi.unpack(out, count[0])

    def get_deps_flat(self, dependencies: Sequence[int]) -> tuple[array, array]:
        """:meth:`get_deps_many` as two arrays: how many dependents each of
        ``dependencies`` has, and all of them one after the other (no tuple per id: a
        caller looking tens of thousands of ids up, most of them unread, builds none)."""
        ids = _ids(dependencies, "dependency ids must be ints in 1..2**32-1")
        n = len(ids)
        counts = array("I", bytes(4 * n))
        if n == 0:
            return counts, array("I")
        total = ffi.new("size_t *")
        out = array("I", bytes(4 * max(256, 2 * n)))
        while True:
            status = lib.shoal_heap_get_deps_many(
                self._h, _from_buffer("uint32_t[]", ids), n, _from_buffer("uint32_t[]", out),
                len(out), _from_buffer("uint32_t[]", counts), total)
            if status != _BUFFER_SMALL:
                break
            out = array("I", bytes(4 * total[0]))
        if status == lib.SHOAL_INVALID and self._h != ffi.NULL:
            raise ValueError("dependency ids must be ints in 1..2**32-1 (0 is reserved)")
        self._check(status, "get_deps_many")
        return counts, out[:sum(counts)]

    def get_deps_many(self, dependencies: Sequence[int]) -> list[tuple[int, ...]]:
        """:meth:`get_deps` of each of ``dependencies`` in one C call, aligned with them."""
        counts, out = self.get_deps_flat(dependencies)
        found: list[tuple[int, ...]] = []
        pos = 0
        for count in counts:
            found.append(tuple(out[pos:pos + count]) if count else ())
            pos += count
        return found

    def clear_deps(self) -> None:
        """Drop every dependency edge (master only, between phases)."""
        self._check(lib.shoal_heap_clear_deps(self._h), "clear_deps")

    def remove_dependents(self, ids: Iterable[int]) -> None:
        """Drop every edge whose dependent is in ids (master only, between phases)."""
        arr = _ids(ids, "dependent ids must be ints in 0..2**32-1")
        buf = _from_buffer("uint32_t[]", arr) if arr else ffi.NULL
        self._check(lib.shoal_heap_remove_dependents(self._h, buf, len(arr)), "remove_dependents")

    def remove_deps(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Drop the given (dependency, dependent) edges where present (master only, between
        phases); costs the edges named, where :meth:`remove_dependents` scans the table."""
        self.remove_deps_flat(_ids(itertools.chain.from_iterable(pairs),
                                   "dependency ids must be ints in 0..2**32-1"))

    def remove_deps_flat(self, flat: array) -> None:
        """:meth:`remove_deps` of edges laid out as :meth:`add_deps_flat` takes them."""
        _edges(flat)
        buf = _from_buffer("uint32_t[]", flat) if flat else ffi.NULL
        self._check(lib.shoal_heap_remove_deps(self._h, buf, len(flat) // 2), "remove_deps")
