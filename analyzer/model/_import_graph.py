"""The project's import graph and its cycles (SH003), computed by the master from all facts.

A cycle is a whole-project fact: no single module's rule can see it, and which module it
would be reported in must not depend on which modules a worker happened to check. So the
master computes it from every module's imports (docs/contracts.md, section 3, SH003).
"""
from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from analyzer.core import Diagnostic
from analyzer.model._answers import absolute_module
from analyzer.model._facts import Import, ModuleFacts

CODE = "SH003"
NAME = "import-cycle"


def import_edges(facts_by_module: Mapping[str, ModuleFacts]) -> dict[str, dict[str, Import]]:
    """Import-time edges between project modules: importer -> imported -> first import.

    ``import a.b`` is an edge to ``a.b``; ``from m import x`` to ``m.x`` when that is a project
    module, else to ``m``. Imports inside functions or under ``TYPE_CHECKING`` do not run
    when the module is imported and are not edges; self-edges are dropped. Nor are a stub's
    (``.pyi``, the index's module when no source is beside it: a compiled extension's, a
    typeshed tree's): Python never runs it, its imports serve type checkers only.
    """
    edges: dict[str, dict[str, Import]] = {}
    for module in sorted(facts_by_module):
        facts = facts_by_module[module]
        out: dict[str, Import] = {}
        edges[module] = out
        if not facts.parse_ok or facts.path.endswith(".pyi"):
            continue
        for imp in facts.imports:
            if not imp.import_time or imp.guarded_by == "TYPE_CHECKING":
                continue
            target = absolute_module(module, facts.is_package, imp.level, imp.module)
            if target is None:
                continue
            if imp.name is not None and imp.name != "*":
                submodule = f"{target}.{imp.name}"
                if submodule in facts_by_module:
                    target = submodule
            if target == module or target not in facts_by_module:
                continue
            previous = out.get(target)
            if previous is None or (imp.stmt_line, imp.stmt_column) < (
                previous.stmt_line,
                previous.stmt_column,
            ):
                out[target] = imp
    return edges


def _components(edges: Mapping[str, Mapping[str, Import]]) -> list[list[str]]:
    """Strongly connected components (Tarjan, iterative, in sorted order: deterministic)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, neighbours = work[-1]
            advanced = False
            for nxt in neighbours:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(edges[nxt]))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _shortest_cycle(start: str, members: set[str], edges: Mapping[str, Mapping[str, Import]]) -> list[str]:
    """The shortest cycle through ``start`` inside one component (BFS, sorted neighbours)."""
    parent: dict[str, str] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        for nxt in sorted(edges[node]):
            if nxt not in members:
                continue
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                path.reverse()
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                parent[nxt] = node
                queue.append(nxt)
    raise AssertionError(f"{start} is in a component of {len(members)} modules but on no cycle")


def cycle_components(edges: Mapping[str, Mapping[str, Import]]) -> list[list[str]]:
    """The modules of each import cycle (SCC of two or more), sorted: what SH003 reports."""
    return [c for c in _components(edges) if len(c) > 1]


def import_cycles(facts_by_module: Mapping[str, ModuleFacts]) -> list[Diagnostic]:
    """One SH003 per import cycle (strongly connected component of two or more modules).

    Reported at the import in the component's first module (sorted order) that starts the
    shortest cycle through it: "import cycle: a -> b -> z -> a".
    """
    edges = import_edges(facts_by_module)
    diagnostics = []
    for component in _components(edges):
        if len(component) < 2:
            continue
        start = component[0]
        cycle = _shortest_cycle(start, set(component), edges)
        imp = edges[start][cycle[1]]
        diagnostics.append(
            Diagnostic(
                facts_by_module[start].path,
                imp.stmt_line,
                imp.stmt_column,
                CODE,
                "import cycle: " + " -> ".join(cycle),
                imp.end_line,
                imp.end_column,
                NAME,
            )
        )
    diagnostics.sort(key=Diagnostic.sort_key)
    return diagnostics
