"""The bytes of the warm cache's files: who may have written them, and whether they are intact.

Every file the cache reads is sealed: the pickles carry a header naming the cache format and
the shoal build, then a keyed blake2b of their payload (keyed by the build and the
configuration key, so a file cannot be moved between caches or builds unnoticed); the heap
snapshot's digest is kept in the sealed index. A file whose bytes do not match its seal is
"corrupt", and the cache is rebuilt.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import stat
from pathlib import Path
from typing import Any

__all__ = ["CacheRejected", "atomic_write", "check_owner", "file_digest", "read_trusted",
           "seal", "unseal"]

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


def _mac(payload: bytes | memoryview, build: str, key: str) -> str:
    # blake2b's key is at most 64 bytes; build (32 hex) and key (20 hex) fit.
    secret = f"{build}:{key}".encode()[:64]
    return hashlib.blake2b(payload, key=secret, digest_size=16).hexdigest()


def seal(magic: bytes, fmt: int, build: str, key: str, value: Any) -> bytes:
    """``value`` pickled behind a header: magic, format, build, then the payload's keyed digest."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return magic + f"{fmt} {build} {_mac(payload, build, key)}\n".encode() + payload


def unseal(data: bytes, magic: bytes, fmt: int, build: str, key: str, what: str) -> Any:
    """The value :func:`seal` wrote, or CacheRejected saying why it cannot be trusted."""
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
        return pickle.loads(payload)
    except Exception as exc:  # sealed yet unreadable: classes gone, or a shoal bug
        raise CacheRejected(f"{what} is corrupt: {type(exc).__name__}") from exc


def file_digest(path: Path) -> str:
    """A blake2b of a file's bytes (the heap snapshot, which heap_native reads itself)."""
    h = hashlib.blake2b(digest_size=16)
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CacheRejected(f"{path.name} is not a regular file")
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a private temporary file and a rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
