"""Codecs that turn table values into the bytes the heap stores, and back.

Every stored value starts with one flag byte saying how the rest is packed:
``FLAG_PLAIN`` (the codec's own bytes) or ``FLAG_LZ4`` (those bytes compressed with
``lz4.block``, original size stored in front). Payloads shorter than the codec's
``compress_threshold`` are never compressed, and a compressed form is only kept when it
is actually smaller, so incompressible data costs one byte, not a failed decompression.

Why lz4.block and not zstandard. Measured on this machine (Python 3.11, 2 shared cores)
on pickled lists mixing dicts and tuples shaped like analyzer facts (symbol tables and
findings), 20 payloads per size, MB/s of uncompressed data:

                  lz4.block                       zstandard level 1
avg payload   ratio  compress  decompress     ratio  compress  decompress
   174 B      1.03     140        600         1.09      37         77
 1,245 B      1.43     430      1,500         1.81     140        360
    11 KB     1.87     450-580  3,400         2.62     230-260    720-770
   114 KB     2.09     340-470  1,700-3,000   2.99     210-290    760-1,020

(lz4.frame: same ratios, ~15 bytes more header, slower on small payloads; zstd level 3:
+5 % ratio, 20-30 % slower compression.) ``pickle.loads`` on the same data runs at
140-220 MB/s, so lz4.block adds ~5-10 % to a decode and zstd-1 ~20-25 %; on encode lz4
adds ~30 % to ``pickle.dumps`` and zstd ~70 %. Reads dominate (every worker reads what one
wrote), lz4 is already a dependency, and zstd's extra ~40 % ratio matters only once the
heap budget is the bottleneck — a later codec can add ``FLAG_ZSTD`` without breaking the
format. Below ~1 KB neither compressor gains much, hence the default threshold of 1 KiB.
"""

from __future__ import annotations

import pickle
from typing import Any

import lz4.block

__all__ = [
    "DEFAULT_COMPRESS_THRESHOLD",
    "Codec",
    "CodecError",
    "PickleCodec",
    "RawCodec",
    "get_codec",
]

#: The codec packed the payload as is.
FLAG_PLAIN = 0
#: The payload went through ``lz4.block.compress(..., store_size=True)``.
FLAG_LZ4 = 1

#: Payloads shorter than this many bytes are stored uncompressed (see the module docstring).
DEFAULT_COMPRESS_THRESHOLD = 1024

_PLAIN = bytes([FLAG_PLAIN])
_LZ4 = bytes([FLAG_LZ4])


class CodecError(ValueError):
    """A stored value cannot be decoded: unknown flag byte, empty, or corrupt compressed data."""

    def __init__(self, codec: Codec, message: str) -> None:
        super().__init__(f"{codec!r}: {message}")
        self.codec = codec


class Codec:
    """Base of the table codecs: subclasses override ``serialize``/``deserialize``; the base
    adds the flag byte and compression.

    :param compress_threshold: payloads of at least this many bytes are compressed with
        lz4; ``None`` turns compression off.
    """

    #: Short name used by :func:`get_codec` and in error messages.
    name = "codec"

    def __init__(self, compress_threshold: int | None = DEFAULT_COMPRESS_THRESHOLD) -> None:
        if compress_threshold is not None and compress_threshold < 0:
            raise ValueError(f"compress_threshold must be >= 0 or None, got {compress_threshold}")
        self.compress_threshold = compress_threshold

    def __repr__(self) -> str:
        return f"{type(self).__name__}(compress_threshold={self.compress_threshold})"

    def serialize(self, value: Any) -> bytes:
        """Turn ``value`` into bytes (without the flag byte)."""
        raise NotImplementedError

    def deserialize(self, payload: memoryview) -> Any:
        """Rebuild a value from what :meth:`serialize` returned (a zero-copy view)."""
        raise NotImplementedError

    def encode(self, value: Any) -> bytes:
        """Return the bytes to store for ``value``: flag byte, then the (maybe compressed) payload."""
        return self.pack(self.serialize(value))

    def pack(self, payload: bytes) -> bytes:
        """The bytes to store for an already serialized ``payload`` (what :meth:`encode`
        stores for the value it came from)."""
        threshold = self.compress_threshold
        if threshold is not None and len(payload) >= threshold:
            packed = lz4.block.compress(payload, store_size=True)
            # Keep the compressed form only when it wins: random or already-packed data
            # would otherwise grow and pay a decompression on every read.
            if len(packed) < len(payload):
                return _LZ4 + packed
        return _PLAIN + payload

    def decode(self, stored: bytes) -> Any:
        """Rebuild the value from bytes produced by :meth:`encode`."""
        if not stored:
            raise CodecError(self, "stored value is empty (no flag byte); was it written by a table?")
        flag = stored[0]
        view = memoryview(stored)[1:]
        if flag == FLAG_PLAIN:
            return self.deserialize(view)
        if flag == FLAG_LZ4:
            try:
                payload = lz4.block.decompress(view)
            except lz4.block.LZ4BlockError as exc:
                raise CodecError(self, f"corrupt lz4 payload of {len(view)} bytes: {exc}") from exc
            return self.deserialize(memoryview(payload))
        raise CodecError(
            self, f"unknown flag byte {flag:#04x} (known: {FLAG_PLAIN} plain, {FLAG_LZ4} lz4); "
            "was the key written by another codec or straight through SharedHeap.add?"
        )


class RawCodec(Codec):
    """Values are bytes-like and stored as is (plus the flag byte); decodes to ``bytes``."""

    name = "raw"

    def serialize(self, value: Any) -> bytes:
        """Accept any bytes-like value; anything else is a ``TypeError``."""
        if isinstance(value, bytes):
            return value
        if isinstance(value, (bytearray, memoryview)):
            return bytes(value)
        raise TypeError(f"RawCodec stores bytes-like values, got {type(value).__name__}")

    def deserialize(self, payload: memoryview) -> bytes:
        """Return a ``bytes`` copy of the payload."""
        return payload.tobytes()


class PickleCodec(Codec):
    """Values are pickled with protocol 5; treat decoded values as read-only (they are cached
    and shared between callers in this process)."""

    name = "pickle"
    protocol = 5

    def serialize(self, value: Any) -> bytes:
        """Pickle ``value`` with protocol 5, in band."""
        return pickle.dumps(value, protocol=self.protocol)

    def deserialize(self, payload: memoryview) -> Any:
        """Unpickle straight from the view, without copying the payload."""
        return pickle.loads(payload)


_BY_NAME: dict[str, type[Codec]] = {"raw": RawCodec, "pickle": PickleCodec}


def get_codec(spec: Codec | str | None) -> Codec:
    """Resolve a codec argument: an instance is used as is, ``"raw"``/``"pickle"`` name the
    built-in codecs with default settings, ``None`` means pickle."""
    if spec is None:
        return PickleCodec()
    if isinstance(spec, Codec):
        return spec
    if isinstance(spec, str):
        try:
            return _BY_NAME[spec]()
        except KeyError:
            raise ValueError(
                f"unknown codec {spec!r}; use one of {sorted(_BY_NAME)} or a Codec instance"
            ) from None
    raise TypeError(f"codec must be a Codec, a name or None, got {type(spec).__name__}")
