"""What the fields of a libcst node class are, in which order libcst visits them, and which
node classes they can hold: the static side of the read-only walk (:mod:`._cst_walk`).

Order. For each node class the fields are visited in the order libcst visits them: the
order of the ``visit_*(self, "field", ...)`` helper calls in the source of the class's
``_visit_and_replace_children`` (straight-line code, so source order is evaluation order;
reading the source also sees ``format_spec``, which libcst visits only when it is set).
Without readable source, the order is recorded from the first node of the class by running
its ``_visit_and_replace_children`` with a visitor that notes each ``on_visit_attribute``
and descends nowhere; failing that, the dataclass field order is used.

Pruning. A subtree can be skipped when no node class the rules visit can occur in it: the
classes a field can hold are read from the field's type annotation (abstract bases
expanded to their concrete subclasses), closed transitively (:class:`Pruner`). Whitespace,
punctuation and operator tokens are what gets skipped for most rule sets. A field whose
annotation cannot be read is always descended into.

Every table here is filled on first need and only ever mutated, never rebound, so the walk
module may hold them under its own names.
"""
from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterable
from typing import Any

import libcst

__all__ = ["Pruner", "child_fields", "children"]

_FIELDS: dict[type, tuple[str, ...]] = {}
_SEQUENCES = (tuple, list)


class _FieldRecorder(libcst.CSTVisitor):
    """Notes the fields libcst visits on one node, in order, without descending."""

    def __init__(self, node: libcst.CSTNode) -> None:
        super().__init__()
        self.node = node
        self.fields: list[str] = []

    def on_visit(self, node: libcst.CSTNode) -> bool:
        return False

    def on_visit_attribute(self, node: libcst.CSTNode, attribute: str) -> None:
        if node is self.node:
            self.fields.append(attribute)

    def on_leave_attribute(self, original_node: libcst.CSTNode, attribute: str) -> None:
        return None


def child_fields(node: libcst.CSTNode) -> tuple[str, ...]:
    """The fields of ``node``'s class that may hold children, in libcst's visiting order."""
    cls = node.__class__
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = _record_fields(node)
    return fields


def _record_fields(node: libcst.CSTNode) -> tuple[str, ...]:
    recorded = _source_order(type(node)._visit_and_replace_children)
    if recorded is None:
        recorder = _FieldRecorder(node)
        try:
            node._visit_and_replace_children(recorder)
            recorded = tuple(dict.fromkeys(recorder.fields))
        except Exception:  # noqa: BLE001 - any failure means: use the declared order instead
            recorded = None
    if recorded is not None and all(hasattr(node, name) for name in recorded):
        return recorded
    return tuple(f.name for f in dataclasses.fields(node) if not f.name.startswith("_"))


_HELPERS = frozenset({
    "visit_required", "visit_optional", "visit_sentinel", "visit_iterable", "visit_sequence",
    "visit_body_iterable", "visit_body_sequence",
})
_SOURCE_ORDERS: dict[object, tuple[str, ...] | None] = {}
#: Fields libcst visits (and announces to ``on_visit_attribute``) only when they are set.
_CONDITIONAL: dict[object, frozenset[str]] = {}


def _source_order(method: Any) -> tuple[str, ...] | None:
    """The fields ``method`` (a ``_visit_and_replace_children``) visits, in source order.

    Its body is straight-line code (a conditional expression at most), so source order is
    evaluation order; reading the source also sees a field that is visited only when it is
    set (``format_spec``), which recording one node's visit would miss.
    """
    if method in _SOURCE_ORDERS:
        return _SOURCE_ORDERS[method]
    import ast
    import inspect
    import textwrap

    order: tuple[str, ...] | None = None
    conditional: set[str] = set()
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(method)))
        calls = [
            n for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _HELPERS
        ]
        calls.sort(key=lambda n: (n.lineno, n.col_offset))
        for branch in ast.walk(tree):
            if isinstance(branch, ast.IfExp):
                conditional.update(
                    n.args[1].value for n in ast.walk(branch)
                    if n in calls and isinstance(n.args[1], ast.Constant)
                    and isinstance(n.args[1].value, str)
                )
        names = []
        for call in calls:
            arg = call.args[1] if len(call.args) > 1 else None
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                raise ValueError("a field visited under a computed name")
            names.append(arg.value)
        if calls and not any(
            isinstance(n, (ast.For, ast.While, ast.If)) for n in ast.walk(tree)
        ):
            order = tuple(dict.fromkeys(names))
    except (OSError, TypeError, SyntaxError, ValueError):
        order = None
    _SOURCE_ORDERS[method] = order
    _CONDITIONAL[method] = frozenset(conditional) if order is not None else frozenset()
    return order


def children(node: libcst.CSTNode) -> list[libcst.CSTNode]:
    """The children of ``node`` in libcst's order (what ``node.children`` returns, cheaply)."""
    found: list[libcst.CSTNode] = []
    for name in child_fields(node):
        value = getattr(node, name)
        if value.__class__ in _SEQUENCES:
            found.extend(item for item in value if isinstance(item, libcst.CSTNode))
        elif isinstance(value, libcst.CSTNode):
            found.append(value)
    return found


# ---------------------------------------------------------------------------------------------
# Which classes a subtree can hold


_CONCRETE: list[type] = []


def _concrete_classes() -> list[type]:
    if not _CONCRETE:
        import inspect

        seen: dict[type, None] = {}
        for value in vars(libcst).values():
            if isinstance(value, type) and issubclass(value, libcst.CSTNode):
                stack = [value]
                while stack:
                    cls = stack.pop()
                    if cls not in seen:
                        seen[cls] = None
                        stack.extend(cls.__subclasses__())
        _CONCRETE.extend(c for c in seen if not inspect.isabstract(c))
    return _CONCRETE


def _annotation_classes(annotation: Any, out: set[type]) -> bool:
    """Add the node classes ``annotation`` names to ``out``; False if it cannot be read."""
    if isinstance(annotation, type):
        if issubclass(annotation, libcst.CSTNode):
            out.add(annotation)
        return True
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is None and not args:
        # A TypeVar, a string that did not resolve, Any...: unknown.
        return annotation in (None, type(None)) or isinstance(annotation, (str, int, float))
    return all(_annotation_classes(arg, out) for arg in args)


class Pruner:
    """node class -> fields worth descending into, for one set of visited classes."""

    def __init__(self, wanted: Iterable[type]) -> None:
        self.wanted = frozenset(wanted)
        self._fields: dict[type, tuple[str, ...]] = {}
        # The classes whose subtree may hold a wanted node: the wanted ones and, going
        # backwards over the "a field may hold" graph, everything that may hold those; a
        # class with a field that cannot be read may hold anything.
        graph = _holds_graph()
        holders: dict[type, list[type]] = {}
        reaching = set(self.wanted)
        for cls, held in graph.items():
            if held is None:
                reaching.add(cls)
                continue
            for child in held:
                holders.setdefault(child, []).append(cls)
        stack = list(reaching)
        while stack:
            for holder in holders.get(stack.pop(), ()):
                if holder not in reaching:
                    reaching.add(holder)
                    stack.append(holder)
        self._reaching = frozenset(reaching)

    def fields(self, node: libcst.CSTNode) -> tuple[str, ...]:
        """The fields of ``node`` to descend into (libcst order)."""
        cls = node.__class__
        kept = self._fields.get(cls)
        if kept is None:
            kept = self._fields[cls] = tuple(
                name for name in child_fields(node) if self._worth(cls, name)
            )
        return kept

    def _worth(self, cls: type, name: str) -> bool:
        held = _field_holds(cls, name)
        return held is None or not self._reaching.isdisjoint(held)

    def _reaches(self, cls: type) -> bool:
        """True when a node of class ``cls`` is wanted or may hold a wanted node."""
        return cls in self._reaching or cls not in _holds_graph()


_GRAPH: dict[type, frozenset[type] | None] = {}


def _holds_graph() -> dict[type, frozenset[type] | None]:
    """concrete node class -> the concrete classes its fields may hold (None: unknown)."""
    if not _GRAPH:
        for cls in _concrete_classes():
            held: set[type] = set()
            for name in _dataclass_fields(cls):
                field_held = _field_holds(cls, name)
                if field_held is None:
                    _GRAPH[cls] = None
                    break
                held.update(field_held)
            else:
                _GRAPH[cls] = frozenset(held)
    return _GRAPH


def _dataclass_fields(cls: type) -> list[str]:
    try:
        return [f.name for f in dataclasses.fields(cls) if not f.name.startswith("_")]
    except TypeError:
        return []


_HOLDS: dict[tuple[type, str], frozenset[type] | None] = {}
_HINTS: dict[type, dict[str, Any] | None] = {}
_EXPANDED: dict[type, frozenset[type]] = {}


def _expand(named: type) -> frozenset[type]:
    found = _EXPANDED.get(named)
    if found is None:
        found = _EXPANDED[named] = frozenset(c for c in _concrete_classes() if issubclass(c, named))
    return found


def _field_holds(cls: type, name: str) -> frozenset[type] | None:
    """Concrete node classes field ``name`` of ``cls`` can hold; None when unknown."""
    key = (cls, name)
    if key in _HOLDS:
        return _HOLDS[key]
    if cls not in _HINTS:
        try:
            _HINTS[cls] = typing.get_type_hints(cls)
        except Exception:  # noqa: BLE001 - unreadable annotations mean "may hold anything"
            _HINTS[cls] = None
    hints = _HINTS[cls]
    held: frozenset[type] | None = None
    if hints is not None and name in hints:
        named: set[type] = set()
        if _annotation_classes(hints[name], named):
            held = frozenset().union(*(_expand(n) for n in named))
    _HOLDS[key] = held
    return held
