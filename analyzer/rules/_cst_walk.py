"""A read-only walk of a libcst tree in libcst's own visiting order, without rebuilding nodes.

``module.visit(visitor)`` runs every node's ``_visit_and_replace_children``, which rebuilds
the node (dataclass ``__init__`` and validation) even for a visitor that changes nothing;
that is most of the cost of a lint pass. This walk reads the children instead.

Order and pruning. For each node class the fields are visited in the order libcst visits
them, and a subtree is skipped when no node class the rules visit can occur in it: both are
worked out once per class in :mod:`._cst_fields` (:func:`child_fields`, :class:`Pruner`).

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
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import libcst

from analyzer.rules._cst_fields import (
    _CONDITIONAL,
    _SEQUENCES,
    Pruner,
    _concrete_classes,
    child_fields,
    children,
)

__all__ = ["Pruner", "all_parents", "child_fields", "children", "read_only_visits", "walk"]


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
_Mode = frozenset[str] | None
_EVERY_CLASS = frozenset({"*"})
#: A visitor that calls nothing on the nodes below the root: visiting them is skipped.
_CHILDREN_SILENT = frozenset({"-"})
#: id(visitor) -> (visitor, mode); the visitor is held so that its id stays its own.
_MODES: dict[int, tuple[object, _Mode]] = {}
_CLASS_MODES: dict[type, _Mode] = {}
_depth = 0
_DEPTH_LOCK = threading.Lock()


def _attribute_classes(names: Iterable[str]) -> frozenset[str]:
    """Node class names from attribute-visitor names (``visit_<Class>_<field>``)."""
    return frozenset(n.split("_")[1] for n in names if n.count("_") >= 2)


def _class_mode(cls: type) -> _Mode:
    if cls in _CLASS_MODES:
        return _CLASS_MODES[cls]
    mode: _Mode
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


def _mode(visitor: object) -> _Mode:
    from libcst._batched_visitor import _BatchedCSTVisitor

    methods = getattr(visitor, "visitor_methods", None)
    mode: _Mode
    if visitor.__class__ is _BatchedCSTVisitor and isinstance(methods, dict):
        # libcst's batched visitor calls the attribute methods it was given. Batching only
        # providers that work from visit_Module (ScopeProvider, ExpressionContextProvider
        # run their own visitor there), it calls nothing below the module.
        only_module = all(
            n in ("visit_Module", "leave_Module") or not fns for n, fns in methods.items()
        )
        if only_module and visitor.before_visit is None and visitor.after_leave is None:
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
            libcst.CSTNode.visit = _read_only_visit  # type: ignore[method-assign]  # swapped on purpose
        _depth += 1
    try:
        yield
    finally:
        with _DEPTH_LOCK:
            _depth -= 1
            if _depth == 0:
                libcst.CSTNode.visit = _ORIGINAL_VISIT  # type: ignore[method-assign]  # the swap undone
                _MODES.clear()
