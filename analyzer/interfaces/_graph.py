"""`shoal graph`: the project's import graph as dot, json, mermaid or one html page.

Edges are the imports between project modules, resolved as SH003 resolves them, each of
one kind: ``import`` (runs when the module is imported), ``deferred`` (inside a function)
or ``type-checking`` (under ``if TYPE_CHECKING:``). Only import-time edges make the SH003
cycles; their members and the edges inside them are highlighted (docs/contracts.md §12).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from analyzer.interfaces import exit_codes
from analyzer.interfaces._graph_model import Graph, GraphEdge, GraphNode

if TYPE_CHECKING:
    from analyzer.engine import CheckPlan, Insight

__all__ = ["Graph", "GraphEdge", "GraphNode", "build_graph", "render_graph", "run_graph"]


def _package_of(module: str, insight: Insight) -> str:
    info = insight.modules.get(module)
    if info is not None and info.is_package:
        return module
    parent = module.rpartition(".")[0]
    return parent if parent in insight.modules else module


def _selected(filters: list[str], insight: Insight) -> set[str]:
    """The modules a filter keeps: a path (the modules of files under it) or a dotted name
    (the module and its submodules)."""
    if not filters:
        return set(insight.modules)
    kept: set[str] = set()
    for text in filters:
        if os.path.exists(text):
            base = os.path.abspath(text)
            kept |= {m for m, info in insight.modules.items()
                     if info.path == base or info.path.startswith(base.rstrip(os.sep) + os.sep)}
        else:
            kept |= {m for m in insight.modules if m == text or m.startswith(text + ".")}
    return kept


def build_graph(insight: Insight, filters: list[str] | None = None, *,
                package_level: bool = False) -> Graph:
    """The graph of the modules the filters keep (all without filters)."""
    from analyzer.engine import EDGE_KINDS

    kept = _selected(filters or [], insight)
    member = {m: i for i, cycle in enumerate(insight.cycles) for m in cycle}
    name = (lambda m: _package_of(m, insight)) if package_level else (lambda m: m)
    nodes: dict[str, GraphNode] = {}
    for module in sorted(kept):
        node_id = name(module)
        info = insight.modules[node_id] if node_id in insight.modules else insight.modules[module]
        previous = nodes.get(node_id)
        cycle = member.get(module)
        if previous is None or (previous.cycle is None and cycle is not None):
            folded = package_level and node_id != module  # a package standing for modules
            nodes[node_id] = GraphNode(node_id, info.display, info.is_package or folded, cycle)
    rank_of = {kind: i for i, kind in enumerate(EDGE_KINDS)}
    best: dict[tuple[str, str], tuple[int, int]] = {}
    in_cycle: set[tuple[str, str]] = set()
    for source in kept:
        outgoing = insight.edges.get(source)
        if not outgoing:
            continue
        a = name(source)
        for target, (kind, line) in outgoing.items():
            if target not in kept:
                continue
            b = name(target)
            if a == b:
                continue
            rank = (rank_of[kind], line)
            old = best.get((a, b))
            if old is None or rank < old:
                best[(a, b)] = rank
            if kind == "import" and member.get(source, -1) == member.get(target, -2):
                in_cycle.add((a, b))
    edges = [GraphEdge(a, b, EDGE_KINDS[best[(a, b)][0]], best[(a, b)][1], (a, b) in in_cycle)
             for a, b in sorted(best)]
    cycles = [c for c in insight.cycles if set(c) & kept]
    return Graph(sorted(nodes.values(), key=lambda n: n.id),
                 edges, cycles,
                 "package" if package_level else "module")


def to_json(graph: Graph) -> str:
    """The JSON shape of docs/contracts.md §12: one node, edge or cycle per line."""
    # json's indent= falls back to its pure-Python encoder: on the stdlib's ~13,000 edges
    # that took longer than the rest of the command. Each item goes through the C encoder.
    def items(rows: list[Any]) -> str:
        if not rows:
            return "[]"
        return "[\n    " + ",\n    ".join(json.dumps(r) for r in rows) + "\n  ]"

    nodes = [{"id": n.id, "path": n.path, "package": n.package, "cycle": n.cycle}
             for n in graph.nodes]
    edges = [{"from": e.source, "to": e.target, "kind": e.kind, "line": e.line,
              "cycle": e.cycle} for e in graph.edges]
    return (f'{{\n  "level": {json.dumps(graph.level)},\n  "nodes": {items(nodes)},\n'
            f'  "edges": {items(edges)},\n  "cycles": {items(graph.cycles)}\n}}\n')


def _dot_id(text: str) -> str:
    if '"' in text or "\\" in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


#: How each kind of edge is drawn (dot style, mermaid arrow).
_DOT_STYLE = {"import": "solid", "deferred": "dashed", "type-checking": "dotted"}


def to_dot(graph: Graph) -> str:
    """Graphviz: deferred edges dashed, TYPE_CHECKING dotted, cycles red."""
    lines = ["digraph imports {", "  rankdir=LR;", '  node [shape=box, fontname="monospace"];']
    for node in graph.nodes:
        attrs = [f"tooltip={_dot_id(node.path)}"]
        if node.cycle is not None:
            attrs += ["color=red", "fontcolor=red", f'group="cycle{node.cycle}"']
        lines.append(f"  {_dot_id(node.id)} [{', '.join(attrs)}];")
    for edge in graph.edges:
        attrs = [f"style={_DOT_STYLE[edge.kind]}", f'kind="{edge.kind}"']
        if edge.cycle:
            attrs += ["color=red", "penwidth=2"]
        lines.append(f"  {_dot_id(edge.source)} -> {_dot_id(edge.target)} "
                     f"[{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(graph: Graph) -> str:
    """A mermaid flowchart: ``-->`` import, ``-.->`` deferred, ``-. TYPE_CHECKING .->``."""
    ids = {node.id: f"n{i}" for i, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for node in graph.nodes:
        label = node.id.replace('"', "#quot;")
        lines.append(f'  {ids[node.id]}["{label}"]')
    cycle_links = []
    for i, edge in enumerate(graph.edges):
        arrow = {"import": "-->", "deferred": "-.->",
                 "type-checking": "-. TYPE_CHECKING .->"}[edge.kind]
        lines.append(f"  {ids[edge.source]} {arrow} {ids[edge.target]}")
        if edge.cycle:
            cycle_links.append(str(i))
    in_cycle = [ids[n.id] for n in graph.nodes if n.cycle is not None]
    if in_cycle:
        lines.append("  classDef cycle stroke:#d00,stroke-width:2px,color:#d00")
        lines.append(f"  class {','.join(in_cycle)} cycle")
    if cycle_links:
        lines.append(f"  linkStyle {','.join(cycle_links)} stroke:#d00,stroke-width:2px")
    return "\n".join(lines) + "\n"


def render_graph(graph: Graph, fmt: str, title: str = "shoal graph") -> str:
    """The graph in one of the formats."""
    if fmt == "json":
        return to_json(graph)
    if fmt == "mermaid":
        return to_mermaid(graph)
    if fmt == "html":
        from analyzer.interfaces._graph_html import to_html

        return to_html(graph, title)
    return to_dot(graph)


def run_graph(args: argparse.Namespace, plan: CheckPlan) -> int:
    """`shoal graph`: from the warm cache (a check first when it is cold or stale); the text
    of an answer is kept beside the cache and printed again while nothing changes."""
    from analyzer.engine import CheckError, keep_output, kept_output, load_insight
    from analyzer.interfaces._front_write import remember_answer, remember_view
    from analyzer.interfaces._kept import query_key

    key = query_key(args, plan)
    found = kept_output(plan, key)
    if found is not None:
        code = _write(args, found.text)
        if code == exit_codes.SUCCESS:
            remember_answer(args, plan, (found.files, found.checked_at_ns), found.text,
                            found.code)
        return code
    try:
        insight = load_insight(plan)
    except CheckError as exc:  # the heap cannot hold the project: one line, as `check` says it
        print(f"shoal: error: {exc}", file=sys.stderr)
        return exit_codes.ERROR
    try:
        text = graph_text(args, insight, str(plan.discovery.project_root))
    except GraphError as exc:
        print(f"shoal: error: {exc}", file=sys.stderr)
        return exit_codes.ERROR
    code = _write(args, text)
    if code == exit_codes.SUCCESS and insight.generation:
        keep_output(plan, insight.generation, key, text, code)
        remember_answer(args, plan, (insight.files, insight.checked_at_ns), text, code)
        remember_view(args, plan, insight, [])
    return code


class GraphError(Exception):
    """A graph query that has no answer (its filters match no module): one line, exit 2."""


def graph_text(args: argparse.Namespace, insight: Insight, project_root: str) -> str:
    """The text of a ``shoal graph`` answer on ``insight``; GraphError when the filters
    match no module."""
    graph = build_graph(insight, args.filters, package_level=args.package_level)
    if args.filters and not graph.nodes:
        raise GraphError(f"no module of the project matches {' '.join(args.filters)}")
    return render_graph(graph, args.format, f"shoal graph — {project_root}")


def _write(args: argparse.Namespace, text: str) -> int:
    if args.output_file:
        try:
            with open(args.output_file, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            print(f"shoal: error: cannot write --output-file {args.output_file}: "
                  f"{exc.strerror or exc}", file=sys.stderr)
            return exit_codes.ERROR
    else:
        sys.stdout.write(text)
    return exit_codes.SUCCESS
