"""Typed tables: a name prefix and a codec over the shared heap, with a per-process cache.

A table's heap keys are ``name`` (UTF-8), one NUL byte, then the caller's key. Table names
may not contain NUL, so the first NUL of a heap key always ends the table name and two
tables can never share a heap key. A ``str`` key is stored as its UTF-8 bytes: ``t["a"]``
and ``t[b"a"]`` are the same entry.

The cache holds decoded values this process has read, at most ``cache_size`` of them. It
is correct without any coordination because a stored value never changes while the heap's
epoch stays put: writers only add (first writer wins), and everything that can remove or
move a value (remove, collect, clear, load) is master-only and bumps the epoch. Every call
therefore compares the epoch with the one the cache was filled under and drops the whole
cache when it moved; misses are never cached, since another process may add the key at
any time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from heap_native._codecs import Codec, get_codec

__all__ = ["DEFAULT_CACHE_SIZE", "HeapTable", "TableKey"]

#: Decoded values kept per table and per process (see the module docstring).
DEFAULT_CACHE_SIZE = 1000

#: What a table accepts as a key.
TableKey = str | bytes


class _Store(Protocol):
    """The part of ``SharedHeap`` a table uses; tests may pass any object that has it."""

    @property
    def epoch(self) -> int: ...

    def add(self, key: bytes, value: bytes) -> bool: ...

    def get(self, key: bytes) -> bytes | None: ...

    def contains(self, key: bytes) -> bool: ...

    def add_many(self, pairs: Iterable[tuple[bytes, bytes]]) -> list[bool]: ...

    def get_many(self, keys: Iterable[bytes]) -> list[bytes | None]: ...

    def remove(self, key: bytes) -> bool: ...


_MISSING = object()


class HeapTable:
    """Values of one kind in the shared heap under one name, encoded by one codec.

    Usage::

        facts = heap.table("facts", codec="pickle")
        facts.add("pkg.mod", {"defs": [...]})   # True if this call stored it
        facts["pkg.mod"]                          # KeyError when absent
        facts.get_many(["a", "b"])                # [value | None, ...]

    Values are first-writer-wins like the heap: ``add`` of a present key is a no-op that
    returns False. Decoded values are shared between callers in this process through the
    cache, so treat them as read-only.

    :param heap: the ``SharedHeap`` (or any object with its add/get/contains/batch/epoch API).
    :param name: the table name, non-empty and without NUL characters.
    :param codec: a :class:`Codec`, ``"raw"``, ``"pickle"`` or ``None`` (pickle).
    :param cache_size: decoded values to keep in this process; 0 disables the cache.
    """

    __slots__ = ("heap", "name", "codec", "cache_size", "_prefix", "_cache", "_epoch")

    def __init__(
        self,
        heap: _Store,
        name: str,
        codec: Codec | str | None = None,
        *,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        if not isinstance(name, str) or not name or "\0" in name:
            raise ValueError(f"table name must be a non-empty str without NUL, got {name!r}")
        if cache_size < 0:
            raise ValueError(f"cache_size must be >= 0, got {cache_size}")
        self.heap = heap
        self.name = name
        self.codec = get_codec(codec)
        self.cache_size = cache_size
        self._prefix = name.encode("utf-8") + b"\0"
        self._cache: dict[bytes, Any] = {}
        self._epoch = heap.epoch

    def __repr__(self) -> str:
        return f"HeapTable({self.name!r}, codec={self.codec!r})"

    def heap_key(self, key: TableKey) -> bytes:
        """Return the heap key under which this table stores ``key``."""
        if isinstance(key, str):
            # Keys hold file paths, and a Linux path may hold any byte: surrogateescape
            # gives os.fsencode's bytes back instead of raising on a non-UTF-8 name.
            return self._prefix + key.encode("utf-8", "surrogateescape")
        if isinstance(key, bytes):
            return self._prefix + key
        raise TypeError(f"table keys are str or bytes, got {type(key).__name__}")

    def _fresh_cache(self) -> dict[bytes, Any]:
        # One epoch read per call keeps a long-lived worker from serving a value the master
        # has since removed or replaced.
        epoch = self.heap.epoch
        if epoch != self._epoch:
            self._cache.clear()
            self._epoch = epoch
        return self._cache

    def _remember(self, cache: dict[bytes, Any], hkey: bytes, value: Any) -> None:
        if self.cache_size == 0:
            return
        if len(cache) >= self.cache_size:
            # FIFO eviction: dicts keep insertion order, and an LRU's reordering on every hit
            # would cost more than the occasional re-decode it saves.
            del cache[next(iter(cache))]
        cache[hkey] = value

    def get(self, key: TableKey, default: Any = None) -> Any:
        """Return the decoded value stored under ``key``, or ``default`` when absent."""
        hkey = self.heap_key(key)
        cache = self._fresh_cache()
        value = cache.get(hkey, _MISSING)
        if value is not _MISSING:
            return value
        stored = self.heap.get(hkey)
        if stored is None:
            return default
        value = self.codec.decode(stored)
        self._remember(cache, hkey, value)
        return value

    def get_sized(self, key: TableKey) -> tuple[Any, int] | None:
        """The decoded value under ``key`` and the bytes it takes in the heap, or None when
        absent; read from the heap even when cached (for a caller that budgets decoding)."""
        stored = self.heap.get(self.heap_key(key))
        if stored is None:
            return None
        return self.codec.decode(stored), len(stored)

    def __getitem__(self, key: TableKey) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def contains(self, key: TableKey) -> bool:
        """Tell whether ``key`` is stored, without reading or decoding its value."""
        return self.heap.contains(self.heap_key(key))

    __contains__ = contains

    def add(self, key: TableKey, value: Any) -> bool:
        """Store ``value`` under ``key`` unless present; True when this call stored it."""
        return self.heap.add(self.heap_key(key), self.codec.encode(value))

    def add_serialized(self, key: TableKey, payload: bytes) -> bool:
        """Store what ``codec.serialize(value)`` returned, as :meth:`add` stores ``value``
        (for a caller that needed those bytes anyway, e.g. to digest them)."""
        return self.heap.add(self.heap_key(key), self.codec.pack(payload))

    def add_many(
        self, items: Mapping[TableKey, Any] | Iterable[tuple[TableKey, Any]]
    ) -> list[bool]:
        """Store many ``(key, value)`` pairs in one heap call; one bool per pair, in order."""
        pairs = items.items() if isinstance(items, Mapping) else items
        encode = self.codec.encode
        heap_key = self.heap_key
        return self.heap.add_many([(heap_key(k), encode(v)) for k, v in pairs])

    def get_many(self, keys: Iterable[TableKey], default: Any = None) -> list[Any]:
        """Return the decoded values of ``keys`` (``default`` where absent), aligned with keys.

        Cached values are served from the cache; the rest come from one heap call.
        """
        hkeys = [self.heap_key(k) for k in keys]
        cache = self._fresh_cache()
        out = [cache.get(h, _MISSING) for h in hkeys]
        missing = [i for i, v in enumerate(out) if v is _MISSING]
        if missing:
            fetched = self.heap.get_many([hkeys[i] for i in missing])
            decode = self.codec.decode
            for i, stored in zip(missing, fetched, strict=True):
                if stored is None:
                    out[i] = default
                else:
                    value = out[i] = decode(stored)
                    self._remember(cache, hkeys[i], value)
        return out

    def remove(self, key: TableKey) -> bool:
        """Remove ``key`` (master only, outside a phase); True when it was present."""
        return self.heap.remove(self.heap_key(key))

    def clear_cache(self) -> None:
        """Drop this process's decoded values (they are also dropped on every epoch move)."""
        self._cache.clear()
