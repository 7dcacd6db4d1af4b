"""The formatter interface and what every format shares (paths, end positions, colour)."""
from __future__ import annotations

import os
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
