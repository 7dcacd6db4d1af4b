"""The heap's exceptions, and the one table that turns a C status into them."""
from __future__ import annotations

import os
from typing import NoReturn, Protocol

from heap_native._native import ffi, lib

__all__ = [
    "HeapError",
    "HeapFull",
    "HashTableFull",
    "DepTableFull",
    "ValueTooLarge",
    "HeapRoleError",
    "SnapshotError",
    "HeapCorrupt",
    "HeapClosed",
    "StopRequested",
    "raise_status",
]

# The knobs are SharedHeap's arguments. shoal sets heap_size from --heap-size / heap-size in
# [tool.shoal] (else from the sources' size) and the slot counts from the number of files.
_HEAP_SETTING = "raise heap_size (shoal: --heap-size, or heap-size in [tool.shoal])"
_HASH_SETTING = ("raise hash_slots (shoal sizes it from the number of files when it starts: "
                 "start it again)")
_DEP_SETTING = ("raise dep_slots (shoal sizes it from the number of files when it starts: "
                "start it again)")


class HeapError(Exception):
    """Base of every failure of the shared heap a caller can act on.

    Built from one message string so it pickles (a worker sends it to the master
    as the same class); the pool may set ``remote_traceback`` on it.
    """

    remote_traceback: str | None = None


class HeapFull(HeapError):
    """The value heap has no room left; raise heap_size or collect()."""


class HashTableFull(HeapError):
    """Every hash-table slot is used; raise hash_slots or collect()."""


class DepTableFull(HeapError):
    """Every dependency-table slot is used; raise dep_slots."""


class ValueTooLarge(HeapError):
    """One key or value can never fit (over 4 GiB, or over the whole heap)."""


class HeapRoleError(HeapError):
    """A master-only operation ran in a worker, or in the master inside a phase."""


class SnapshotError(HeapError):
    """A snapshot file is truncated, corrupt or from another version."""


class HeapCorrupt(HeapError):
    """verify() found a violated invariant of the region."""


class HeapClosed(HeapError):
    """The heap was closed in this process."""


class StopRequested(BaseException):
    """The stop flag attached with attach_stop_flag() is set.

    A BaseException, so that no ``except Exception`` in a job or rule swallows a
    cancellation.
    """

    remote_traceback: str | None = None


class _Figures(Protocol):
    """The occupancy figures (of a ``HeapStats``) that the messages quote."""

    @property
    def heap_capacity(self) -> int: ...
    @property
    def used_bytes(self) -> int: ...
    @property
    def live_bytes(self) -> int: ...
    @property
    def wasted_bytes(self) -> int: ...
    @property
    def hash_capacity(self) -> int: ...
    @property
    def used_slots(self) -> int: ...
    @property
    def live_slots(self) -> int: ...
    @property
    def dep_capacity(self) -> int: ...
    @property
    def dep_edges(self) -> int: ...
    @property
    def phase_open(self) -> bool: ...
    @property
    def master_pid(self) -> int: ...


class _Heap(Protocol):
    """The part of ``SharedHeap`` a message needs (kept structural: _heap imports this module)."""

    @property
    def closed(self) -> bool: ...

    def stats(self) -> _Figures: ...


def raise_status(
    heap: _Heap, status: int, op: str, need: int = 0, path: str = "", reason: str = ""
) -> NoReturn:
    """Raise the exception for a C status, with the figures and the setting to change."""
    if status == lib.SHOAL_STOPPED:
        raise StopRequested(f"stop requested: heap {op} refused")
    if heap.closed:
        raise HeapClosed(f"heap {op}: the shared heap is closed in this process")
    if status == lib.SHOAL_SNAPSHOT:
        raise SnapshotError(f"heap snapshot {path} refused: {reason}")
    if status == lib.SHOAL_IO:
        err = ffi.errno
        raise OSError(err, f"heap {op}: {os.strerror(err)}" + (f" ({reason})" if reason else ""))
    if status == lib.SHOAL_NOMEM:
        raise MemoryError(f"heap {op}: out of process memory")
    s = heap.stats()
    if status == lib.SHOAL_HEAP_FULL:
        raise HeapFull(
            f"shared heap full in {op}: {s.used_bytes} of {s.heap_capacity} bytes used "
            f"({s.live_bytes} live, {s.wasted_bytes} wasted), {need} more needed; "
            f"{_HEAP_SETTING}, or collect() to reclaim the wasted bytes"
        )
    if status == lib.SHOAL_HASH_TABLE_FULL:
        raise HashTableFull(
            f"shared heap hash table full in {op}: {s.used_slots} of {s.hash_capacity} "
            f"slots used ({s.live_slots} live); {_HASH_SETTING}, or collect() to drop tombstones"
        )
    if status == lib.SHOAL_DEP_TABLE_FULL:
        raise DepTableFull(
            f"dependency table full in {op}: {s.dep_edges} of {s.dep_capacity} slots used; "
            f"{_DEP_SETTING}"
        )
    if status == lib.SHOAL_VALUE_TOO_LARGE:
        raise ValueTooLarge(
            f"value too large in {op}: an entry of {need} bytes cannot fit a heap of "
            f"{s.heap_capacity} bytes (and keys and values are limited to 4 GiB); {_HEAP_SETTING}"
        )
    if status == lib.SHOAL_ROLE:
        where = (
            "inside an open phase"
            if s.phase_open and os.getpid() == s.master_pid
            else f"from pid {os.getpid()}, not the master (pid {s.master_pid})"
        )
        raise HeapRoleError(
            f"heap {op}() is master-only and runs between phases; it was called {where}"
        )
    if status == lib.SHOAL_CORRUPT:
        raise HeapCorrupt(f"shared heap corrupt ({op}): {reason}")
    if status == lib.SHOAL_INVALID:
        raise HeapError(f"heap {op}: invalid call ({reason or 'bad argument or state'})")
    raise HeapError(f"heap {op}: unexpected status {status}")
