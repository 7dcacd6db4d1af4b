"""Buffers overlaying files: an editor's unsaved text checked in place of the file on disk.

The overlay rides on :attr:`FileTask.content`, the field standard input already uses: a task
with content is read from it, digested from it, and compared by it (a new buffer text is a
new task, so it is re-parsed; a closed buffer goes back to ``content=None`` and to the disk).
With no overlay the tasks are returned as they are, so a check without one is unchanged.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from analyzer.engine._tasks import FileTask

__all__ = ["with_overlays"]


def with_overlays(tasks: list[FileTask], overlays: Mapping[str, bytes],
                  stdin: bytes | None) -> list[FileTask]:
    """``tasks`` with each overlaid path's content set, and every other path's cleared."""
    if stdin is not None:
        return tasks  # `--stdin-filename`: standard input is the one content there is
    out = []
    for task in tasks:
        content = overlays.get(task.path)
        out.append(task if task.content == content else replace(task, content=content))
    return out
