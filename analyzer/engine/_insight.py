"""What `shoal deps` and `shoal graph` read: a compact, read-only view of a checked project.

The view (:class:`Insight`) holds the modules, the import edges (import-time, deferred or
``TYPE_CHECKING``), the SH003 components, and the dependency table with its keys named
(the heap stores only 32-bit ids, so the keys the project can have are enumerated and
looked up once). It is built from a session's state and heap, and kept beside the warm
cache as ``insight-<generation>.pickle`` with a copy of the index's file map: a query
checks the files against it and reads nothing else, since unpickling the index, the state
and the heap snapshot costs far more than a query may. It stays when the cache moves to a
new generation, with its parts (``_insight_parts``): the next query makes the new view from
it and the modules that changed (``_insight_delta``), reading only the state's light part,
and the new view replaces it (docs/contracts.md §12).
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only the view's classes at import: a query answered from a kept view
# (interfaces._front_view) loads this module; the facts' classes are the build's alone.
from analyzer.engine._insight_view import EDGE_KINDS, Insight, ModuleInfo

if TYPE_CHECKING:
    from analyzer.engine._insight_parts import ViewParts
    from analyzer.engine._plan import CheckPlan
    from analyzer.engine._state import SessionState

__all__ = ["EDGE_KINDS", "Insight", "ModuleInfo", "insight_sidecar", "load_insight", "read_sidecar",
           "refreshed_view"]

INSIGHT_FORMAT = 6
_MAGIC = b"shoal-insight\n"
_PARTS_MAGIC = b"shoal-insight-parts\n"

Progress = Callable[[str, int, int], None]


def build_insight(state: SessionState, heap: Any, source: str) -> Insight:
    """The view of ``state`` and its heap (read only), built from every module."""
    return build_view(state, heap, source)[0]


def build_view(state: SessionState, heap: Any, source: str, generation: str = "",
               ) -> tuple[Insight, ViewParts]:
    """The view of ``state`` and its heap built from every module, with its parts."""
    from analyzer.engine._insight_delta import infos_from_state
    from analyzer.engine._insight_parts import assemble, new_parts, parts_of_state

    parts = new_parts(generation, parts_of_state(state, heap))
    return assemble(parts, infos_from_state(state), state.readers, heap, source), parts


def load_insight(plan: CheckPlan, *, progress: Progress | None = None) -> Insight:
    """The view of ``plan``'s project: read beside a warm cache that is up to date, else
    built from it (or from a check, run first when the cache is cold or stale)."""
    from analyzer.engine import _cache
    from analyzer.engine._insight_delta import infos_from_state

    if plan.cache_dir is None or plan.stdin is not None:
        session = _cache._cold_session(plan, None, progress)
        try:
            return build_insight(session.state, session.heap, "cold")
        finally:
            session.close()
    cache = _cache._Cache(Path(plan.cache_dir), _cache.cache_key(plan),
                          _cache.build_digest(plan.registry))
    kept = _kept(cache)
    if kept is not None and _current(plan, kept):
        return kept
    # The parts of an older view are the base of this one's: only what changed is redone.
    base = _base(cache)
    cache, index = _cache._open_cache(plan)
    if index is not None and _cache._unchanged(plan, cache, index):
        made = _from_cache(cache, index, base)
        if made is not None:
            _write(cache, index, *made)
            return made[0]
    session, how = _cache._session_from(plan, cache, index, None, progress)
    try:
        cache.write(session)
        insight, parts = _view_of(session.state, session.heap, how, cache.written or "",
                                  base, lambda _parts: infos_from_state(session.state))
    finally:
        session.close()
    try:
        index = cache.read_index()
    except _cache.CacheRejected:
        index = None
    if index is not None:
        _write(cache, index, insight, parts)
    return insight


def _view_of(state: SessionState, heap: Any, source: str, generation: str,
             base: ViewParts | None,
             infos: Callable[[ViewParts], dict[str, ModuleInfo]]) -> tuple[Insight, ViewParts]:
    """The view of ``state`` and its parts: from ``base`` when there is one, else built."""
    from analyzer.engine._insight_delta import updated_view

    if base is None:
        return build_view(state, heap, source, generation)
    return updated_view(base, state, heap, generation, source, infos)


def _kept(cache: Any) -> Insight | None:
    """The view kept beside the cache, whichever generation it describes. It carries its
    own copy of the index's file map, so a query never unpickles the index (whose findings
    cost more than the whole view)."""
    from analyzer.engine._cache_files import CacheRejected, read_trusted, unseal

    try:
        cache.trust_root()
        sidecars = sorted(cache.dir.glob("insight-*.pickle"))
        if len(sidecars) != 1:
            return None
        found = unseal(read_trusted(sidecars[0]), _MAGIC, INSIGHT_FORMAT, cache.build,
                       cache.key, sidecars[0].name)
    except (OSError, CacheRejected):
        return None
    return found if isinstance(found, Insight) else None


def _current(plan: CheckPlan, found: Insight) -> bool:
    """Whether every file is as ``found`` saw them (then it is the view to answer from)."""
    from analyzer.engine._changes import index_unchanged
    from analyzer.engine._state import file_tasks

    same, _moved = index_unchanged(file_tasks(plan.discovery, None), found.files,
                                   found.checked_at_ns)
    if same:
        found.source = "insight"
    return same


def _base(cache: Any) -> ViewParts | None:
    """The parts kept beside the cache (of whichever generation), or None."""
    from analyzer.engine._cache_files import CacheRejected
    from analyzer.engine._insight_parts import ViewParts

    try:
        found = sorted(cache.dir.glob("insight-*.parts"))
        if len(found) != 1:
            return None
        parts = cache.read_sealed(found[0].name, _PARTS_MAGIC)
    except (OSError, CacheRejected):
        return None
    if not isinstance(parts, ViewParts) or found[0].name != f"insight-{parts.generation}.parts":
        return None
    return parts


def refreshed_view(view_path: str, build: str, key: str,
                   vouch: Callable[[dict[str, Any], int], bool]) -> Insight | None:
    """The view of the generation the cache of the kept view ``view_path`` (sealed with
    ``build`` and ``key``) now holds, when ``vouch(files, checked_at_ns)`` takes the index's
    file map for the project as it is: kept, or made from the kept view of an earlier
    generation and what changed (written beside the cache). None when the cache cannot be
    read or vouched for: the long way knows why."""
    from analyzer.engine import _cache

    cache = _cache._Cache(Path(view_path).parent.parent, key, build)
    try:
        index = cache.read_index()
    except (OSError, _cache.CacheRejected):
        return None
    if index is None or not vouch(index["files"], index["checked_at_ns"]):
        return None
    # Named by its generation: an older view is not unpickled only to be passed over.
    kept = read_sidecar(str(cache.dir / f"insight-{index['generation']}.pickle"), build, key)
    if kept is not None and kept.generation == index["generation"]:
        return kept
    made = _from_cache(cache, index, _base(cache))
    if made is None:
        return None
    _write(cache, index, *made)
    return made[0]


def insight_sidecar(plan: CheckPlan, generation: str) -> tuple[str, str, str]:
    """(the file the view of cache generation ``generation`` is kept in, the build digest,
    the configuration's key): what :func:`read_sidecar` needs, without the plan."""
    from analyzer.engine import _cache

    cache = _cache._Cache(Path(plan.cache_dir or "."), _cache.cache_key(plan),
                          _cache.build_digest(plan.registry))
    return str(cache.dir / f"insight-{generation}.pickle"), cache.build, cache.key


def read_sidecar(path: str, build: str, key: str) -> Insight | None:
    """The view kept in ``path`` (sealed with ``build`` and ``key``), or None when it is
    gone or cannot be trusted. Its files are not checked here: the caller vouches for them."""
    from analyzer.engine._cache_files import CacheRejected, read_trusted, unseal

    try:
        found = unseal(read_trusted(Path(path)), _MAGIC, INSIGHT_FORMAT, build, key,
                       os.path.basename(path))
    except (OSError, CacheRejected):
        return None
    if not isinstance(found, Insight):
        return None
    found.source = "insight"
    return found


def _from_cache(cache: Any, index: dict[str, Any], base: ViewParts | None,
                ) -> tuple[Insight, ViewParts] | None:
    """The view built from the cache's state and heap snapshot (from ``base`` when there is
    one: then only the state's light part is read), or None when they fail."""
    from analyzer.engine._cache_files import CacheRejected
    from analyzer.engine._insight_delta import infos_from_files
    from heap_native import HeapError, SharedHeap

    try:
        state = cache.read_state(index, light=base is not None)
        heap = SharedHeap.load(cache.heap_path(index), version=index.get("heap_version"))
    except (CacheRejected, HeapError, OSError):
        return None
    try:
        return _view_of(state, heap, "cache", index["generation"], base,
                        lambda parts: infos_from_files(state, index["files"], parts))
    finally:
        heap.close()


#: Modules whose parts may differ from the kept parts' before new ones are written: while
#: fewer do, a view is made from the older parts (each module's part names its facts) and
#: only the view is written (the parts, several times its size, cost as much as the rest).
KEEP_PARTS_MOVED = 64


def _write(cache: Any, index: dict[str, Any], insight: Insight, parts: ViewParts) -> None:
    """Keep ``insight`` beside the cache generation ``index`` names, with its file map, and
    its parts unless those it was made from are still close enough; the views (and parts)
    of other generations go."""
    from analyzer.engine._cache_files import write_sealed_file

    generation = index["generation"]
    insight.files = index["files"]
    insight.generation = parts.generation = generation
    insight.checked_at_ns = index["checked_at_ns"]
    if not cache.writable:
        return
    keep = parts.made_from if (parts.made_from and parts.moved <= max(
        KEEP_PARTS_MOVED, len(parts.parts) // 32)) else generation
    try:
        if keep == generation:
            cache.write_sealed(f"insight-{generation}.parts", _PARTS_MAGIC, parts)
        write_sealed_file(cache.dir / f"insight-{generation}.pickle", _MAGIC, INSIGHT_FORMAT,
                          cache.build, cache.key, insight)
        for name in os.listdir(cache.dir):
            if name.startswith("insight-") and name not in (
                    f"insight-{generation}.pickle", f"insight-{keep}.parts"):
                os.unlink(cache.dir / name)
    except OSError:
        pass  # the next query builds it again
