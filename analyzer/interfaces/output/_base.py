"""The formatter interface and what every format shares (paths, end positions, colour)."""
from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TextIO

from analyzer.interfaces.output._report import Report
from analyzer.rules import Diagnostic


@dataclass(frozen=True, slots=True)
class OutputOptions:
    """How to render (not what): collapsed from the command-line flags at the edge."""

    #: The directory paths are shown relative to.
    cwd: str
    #: ANSI colour on (decided once by :func:`should_color`).
    color: bool = False
    #: ``--quiet``: the findings only, no summary.
    quiet: bool = False
    #: ``--count``: close with the number of findings instead of the summary.
    count: bool = False
    #: Display path -> text, for sources not on disk as checked (standard input); the
    #: ``full`` format reads every other file from disk.
    sources: Mapping[str, str] = field(default_factory=dict)


class Formatter(ABC):
    """One output format: a whole report in, the whole text out."""

    #: The ``--output-format`` value.
    name: str = ""

    @abstractmethod
    def render(self, report: Report, options: OutputOptions) -> str:
        """The complete output for ``report`` (ends with a newline when not empty)."""


def shown_path(path: str, cwd: str) -> str:
    """The output convention: relative to ``cwd`` when inside it, else absolute; a path the
    pipeline already made relative is kept as it is."""
    if not os.path.isabs(path):
        return path
    try:
        inside = os.path.commonpath([path, cwd]) == cwd
    except ValueError:
        return path
    return os.path.relpath(path, cwd) if inside else path


#: Lone surrogates (a non-UTF-8 byte of a Linux file name arrives as U+DC80..U+DCFF through
#: surrogateescape) and the C0/C1 control characters and DEL, which would split a line or
#: drive the terminal.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # the byte surrogateescape stood for
    if code >= 0xD800:
        return f"\\u{code:04x}"
    return _NAMED.get(char) or f"\\x{code:02x}"


def escape_path(path: str) -> str:
    """``path`` as text output prints it: a byte that is not UTF-8 as ``\\xNN`` (``caf\\xe9``),
    a newline as ``\\n``, other control characters as ``\\xNN``, so each finding stays one
    valid UTF-8 line; anything else as it is."""
    return _UNPRINTABLE.sub(lambda m: _escape(m.group()), path)


def escape_surrogates(text: str) -> str:
    """``text`` with its lone surrogates escaped as :func:`escape_path` does: valid UTF-8
    for formats that quote control characters themselves (JSON, XML attributes, GitHub)."""
    return _SURROGATE.sub(lambda m: _escape(m.group()), text)


def end_of(diagnostic: Diagnostic) -> tuple[int, int]:
    """(end_line, end_column), the start itself when the rule gave no end (an empty range)."""
    if diagnostic.end_line <= 0:
        return diagnostic.line, diagnostic.column
    return diagnostic.end_line, diagnostic.end_column


def should_color(
    mode: str, stream: TextIO, environ: Mapping[str, str] | None = None
) -> bool:
    """``--color``: ``always``/``never``; ``auto`` = the stream is a terminal and NO_COLOR is
    unset (https://no-color.org: any value, even empty, disables)."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    if mode != "auto":
        raise ValueError(f"--color must be auto, always or never, got {mode!r}")
    env = os.environ if environ is None else environ
    isatty = getattr(stream, "isatty", None)
    return "NO_COLOR" not in env and bool(isatty and isatty())
