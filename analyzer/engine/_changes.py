"""Which files changed on disk since the last update: the file set, then each file's content
(stat first; the digest when the stat cannot vouch for it)."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

import analyzer.engine._jobs as jobs
from analyzer.engine._jobs import FileTask
from analyzer.engine._state import FileState

__all__ = ["CONFIG_NAMES", "RACY_WINDOW_NS", "content_changed", "file_set_may_change",
           "is_config", "rediscovered", "to_reparse"]

#: Files modified less than this long before a check started are re-digested by the next
#: one even when size and mtime match: file system clocks are coarse (a same-size rewrite
#: within the mtime granularity keeps the mtime), and the kernel's clock lags ours.
RACY_WINDOW_NS = 2_000_000_000

#: Names whose change alters the configuration or the file set: a rebuild, not a recheck.
CONFIG_NAMES = frozenset({"pyproject.toml", ".gitignore", "exclude"})


def is_config(paths: Iterable[str | os.PathLike[str]], config_path: Any) -> bool:
    """Whether any of ``paths`` is configuration (``config_path``: the config file in force)."""
    for p in paths:
        name = os.path.basename(os.fspath(p))
        if name in CONFIG_NAMES:
            return True
        if config_path is not None and os.path.abspath(os.fspath(p)) == str(config_path):
            return True
    return False


def file_set_may_change(paths: Iterable[str], files: Mapping[str, FileState]) -> bool:
    """Whether an edit of ``paths`` (absolute) may add or remove files: one is new, or gone."""
    return any(p not in files or not os.path.isfile(p) for p in paths)


def rediscovered(plan: Any, replan: Callable[[], Any] | None) -> Any:
    """``plan`` with a fresh discovery of its files (the configuration is kept)."""
    if replan is not None:
        # Only the file set is taken: a configuration change is the caller's rebuild.
        return replace(plan, discovery=replan().discovery)
    from analyzer.frontend import discover

    old = plan.discovery
    roots = [str(r) for r in old.index_roots] or [str(old.project_root)]
    fresh = discover(roots, plan.config)
    # Without the command line, report what was reported before plus new files in the
    # directories that held reported files.
    reported_dirs = {p.parent for p in old.reported}
    fresh.reported = {p for p in fresh.reported
                      if p in old.reported or p.parent in reported_dirs}
    return replace(plan, discovery=fresh)


def to_reparse(tasks: Iterable[FileTask], files: Mapping[str, FileState],
               paths: set[str] | None, checked_at_ns: int) -> set[str]:
    """The tasks' paths phase 1 must read again: new or renamed tasks, and changed files
    among ``paths`` (``None``: every file)."""
    reparse: set[str] = set()
    for task in tasks:
        old = files.get(task.path)
        if old is None or old.task != task:
            reparse.add(task.path)
        elif task.content is not None:
            continue  # a buffer (or stdin): its content, unchanged, is the task's; not the disk's
        elif (paths is None or task.path in paths) and content_changed(old, checked_at_ns):
            reparse.add(task.path)
    return reparse


def content_changed(old: FileState, checked_at_ns: int) -> bool:
    """Stat before read: same size and an mtime safely older than the last check
    (``checked_at_ns``) mean unchanged; otherwise the digest decides."""
    try:
        st = os.stat(old.task.path)
    except OSError:
        return True
    if (st.st_size == old.size and st.st_mtime_ns == old.mtime_ns
            and st.st_mtime_ns < checked_at_ns - RACY_WINDOW_NS):
        return False
    if old.task.extension:
        return jobs.extension_digest(old.task.path) != old.digest
    try:
        data = jobs._read(old.task.path)
    except OSError:
        return True
    from analyzer.frontend import content_digest

    return content_digest(data) != old.digest
