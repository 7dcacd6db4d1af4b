"""A view record whose project files moved because a check ran since: answered at the front
door all the same, from the cache's new generation.

After ``shoal check`` changed a file, every view record (``_front_view``) names the files of
the generation before, so each would send its next query the long way: the configuration,
the rules and the discovery loaded again only to find what the record already says. Here
the record's other witnesses (the directories walked, the configuration files and project
markers, shoal's own files and the rule modules, the import path) must all still hold: the
project is then the same set of files, discovered the same way. The cache's index must
name those very files with the same tasks (a digest of each one's display, module, package
and reported flags, kept in the record, ``_front.tasks_digest``) and its stat of each must vouch for the file as it
is now (``stat_vouches``: equal, and older than the check's read by the racy window). Then
the index is the project as it is, and its view is read or made from the kept one and what
changed (``engine.refreshed_view``); the record is rewritten with the new generation's
files. Anything short of that, and the long way runs as before.
"""
from __future__ import annotations

import os

from analyzer.interfaces._front import (
    FRONT_DIR,
    FRONT_FORMAT,
    front_candidates,
    read_record,
    tasks_digest,
    witnesses_hold,
)

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

__all__ = ["KEPT", "refreshed_record"]

#: A view record keeps: the view's file, the build digest and configuration key sealing
#: it, the selected project rules, the project root, and ``_front.tasks_digest`` of its files.
KEPT = 6


def refreshed_record(argv: Sequence[str], name: str, key: str) -> tuple[Any, Any] | None:
    """(what the view record ``name`` keeps, the view) once brought to the cache's current
    generation, when only the project's files moved and the index vouches for them; else
    None (the long way)."""
    for directory in front_candidates(argv):
        record = read_record(os.path.join(directory, FRONT_DIR, name))
        if record is not None and record[1] == key and len(record[5]) == KEPT:
            return _refresh(directory, name, key, record)
    return None


def _refresh(directory: str, name: str, key: str,
             record: tuple[Any, ...]) -> tuple[Any, Any] | None:
    files, dirs, probes = record[4]
    if not witnesses_hold(((), dirs, probes)):
        return None  # a file added or removed, a configuration edited: the long way
    view_path, build, cache_key, rules, root, tasks = record[5]
    recorded = dict(files)
    witnesses: list[Any] = []

    def vouch(index_files: dict[str, Any], checked_at_ns: int) -> bool:
        from analyzer.engine import witness_files

        if not index_files.keys() <= recorded.keys() or tasks_digest(index_files) != tasks:
            return False
        project = witness_files(index_files, checked_at_ns)
        if project is None or not witnesses_hold((tuple(project), (), ())):
            return False
        others = tuple((p, k) for p, k in files if p not in index_files)
        if not witnesses_hold((others, (), ())):
            return False
        witnesses[:] = [tuple(project) + others, dirs, probes]
        return True

    from analyzer.engine import refreshed_view

    view = refreshed_view(view_path, build, cache_key, vouch)
    if view is None or not witnesses:
        return None
    kept = (os.path.join(os.path.dirname(view_path), f"insight-{view.generation}.pickle"),
            build, cache_key, rules, root, tasks)
    from analyzer.interfaces._front_write import write_record

    try:
        write_record(os.path.join(directory, FRONT_DIR), name,
                     (FRONT_FORMAT, key, 0, tuple(witnesses), kept), "")
    except OSError:
        pass  # the next query refreshes it again
    return kept, view
