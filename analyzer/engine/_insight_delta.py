"""The view of a new cache generation made from the previous view and the modules whose facts
changed since (an edit, a deletion, a rename, several checks in a row): their parts are made
again from the heap, the rest are the previous view's (``_insight_parts``).

A module changed when its (content digest, path) in the state differs from the one its part
was made from; it is gone when the state no longer has it. The import edges of the other
modules are kept while the set of modules with facts holds (an edge's target must be one),
and the SH003 components while no import-time edge moved. The dependency table is looked up
whole, as a build does: it costs one C call, and a reader rechecked without a change of its
own (a signature it read changed) may have read other keys since.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analyzer.engine._insight_parts import ViewParts
    from analyzer.engine._insight_view import Insight, ModuleInfo
    from analyzer.engine._state import SessionState

__all__ = ["infos_from_files", "infos_from_state", "updated_view"]


def infos_from_state(state: SessionState) -> dict[str, ModuleInfo]:
    """Each module's :class:`ModuleInfo` from a whole state's file map."""
    from analyzer.engine._insight_view import ModuleInfo

    modules: dict[str, ModuleInfo] = {}
    for module, (_digest, path) in state.modules.items():
        fs = state.files.get(path)
        if fs is not None:
            modules[module] = ModuleInfo(fs.task.display, path, fs.task.is_package,
                                         fs.task.report and fs.parse_ok)
    return modules


def infos_from_files(state: SessionState, files: Mapping[str, tuple[Any, ...]],
                     parts: ViewParts) -> dict[str, ModuleInfo]:
    """Each module's :class:`ModuleInfo` from the cache index's file map (path -> display,
    module, is package, reported, stat, digest), for a light state that has no file map; a
    file parsed when its facts say so (a file's state records its facts' ``parse_ok``)."""
    from analyzer.engine._insight_view import ModuleInfo

    modules: dict[str, ModuleInfo] = {}
    for module, (_digest, path) in state.modules.items():
        entry = files.get(path)
        if entry is not None:
            part = parts.parts.get(module)
            modules[module] = ModuleInfo(entry[0], path, entry[2],
                                         bool(entry[3]) and part is not None and part.parse_ok)
    return modules


def _interfaces(state: SessionState, facts: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The interface digests of the modules with ``facts``, as an update records them
    (``_invalidation``): a light state does not carry them."""
    from analyzer.model import CONTENT_ENTRY, interface_digests

    found = {}
    for module, module_facts in facts.items():
        if module_facts is not None:
            found[module] = digests = interface_digests(module_facts)
            digests[CONTENT_ENTRY] = state.modules[module][0]
    return found


def _import_time(edges: Mapping[str, tuple[str, int]] | None) -> set[str]:
    return {t for t, (kind, _) in (edges or {}).items() if kind == "import"}


def updated_view(base_parts: ViewParts, state: SessionState, heap: Any,
                 generation: str, source: str,
                 infos: Any) -> tuple[Insight, ViewParts]:
    """The view of ``state`` (light or whole) and its heap, from the parts of an earlier
    view (of any generation before: each module's part names the facts it was made from),
    and its own parts; ``infos(parts)`` gives the modules' :class:`ModuleInfo`."""
    from analyzer.engine import _tasks as tasks
    from analyzer.engine._insight_parts import (
        assemble,
        parts_of_state,
        resolved_edges,
        updated_parts,
    )

    known = base_parts.parts
    light = getattr(state, "light", False)
    present = set(state.modules) if light else set(state.modules) | set(state.interfaces)
    changed = sorted(m for m in present
                     if (part := known.get(m)) is None
                     or part.source != state.modules.get(m, ("", "")))
    gone = [m for m in known if m not in present]
    owned = [m for m in changed if m in state.modules]
    table = heap.table(tasks.FACTS_TABLE)
    facts = dict(zip(owned, table.get_many([tasks.facts_key(m, *state.modules[m])
                                            for m in owned]), strict=True))
    new = parts_of_state(state, heap, changed, facts_of=facts,
                         interfaces=_interfaces(state, facts) if light else None)
    parts = updated_parts(base_parts, generation, {**new, **dict.fromkeys(gone)})
    nodes_before = {m for m, p in known.items() if p.imports is not None}
    nodes_after = {m for m, p in parts.parts.items() if p.imports is not None}
    edges: dict[str, dict[str, tuple[str, int]]] | None = None
    cycles: list[list[str]] | None = None
    if nodes_before == nodes_after:
        # Every target is still a module or still not one: only the changed modules' own
        # edges can differ.
        fresh = resolved_edges(parts.parts, changed)
        # In module order, as a build makes them: the renderings walk them in that order.
        edges = {m: fresh[m] if m in fresh else base_parts.edges[m]
                 for m in sorted(nodes_after)}
        if all(_import_time(base_parts.edges.get(m)) == _import_time(out)
               for m, out in fresh.items()):
            cycles = base_parts.cycles
    return assemble(parts, infos(parts), state.readers, heap, source, edges=edges,
                    cycles=cycles), parts
