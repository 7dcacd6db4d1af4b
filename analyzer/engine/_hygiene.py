"""What a session's heap holds beyond its committed state, and how that is taken back.

Facts (and trees, under the same keys) are keyed by content, so an update adds entries
beside the ones it supersedes: a cancelled update takes back what it added, a committed one
removes what no file refers to any more, and the heap is compacted once the waste is worth
it. A long watch session thus keeps a heap the size of one project.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import analyzer.engine._tasks as tasks
from analyzer.engine._insight_keys import drop_key_records
from analyzer.engine._state import SessionState
from analyzer.engine._trees import drop_trees

__all__ = ["MIN_WASTE_BYTES", "WASTE_SHARE", "forget", "referenced", "superseded", "sweep"]

#: Compact the heap when the bytes of superseded entries pass this share of the used bytes
#: (and at least this many bytes), or tombstones fill a quarter of the hash table.
WASTE_SHARE = 0.5
MIN_WASTE_BYTES = 4 << 20


def referenced(state: SessionState) -> set[str]:
    """The facts keys ``state``'s files refer to (the keys of their trees too)."""
    return {tasks.facts_key(fs.task.module, fs.digest, fs.task.path)
            for fs in state.files.values() if fs.digest}


def superseded(old: SessionState, new: SessionState,
               paths: Iterable[str] | None = None) -> set[str]:
    """The facts keys ``old``'s files referred to and ``new``'s no longer do.

    :param paths: the only paths whose file state may differ (``None``: any)."""
    # A key names its file's path, so only a file whose state changed can drop one: an
    # update that touched one file looks at one key, not at every file's.
    gone: set[str] = set()
    now, before = new.files, old.files
    for path in before if paths is None else paths:
        fs = before.get(path)
        if fs is None:
            continue
        fresh = now.get(path)
        if fresh is fs or not fs.digest:
            continue
        key = tasks.facts_key(fs.task.module, fs.digest, fs.task.path)
        if fresh is None or not fresh.digest or key != tasks.facts_key(
                fresh.task.module, fresh.digest, fresh.task.path):
            gone.add(key)
    return gone


def _remove_facts(heap: Any, keys: set[str]) -> None:
    """Remove the facts stored under ``keys`` and what is stored beside them under the same
    keys: the modules' trees and key records."""
    facts = heap.table(tasks.FACTS_TABLE)
    for key in keys:
        facts.remove(key)
    drop_trees(heap, keys)
    drop_key_records(heap, keys)


def forget(heap: Any, added_keys: set[str], added_ctx: set[str], old: SessionState) -> None:
    """Take back what a cancelled or failed update put in the heap."""
    _remove_facts(heap, added_keys - referenced(old))
    ctx = heap.table(tasks.CONTEXT_TABLE)
    for key in added_ctx:
        ctx.remove(key)


def sweep(heap: Any, old: SessionState, new: SessionState, added_ctx: set[str],
          paths: Iterable[str] | None = None) -> None:
    """Remove superseded entries (``paths``: as in :func:`superseded`); compact when the
    waste passes the threshold."""
    _remove_facts(heap, superseded(old, new, paths))
    ctx = heap.table(tasks.CONTEXT_TABLE)
    # The context in force, and the base it patches (``_ctx_patch``), stay.
    live = {new.ctx_key, new.ctx_base}
    for key in added_ctx:
        # A phase-1 context is kept: the next update stores the same one (same rules, same
        # settings; a rebuild clears the heap).
        if key not in live and not key.startswith("phase1:"):
            ctx.remove(key)
    for key in {old.ctx_key, old.ctx_base} - live - added_ctx:
        if key:
            ctx.remove(key)
    s = heap.stats()
    if ((s.wasted_bytes > MIN_WASTE_BYTES and s.wasted_bytes > WASTE_SHARE * s.used_bytes)
            or s.used_slots - s.live_slots > s.hash_capacity // 4):
        heap.collect()
