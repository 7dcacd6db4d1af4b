"""The bytes of the warm cache's files: who may have written them, and whether they are intact.

Every file the cache reads is sealed: the pickles carry a header naming the cache format and
the shoal build, then a keyed blake2b of their payload (keyed by the build and the
configuration key, so a file cannot be moved between caches or builds unnoticed); the heap
snapshot's digest is kept in the sealed index. A file whose bytes do not match its seal is
"corrupt", and the cache is rebuilt.
"""
from __future__ import annotations

import os
import pickle
import stat
from collections.abc import Callable, Container
from pathlib import Path
from typing import IO, Any

from analyzer.core import blake2b

__all__ = ["CacheRejected", "atomic_write", "check_owner", "file_digest", "read_trusted",
           "seal", "unseal", "write_sealed_file"]

_CHUNK = 1 << 20


class CacheRejected(Exception):
    """The cache cannot be trusted; the message says why (printed as one line)."""


def check_owner(st: os.stat_result, what: str) -> None:
    """Refuse what another user owns or may write."""
    if st.st_uid != os.getuid():
        raise CacheRejected(f"{what} is owned by uid {st.st_uid}, not by you (uid {os.getuid()})")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise CacheRejected(f"{what} is writable by others (mode {stat.S_IMODE(st.st_mode):o})")


def read_trusted(path: Path) -> bytes:
    """The bytes of a cache file that is a regular file owned by us and writable only by us."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise CacheRejected(f"{path.name} cannot be read ({exc.strerror})") from exc
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise CacheRejected(f"{path.name} is not a regular file")
        check_owner(st, path.name)
        return f.read()


def _keyed_hash(build: str, key: str) -> Any:
    # blake2b's key is at most 64 bytes; build (32 hex) and key (20 hex) fit.
    return blake2b(key=f"{build}:{key}".encode()[:64], digest_size=16)


def _mac(payload: bytes | memoryview, build: str, key: str) -> str:
    h = _keyed_hash(build, key)
    h.update(payload)
    return str(h.hexdigest())


def seal(magic: bytes, fmt: int, build: str, key: str, value: Any) -> bytes:
    """``value`` pickled behind a header: magic, format, build, then the payload's keyed digest."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return magic + f"{fmt} {build} {_mac(payload, build, key)}\n".encode() + payload


class _HashingWriter:
    """A file's ``write`` that also feeds what it writes to a hash."""

    __slots__ = ("_hash", "_write")

    def __init__(self, file: IO[bytes], hash_: Any) -> None:
        self._write = file.write
        self._hash = hash_

    def write(self, data: bytes) -> int:
        """Hash ``data``, then write it."""
        self._hash.update(data)
        return self._write(data)


def write_sealed_file(path: Path, magic: bytes, fmt: int, build: str, key: str, *parts: Any,
                      memo_free: Container[int] = ()) -> None:
    """Write :func:`seal`'s file for ``parts`` atomically, pickling straight to the file.

    Each part is a pickle of its own, one after the other (:func:`unseal` reads the first,
    or ``parts`` of them). A part whose index is in ``memo_free`` is pickled without the
    pickler's memo: for values that share no object and hold no cycle, whose every string
    the memo would otherwise keep an entry (and a reference) for.

    The state of a large project pickles to megabytes: built in memory, then copied behind
    its header, it was the peak of a first run that writes the cache. Here the pickler writes
    its frames to the file as it goes, and the digest, known only at the end, is written over
    the placeholder the header left for it."""
    hash_ = _keyed_hash(build, key)
    head = magic + f"{fmt} {build} ".encode()
    width = 2 * hash_.digest_size

    def fill(f: IO[bytes]) -> None:
        f.write(head + b"0" * width + b"\n")
        out = _HashingWriter(f, hash_)
        for i, part in enumerate(parts):
            pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.fast = i in memo_free
            pickler.dump(part)
        f.seek(len(head))
        f.write(hash_.hexdigest().encode())

    _atomic(path, fill)


class _ViewReader:
    """A read-only file over ``data`` from ``start``, for pickles one after another:
    ``io.BytesIO`` would first copy the whole payload (tens of MB for a large project)."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes, start: int) -> None:
        self._data = data
        self._pos = start

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left when negative)."""
        end = len(self._data) if size < 0 else min(len(self._data), self._pos + size)
        chunk = self._data[self._pos:end]
        self._pos = end
        return chunk

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` from the current position; the count of bytes put in it."""
        target = memoryview(buffer).cast("B")
        count = min(len(target), len(self._data) - self._pos)
        target[:count] = memoryview(self._data)[self._pos:self._pos + count]
        self._pos += count
        return count

    def readline(self, size: int = -1) -> bytes:
        """Up to and including the next newline (or ``size`` bytes)."""
        found = self._data.find(b"\n", self._pos)
        end = len(self._data) if found < 0 else found + 1
        return self.read(end - self._pos if size < 0 else min(size, end - self._pos))


def unseal(data: bytes, magic: bytes, fmt: int, build: str, key: str, what: str,
           parts: int | None = None) -> Any:
    """The value :func:`seal` wrote (with ``parts``, a list of the first ``parts`` values
    :func:`write_sealed_file` wrote), or CacheRejected saying why it cannot be trusted."""
    if not data.startswith(magic):
        raise CacheRejected(f"{what} is not a shoal cache file (truncated or foreign)")
    end = data.find(b"\n", len(magic), len(magic) + 128)
    fields = data[len(magic):end].split(b" ") if end >= 0 else []
    if len(fields) != 3 or not fields[0].isdigit():
        raise CacheRejected(f"{what} is corrupt: its header is damaged or truncated")
    if int(fields[0]) != fmt:
        raise CacheRejected("the cache was written in another format")
    if fields[1] != build.encode():
        raise CacheRejected("the cache was written by another shoal build")
    payload = memoryview(data)[end + 1:]
    if fields[2] != _mac(payload, build, key).encode():
        raise CacheRejected(f"{what} is corrupt: its checksum does not match its content")
    try:
        if parts is None:
            return pickle.loads(payload)  # what follows the first pickle is not read
        stream = _ViewReader(data, end + 1)
        return [pickle.load(stream) for _ in range(parts)]
    except Exception as exc:  # sealed yet unreadable: classes gone, or a shoal bug
        raise CacheRejected(f"{what} is corrupt: {type(exc).__name__}") from exc


def file_digest(path: Path) -> str:
    """A blake2b of a file's bytes (the heap snapshot, which heap_native reads itself)."""
    h = blake2b(digest_size=16)
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CacheRejected(f"{path.name} is not a regular file")
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a private temporary file and a rename."""
    _atomic(path, lambda f: f.write(data))


def _atomic(path: Path, fill: Callable[[IO[bytes]], object]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            fill(f)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
