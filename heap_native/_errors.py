"""The heap's exceptions, and the one table that turns a C status into them."""
from __future__ import annotations

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
]


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
