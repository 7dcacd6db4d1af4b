"""Reading a file to fix and writing it back (fix mode's disk side).

A file is read once, as bytes, and remembered with the codec it was read with (PEP 263
cookie or BOM) and its first line ending; the fixed text is encoded back with that codec.
Edits are applied to the decoded text, which keeps CRLF and CR as they are.

Writes are atomic (a temporary file in the same directory, then ``os.replace``) and keep
the permissions, except for a file with several hard links, which is rewritten in place so
every link sees the change; a symbolic link's target is rewritten and the link stays a
link. A file whose bytes on disk are no longer those that were read is left alone: the
user edited it while shoal was fixing it, and their edit wins.
"""
from __future__ import annotations

import io
import os
import re
import stat
import tempfile
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from analyzer.core import Edit, apply_edits
from analyzer.frontend import (
    SourceDecodeError,
    SourceFile,
    decode_source,
    parse_module,
)

__all__ = ["LINE_ENDING", "FixWriteError", "SourceState", "load_source", "read_bytes", "write_all",
           "write_source"]

LINE_ENDING = re.compile(r"\r\n|\r|\n")


class FixWriteError(Exception):
    """A fixed file cannot be written (changed meanwhile, read-only, I/O error); it is left as
    it was and the run exits 2.

    :param path: the file.
    """

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


@dataclass
class SourceState:
    """A file being fixed: its bytes as read, how to encode it back, and its current text."""

    file: SourceFile
    data: bytes
    encoding: str
    newline: str
    original: str
    text: str

    @property
    def changed(self) -> bool:
        """Whether the fixes changed the text."""
        return self.text != self.original

    def apply(self, edits: Iterable[Edit]) -> str:
        """:attr:`text` with ``edits`` made (they do not conflict)."""
        return apply_edits(self.text, edits)

    def payload(self) -> bytes:
        """The file's bytes for :attr:`text` (one :meth:`encode` accepted)."""
        return self.text.encode(self.encoding)

    @property
    def refusal(self) -> str:
        """Why :meth:`encode` may refuse a text, for the warning that names a fix not
        applied."""
        return f"would leave the file unparsable (or not encodable as {self.encoding})"

    def encode(self, text: str) -> bytes | None:
        """``text`` in the file's encoding, or ``None`` when it would not read back the same
        (a character the codec lacks, a cookie moved past line 2) or would not parse."""
        try:
            data = text.encode(self.encoding)
            if decode_source(data) != text:
                return None
            parse_module(text)
        except (UnicodeError, SourceDecodeError, SyntaxError, ValueError, RecursionError,
                MemoryError):
            return None
        return data


def _encoding(data: bytes) -> str:
    """The codec CPython reads ``data`` with (``utf-8-sig`` when it starts with a BOM, which
    encoding with that codec puts back)."""
    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError:
        return "utf-8"


def read_bytes(file: SourceFile, stdin: bytes | None = None) -> bytes | None:
    """The bytes of ``file`` to fix (standard input's for the file read from it); None when
    they cannot be read."""
    if file.is_stdin:
        return stdin
    try:
        with open(file.path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def load_source(file: SourceFile, stdin: bytes | None = None) -> SourceState | None:
    """Read and decode one file for fixing; ``None`` when it cannot be read or decoded (the
    check reported that already). A notebook is ``_fix_notebook.load_fixable``'s."""
    data = read_bytes(file, stdin)
    if data is None:
        return None
    try:
        text = decode_source(data)
    except SourceDecodeError:
        return None
    ending = LINE_ENDING.search(text)
    return SourceState(file, data, _encoding(data), ending.group() if ending else "\n", text, text)


def write_source(
    path: Path | str, data: bytes, *, expected: bytes, name: str | None = None
) -> None:
    """Replace the content of ``path`` with ``data``, if it still holds ``expected``.

    Atomic (temporary file in the same directory, ``os.replace``) with the mode and, when
    allowed, the owner of the original; a symbolic link's target is written (the link stays);
    a file with several hard links is truncated and rewritten in place, since replacing it
    would split it from its other names.

    :param name: the file as messages show it (its display path); ``path`` by default.
    :raises FixWriteError: the file changed since it was read, is not writable, or an I/O
        error; the file is then as it was.
    """
    real = os.path.realpath(path)
    shown = path if name is None else name
    try:
        with open(real, "rb") as handle:
            if handle.read() != expected:
                raise FixWriteError(shown, "changed on disk while shoal was fixing it; "
                                          "left as it is")
        info = os.stat(real)
        if not os.access(real, os.W_OK):
            raise FixWriteError(shown, "is not writable; left as it is")
        if info.st_nlink > 1:
            fd = os.open(real, os.O_WRONLY | os.O_TRUNC)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            return
        _replace(real, data, info)
    except OSError as exc:
        raise FixWriteError(shown, f"cannot be written: {exc.strerror or exc}") from exc


def _replace(real: str, data: bytes, info: os.stat_result) -> None:
    fd, temporary = tempfile.mkstemp(
        dir=os.path.dirname(real), prefix=f".{os.path.basename(real)}.", suffix=".shoal")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        if (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
            try:
                os.chown(temporary, info.st_uid, info.st_gid)
            except PermissionError:
                pass  # only root may give a file away; the mode is kept regardless
        os.replace(temporary, real)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def write_all(states: Iterable[SourceState]) -> list[FixWriteError]:
    """Write every fixed text; the files that could not be written (each left as it was, its
    error's ``path`` the display path)."""
    errors = []
    for state in states:
        try:
            write_source(state.file.path, state.payload(), expected=state.data,
                         name=state.file.display)
        except FixWriteError as exc:
            errors.append(exc)
    return errors
