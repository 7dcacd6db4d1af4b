"""Which modules an update rechecks: the modules whose facts changed, plus every module that
read a dependency key their change fires (DESIGN §4, "Incremental recheck").

A module that appears or vanishes fires all of its keys, the module-set key and the keys of
the packages above it; the heap's dependency table says who read them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import analyzer.engine._tasks as tasks
from analyzer.engine._state import FileState, SessionState
from analyzer.engine._tasks import FileTask
from analyzer.engine._versions import Overlay
from analyzer.model import (
    CONTENT_ENTRY,
    MODULES_KEY,
    ModuleFacts,
    changed_keys,
    dep_id,
    interface_digests,
    module_key,
)

__all__ = ["ModuleChanges", "fact_holders", "module_changes", "next_readers", "owners",
           "recheck_set"]


@dataclass
class ModuleChanges:
    """How the project's modules moved in one update, and the keys that fires."""

    #: modules whose facts are new (new content, a new owner file, or re-parsed).
    changed: set[str]
    #: modules that no longer exist, and modules that did not exist before.
    gone: set[str]
    appeared: set[str]
    #: the dependency keys whose readers must be rechecked.
    keys: set[str]
    #: the state's interfaces and import-graph facts, brought up to date.
    interfaces: MutableMapping[str, dict[str, str]]
    imports: MutableMapping[str, ModuleFacts]
    #: whether the import graph may differ (SH003 is computed again).
    imports_changed: bool


def owners(tasks: Iterable[FileTask], files: Mapping[str, FileState]) -> dict[str, tuple[str, str]]:
    """module -> (content digest, path) of each module's owner file, where it has content."""
    return {t.module: (files[t.path].digest, t.path)
            for t in tasks if t.module and files[t.path].digest}


Summary = tuple[dict[str, str], ModuleFacts]


def module_summary(facts: ModuleFacts, digests: bool = True) -> Summary:
    """What the master keeps of a module's facts: its interface digests (without the content
    entry; none without ``digests``, for a check that neither reads them nor leaves them to
    a later one) and the facts reduced to the import graph and the writers of
    ``sys.modules``."""
    light = ModuleFacts(module=facts.module, path=facts.path, is_package=facts.is_package,
                        parse_ok=facts.parse_ok, imports=facts.imports,
                        # the writers map of phase 2's index is built from these
                        dynamic_modules=facts.dynamic_modules)
    return interface_digests(facts) if digests else {}, light


def module_changes(old: SessionState, todo: Iterable[FileTask],
                   modules: Mapping[str, tuple[str, str]], facts_table: Any,
                   candidates: Iterable[str] | None = None, *,
                   fire: bool = True, summaries: Mapping[str, Summary] | None = None,
                   ) -> ModuleChanges:
    """Compare ``modules`` (after phase 1 on ``todo``) with the state before; the facts of
    the changed modules are read from ``facts_table``. Each module's digest map is its
    facts' interface digests plus its content digest (the ``content[]`` entry, which fires
    ``content[mod]`` on every edit: docs/contracts.md §2).

    :param candidates: the only modules whose entry may differ from the state's (``None``:
        any): the others are not looked at, and the maps are the state's under the changes
        (``_versions.Overlay``), neither copied nor filtered.
    :param fire: work out the fired keys; False leaves ``keys`` empty, for an update that
        rechecks every module anyway (a cold check: every key of every module would fire,
        3 MiB of strings on the standard library).
    :param summaries: facts key -> :func:`module_summary`, as phase 1's workers made them:
        those modules' facts are not read from the table."""
    todo = list(todo)
    interfaces: MutableMapping[str, dict[str, str]]
    imports: MutableMapping[str, ModuleFacts]
    if candidates is None:
        changed = {m for m, entry in modules.items() if old.modules.get(m) != entry}
        gone = old.modules.keys() - modules.keys()
        appeared = modules.keys() - old.modules.keys()
        interfaces = {m: d for m, d in old.interfaces.items() if m in modules}
        imports = {m: f for m, f in old.imports.items() if m in modules}
    else:
        moved = set(candidates)
        changed = {m for m in moved if m in modules and old.modules.get(m) != modules[m]}
        gone = {m for m in moved if m in old.modules and m not in modules}
        appeared = {m for m in moved if m in modules and m not in old.modules}
        interfaces, imports = Overlay(old.interfaces), Overlay(old.imports)
        for m in gone:
            interfaces.pop(m, None)
            imports.pop(m, None)
    changed |= {t.module for t in todo if t.module in modules}
    names = sorted(changed)
    keys: set[str] = set()
    imports_changed = bool(gone)
    for m, summary in _summarized(facts_table, names, modules, summaries or {}):
        new_if: dict[str, str] | None = None
        if summary is None:
            interfaces.pop(m, None)
            imports.pop(m, None)
        else:
            new_if, light = summary
            interfaces[m] = new_if
            new_if[CONTENT_ENTRY] = modules[m][0]
            if old.imports.get(m) != light:
                imports_changed = True
            imports[m] = light
        if fire:
            keys |= changed_keys(m, old.interfaces.get(m), new_if)
    if fire:
        for m in gone:
            keys |= changed_keys(m, old.interfaces.get(m), None)
        keys |= _file_set_keys(appeared | gone)
    return ModuleChanges(changed, gone, appeared, keys, interfaces, imports, imports_changed)


#: Facts decoded at once by the master: it keeps only their digests and imports, and a cold
#: check's every module decoded together would be the master's peak memory.
LOAD_CHUNK = 128


def _summarized(facts_table: Any, names: list[str], modules: Mapping[str, tuple[str, str]],
                summaries: Mapping[str, Summary]) -> Iterator[tuple[str, Summary | None]]:
    keys = {m: tasks.facts_key(m, *modules[m]) for m in names}
    missing = [m for m in names if keys[m] not in summaries]
    loaded: dict[str, Summary | None] = {}
    for start in range(0, len(missing), LOAD_CHUNK):
        chunk = missing[start:start + LOAD_CHUNK]
        for m, facts in zip(chunk, facts_table.get_many([keys[m] for m in chunk]), strict=True):
            loaded[m] = None if facts is None else module_summary(facts)
    for m in names:
        yield m, summaries[keys[m]] if m not in loaded else loaded[m]


def fact_holders(interfaces: Mapping[str, Mapping[str, str]]) -> dict[str, tuple[str, ...]]:
    """Extractor name -> the modules with a value of it (sorted), from the digest maps: a
    plugin fact's digest entry is named ``fact[NAME]`` (docs/contracts.md §2)."""
    holders: dict[str, list[str]] = {}
    for module in sorted(interfaces):
        for entry in interfaces[module]:
            if entry.startswith("fact[") and entry.endswith("]"):
                holders.setdefault(entry[5:-1], []).append(module)
    return {name: tuple(mods) for name, mods in sorted(holders.items())}


def _file_set_keys(moved: set[str]) -> set[str]:
    """The keys fired by modules that appeared or vanished, beyond their own."""
    if not moved:
        return set()
    keys = {MODULES_KEY}
    for m in moved:
        # A namespace package exists by its submodules: its resolution changes.
        parts = m.split(".")
        keys.update(module_key(".".join(parts[:i])) for i in range(1, len(parts)))
    # A new (or vanished) top-level name turns EXTERNAL lookups under it into MISSING ones
    # (and back): the index records the top-level name's key on every lookup the project's
    # tops decided. For a deeper module a prefix above is that key; for a top-level one it
    # is the module's own key, which ``changed_keys`` fires.
    return keys


def recheck_set(changes: ModuleChanges, readers: Mapping[int, set[str]],
                modules: Mapping[str, Any], dependents: Callable[[int], Iterable[int]]) -> set[str]:
    """The changed modules plus the readers of the fired keys, among ``modules``.

    :param readers: reader id -> modules, as committed.
    :param dependents: the heap's dependency table: key id -> reader ids.
    """
    recheck = set(changes.changed)
    for key in changes.keys:
        for rid in dependents(dep_id(key)):
            recheck |= readers.get(rid, set())
    # Edges are replaced per reader id: every module sharing an id goes too.
    for rid in {dep_id(m) for m in recheck}:
        recheck |= readers.get(rid, set())
    recheck &= modules.keys()
    return recheck


def next_readers(readers: Mapping[int, set[str]], recheck: set[str],
                 edges: Mapping[str, tuple[int, ...]],
                 gone: Iterable[str] = ()) -> Overlay[int, set[str]]:
    """Reader id -> modules after the update: the kept readers, and those phase 2 ran.

    :param gone: the modules ``readers`` knows that ``modules`` no longer has.
    """
    # Only the rechecked and vanished modules move, over the committed map (whose sets are
    # never mutated): an update that touched one module costs one.
    out: Overlay[int, set[str]] = Overlay(readers)
    for m in {*recheck, *gone}:
        rid = dep_id(m)
        mods = out.get(rid)
        if mods is not None and m in mods:
            if len(mods) == 1:
                del out[rid]
            else:
                out[rid] = mods - {m}
    for m in edges:
        rid = dep_id(m)
        mods = out.get(rid)
        if mods is None:
            out[rid] = {m}
        elif m not in mods:
            out[rid] = mods | {m}
    return out
