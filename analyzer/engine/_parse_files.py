"""Phase 1 of an update, as file states: the workers parse the changed files, and their
results become the next map of path -> :class:`~._state.FileState`.

Kept apart from :class:`~._session.Session` because it needs nothing of the session: the
dispatch, the tasks and the committed state are all it reads. The file is stat'ed before
the workers read it, so a write after the stat makes the next check look again.
"""
from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import analyzer.engine._jobs as jobs
from analyzer.engine._draft import Run
from analyzer.engine._phases import Dispatch
from analyzer.engine._state import FileState, SessionState, StatKey, stat_key
from analyzer.engine._tasks import FileTask
from analyzer.engine._versions import Overlay

__all__ = ["parse_files"]


def parse_files(dispatch: Dispatch, tasks: list[FileTask] | None, todo: list[FileTask],
                old: SessionState, run: Run, summaries: dict[str, Any],
                ) -> MutableMapping[str, FileState]:
    """Phase 1 on ``todo``: every task's file state (the others' as they were; ``tasks``
    None: the committed files, ``todo`` replacing some). ``summaries`` receives the
    workers' module summaries by facts key (``_invalidation.module_summary``)."""
    # Stat before read: a write after the stat makes the next check look again.
    stats = {t.path: stat_key(t.path) for t in todo}
    results = dispatch.phase1(todo, stats, run.progress, run.interrupt, run.added_keys,
                              run.added_ctx)
    # Keeping the file set: the moved entries over the state's map (``_versions``).
    files: MutableMapping[str, FileState] = {} if tasks is not None else Overlay(old.files)
    for t in todo if tasks is None else tasks:
        r = results.get(t.path)
        if r is None:
            files[t.path] = old.files[t.path]
        else:
            key = stats[t.path] if t.content is None else StatKey(len(t.content), 0, 0, 0)
            files[t.path] = FileState(t, r.digest, key.size, key.mtime_ns, r.parse_ok,
                                      r.diagnostics, r.noqa, key.ctime_ns, key.ino)
            if r.summary is not None:
                summaries[jobs.facts_key(t.module, r.digest, t.path)] = r.summary
    return files
