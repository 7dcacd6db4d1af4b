"""Which files changed on disk since the last update: the file set, then each file's content
(stat first; the digest when the stat cannot vouch for it)."""
from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import replace
from typing import Any

from analyzer.engine._state import FileState, StatKey, stat_key
from analyzer.engine._tasks import FileTask
from analyzer.frontend import BUILD_DECLARATIONS, CONFIG_FILES

__all__ = ["RACY_WINDOW_NS", "content_changed", "file_set_may_change",
           "index_unchanged", "is_config", "rediscovered", "stat_vouches", "to_reparse"]

#: Files modified less than this long before a check started are re-digested by the next
#: one even when size and mtime match: file system clocks are coarse (a same-size rewrite
#: within the mtime granularity keeps the mtime), and the kernel's clock lags ours.
RACY_WINDOW_NS = 2_000_000_000


def is_config(paths: Iterable[str | os.PathLike[str]], config_files: Collection[str]) -> bool:
    """Whether any of ``paths`` is configuration (``config_files``: the files the settings in
    force were read from, absolute, ``Config.files``): a rebuild, not a recheck."""
    for p in paths:
        name = os.path.basename(os.fspath(p))
        if name in CONFIG_FILES:
            return True
        if config_files and os.path.abspath(os.fspath(p)) in config_files:
            return True
    return False


def file_set_may_change(paths: Iterable[str], files: Mapping[str, FileState]) -> bool:
    """Whether an edit of ``paths`` (absolute) may add or remove files (one is new, or gone)
    or build outputs (a ``setup.py`` or ``setup_package.py``, which may declare extension
    modules: a re-discovery reads it, ``Discovery.outputs``)."""
    return any(p not in files or not os.path.isfile(p)
               or os.path.basename(p) in BUILD_DECLARATIONS for p in paths)


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
        if old is None or (old.task is not task and old.task != task):
            reparse.add(task.path)
        elif task.content is not None:
            continue  # a buffer (or stdin): its content, unchanged, is the task's; not the disk's
        elif (paths is None or task.path in paths) and content_changed(old, checked_at_ns):
            reparse.add(task.path)
    return reparse


def stat_vouches(now: tuple[int, int, int, int], known: tuple[int, int, int, int],
                 checked_at_ns: int) -> bool:
    """Whether a stat alone says the file still holds what was read after ``known`` was
    taken: size, mtime, ctime and inode as they were, and the last change (ctime cannot be
    set back, mtime can) safely older than the check that read it."""
    # ``known`` is a StatKey, or the plain tuple the warm cache's index holds.
    return now == known and max(known[1], known[2]) < checked_at_ns - RACY_WINDOW_NS


def content_changed(old: FileState, checked_at_ns: int) -> bool:
    """Stat before read: a stat that vouches for the file (see :func:`stat_vouches`) means
    unchanged; otherwise the digest decides."""
    # No digest: the file could not be checked (unreadable, or its worker failed): look again.
    if old.digest and stat_vouches(stat_key(old.task.path), old.stat, checked_at_ns):
        return False
    if old.task.extension:
        from analyzer.engine import _jobs as jobs

        return jobs.extension_digest(old.task.path) != old.digest
    from analyzer.engine import _jobs as jobs
    from analyzer.frontend import content_digest

    try:
        data = jobs._read(old.task.path)
    except OSError:
        return True

    return content_digest(data) != old.digest


def index_unchanged(tasks: Iterable[FileTask], files: Mapping[str, Any],
                    checked_at_ns: int) -> tuple[bool, dict[str, StatKey]]:
    """Whether every task's file is as the warm cache's index (``files``: path -> (display,
    module, is_package, report, StatKey, digest)) saw it, and the new stat of each file
    whose stat changed but whose content did not (the index may take it, so that the next
    run need not read it again)."""
    # The workers' module only here: the front door's refresh reads this module's window.
    from analyzer.engine import _jobs as jobs
    from analyzer.frontend import content_digest

    tasks = list(tasks)
    if len(tasks) != len(files):
        return False, {}
    moved: dict[str, StatKey] = {}
    for t in tasks:
        known = files.get(t.path)
        if known is None or known[:4] != (t.display, t.module, t.is_package, t.report):
            return False, {}
        try:
            st = os.stat(t.path)
        except OSError:
            return False, {}
        # A plain tuple: this loop runs on every file of a warm run that changed nothing.
        now = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        if now[0] != known[4][0]:
            return False, {}
        if not known[5]:
            return False, {}  # not checked last time (unreadable, or its worker failed)
        if stat_vouches(now, known[4], checked_at_ns):
            continue
        if t.extension:
            digest = jobs.extension_digest(t.path)
        else:
            try:
                digest = content_digest(jobs._read(t.path))
            except OSError:
                return False, {}
        if digest != known[5]:
            return False, {}
        moved[t.path] = StatKey(*now)
    return True, moved
