"""shoal's shared heap: a C hash table and dependency table in one memfd region.

The master creates a :class:`SharedHeap` before forking workers; every process then
adds and reads values (first writer wins) and dependency edges, while only the master,
between phases, removes, collects, clears, saves and loads.
"""
from __future__ import annotations

from heap_native._codecs import (
    DEFAULT_COMPRESS_THRESHOLD,
    Codec,
    CodecError,
    PickleCodec,
    RawCodec,
    get_codec,
)
from heap_native._errors import (
    DepTableFull,
    HashTableFull,
    HeapClosed,
    HeapCorrupt,
    HeapError,
    HeapFull,
    HeapRoleError,
    SnapshotError,
    StopRequested,
    ValueTooLarge,
)
from heap_native._heap import (
    DEFAULT_DEP_SLOTS,
    DEFAULT_HASH_SLOTS,
    DEFAULT_HEAP_SIZE,
    HeapStats,
    SharedHeap,
    SnapshotInfo,
    attach_stop_flag,
)
from heap_native._sizes import parse_size
from heap_native._tables import HeapTable

__all__ = [
    "DEFAULT_COMPRESS_THRESHOLD",
    "Codec",
    "CodecError",
    "PickleCodec",
    "RawCodec",
    "get_codec",
    "DEFAULT_DEP_SLOTS",
    "DEFAULT_HASH_SLOTS",
    "DEFAULT_HEAP_SIZE",
    "DepTableFull",
    "HashTableFull",
    "HeapClosed",
    "HeapCorrupt",
    "HeapError",
    "HeapFull",
    "HeapRoleError",
    "HeapStats",
    "HeapTable",
    "SharedHeap",
    "SnapshotError",
    "SnapshotInfo",
    "StopRequested",
    "ValueTooLarge",
    "attach_stop_flag",
    "parse_size",
]
