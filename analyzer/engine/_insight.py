"""What `shoal deps` and `shoal graph` read: a compact, read-only view of a checked project.

The view (:class:`Insight`) holds the modules, the import edges (import-time, deferred or
``TYPE_CHECKING``), the SH003 components, and the dependency table with its keys named
(the heap stores only 32-bit ids, so the keys the project can have are enumerated and
looked up once). It is built from a session's state and heap, and kept beside the warm
cache as ``insight-<generation>.pickle`` with a copy of the index's file map: a query
checks the files against it and reads nothing else, since unpickling the index, the state
and the heap snapshot costs far more than a query may; the cache's next write removes it
with the generation it describes (docs/contracts.md §12).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

# Only the key helpers at import: a query answered from a kept view (interfaces._front_view)
# loads this module, and the facts' classes and the import graph are the build's alone.
from analyzer.model._depids import (
    MODULES_KEY,
    SYS_MODULES_KEY,
    changed_keys,
    dep_id,
    dep_ids,
    key_owner,
)

if TYPE_CHECKING:
    from analyzer.engine._plan import CheckPlan
    from analyzer.engine._state import SessionState
    from analyzer.model import ModuleFacts

__all__ = ["EDGE_KINDS", "Insight", "ModuleInfo", "insight_sidecar", "load_insight", "read_sidecar"]

#: How an import runs, strongest first: at import time, inside a function, or only for
#: the type checker. An edge between two modules takes the strongest of its imports.
EDGE_KINDS = ("import", "deferred", "type-checking")
INSIGHT_FORMAT = 5
_MAGIC = b"shoal-insight\n"

Progress = Callable[[str, int, int], None]


class ModuleInfo(NamedTuple):
    """One project module: its display path, and whether phase 2 runs on it (a tuple:
    thousands of them unpickle on every query)."""

    display: str
    #: the absolute path of its file
    path: str
    is_package: bool
    #: reported and parsed: a recheck runs the project rules on it (``Recheck.modules_rechecked``)
    checked: bool


@dataclass
class Insight:
    """A checked project's modules, import graph and named dependency table."""

    modules: dict[str, ModuleInfo]
    #: importer -> imported project module -> (kind, first line of that kind)
    edges: dict[str, dict[str, tuple[str, int]]]
    #: the SH003 components (import-time edges), each sorted
    cycles: list[list[str]]
    #: key -> the reader ids the dependency table holds for its id
    key_readers: dict[str, tuple[int, ...]]
    #: reader id -> modules (the session's ``readers``)
    readers: dict[int, tuple[str, ...]]
    #: module -> its exported names (the interface digests' symbol entries), space-separated:
    #: one string per module unpickles far faster than tens of thousands of small ones
    names: dict[str, str]
    #: the modules with a static ``__all__`` (their public names are not their exports')
    with_all: frozenset[str]
    #: edges of the dependency table whose key is not among the enumerated ones
    unnamed_edges: int = 0
    #: how it was obtained: "insight" (read), "cache" (built from the cache), "warm", "cold"
    source: str = ""
    #: the cache generation it describes ("" when none: checked without a cache)
    generation: str = ""
    #: the cache index's file map and check time when it was kept (what ``_read`` checks)
    files: dict[str, Any] = field(default_factory=dict)
    checked_at_ns: int = 0
    #: key id -> reader ids (``key_readers`` by id: what a recheck looks up)
    id_readers: dict[int, tuple[int, ...]] = field(default_factory=dict)
    #: lazily built indexes (never pickled): owner -> keys, reader id -> keys
    _lazy: dict[str, Any] = field(default_factory=dict, repr=False)

    def defines(self, module: str, name: str) -> bool:
        """Whether ``module`` binds ``name`` at module level."""
        return name in self.names.get(module, "").split(" ")

    def public(self, module: str, name: str) -> bool:
        """Whether deleting ``name`` changes ``module``'s public-name set (``mod:*``): it is
        public and not pinned by ``__all__`` (``ModuleFacts.public_names``)."""
        return (module not in self.with_all and not name.startswith("_")
                and self.defines(module, name))

    def _index(self, name: str) -> Any:
        if name not in self._lazy:
            index: dict[Any, list[str]] = {}
            for key, ids in sorted(self.key_readers.items()):
                if name == "by_owner":
                    index.setdefault(key_owner(key), []).append(key)
                else:
                    for rid in ids:
                        index.setdefault(rid, []).append(key)
            self._lazy[name] = index
        return self._lazy[name]

    def reader_modules(self, key: str) -> list[str]:
        """The modules whose recorded reads include ``key`` (collisions included), sorted."""
        found: set[str] = set()
        for rid in self.key_readers.get(key, ()):
            found.update(self.readers.get(rid, ()))
        return sorted(found & self.modules.keys())

    def keys_of(self, module: str) -> list[str]:
        """Every named key describing ``module`` that someone read, sorted."""
        return list(self._index("by_owner").get(module, ()))

    def keys_read_by(self, module: str) -> list[str]:
        """The named keys ``module`` read, sorted."""
        rid = dep_id(module)  # a reader's id is its module's (engine._session._commit)
        if module not in self.readers.get(rid, ()):
            return []
        return sorted(set(self._index("by_reader").get(rid, ())))

    def rechecks(self, module: str, fired: Iterable[str]) -> list[str]:
        """The modules an update rechecks when ``module``'s facts change and fire ``fired``:
        the engine's own :func:`recheck_set`, run on this view's dependency table."""
        from analyzer.engine._invalidation import ModuleChanges, recheck_set

        changes = ModuleChanges(changed={module}, gone=set(), appeared=set(), keys=set(fired),
                                interfaces={}, imports={}, imports_changed=False)
        found = recheck_set(changes, _AsSets(self.readers), self.modules,
                            lambda kid: self.id_readers.get(kid, ()))
        return sorted(m for m in found if self.modules[m].checked)

    def __getstate__(self) -> dict[str, Any]:
        state = {name: getattr(self, name) for name in self.__dataclass_fields__}
        state["_lazy"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)


class _AsSets(Mapping[int, set[str]]):
    """``readers`` as the engine takes it (sets), converted on lookup rather than copied."""

    def __init__(self, readers: Mapping[int, tuple[str, ...]]) -> None:
        self._readers = readers

    def __getitem__(self, rid: int) -> set[str]:
        return set(self._readers[rid])

    def __iter__(self) -> Iterator[int]:
        return iter(self._readers)

    def __len__(self) -> int:
        return len(self._readers)


def _edge_kind(imp: Any) -> str:
    if imp.guarded_by == "TYPE_CHECKING":
        return "type-checking"
    return "import" if imp.import_time else "deferred"


def _all_edges(imports: Mapping[str, ModuleFacts]) -> dict[str, dict[str, tuple[str, int]]]:
    """Every import between project modules, resolved as SH003 resolves them, with its kind."""
    from analyzer.model import absolute_module

    edges: dict[str, dict[str, tuple[str, int]]] = {}
    for module in sorted(imports):
        facts = imports[module]
        out: dict[str, tuple[str, int]] = {}
        edges[module] = out
        if not facts.parse_ok:
            continue
        for imp in facts.imports:
            target = absolute_module(module, facts.is_package, imp.level, imp.module)
            if target is None:
                continue
            if imp.name is not None and imp.name != "*" and f"{target}.{imp.name}" in imports:
                target = f"{target}.{imp.name}"
            if target == module or target not in imports:
                continue
            kind = _edge_kind(imp)
            previous = out.get(target)
            rank = (EDGE_KINDS.index(kind), imp.stmt_line)
            if previous is None or rank < (EDGE_KINDS.index(previous[0]), previous[1]):
                out[target] = (kind, imp.stmt_line)
    return edges


def _candidate_keys(state: SessionState, heap: Any) -> tuple[set[str], frozenset[str]]:
    """Every key a reader can have recorded that the project can name: each module's own
    keys (from its interface digests), and those its reads can name (its key record,
    ``_insight_keys``); with the modules that have a static ``__all__``."""
    from analyzer.engine import _tasks as tasks
    from analyzer.engine._insight_keys import module_keys, read_key_records

    keys = {MODULES_KEY, SYS_MODULES_KEY}
    for module, digests in state.interfaces.items():
        keys |= changed_keys(module, None, digests)
    wanted = sorted(state.modules)
    facts_keys = [tasks.facts_key(m, *state.modules[m]) for m in wanted]
    with_all: set[str] = set()
    missing: list[int] = []
    for i, record in enumerate(read_key_records(heap, facts_keys)):
        if record is None:
            missing.append(i)
            continue
        keys.update(record.keys)
        if record.with_all:
            with_all.add(wanted[i])
    if missing:
        # A module whose record is not there (a heap that held the facts only) is read
        # from its facts, as every module was before the records.
        loaded = heap.table(tasks.FACTS_TABLE).get_many([facts_keys[i] for i in missing])
        for i, facts in zip(missing, loaded, strict=True):
            if facts is not None:
                keys |= module_keys(wanted[i], facts)
                if facts.all_names is not None:
                    with_all.add(wanted[i])
    return keys, frozenset(with_all)


def build_insight(state: SessionState, heap: Any, source: str) -> Insight:
    """The view of ``state`` and its heap (read only)."""
    from analyzer.model import cycle_components, import_edges

    modules: dict[str, ModuleInfo] = {}
    for module, (_digest, path) in state.modules.items():
        fs = state.files.get(path)
        if fs is not None:
            modules[module] = ModuleInfo(fs.task.display, path, fs.task.is_package,
                                         fs.task.report and fs.parse_ok)
    candidates, with_all = _candidate_keys(state, heap)
    key_readers: dict[str, tuple[int, ...]] = {}
    id_readers: dict[int, tuple[int, ...]] = {}
    names = list(candidates)
    ids = dep_ids(names)
    read = [(key, kid, tuple(sorted(found)))
            for key, kid, found in zip(names, ids, heap.get_deps_many(ids), strict=True)
            if found]
    # Sorted once the unread keys are out: most of the candidates nobody read.
    for key, kid, found in sorted(read):
        key_readers[key] = id_readers[kid] = found
    # Entries with brackets (sys.modules[], fact[NAME], ref[T], content[]) are no names.
    exported = {m: " ".join(sorted(n for n in d if n and n != "*" and "[" not in n))
                for m, d in state.interfaces.items()}
    graph = import_edges(state.imports)
    return Insight(
        modules=modules, edges=_all_edges(state.imports), cycles=cycle_components(graph),
        key_readers=key_readers,
        readers={rid: tuple(sorted(mods)) for rid, mods in state.readers.items()},
        names=exported, with_all=with_all,
        unnamed_edges=max(0, heap.stats().dep_edges - sum(map(len, id_readers.values()))),
        source=source, id_readers=id_readers)


def load_insight(plan: CheckPlan, *, progress: Progress | None = None) -> Insight:
    """The view of ``plan``'s project: read beside a warm cache that is up to date, else
    built from it (or from a check, run first when the cache is cold or stale)."""
    from analyzer.engine import _cache

    if plan.cache_dir is None or plan.stdin is not None:
        session = _cache._cold_session(plan, None, progress)
        try:
            return build_insight(session.state, session.heap, "cold")
        finally:
            session.close()
    cache = _cache._Cache(Path(plan.cache_dir), _cache.cache_key(plan),
                          _cache.build_digest(plan.registry))
    found = _read(plan, cache)
    if found is not None:
        return found
    cache, index = _cache._open_cache(plan)
    if index is not None and _cache._unchanged(plan, cache, index):
        insight = _from_cache(cache, index)
        if insight is not None:
            _write(cache, index, insight)
            return insight
    session, how = _cache._session_from(plan, cache, index, None, progress)
    try:
        cache.write(session)
        insight = build_insight(session.state, session.heap, how)
    finally:
        session.close()
    try:
        index = cache.read_index()
    except _cache.CacheRejected:
        index = None
    if index is not None:
        _write(cache, index, insight)
    return insight


def _read(plan: CheckPlan, cache: Any) -> Insight | None:
    """The kept view, when there is one and every file is as it saw them. It carries its
    own copy of the index's file map, so a query never unpickles the index (whose findings
    cost more than the whole view)."""
    from analyzer.engine._cache_files import CacheRejected, read_trusted, unseal
    from analyzer.engine._changes import index_unchanged
    from analyzer.engine._state import file_tasks

    try:
        cache.trust_root()
        sidecars = sorted(cache.dir.glob("insight-*.pickle"))
        if len(sidecars) != 1:
            return None
        found = unseal(read_trusted(sidecars[0]), _MAGIC, INSIGHT_FORMAT, cache.build,
                       cache.key, sidecars[0].name)
    except (OSError, CacheRejected):
        return None
    if not isinstance(found, Insight):
        return None
    same, _moved = index_unchanged(file_tasks(plan.discovery, None), found.files,
                                   found.checked_at_ns)
    if not same:
        return None
    found.source = "insight"
    return found


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


def _from_cache(cache: Any, index: dict[str, Any]) -> Insight | None:
    """The view built from the cache's state and heap snapshot, or None when they fail."""
    from analyzer.engine._cache_files import CacheRejected
    from heap_native import HeapError, SharedHeap

    try:
        state = cache.read_state(index)
        heap = SharedHeap.load(cache.heap_path(index))
    except (CacheRejected, HeapError, OSError):
        return None
    try:
        return build_insight(state, heap, "cache")
    finally:
        heap.close()


def _write(cache: Any, index: dict[str, Any], insight: Insight) -> None:
    """Keep ``insight`` beside the cache generation ``index`` names, with its file map."""
    from analyzer.engine._cache_files import atomic_write, seal

    if not cache.writable:
        return
    insight.files = index["files"]
    insight.generation = index["generation"]
    insight.checked_at_ns = index["checked_at_ns"]
    try:
        atomic_write(cache.dir / f"insight-{index['generation']}.pickle",
                     seal(_MAGIC, INSIGHT_FORMAT, cache.build, cache.key, insight))
    except OSError:
        pass  # the next query builds it again
