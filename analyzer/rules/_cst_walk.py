"""A read-only walk of a libcst tree in libcst's own visiting order, without rebuilding nodes.

``module.visit(visitor)`` runs every node's ``_visit_and_replace_children``, which rebuilds
the node (dataclass ``__init__`` and validation) even for a visitor that changes nothing;
that is most of the cost of a lint pass. This walk reads the children instead.

Order. For each node class the fields are visited in the order libcst visits them: the
order of the ``visit_*(self, "field", ...)`` helper calls in the source of the class's
``_visit_and_replace_children`` (straight-line code, so source order is evaluation order;
reading the source also sees ``format_spec``, which libcst visits only when it is set).
Without readable source, the order is recorded from the first node of the class by running
its ``_visit_and_replace_children`` with a visitor that notes each ``on_visit_attribute``
and descends nowhere; failing that, the dataclass field order is used.

Pruning. A subtree can be skipped when no node class the rules visit can occur in it: the
classes a field can hold are read from the field's type annotation (abstract bases
expanded to their concrete subclasses), closed transitively. Whitespace, punctuation and
operator tokens are what gets skipped for most rule sets. A field whose annotation cannot
be read is always descended into.

Parents. The walk records the parent of every node it enters, before the rules see the
node's parent: ``parents[id(child)] = node``. :func:`all_parents` records every node's
(no pruning), as libcst's ParentNodeProvider does.

libcst's own visitors. :func:`read_only_visits` lets libcst's read-only visitors (those of
its metadata providers: ScopeProvider, ExpressionContextProvider...) walk the same way,
with the same ``on_visit``/``on_visit_attribute``/``on_leave_attribute``/``on_leave`` calls
in the same order, but no rebuilt node.
"""
from __future__ import annotations

import contextlib
import dataclasses
import threading
import typing
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import libcst

__all__ = ["Pruner", "all_parents", "child_fields", "children", "read_only_visits", "walk"]

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
            held: set[type] | None = set()
            for name in _dataclass_fields(cls):
                field_held = _field_holds(cls, name)
                if field_held is None:
                    held = None
                    break
                held.update(field_held)
            _GRAPH[cls] = frozenset(held) if held is not None else None
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


# ---------------------------------------------------------------------------------------------
# The walk


def walk(
    module: libcst.Module,
    actions: dict[type, tuple[tuple, tuple]],
    on_error: Callable[[Any, Exception, object], None],
    pruner: Pruner,
    parents: dict[int, libcst.CSTNode],
    nodes: dict[int, libcst.CSTNode],
) -> None:
    """Call the rules' visit/leave methods in ``actions`` over ``module``, in libcst's order.

    ``parents``/``nodes`` (keyed by ``id``) receive every entered node's parent and the
    node itself, filled for a node's children before its visit methods run.
    """
    get_action = actions.get
    fields_of = pruner.fields
    node_base = libcst.CSTNode
    sequences = _SEQUENCES

    def visit(node: libcst.CSTNode) -> None:
        kids: list[libcst.CSTNode] = []
        for name in fields_of(node):
            value = getattr(node, name)
            if value.__class__ in sequences:
                for item in value:
                    if isinstance(item, node_base):
                        kids.append(item)
            elif isinstance(value, node_base):
                kids.append(value)
        for kid in kids:
            parents[id(kid)] = node
            nodes[id(kid)] = kid
        action = get_action(node.__class__)
        if action is not None:
            for fn in action[0]:
                try:
                    fn(node)
                except Exception as exc:
                    on_error(fn, exc, node)
        for kid in kids:
            visit(kid)
        if action is not None and action[1]:
            # Looked up again: a rule that failed below this node has been unbound since.
            action = get_action(node.__class__)
            if action is not None:
                for fn in action[1]:
                    try:
                        fn(node)
                    except Exception as exc:
                        on_error(fn, exc, node)

    nodes[id(module)] = module
    visit(module)


def all_parents(module: libcst.Module) -> tuple[dict[int, libcst.CSTNode], dict[int, libcst.CSTNode]]:
    """(id -> parent, id -> node) for every node of ``module`` (the root has no parent)."""
    parents: dict[int, libcst.CSTNode] = {}
    nodes: dict[int, libcst.CSTNode] = {id(module): module}
    stack: list[libcst.CSTNode] = [module]
    node_base = libcst.CSTNode
    sequences = _SEQUENCES
    while stack:
        node = stack.pop()
        for name in child_fields(node):
            value = getattr(node, name)
            if value.__class__ in sequences:
                for item in value:
                    if isinstance(item, node_base):
                        parents[id(item)] = node
                        nodes[id(item)] = item
                        stack.append(item)
            elif isinstance(value, node_base):
                parents[id(value)] = node
                nodes[id(value)] = value
                stack.append(value)
    return parents, nodes


# ---------------------------------------------------------------------------------------------
# libcst's own read-only visitors, without rebuilding nodes


_ORIGINAL_VISIT = libcst.CSTNode.visit
_ANNOUNCED: dict[type, tuple[tuple[str, bool], ...]] = {}
#: A visitor's mode: None for a transformer (libcst's own visit), else the names of the node
#: classes whose fields it must be told about (``on_visit_attribute``), or _EVERY_CLASS.
_Mode = "frozenset[str] | None"
_EVERY_CLASS = frozenset({"*"})
#: A visitor that calls nothing on the nodes below the root: visiting them is skipped.
_CHILDREN_SILENT = frozenset({"-"})
#: id(visitor) -> (visitor, mode); the visitor is held so that its id stays its own.
_MODES: dict[int, tuple[object, Any]] = {}
_CLASS_MODES: dict[type, Any] = {}
_depth = 0
_DEPTH_LOCK = threading.Lock()


def _attribute_classes(names: Iterable[str]) -> frozenset[str]:
    """Node class names from attribute-visitor names (``visit_<Class>_<field>``)."""
    return frozenset(n.split("_")[1] for n in names if n.count("_") >= 2)


def _class_mode(cls: type) -> Any:
    if cls in _CLASS_MODES:
        return _CLASS_MODES[cls]
    mode: Any
    if not issubclass(cls, libcst.CSTVisitor):
        mode = None
    elif (cls.on_visit_attribute is not libcst.CSTVisitor.on_visit_attribute
          or cls.on_leave_attribute is not libcst.CSTVisitor.on_leave_attribute):
        mode = _EVERY_CLASS
    else:
        # CSTVisitor calls visit_<Class>_<field> methods, its own being no-op stubs: only
        # the classes with a real one need the calls.
        mode = _attribute_classes(
            n for n in dir(cls)
            if n.startswith(("visit_", "leave_"))
            and not getattr(getattr(cls, n), "_is_no_op", False)
        )
    _CLASS_MODES[cls] = mode
    return mode


def _mode(visitor: object) -> Any:
    from libcst._batched_visitor import _BatchedCSTVisitor

    methods = getattr(visitor, "visitor_methods", None)
    if visitor.__class__ is _BatchedCSTVisitor and isinstance(methods, dict):
        # libcst's batched visitor calls the attribute methods it was given. Batching only
        # providers that work from visit_Module (ScopeProvider, ExpressionContextProvider
        # run their own visitor there), it calls nothing below the module.
        only_module = all(
            n in ("visit_Module", "leave_Module") or not fns for n, fns in methods.items()
        )
        if only_module and visitor.before_visit is None and visitor.after_leave is None:  # type: ignore[attr-defined]
            mode = _CHILDREN_SILENT
        else:
            mode = _attribute_classes(methods)
    else:
        mode = _class_mode(visitor.__class__)
    _MODES[id(visitor)] = (visitor, mode)
    return mode


def _announced(node: libcst.CSTNode) -> tuple[tuple[str, bool], ...]:
    cls = node.__class__
    found = _ANNOUNCED.get(cls)
    if found is None:
        fields = child_fields(node)
        conditional = _CONDITIONAL.get(cls._visit_and_replace_children, frozenset())
        found = _ANNOUNCED[cls] = tuple((name, name in conditional) for name in fields)
    return found


_NODE_CLASSES: frozenset[type] = frozenset()


def _read_only_visit(self: libcst.CSTNode, visitor: Any) -> Any:
    """``CSTNode.visit`` for a read-only visitor: the same calls in the same order, and the
    node itself as the result, without rebuilding the node."""
    found = _MODES.get(id(visitor))
    mode = found[1] if found is not None and found[0] is visitor else _mode(visitor)
    if mode is None:
        return _ORIGINAL_VISIT(self, visitor)
    if visitor.on_visit(self) and mode is not _CHILDREN_SILENT:
        cls = self.__class__
        if not mode or (mode is not _EVERY_CLASS and cls.__name__ not in mode):
            node_classes = _NODE_CLASSES
            for name in child_fields(self):
                value = getattr(self, name)
                kind = value.__class__
                if kind in node_classes:
                    value.visit(visitor)
                elif kind in _SEQUENCES:
                    for item in value:
                        item.visit(visitor)
                elif value is not None and isinstance(value, libcst.CSTNode):
                    value.visit(visitor)
        else:
            for name, conditional in _announced(self):
                value = getattr(self, name)
                if conditional and value is None:
                    continue
                visitor.on_visit_attribute(self, name)
                if value.__class__ in _SEQUENCES:
                    for item in value:
                        item.visit(visitor)
                elif isinstance(value, libcst.CSTNode):
                    value.visit(visitor)
                visitor.on_leave_attribute(self, name)
    visitor.on_leave(self)
    return self


@contextlib.contextmanager
def read_only_visits() -> Iterator[None]:
    """While open, libcst's read-only visitors (its metadata providers among them) walk
    the tree without rebuilding every node; transformers are untouched. Only libcst's own
    code should run inside: a node's ``visit`` is swapped on the class for that time."""
    global _depth, _NODE_CLASSES
    if not _NODE_CLASSES:
        _NODE_CLASSES = frozenset(_concrete_classes())
    # Counted under a lock: a dask worker with several threads resolves providers in
    # parallel, and the swap must stay until the last of them is done.
    with _DEPTH_LOCK:
        if _depth == 0:
            libcst.CSTNode.visit = _read_only_visit  # type: ignore[method-assign]
        _depth += 1
    try:
        yield
    finally:
        with _DEPTH_LOCK:
            _depth -= 1
            if _depth == 0:
                libcst.CSTNode.visit = _ORIGINAL_VISIT  # type: ignore[method-assign]
                _MODES.clear()
