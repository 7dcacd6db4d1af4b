"""The front door: a command run again with nothing changed prints its kept answer before
anything heavy is imported.

A warm ``shoal check``, ``shoal deps`` or ``shoal graph`` whose inputs have not moved prints
what it printed last time. Finding that out the long way (import the engine, load every rule
for the cache key, walk and name every file, read the cache's index) costs more than the
answer; this module finds it out from a *front record* alone, written by the long way after
it answered (``_front_write``). A record is named by the invocation (the arguments, the
working directory, the environment variables shoal reads, the interpreter, what stdout is)
and holds the text, the exit code and its *witnesses*: the stat of every file the answer was
made from, the (mtime, inode) of every directory discovery listed (a file added, removed or
renamed moves its directory's mtime), the configuration files and project markers that
decided the project (present or absent), shoal's own files and the rule modules, and the
import path's directories (installing a plugin moves them). Any witness that moved, or any
doubt (a missing, foreign or damaged record), and the command takes the long way, which
writes a new record. Records live in the cache directory's ``front/`` (docs/contracts.md).

Only ``os``, ``sys``, ``marshal``, ``zlib`` and a hash are imported here: that is the point.
"""
from __future__ import annotations

import marshal
import os
import stat
import sys
import zlib

# Not typing's: importing typing costs milliseconds a warm answer does not have.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from typing import Any, TextIO

__all__ = ["FRONT_FORMAT", "front_answer", "front_candidates", "held_record", "invocation_key",
           "tasks_digest", "write_text"]

#: Bumped on any change of what a record holds or of what its name covers.
FRONT_FORMAT = 4
MAGIC = b"shoal-front\n"
#: After the magic: a crc32 of the rest (4 bytes), the length of the marshalled part (8).
HEADER = 12
#: The commands whose answer may be kept.
COMMANDS = frozenset({"check", "deps", "graph"})
#: Environment variables shoal reads besides ``SHOAL_*``: each may change an answer.
ENV_NAMES = ("NO_COLOR", "CI_PROJECT_DIR", "PYTHONPATH", "PYTHONSAFEPATH")
FRONT_DIR = "front"


def _blake2b(data: bytes) -> bytes:
    try:  # hashlib's import loads OpenSSL: a few milliseconds this path does not need
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - an interpreter built without it
        from hashlib import blake2b
    return blake2b(data, digest_size=16).digest()


def invocation_key(argv: Sequence[str]) -> str | None:
    """The name of the front record of this invocation; None when it can have none (not a
    command whose answer is kept, or one that reads standard input)."""
    if not argv or argv[0] not in COMMANDS:
        return None
    if any(a == "-" or a.startswith("--stdin-filename") for a in argv):
        return None
    env = sorted((k, v) for k, v in os.environ.items()
                 if k.startswith("SHOAL_") or k in ENV_NAMES)
    out = sys.stdout
    try:
        terminal = bool(out.isatty())
    except (AttributeError, ValueError):
        terminal = False
    parts = [str(FRONT_FORMAT), sys.version, sys.executable, os.getcwd(), repr(list(argv)),
             repr(env), repr(terminal), str(getattr(out, "encoding", None)),
             str(getattr(out, "errors", None))]
    return _blake2b("\0".join(parts).encode("utf-8", "surrogateescape")).hex()


def front_candidates(argv: Sequence[str]) -> Iterator[str]:
    """The cache directories a record of ``argv`` may lie in: ``--cache-dir`` or
    ``SHOAL_CACHE_DIR`` when given, else ``.shoal_cache`` in the working directory and each
    of its ancestors (the project root is one of them in the common case), then in the named
    paths' common directory."""
    explicit = _option(argv, "--cache-dir") or os.environ.get("SHOAL_CACHE_DIR")
    if explicit:
        yield os.path.abspath(explicit)
        return
    directory = os.getcwd()
    seen = set()
    while True:
        seen.add(directory)
        yield os.path.join(directory, ".shoal_cache")
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    # Paths named outside any project keep their cache in the named paths' common directory
    # (``frontend._discovery._index_roots``), which need not be an ancestor of this one.
    anchors = []
    for arg in argv[1:]:
        if arg.startswith("-"):
            continue
        if os.path.isdir(arg):
            anchors.append(os.path.abspath(arg))
        elif os.path.isfile(arg):
            anchors.append(os.path.dirname(os.path.abspath(arg)))
    try:
        common = os.path.commonpath(anchors) if anchors else None
    except ValueError:  # pragma: no cover - paths on different drives
        common = None
    if common is not None and common not in seen:
        yield os.path.join(common, ".shoal_cache")


def _option(argv: Sequence[str], name: str) -> str | None:
    value = None
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith(name + "="):
            value = arg[len(name) + 1:]
    return value


def front_answer(argv: Sequence[str]) -> tuple[str, int] | None:
    """(text, exit code) of a valid front record of this invocation, else None."""
    key = invocation_key(argv)
    if key is None:
        return None
    record = held_record(argv, key, key, kept=0)
    return None if record is None else (record[2], record[3])


def held_record(argv: Sequence[str], name: str, key: str, kept: int) -> tuple[Any, ...] | None:
    """The first record called ``name`` in the front door's directories that names ``key``,
    keeps ``kept`` values beside its answer and whose witnesses hold; else None."""
    for directory in front_candidates(argv):
        record = read_record(os.path.join(directory, FRONT_DIR, name))
        if (record is not None and record[1] == key and len(record[5]) == kept
                and witnesses_hold(record[4])):
            return record
    return None


def read_record(path: str) -> tuple[Any, ...] | None:
    """A record as :func:`_front_write.write_record` wrote it, or None when it is missing,
    not ours (another owner, writable by others), damaged or of another format."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(fd)
        if (not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid()
                or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            return None
        data = handle.read()
    head = len(MAGIC) + HEADER
    if len(data) < head or not data.startswith(MAGIC):
        return None
    checksum = int.from_bytes(data[len(MAGIC):len(MAGIC) + 4], "little")
    split = head + int.from_bytes(data[len(MAGIC) + 4:head], "little")
    # A crc, not a keyed digest: it finds a torn or truncated file; what an attacker could
    # write is kept out by the owner and mode checks above.
    if split > len(data) or zlib.crc32(memoryview(data)[len(MAGIC) + 4:]) != checksum:
        return None
    try:
        record = marshal.loads(memoryview(data)[head:split])
        text = data[split:].decode("utf-8", "surrogatepass")
    except (EOFError, ValueError, TypeError, UnicodeDecodeError):
        return None
    if (not isinstance(record, tuple) or len(record) != 5 or record[0] != FRONT_FORMAT
            or not isinstance(record[2], int) or not isinstance(record[3], tuple)
            or len(record[3]) != 3 or not isinstance(record[4], tuple)):
        return None
    # (format, name, text, exit code, witnesses, what else the record's kind keeps)
    return record[0], record[1], text, record[2], record[3], record[4]


def witnesses_hold(witnesses: tuple[Any, ...]) -> bool:
    """Whether every witness is as recorded: files (path, (size, mtime, ctime, inode)),
    directories (path, (mtime, inode)), probes (path, None when absent, True when present,
    or the file's stat as for files)."""
    files, dirs, probes = witnesses
    stat_of = os.stat
    try:
        # Plain tuples compared in one go: this loop is the whole cost of a warm answer.
        for path, known in files:
            st = stat_of(path)
            if (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) != known:
                return False
        for path, known in dirs:
            st = stat_of(path)
            if (st.st_mtime_ns, st.st_ino) != known:
                return False
    except (OSError, TypeError, ValueError):
        return False
    for path, known in probes:
        try:
            st = os.stat(path) if isinstance(known, tuple) else os.lstat(path)
        except OSError:
            if known is not None:
                return False
            continue
        if known is None:
            return False
        if isinstance(known, tuple) and (st.st_size, st.st_mtime_ns, st.st_ctime_ns,
                                         st.st_ino) != known:
            return False
    return True


def tasks_digest(files: dict[str, Any]) -> str:
    """A digest of what discovery made of each file of a cache index's file map (display,
    module, package, reported), whatever its content."""
    rows = sorted((path, tuple(entry[:4])) for path, entry in files.items())
    return _blake2b(repr(rows).encode("utf-8", "surrogateescape")).hex()


def write_text(stream: TextIO, text: str) -> None:
    """Write rendered output and flush; a character the stream's encoding cannot carry (an
    ASCII terminal, ``PYTHONIOENCODING=...:strict``) is written as a backslash escape
    instead of ending the run with a traceback after the check is done."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        raw = getattr(stream, "buffer", None)
        escaped = text.encode(encoding, "backslashreplace")
        if raw is not None:
            stream.flush()
            raw.write(escaped)
        else:
            stream.write(escaped.decode(encoding))
    stream.flush()
