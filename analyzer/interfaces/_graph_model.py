"""The import graph as every `shoal graph` format draws it: nodes, edges, cycles."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Graph", "GraphEdge", "GraphNode"]


@dataclass(frozen=True)
class GraphNode:
    """A module (or a package, at package level)."""

    id: str
    path: str
    package: bool
    #: index of its SH003 cycle in ``Graph.cycles``, or None
    cycle: int | None = None


@dataclass(frozen=True)
class GraphEdge:
    """The imports of one module by another, of the strongest kind among them."""

    source: str
    target: str
    kind: str
    line: int
    #: inside one SH003 cycle (import-time, both ends in the same component)
    cycle: bool = False


@dataclass
class Graph:
    """Nodes, edges and cycles, sorted: what every format renders."""

    nodes: list[GraphNode]
    edges: list[GraphEdge]
    cycles: list[list[str]]
    level: str = "module"
    extra: dict[str, Any] = field(default_factory=dict)
