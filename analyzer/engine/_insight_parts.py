"""The view's per-module parts, and the view assembled from them.

Everything the view (``engine._insight``) takes from a module follows from that module's
facts alone: whether it parsed, its exported names, the dependency keys it can name (its key
record, ``_insight_keys``, and its interface's keys) and its imports, resolved up to the
module set. Kept beside the view (``insight-<generation>.parts``), with how many modules name
each key and each key's id, they let the view of the next cache generation be made from only
the modules whose facts changed: naming the table's 32-bit ids, the most expensive step of a
build, then costs the keys those modules add. The table itself is looked up whole (one C
call), so what changed in it needs no account of which readers were rechecked.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import accumulate, compress
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from analyzer.engine._insight_view import EDGE_KINDS, Insight
from analyzer.model._depids import MODULES_KEY, SYS_MODULES_KEY, changed_keys, dep_ids

if TYPE_CHECKING:
    from analyzer.engine._insight_keys import KeyRecord
    from analyzer.engine._insight_view import ModuleInfo
    from analyzer.model import ModuleFacts

__all__ = ["ModulePart", "ViewParts", "assemble", "import_time_cycles", "module_part",
           "new_parts", "parts_of_state", "resolved_edges", "updated_parts"]

#: (absolute target, name when ``from target import name`` may name a submodule, kind, line)
RawImport = tuple[str, "str | None", str, int]


class ModulePart(NamedTuple):
    """What the view takes from one module's facts."""

    #: (content digest, path): the facts it was made from
    source: tuple[str, str]
    parse_ok: bool
    #: the module has a static ``__all__``
    with_all: bool
    #: its exported names, space-separated (None: it has no interface digests)
    names: str | None
    #: every dependency key it lets the view name, newline-separated
    keys: str
    #: its imports (None: no facts, so no node of the import graph)
    imports: tuple[RawImport, ...] | None


@dataclass
class ViewParts:
    """A view's parts: each module's, and the candidate keys with how many parts name each
    and each one's id (aligned: sorted, newline-separated keys and two arrays unpickle in a
    tenth of the time two dicts of tens of thousands of keys take)."""

    generation: str
    parts: dict[str, ModulePart]
    keys: str
    counts: array
    ids: array
    #: the view's import edges and SH003 components (what an update keeps when it can)
    edges: dict[str, dict[str, tuple[str, int]]] = field(default_factory=dict)
    cycles: list[list[str]] = field(default_factory=list)
    #: the generation of the parts it was made from ("": built) and how many modules' parts
    #: differ from theirs (not kept: while few do, those parts stay the base of the next
    #: view, and these are not written, ``_insight._write``)
    made_from: str = ""
    moved: int = 0

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "made_from": "", "moved": 0}

    def candidates(self) -> dict[str, tuple[int, int]]:
        """key -> (how many parts name it, its id)."""
        return dict(zip(self.keys.split("\n"), zip(self.counts, self.ids, strict=True),
                        strict=True))


def _kind(imp: Any, stub: bool) -> str:
    if stub or imp.guarded_by == "TYPE_CHECKING":
        return "type-checking"  # a stub's too: only type checkers read it (import_edges)
    return "import" if imp.import_time else "deferred"


def _raw_imports(module: str, facts: ModuleFacts) -> tuple[RawImport, ...]:
    from analyzer.model import absolute_module

    if not facts.parse_ok:
        return ()
    raw: list[RawImport] = []
    stub = facts.path.endswith(".pyi")
    for imp in facts.imports:
        target = absolute_module(module, facts.is_package, imp.level, imp.module)
        if target is not None:
            name = imp.name if imp.name is not None and imp.name != "*" else None
            raw.append((target, name, _kind(imp, stub), imp.stmt_line))
    return tuple(raw)


def module_part(module: str, source: tuple[str, str], facts: ModuleFacts | None,
                imports: ModuleFacts | None, record: KeyRecord | None,
                interface: Mapping[str, str] | None) -> ModulePart:
    """The part of ``module``: ``facts`` (None when the heap has none) stand in for a missing
    key ``record``; ``imports`` are its facts in the state's import map (None: none)."""
    from analyzer.engine._insight_keys import module_keys

    keys: set[str] = set() if interface is None else changed_keys(module, None, interface)
    with_all = False
    if record is not None:
        keys.update(record.keys)
        with_all = record.with_all
    elif facts is not None:
        keys |= module_keys(module, facts)
        with_all = facts.all_names is not None
    names = None if interface is None else " ".join(
        # Entries with brackets (sys.modules[], fact[NAME], ref[T], content[]) are no names.
        sorted(n for n in interface if n and n != "*" and "[" not in n))
    return ModulePart(source, imports is not None and imports.parse_ok, with_all, names,
                      "\n".join(sorted(keys)),
                      None if imports is None else _raw_imports(module, imports))


def parts_of_state(state: Any, heap: Any, modules: Iterable[str] | None = None,
                   facts_of: Mapping[str, ModuleFacts | None] | None = None,
                   interfaces: Mapping[str, Mapping[str, str]] | None = None,
                   ) -> dict[str, ModulePart]:
    """The parts of ``modules`` (default: every module) of ``state`` and its heap; their
    facts are ``facts_of`` when given (a light state has no import map), else the state's
    import map and, for a module without a key record, the heap's facts; their interface
    digests ``interfaces`` when given, else the state's."""
    from analyzer.engine import _tasks as tasks
    from analyzer.engine._insight_keys import read_key_records

    wanted = sorted(set(state.modules) | set(state.interfaces) | set(state.imports)
                    if modules is None else modules)
    owned = [m for m in wanted if m in state.modules]
    facts_keys = {m: tasks.facts_key(m, *state.modules[m]) for m in owned}
    records = dict(zip(owned, read_key_records(heap, facts_keys.values()), strict=True))
    if facts_of is None:
        need = [m for m in owned if records[m] is None]
        # A module whose record is not there (a heap that held the facts only) is read
        # from its facts, as every module was before the records.
        loaded = dict(zip(need, heap.table(tasks.FACTS_TABLE).get_many(
            [facts_keys[m] for m in need]), strict=True)) if need else {}
        imports: Mapping[str, ModuleFacts | None] = state.imports
    else:
        loaded, imports = dict(facts_of), facts_of
    digests = state.interfaces if interfaces is None else interfaces
    return {m: module_part(m, state.modules.get(m, ("", "")), loaded.get(m), imports.get(m),
                           records.get(m), digests.get(m))
            for m in wanted}


def _count(parts: Iterable[ModulePart]) -> dict[str, int]:
    counts = {MODULES_KEY: 1, SYS_MODULES_KEY: 1}
    for part in parts:
        for key in part.keys.split("\n") if part.keys else ():
            counts[key] = counts.get(key, 0) + 1
    return counts


def new_parts(generation: str, parts: dict[str, ModulePart]) -> ViewParts:
    """The parts of a view built from scratch."""
    counts = _count(parts.values())
    names = sorted(counts)
    return ViewParts(generation, parts, "\n".join(names), array("I", map(counts.get, names)),
                     array("I", dep_ids(names)))


def updated_parts(base: ViewParts, generation: str,
                  changed: Mapping[str, ModulePart | None]) -> ViewParts:
    """``base`` with each module of ``changed`` given its new part (None: gone); only the
    keys those parts name are counted again and only new keys are hashed. The keys stay
    sorted, so each is found by bisection (no index of tens of thousands to build) and a
    view's table comes out in key order."""
    parts = dict(base.parts)
    names = base.keys.split("\n") if base.keys else []
    counts = array("I", base.counts)
    ids = array("I", base.ids)
    touched: set[int] = set()
    added: dict[str, int] = {}
    for module, part in changed.items():
        old = parts.pop(module, None)
        for key in old.keys.split("\n") if old is not None and old.keys else ():
            i = bisect_left(names, key)  # every key of a part is among the names
            counts[i] -= 1
            touched.add(i)
        if part is None:
            continue
        parts[module] = part
        for key in part.keys.split("\n") if part.keys else ():
            i = bisect_left(names, key)
            if i < len(names) and names[i] == key:
                counts[i] += 1
            else:
                added[key] = added.get(key, 0) + 1
    # A key no part names any more is no candidate; then the new ones go in, in order.
    for i in sorted((i for i in touched if not counts[i]), reverse=True):
        del names[i], counts[i], ids[i]
    new = sorted(added)
    for key, kid in zip(new, dep_ids(new), strict=True):
        i = bisect_left(names, key)
        names.insert(i, key)
        counts.insert(i, added[key])
        ids.insert(i, kid)
    return ViewParts(generation, parts, "\n".join(names), counts, ids,
                     made_from=base.generation, moved=base.moved + len(changed))


def resolved_edges(parts: Mapping[str, ModulePart],
                   only: Iterable[str] | None = None) -> dict[str, dict[str, tuple[str, int]]]:
    """Every import between project modules (of ``only``, default all), resolved as SH003
    resolves them (``from m import x`` is an edge to ``m.x`` when that is a module), with the
    strongest kind and its first line."""
    nodes = {m for m, p in parts.items() if p.imports is not None}
    edges: dict[str, dict[str, tuple[str, int]]] = {}
    for module in sorted(nodes if only is None else nodes.intersection(only)):
        out: dict[str, tuple[str, int]] = {}
        edges[module] = out
        for target, name, kind, line in cast("tuple[RawImport, ...]", parts[module].imports):
            if name is not None and f"{target}.{name}" in nodes:
                target = f"{target}.{name}"
            if target == module or target not in nodes:
                continue
            previous = out.get(target)
            if previous is None or (EDGE_KINDS.index(kind), line) < (EDGE_KINDS.index(previous[0]),
                                                                  previous[1]):
                out[target] = (kind, line)
    return edges


def import_time_cycles(edges: Mapping[str, Mapping[str, tuple[str, int]]]) -> list[list[str]]:
    """SH003's components: its graph is the import-time edges (``model.import_edges``)."""
    from analyzer.model import cycle_components

    graph = {m: {t: None for t, (kind, _) in out.items() if kind == "import"}
             for m, out in edges.items()}
    return cycle_components(cast("Any", graph))


def assemble(view_parts: ViewParts, modules: dict[str, ModuleInfo],
             readers: Mapping[int, Iterable[str]], heap: Any, source: str,
             edges: dict[str, dict[str, tuple[str, int]]] | None = None,
             cycles: list[list[str]] | None = None) -> Insight:
    """The view of ``view_parts`` with the heap's dependency table named (``edges`` and
    ``cycles`` when the caller knows them unchanged)."""
    parts = view_parts.parts
    names = view_parts.keys.split("\n")
    ids = view_parts.ids
    counts, flat = heap.get_deps_flat(ids)
    starts = list(accumulate(counts, initial=0))
    key_readers: dict[str, tuple[int, ...]] = {}
    id_readers: dict[int, tuple[int, ...]] = {}
    # Most candidates nobody read: only the read ones are looked at, in key order.
    for i in compress(range(len(names)), counts):
        key_readers[names[i]] = id_readers[ids[i]] = tuple(sorted(flat[starts[i]:starts[i + 1]]))
    if edges is None:
        edges = resolved_edges(parts)
    if cycles is None:
        cycles = import_time_cycles(edges)
    view_parts.edges, view_parts.cycles = edges, cycles
    return Insight(
        modules=modules, edges=edges, cycles=cycles,
        key_readers=key_readers,
        readers={rid: tuple(sorted(mods)) for rid, mods in readers.items()},
        names={m: p.names for m, p in sorted(parts.items()) if p.names is not None},
        with_all=frozenset(m for m, p in parts.items() if p.with_all),
        unnamed_edges=max(0, heap.stats().dep_edges - sum(map(len, id_readers.values()))),
        source=source, id_readers=id_readers)
