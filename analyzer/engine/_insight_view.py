"""The view `shoal deps` and `shoal graph` answer from (:class:`Insight`): a checked project's
modules, import graph and named dependency table, read only. How it is built, kept beside
the warm cache and made again after a change is ``_insight``'s, ``_insight_parts``' and
``_insight_delta``'s (docs/contracts.md §12)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

# Only the key helpers at import: a query answered from a kept view (interfaces._front_view)
# loads this module, and the facts' classes and the import graph are the build's alone.
from analyzer.model._depids import dep_id, key_owner

__all__ = ["EDGE_KINDS", "Insight", "ModuleInfo"]

#: How an import runs, strongest first: at import time, inside a function, or only for
#: the type checker. An edge between two modules takes the strongest of its imports.
EDGE_KINDS = ("import", "deferred", "type-checking")


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
