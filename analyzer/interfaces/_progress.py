"""A progress bar on stderr for long runs in a terminal, and nothing at all in a pipe.

Hand-written rather than rich or tqdm: it is thirty lines, starts no thread (the pool forks
before any thread may exist, and tqdm's monitor is a thread), and draws only when a whole
percent has passed, so a fast run costs nothing.
"""
from __future__ import annotations

import time
from typing import TextIO

#: Runs shorter than this never show a bar (a flash of one frame is noise).
SHOW_AFTER_SECONDS = 0.5
WIDTH = 30


class ProgressBar:
    """Draws ``label [#####     ] done/total`` on one line of a terminal stream."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.last = -1
        self.drawn = False

    @classmethod
    def for_stream(cls, stream: TextIO, *, enabled: bool, total_files: int) -> ProgressBar | None:
        """A bar when ``stream`` is a terminal and the run is long enough to want one."""
        try:
            tty = stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        if not enabled or not tty or total_files < 50:
            return None
        return cls(stream)

    def update(self, label: str, done: int, total: int) -> None:
        """Called by the pool as buckets complete."""
        if total <= 0 or time.monotonic() - self.started < SHOW_AFTER_SECONDS:
            return
        percent = done * 100 // total
        if percent == self.last:
            return
        self.last = percent
        filled = WIDTH * done // total
        bar = "#" * filled + " " * (WIDTH - filled)
        self.stream.write(f"\r{label:<14} [{bar}] {done}/{total}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """Erase the bar so the findings start on a clean line."""
        if self.drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
