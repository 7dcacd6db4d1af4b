"""Open buffers: their text, version, and the bytes the session checks instead of the file."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlparse

__all__ = ["Buffer", "Documents", "path_to_uri", "uri_to_path"]


def uri_to_path(uri: str) -> str | None:
    """The absolute file path of a ``file:`` URI; None for other schemes (untitled:, git:)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return os.path.abspath(unquote(parsed.path))


def path_to_uri(path: str) -> str:
    """The ``file:`` URI of an absolute path."""
    return "file://" + quote(os.path.abspath(path))


@dataclass(frozen=True)
class Buffer:
    """One open document as the editor last sent it."""

    uri: str
    path: str
    text: str
    version: int | None
    #: An open notebook's cells, every kind, in order: (cell document URI, its text). Its
    #: ``text`` is then the notebook's JSON as the editor has it, which the session checks.
    cells: tuple[tuple[str, str], ...] = ()


class Documents:
    """The open buffers by path; shared by the protocol thread and the checker thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, Buffer] = {}

    def put(self, buffer: Buffer) -> None:
        """Open or update a buffer."""
        with self._lock:
            self._open[buffer.path] = buffer

    def close(self, path: str) -> None:
        """Forget a buffer: its module goes back to the file on disk."""
        with self._lock:
            self._open.pop(path, None)

    def get(self, path: str) -> Buffer | None:
        """The open buffer of ``path``, if any."""
        with self._lock:
            return self._open.get(path)

    def snapshot(self) -> dict[str, Buffer]:
        """Every open buffer, by path, as of now."""
        with self._lock:
            return dict(self._open)


def overlays(buffers: dict[str, Buffer]) -> dict[str, bytes]:
    """The session's overlay for ``buffers``: each buffer's text as UTF-8 bytes."""
    return {path: b.text.encode("utf-8") for path, b in buffers.items()}
