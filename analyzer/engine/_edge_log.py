"""Which dependency edges each module committed, so that an update removes a reader's old
edges by name instead of scanning the heap's whole dependency table (issue 16: a recheck's
cost follows what changed).

The heap's table is hashed by dependency (what was read), so "every edge of reader R" is a
scan of the table (``remove_dependents``). The master saw each edge go in (phase 2 returns
the key ids a module read), so it keeps them: module -> the key ids, packed 4 bytes each. An
update then names the edges of the readers it replaces (``remove_deps``), which costs those
edges. The log holds only what the session committed; after a warm start or a cleared heap
it knows nothing, and the scan is the fallback until every reader an update replaces has
committed its edges once.
"""
from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from analyzer.model import dep_id

__all__ = ["EdgeLog", "commit_edges", "edges_after", "interleaved", "removal_pairs"]

#: module -> the key ids of the edges it committed (``array('I')``)
EdgeLog = dict[str, array]

_NONE = array("I")


def removal_pairs(log: Mapping[str, array], readers: Mapping[int, set[str]],
                  dropped: Iterable[int]) -> array | None:
    """The (key id, reader id) edges of the ``dropped`` reader ids, from ``log``, laid out
    as ``SharedHeap.remove_deps_flat`` takes them; None when a module with one of those ids
    is not in it (the table must be scanned)."""
    groups: list[tuple[int, array]] = []
    for rid in dropped:
        for module in readers.get(rid, ()):
            ids = log.get(module)
            if ids is None:
                return None
            groups.append((rid, ids))
    return interleaved(groups)


def interleaved(groups: Iterable[tuple[int, Sequence[int]]]) -> array:
    """``(reader id, key ids)`` groups as one ``array('I')`` of (key id, reader id) pairs,
    laid out by slice assignment in C: a hub edit's readers hold tens of thousands."""
    out = array("I")
    for rid, ids in groups:
        n = len(ids)
        if n:
            pairs = array("I", bytes(8 * n))
            pairs[0::2] = ids if isinstance(ids, array) and ids.typecode == "I" \
                else array("I", ids)
            pairs[1::2] = array("I", [rid]) * n
            out += pairs
    return out


def edges_after(log: EdgeLog, replaced: Iterable[str],
                edges: Mapping[str, tuple[int, ...]], gone: Iterable[str] = ()) -> EdgeLog:
    """The log once the ``replaced`` modules' edges are gone and ``edges`` are in; the
    ``gone`` modules leave it. Written in place: the log is the session's alone, for its
    latest state, and an update writes it only as it commits."""
    out = log
    for module in replaced:
        out[module] = _NONE  # its edges were removed: none, unless it committed new ones
    for module in gone:
        out.pop(module, None)
    for module, ids in edges.items():
        out[module] = array("I", ids)
    return out


def commit_edges(heap: Any, log: EdgeLog, readers: Mapping[int, set[str]],
                 replaced: set[str], gone: Iterable[str], edges: Mapping[str, tuple[int, ...]],
                 everything: bool) -> EdgeLog:
    """Replace the edges of the ``replaced`` modules' reader ids in ``heap``'s table with
    ``edges`` (module -> key ids read; ``everything``: a cleared table, nothing to remove);
    the log after. ``log`` names what it can (what it cannot is scanned for).

    :raises heap_native.HeapError: the table cannot hold the new edges."""
    dropped = sorted({dep_id(m) for m in replaced})
    if dropped and not everything:
        # Edges are replaced per reader id: every module sharing one loses its edges too.
        replaced = replaced.union(*(readers.get(rid, ()) for rid in dropped))
        named = removal_pairs(log, readers, dropped)
        if named is None:
            heap.remove_dependents(dropped)
        else:
            heap.remove_deps_flat(named)
    # One id per reader, not per key it read: a hub edit's readers read thousands.
    heap.add_deps_flat(interleaved((dep_id(m), ids) for m, ids in edges.items()))
    return edges_after(log, replaced, edges, gone)
