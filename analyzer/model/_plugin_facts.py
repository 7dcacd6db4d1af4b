"""Plugin-defined facts: one value per (module, extractor), stored beside the built-in facts.

A plugin's fact extractor (``analyzer.rules.FactExtractor``) runs in phase 1 on each
module's tree and returns a small immutable value; phase 1 also digests the part of it
readers depend on (``interface(value)``), so the master diffs plugin facts exactly as it
diffs exports (docs/contracts.md, "Plugin facts"). This module holds the record and the
digest; it knows nothing about extractors themselves (they live in ``analyzer.rules``).
"""
from __future__ import annotations

import dataclasses
import enum
import struct
from typing import Any

from analyzer.core import blake2b
from analyzer.model._facts import PluginFact

__all__ = ["PluginFact", "canonical_bytes", "interface_digest"]


def interface_digest(version: int, interface: object) -> str:
    """The 32-hex-digit digest of an extractor's interface value at ``version``.

    The version is part of it: a new extractor version fires every reader even when the
    values look alike, since their meaning may have changed.
    """
    h = blake2b(digest_size=16)
    h.update(str(version).encode())
    h.update(b"\0")
    h.update(canonical_bytes(interface))
    return h.hexdigest()


def canonical_bytes(value: object) -> bytes:
    """An encoding of ``value`` that is equal for equal values in any process.

    Not ``repr`` or pickle: both follow a set's iteration order, which depends on
    ``PYTHONHASHSEED`` for strings, and facts are shipped to dask workers and cached.
    """
    out: list[bytes] = []
    _encode(value, out)
    return b"".join(out)


def _encode(value: Any, out: list[bytes]) -> None:
    # A type tag before each value keeps (1, "1") and ("1", 1) apart.
    if value is None or isinstance(value, bool):
        out.append(b"N" if value is None else (b"T" if value else b"F"))
    elif isinstance(value, enum.Enum):
        out.append(b"E")
        _encode((type(value).__qualname__, value.name), out)
    elif isinstance(value, int):
        _tagged(b"i", str(value).encode(), out)
    elif isinstance(value, float):
        _tagged(b"f", struct.pack("<d", value), out)
    elif isinstance(value, str):
        _tagged(b"s", value.encode("utf-8", "surrogatepass"), out)
    elif isinstance(value, bytes):
        _tagged(b"b", value, out)
    elif isinstance(value, (tuple, list)):
        _sequence(b"(", [_one(v) for v in value], out)
    elif isinstance(value, (frozenset, set)):
        _sequence(b"{", sorted(_one(v) for v in value), out)
    elif isinstance(value, dict):
        _sequence(b"d", sorted(_one(k) + _one(v) for k, v in value.items()), out)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        out.append(b"D")
        _encode(type(value).__qualname__, out)
        _encode(tuple((f.name, getattr(value, f.name)) for f in dataclasses.fields(value)), out)
    else:
        # Anything else: its repr, tagged with its type (documented: prefer plain values).
        _tagged(b"r", f"{type(value).__qualname__}:{value!r}".encode("utf-8", "replace"), out)


def _one(value: object) -> bytes:
    return canonical_bytes(value)


def _tagged(tag: bytes, data: bytes, out: list[bytes]) -> None:
    out.append(tag + str(len(data)).encode() + b":" + data)


def _sequence(tag: bytes, parts: list[bytes], out: list[bytes]) -> None:
    out.append(tag + str(len(parts)).encode() + b":")
    out.extend(parts)
