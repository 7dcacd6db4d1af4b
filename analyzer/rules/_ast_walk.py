"""The ast side of the module-rule runner: which fields hold nodes, and the one traversal.

Fields. For each node class the walk descends into the fields that can hold nodes, read once
from the signature in the class's docstring (:func:`_node_fields`), in ``_fields`` order (the
order of :class:`ast.NodeVisitor`). Fields that only hold operator/context singletons
(``ctx``, ``op``, ``ops``) are in the second table only (``_FIELDS[True]``), for rule sets
that visit those classes.

Walk. :func:`walk_ast` calls the bound ``visit_*`` methods before a node's children and the
``leave_*`` ones after. It recurses until it is ``budget`` levels deep (the runner passes
:data:`~analyzer.rules._runner.RECURSION_BUDGET`) and continues with an explicit stack, so
the 10,000-term ``1+1+...`` chain that ``ast.parse`` accepts never raises RecursionError in
the walk itself. A rule method that raises is handed to ``on_error``, which unbinds the rule.

Native. The same walk is built in C (``_walk_native.c``, an optional extension of the
build): :func:`walk_ast` uses it when it was built, unless ``SHOAL_NATIVE_WALK=0``. It calls
the same methods in the same order; the Python walk below is the fallback and the model the
tests hold the C one to.
"""
from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable
from typing import Any

from analyzer.rules._lint_rule import AST_NODE_CLASSES

__all__ = ["NATIVE_WALK", "walk_ast"]

_native_walk: Callable[..., None] | None
try:
    from analyzer.rules._walk_native import walk as _native_walk
except ImportError:  # built without a C compiler: the Python walk below
    _native_walk = None
if os.environ.get("SHOAL_NATIVE_WALK") == "0":
    _native_walk = None

#: Whether :func:`walk_ast` runs the C walk.
NATIVE_WALK = _native_walk is not None

_SINGLETON_BASES = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
_SIGNATURE_RE = re.compile(r"\w+\((.*)\)\Z", re.S)


# ---------------------------------------------------------------------------------------------
# Which fields of a node class can hold nodes


def _node_fields(cls: type, with_singletons: bool) -> tuple[str, ...]:
    """Fields of ``cls`` that may hold child nodes, from the signature in its docstring.

    ``ast`` classes document their fields as ``Compare(expr left, cmpop* ops, expr*
    comparators)``; fields typed ``identifier``/``string``/``constant``/``int`` never hold
    nodes, and singleton-typed ones only matter to rules that visit the singletons. When the
    docstring does not have that shape every field is kept (the walk checks each value).
    """
    fields: tuple[str, ...] = getattr(cls, "_fields", ())
    match = _SIGNATURE_RE.match(cls.__doc__ or "")
    if match is None or not fields:
        return fields
    kept = []
    for part in filter(None, (p.strip() for p in match.group(1).split(","))):
        type_name, _, field_name = part.rpartition(" ")
        node_type = AST_NODE_CLASSES.get(type_name.rstrip("*?"))
        if node_type is None:
            continue
        if not with_singletons and issubclass(node_type, _SINGLETON_BASES):
            continue
        kept.append(field_name)
    if set(kept) - set(fields):
        return fields
    return tuple(kept)


class _FieldTable(dict[type, tuple[str, ...]]):
    """node class -> fields to descend into; filled on first sight of each class."""

    def __init__(self, with_singletons: bool) -> None:
        super().__init__()
        self.with_singletons = with_singletons

    def __missing__(self, cls: type) -> tuple[str, ...]:
        fields = self[cls] = _node_fields(cls, self.with_singletons)
        return fields


_FIELDS = {False: _FieldTable(False), True: _FieldTable(True)}


# ---------------------------------------------------------------------------------------------
# The ast walk


def walk_ast(
    root: ast.AST,
    actions: dict[type, tuple[tuple, tuple]],
    fields_of: _FieldTable,
    inert: frozenset[type],
    on_error: Callable[[Any, Exception, object], None],
    budget: int,
) -> None:
    """Call the bound visit/leave methods in ``actions`` over the tree under ``root``."""
    if _native_walk is not None:
        # No depth budget: the C walk keeps its own stack, never the interpreter's.
        _native_walk(root, actions, fields_of, inert, on_error, ast.AST)
    else:
        walk_ast_python(root, actions, fields_of, inert, on_error, budget)


def walk_ast_python(
    root: ast.AST,
    actions: dict[type, tuple[tuple, tuple]],
    fields_of: _FieldTable,
    inert: frozenset[type],
    on_error: Callable[[Any, Exception, object], None],
    budget: int,
) -> None:
    """:func:`walk_ast` in Python: the fallback, and the model of the C walk."""
    get_action = actions.get
    node_base = ast.AST

    def walk(node: ast.AST, depth: int) -> None:
        cls = node.__class__
        action = get_action(cls)
        if action is not None:
            for fn in action[0]:
                try:
                    fn(node)
                except Exception as exc:
                    on_error(fn, exc, node)
        if depth < budget:
            depth += 1
            for name in fields_of[cls]:
                child = getattr(node, name, None)
                if child.__class__ is list:
                    for item in child:
                        if item.__class__ not in inert and isinstance(item, node_base):
                            walk(item, depth)
                elif child.__class__ not in inert and isinstance(child, node_base):
                    walk(child, depth)
        else:
            for child in _children(node, fields_of, node_base):
                walk_iteratively(child)
        if action is not None and action[1]:
            # Looked up again: a rule that failed below this node has been unbound since.
            action = get_action(cls)
            if action is not None:
                for fn in action[1]:
                    try:
                        fn(node)
                    except Exception as exc:
                        on_error(fn, exc, node)

    def walk_iteratively(start: ast.AST) -> None:
        stack: list[Any] = [start]
        while stack:
            node = stack.pop()
            if node.__class__ is _Leave:
                action = get_action(node.node.__class__)
                for fn in action[1] if action is not None else ():
                    try:
                        fn(node.node)
                    except Exception as exc:
                        on_error(fn, exc, node.node)
                continue
            action = get_action(node.__class__)
            if action is not None:
                for fn in action[0]:
                    try:
                        fn(node)
                    except Exception as exc:
                        on_error(fn, exc, node)
                if action[1]:
                    stack.append(_Leave(node))
            children = _children(node, fields_of, node_base)
            children.reverse()
            stack.extend(children)

    try:
        walk(root, 0)
    finally:
        # walk calls itself through its closure: a cycle, which would keep the actions (the
        # rules' bound methods) alive until the cyclic collector found it.
        walk = walk_iteratively = _walked  # type: ignore[assignment]  # any arguments


def _walked(*_: object) -> None:
    """What the walk's names are left bound to once it is over (breaks its closure cycle)."""


class _Leave:
    """Stack marker of the iterative walk: call the leave_* methods of ``node``."""

    __slots__ = ("node",)

    def __init__(self, node: ast.AST) -> None:
        self.node = node


def _children(node: ast.AST, fields_of: _FieldTable, node_base: type[ast.AST]) -> list[ast.AST]:
    children: list[ast.AST] = []
    for name in fields_of[node.__class__]:
        child = getattr(node, name, None)
        if child.__class__ is list:
            children.extend(item for item in child if isinstance(item, node_base))
        elif isinstance(child, node_base):
            children.append(child)
    return children
