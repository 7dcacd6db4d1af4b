"""Turning a file's bytes into text the way CPython does, and fingerprinting those bytes.

Decoding follows the interpreter exactly (``tokenize.detect_encoding``: a UTF-8 BOM, or a PEP 263
coding cookie on line 1 or 2, else UTF-8) so that shoal never disagrees with ``python`` about
what a file says. Line endings are left untouched: CRLF and lone CR survive decoding, because
columns and fixes are computed on the text as it is on disk.
"""
from __future__ import annotations

import errno
import io
import os
import stat
import tokenize

from analyzer.core import blake2b

__all__ = ["SourceDecodeError", "content_digest", "decode_source", "read_source_file"]

#: CPython's own words (``compile()``), so flake8/ruff users recognise the E902 message.
NULL_BYTES_MESSAGE = "source code string cannot contain null bytes"


class SourceDecodeError(ValueError):
    """The bytes of a file cannot be decoded as Python source; reported as E902.

    :param message: what is wrong, in CPython's terms where it has some.
    :param line: the 1-based line of the culprit, or ``None`` when it is not known.
    :param column: the 1-based byte column on that line, or ``None``.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __reduce__(self):  # keep all three fields when the error crosses a worker pipe
        return (type(self), (self.message, self.line, self.column))


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based (line, byte column) of ``offset``; CR, LF and CRLF all end a line."""
    head = data[:offset]
    line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
    start = max(head.rfind(b"\n"), head.rfind(b"\r")) + 1
    return line, offset - start + 1


def _first_two_lines(data: bytes) -> bytes:
    end = -1
    for _ in range(2):
        nl, cr = data.find(b"\n", end + 1), data.find(b"\r", end + 1)
        ends = [i for i in (nl, cr) if i >= 0]
        if not ends:
            return data
        end = min(ends)
    return data[:end]


def _detect_encoding(data: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        message = str(exc.msg if hasattr(exc, "msg") else exc)
        if message.startswith("invalid or missing encoding declaration"):
            # The first two lines are not UTF-8 and carry no cookie: the precise codec error
            # (with its line) says more than tokenize's summary.
            return "utf-8"
        raise SourceDecodeError(message, 1) from None
    return encoding


def decode_source(data: bytes) -> str:
    """Decode a Python file's bytes as CPython would.

    :raises SourceDecodeError: unknown encoding in the cookie, a BOM contradicting the cookie,
        bytes invalid in the declared encoding, or NUL bytes (CPython refuses all four).
    """
    nul = data.find(b"\0")
    if nul >= 0:
        line, column = _position(data, nul)
        raise SourceDecodeError(NULL_BYTES_MESSAGE, line, column)
    if data.isascii() and b"coding" not in _first_two_lines(data):
        # Fast path: no cookie and no BOM, so the file is UTF-8, and ASCII is valid UTF-8.
        return data.decode("ascii")
    encoding = _detect_encoding(data)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        byte = data[exc.start]
        raise SourceDecodeError(
            f"'{exc.encoding}' codec can't decode byte 0x{byte:02x} at line {line}, "
            f"column {column}: {exc.reason}",
            line,
            column,
        ) from None
    except LookupError:
        raise SourceDecodeError(f"unknown encoding: {encoding}", 1) from None


def content_digest(data: bytes) -> str:
    """The identity of a file's content: 16-byte blake2b, hex (the cache and heap key)."""
    return blake2b(data, digest_size=16).hexdigest()


_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISDIR, "a directory"))


def _not_regular(path: str, mode: int) -> OSError:
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return OSError(errno.EINVAL, f"is {kind}, not a regular file", path)


def read_source_file(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a regular file. Anything else — a FIFO, a socket, a device, a directory,
    or such a thing swapped in for the file — raises OSError whose ``strerror`` names it
    ("is a FIFO, not a regular file"), without blocking: it is looked at before it is
    opened, opened without waiting for a writer, and looked at again through the open file."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(os.fspath(path), st.st_mode)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(os.fspath(path), st.st_mode)
        return f.read()
