"""SharedHeap: the Python face of the C heap in shoal_heap.c.

The hot paths (get, get_many, contains, add) make exactly one cffi call and
read values straight out of the mapping: C returns a packed reference
``region offset << 24 | length`` and Python slices the region buffer, so a
value is copied once, into the resulting bytes object, with no per-call
scratch memory (which would race between threads, since cffi releases the GIL).
"""
from __future__ import annotations

import contextlib
import errno as errno_mod
import functools
import os
import weakref
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from heap_native._deps import DependencyTable
from heap_native._errors import (
    HeapClosed,
    HeapCorrupt,
    SnapshotError,
    StopRequested,
    ValueTooLarge,
    raise_status,
)
from heap_native._native import ffi, lib
from heap_native._sizes import parse_size

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

    from heap_native._codecs import Codec
    from heap_native._tables import HeapTable

__all__ = [
    "DEFAULT_DEP_SLOTS",
    "DEFAULT_HASH_SLOTS",
    "DEFAULT_HEAP_SIZE",
    "HeapStats",
    "SharedHeap",
    "attach_stop_flag",
]

DEFAULT_HEAP_SIZE = 256 << 20
DEFAULT_HASH_SLOTS = 1 << 18
DEFAULT_DEP_SLOTS = 1 << 18

_LEN_BITS = lib.SHOAL_REF_LEN_BITS
_LEN_MASK = (1 << _LEN_BITS) - 1
_OK = lib.SHOAL_OK
_EXISTS = lib.SHOAL_EXISTS
_NOT_FOUND = lib.SHOAL_NOT_FOUND
_BUFFER_SMALL = lib.SHOAL_BUFFER_SMALL
_MISSING_REF = -lib.SHOAL_NOT_FOUND
_LARGE_REF = -lib.SHOAL_LARGE

_get_ref = lib.shoal_heap_get_ref
_get_many = lib.shoal_heap_get_many
_contains = lib.shoal_heap_contains
_add = lib.shoal_heap_add
_from_buffer = ffi.from_buffer

# The stop flag's cdata must outlive its use by C: module-global, per process.
_stop_flag_ref: Any = None


def attach_stop_flag(buffer: WriteableBuffer | None) -> None:
    """Make every heap call in this process raise StopRequested while buffer's first uint32 is nonzero.

    ``buffer`` is a writable buffer (e.g. a shared mmap page owned by the parallel
    layer); ``None`` detaches the flag.
    """
    global _stop_flag_ref
    if buffer is None:
        lib.shoal_heap_attach_stop_flag(ffi.NULL)
        _stop_flag_ref = None
        return
    ref = ffi.from_buffer("uint32_t[]", buffer, require_writable=True)
    if len(ref) < 1:
        raise ValueError("the stop-flag buffer needs at least 4 bytes")
    lib.shoal_heap_attach_stop_flag(ref)
    _stop_flag_ref = ref


@dataclass(frozen=True)
class HeapStats:
    """Occupancy of one heap: bytes, hash slots and dependency edges, each with its capacity."""

    heap_capacity: int
    used_bytes: int
    live_bytes: int
    wasted_bytes: int
    hash_capacity: int
    used_slots: int
    live_slots: int
    dep_capacity: int
    dep_edges: int
    epoch: int
    phase_open: bool
    master_pid: int
    region_bytes: int
    #: Hash-slot publications that lost their CAS to another writer and re-read the slot.
    lost_cas: int = 0


class SnapshotInfo(NamedTuple):
    """A snapshot's header: the saving heap's sizes, and the entries and edges it holds."""

    heap_size: int
    hash_slots: int
    dep_slots: int
    n_entries: int
    entries_bytes: int
    n_edges: int


@functools.cache
def _shoal_version() -> str:
    """shoal's installed version, which a snapshot is saved with and checked against."""
    return (_dist_info_version() or _metadata_version())[: lib.SHOAL_VERSION_MAX]


def _dist_info_version() -> str | None:
    """The version in the name of shoal's ``shoal-VERSION.dist-info``, the first on
    ``sys.path`` as importlib.metadata finds it; None when the first is anything else (an
    ``.egg-info``, a zip): importing importlib.metadata cost every cache write ~20 ms."""
    import sys

    for entry in sys.path:
        if not isinstance(entry, str):
            return None
        try:
            names = os.listdir(entry or ".")
        except OSError:
            if entry and os.path.isfile(entry):
                return None  # a zip archive: importlib.metadata reads inside it
            continue
        for name in names:
            low = name.lower()
            if low.startswith("shoal-") and low.endswith(".dist-info"):
                return name[len("shoal-"):-len(".dist-info")] or None
            if low.startswith(("shoal-", "shoal.")) and low.endswith(".egg-info"):
                return None
    return None


def _metadata_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("shoal")
    except PackageNotFoundError:
        return "unknown"


class SharedHeap(DependencyTable):
    """One shared-memory region of bytes -> bytes entries plus a dependency-edge set.

    Create it in the master before forking workers; forked children use the inherited
    mapping. Workers add and read; only the master, between phases, removes, collects,
    clears, saves and loads (else HeapRoleError).
    """

    def __init__(
        self,
        heap_size: int | str = DEFAULT_HEAP_SIZE,
        hash_slots: int | str = DEFAULT_HASH_SLOTS,
        dep_slots: int | str = DEFAULT_DEP_SLOTS,
    ) -> None:
        heap_bytes = parse_size(heap_size, "heap_size")
        slots = parse_size(hash_slots, "hash_slots")
        deps = parse_size(dep_slots, "dep_slots")
        for name, n in (("hash_slots", slots), ("dep_slots", deps)):
            if n & (n - 1) or n > 1 << 32:
                raise ValueError(f"{name} must be a power of two up to 2**32, got {n}")
        out = ffi.new("shoal_heap_t **")
        status = lib.shoal_heap_create(heap_bytes, slots, deps, out)
        if status != _OK:
            if status == lib.SHOAL_INVALID:
                raise ValueError(f"heap_size {heap_bytes} out of range (at most 256 GiB in all)")
            self._h = ffi.NULL
            self._raise(status, "create", heap_bytes)
        self._bind(out[0])

    @classmethod
    def attach(cls, fd: int) -> SharedHeap:
        """Map an existing region by descriptor (for a process not forked from the master)."""
        out = ffi.new("shoal_heap_t **")
        status = lib.shoal_heap_attach(fd, out)
        self = cls.__new__(cls)
        self._h = ffi.NULL
        if status != _OK:
            self._raise(status, "attach")
        self._bind(out[0])
        return self

    def _bind(self, handle: Any) -> None:
        self._h = handle
        self._buf = ffi.buffer(lib.shoal_heap_base(handle), lib.shoal_heap_region_size(handle))
        self._deps_out = None
        # Runs at most once: on close(), on garbage collection, or at interpreter exit.
        # It unmaps this process's view only, so a forked child never affects others.
        self._finalizer = weakref.finalize(self, lib.shoal_heap_close, handle)

    def table(
        self, name: str, codec: Codec | str | None = None, *, cache_size: int | None = None
    ) -> HeapTable:
        """A typed view of this heap: keys namespaced by ``name``, values through ``codec``.

        Tables are cached per (name, codec, cache size) on the heap object so that their
        per-process decoded-value caches survive across calls; ``cache_size=0`` gives a view
        that keeps nothing decoded (a reader of many values it holds only briefly).
        """
        from heap_native._tables import DEFAULT_CACHE_SIZE, HeapTable

        size = DEFAULT_CACHE_SIZE if cache_size is None else cache_size
        key = (name, codec if codec is None or isinstance(codec, str) else id(codec), size)
        tables = self.__dict__.setdefault("_tables", {})
        table = tables.get(key)
        if table is None:
            table = tables[key] = HeapTable(self, name, codec, cache_size=size)
        return table

    # ---- lifecycle -------------------------------------------------------------

    def close(self) -> None:
        """Unmap the region in this process (other processes keep theirs)."""
        if self._h != ffi.NULL:
            self._h = ffi.NULL
            self._buf = b""
            self._finalizer()

    @property
    def closed(self) -> bool:
        """True once close() ran in this process."""
        return self._h == ffi.NULL

    def __enter__(self) -> SharedHeap:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fileno(self) -> int:
        """The region's file descriptor (workers keep it: growing the heap needs it)."""
        self._check_open()
        return lib.shoal_heap_fd(self._h)

    def _check_open(self) -> None:
        if self._h == ffi.NULL:
            raise HeapClosed("the shared heap is closed in this process")

    # ---- values ----------------------------------------------------------------

    def add(self, key: bytes, value: bytes) -> bool:
        """Store value under key unless present; True when this call stored it."""
        status = _add(self._h, key, len(key), value, len(value))
        if status == _OK:
            return True
        if status == _EXISTS:
            return False
        self._raise(status, "add", len(key) + len(value))

    def get(self, key: bytes) -> bytes | None:
        """The value stored under key, or None."""
        ref = _get_ref(self._h, key, len(key))
        if ref >= 0:
            off = ref >> _LEN_BITS
            return self._buf[off : off + (ref & _LEN_MASK)]
        if ref == _MISSING_REF:
            return None
        return self._get_slow(key, ref)

    def _get_slow(self, key: bytes, ref: int) -> bytes | None:
        if ref != _LARGE_REF:
            self._raise(-ref, "get")
        loc = ffi.new("uint64_t[2]")
        status = lib.shoal_heap_get_locate(self._h, key, len(key), loc)
        if status == _NOT_FOUND:
            return None
        if status != _OK:
            self._raise(status, "get")
        return self._buf[loc[0] : loc[0] + loc[1]]

    def contains(self, key: bytes) -> bool:
        """True when key has a live value (the value is not read)."""
        found = _contains(self._h, key, len(key))
        if found >= 0:
            return found == 1
        self._raise(-found, "contains")

    def __contains__(self, key: bytes) -> bool:
        return self.contains(key)

    def add_many(self, pairs: Iterable[tuple[bytes, bytes]]) -> list[bool]:
        """Add every (key, value) pair in one C call; element i is True when pair i was stored."""
        pairs = pairs if isinstance(pairs, list) else list(pairs)
        n = len(pairs)
        if n == 0:
            return []
        keys = [k for k, _ in pairs]
        values = [v for _, v in pairs]
        try:
            klens = array("I", map(len, keys))
            vlens = array("I", map(len, values))
        except OverflowError:
            raise ValueTooLarge("a key or value is over 4 GiB, the limit per entry") from None
        stored = bytearray(n)
        done = ffi.new("size_t *")
        status = lib.shoal_heap_add_many(
            self._h,
            b"".join(keys),
            _from_buffer("uint32_t[]", klens),
            b"".join(values),
            _from_buffer("uint32_t[]", vlens),
            n,
            _from_buffer("uint8_t[]", stored),
            done,
        )
        if status != _OK:
            i = done[0]
            self._raise(status, f"add_many (pair {i} of {n})", klens[i] + vlens[i])
        return [b == 1 for b in stored]

    def get_many(self, keys: Iterable[bytes]) -> list[bytes | None]:
        """Values of keys in one C call, aligned with keys (None where absent)."""
        keys = keys if isinstance(keys, list) else list(keys)
        n = len(keys)
        if n == 0:
            return []
        refs = array("q", bytes(8 * n))
        large = _get_many(
            self._h,
            b"".join(keys),
            _from_buffer("uint32_t[]", array("I", map(len, keys))),
            n,
            _from_buffer("int64_t[]", refs),
        )
        if large < 0:
            self._raise(-large, "get_many")
        buf = self._buf
        out = [
            buf[(o := r >> _LEN_BITS) : o + (r & _LEN_MASK)] if r >= 0 else None for r in refs
        ]
        if large:
            for i, r in enumerate(refs):
                if r == _LARGE_REF:
                    out[i] = self._get_slow(keys[i], r)
        return out

    # ---- master only -----------------------------------------------------------

    def remove(self, key: bytes) -> bool:
        """Remove key (master only, between phases); True when it was present."""
        status = lib.shoal_heap_remove(self._h, key, len(key))
        if status == _OK:
            return True
        if status == _NOT_FOUND:
            return False
        self._raise(status, "remove")

    def collect(self) -> int:
        """Compact the heap, drop tombstones, return freed pages to the OS; bytes reclaimed."""
        out = ffi.new("uint64_t *")
        self._check(lib.shoal_heap_collect(self._h, out), "collect")
        return int(out[0])

    def clear(self) -> None:
        """Drop every value and every dependency edge (master only, between phases)."""
        self._check(lib.shoal_heap_clear(self._h), "clear")

    @staticmethod
    def snapshot_version() -> str:
        """The shoal version :meth:`save` writes into a snapshot (and :meth:`load` expects)."""
        return _shoal_version()

    # ---- phases, epoch, stats, verify -------------------------------------------------

    @contextlib.contextmanager
    def phase(self) -> Iterator[None]:
        """Open a parallel phase for the block: master-only operations are refused inside it."""
        self._check(lib.shoal_heap_phase_open(self._h), "phase")
        try:
            yield
        finally:
            self._check(lib.shoal_heap_phase_close(self._h), "phase")

    @property
    def epoch(self) -> int:
        """Counter bumped by every master-only change; caches of decoded values key on it."""
        value = lib.shoal_heap_epoch(self._h)
        if value < 0:
            self._raise(-value, "epoch")
        return value

    def stats(self) -> HeapStats:
        """Current occupancy and capacities.

        Exact between calls; while other processes are adding, the slot and byte counters
        lag by the calls in flight (each add call publishes its counts when it returns).
        """
        out = ffi.new("shoal_stats_t *")
        self._check(lib.shoal_heap_stats(self._h, out), "stats")
        s = out[0]
        return HeapStats(
            heap_capacity=s.heap_capacity,
            used_bytes=s.used_bytes,
            live_bytes=s.live_bytes,
            wasted_bytes=s.wasted_bytes,
            hash_capacity=s.hash_capacity,
            used_slots=s.used_slots,
            live_slots=s.live_slots,
            dep_capacity=s.dep_capacity,
            dep_edges=s.dep_edges,
            epoch=s.epoch,
            phase_open=bool(s.phase_counter & 1),
            master_pid=s.master_pid,
            region_bytes=s.region_bytes,
            lost_cas=s.lost_cas,
        )

    def verify(self) -> None:
        """Walk the whole region and check every invariant; HeapCorrupt names the first violation."""
        msg = ffi.new("char[]", 512)
        status = lib.shoal_heap_verify(self._h, msg, len(msg))
        if status == lib.SHOAL_CORRUPT:
            raise HeapCorrupt(f"shared heap corrupt: {ffi.string(msg).decode(errors='replace')}")
        self._check(status, "verify")

    # ---- snapshots -----------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the live values and edges, compacted, to path (atomically replaced)."""
        path = os.fspath(path)
        tmp = f"{path}.tmp{os.getpid()}"
        msg = ffi.new("char[]", 256)
        status = lib.shoal_heap_save(
            self._h, os.fsencode(tmp), _shoal_version().encode(), msg, len(msg)
        )
        if status != _OK:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            self._raise(status, "save", path=path, reason=ffi.string(msg).decode(errors="replace"))
        os.replace(tmp, path)

    @staticmethod
    def snapshot_info(path: str | os.PathLike[str], *, version: str | None = None) -> SnapshotInfo:
        """The sizes of the heap that saved the snapshot at path and what it holds, read
        from its header (checked as :meth:`load` checks it; ``version`` as there)."""
        path = os.fspath(path)
        version_bytes = (_shoal_version() if version is None else version).encode()
        info = ffi.new("shoal_snapshot_info_t *")
        msg = ffi.new("char[]", 256)
        status = lib.shoal_heap_snapshot_info(os.fsencode(path), version_bytes, info, msg,
                                              len(msg))
        if status != _OK:
            reason = ffi.string(msg).decode(errors="replace")
            if status == lib.SHOAL_IO:
                raise OSError(errno_mod.ENOENT if not os.path.exists(path) else errno_mod.EIO,
                              f"cannot read heap snapshot: {reason}", path)
            if status == lib.SHOAL_STOPPED:
                raise StopRequested("stop requested during SharedHeap.load")
            raise SnapshotError(f"heap snapshot {path} refused: {reason}")
        return SnapshotInfo(info.heap_size, info.hash_slots, info.dep_slots, info.n_entries,
                            info.entries_bytes, info.n_edges)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        heap_size: int | str | None = None,
        hash_slots: int | str | None = None,
        dep_slots: int | str | None = None,
        *,
        version: str | None = None,
    ) -> SharedHeap:
        """Create a fresh heap holding the snapshot at path (sizes default to the saving heap's).

        ``version``: the shoal version the snapshot must carry, when the caller knows the
        one it was saved with (:meth:`snapshot_version`, kept beside it); default the
        installed one's, read from the package metadata (tens of milliseconds)."""
        path = os.fspath(path)
        version_bytes = (_shoal_version() if version is None else version).encode()
        info = cls.snapshot_info(path, version=version_bytes.decode())
        msg = ffi.new("char[]", 256)
        heap = cls(
            heap_size if heap_size is not None else max(info.heap_size, info.entries_bytes, 4096),
            hash_slots if hash_slots is not None else info.hash_slots,
            dep_slots if dep_slots is not None else info.dep_slots,
        )
        try:
            status = lib.shoal_heap_load(heap._h, os.fsencode(path), version_bytes, msg,
                                         len(msg))
            if status != _OK:
                heap._raise(status, "load", info.entries_bytes, path=path,
                            reason=ffi.string(msg).decode(errors="replace"))
        except BaseException:
            heap.close()
            raise
        return heap

    def copy(
        self,
        heap_size: int | str | None = None,
        hash_slots: int | str | None = None,
        dep_slots: int | str | None = None,
    ) -> SharedHeap:
        """A new heap, this process its master, holding this one's live entries (compacted)
        and edges, sized as given (default: this one's sizes); this one is left as it was.

        A table cannot grow in place: this is how the master moves to a larger one. The
        new region is mapped only here, so workers forked before it must be forked again.
        A too-small size raises its ``*Full`` error and creates nothing."""
        s = self.stats()
        heap = SharedHeap(
            heap_size if heap_size is not None else s.heap_capacity,
            hash_slots if hash_slots is not None else s.hash_capacity,
            dep_slots if dep_slots is not None else s.dep_capacity,
        )
        try:
            status = lib.shoal_heap_copy(self._h, heap._h)
            if status in (lib.SHOAL_ROLE, lib.SHOAL_STOPPED):
                self._raise(status, "copy")  # this heap's role or phase refused it
            heap._check(status, "copy")
        except BaseException:
            heap.close()
            raise
        return heap

    # ---- errors --------------------------------------------------------------------------

    def _check(self, status: int, op: str) -> None:
        if status != _OK:
            self._raise(status, op)

    def _raise(
        self, status: int, op: str, need: int = 0, path: str = "", reason: str = ""
    ) -> NoReturn:
        raise_status(self, status, op, need, path, reason)
