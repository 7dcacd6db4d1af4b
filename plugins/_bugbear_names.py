"""Names as the bugbear rules resolve them (not a rule module): a dotted callee through the
module's imports, as ruff's semantic model resolves ``functools.cache`` or ``pytest.raises``."""
from __future__ import annotations

import ast
from typing import Any

from analyzer.rules import LintRule, ScopeProvider

#: Calls ruff knows return an immutable value (its ``is_immutable_func``): B008 and B039
#: allow them, any other call might return a new mutable object.
IMMUTABLE_CALLS = frozenset(
    {f"builtins.{name}" for name in ("bool", "bytes", "complex", "float", "frozenset", "int",
                                     "range", "str", "tuple")}
    | {"datetime.date", "datetime.datetime", "datetime.timedelta", "decimal.Decimal",
       "fractions.Fraction", "operator.attrgetter", "operator.itemgetter",
       "operator.methodcaller", "pathlib.Path", "types.MappingProxyType", "re.compile"}
)


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` as written, for a name or a chain of attributes on one; else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


def qualified(rule: LintRule, node: ast.expr) -> str | None:
    """The dotted name ``node`` (a name or an attribute chain) refers to through the
    module's imports (``from functools import cache as c``: ``c`` is ``functools.cache``);
    None when its head is no import. ``rule`` declares the scope provider."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    head = rule.get_metadata(ScopeProvider).imported_names.get(node.id)
    return ".".join([head, *reversed(parts)]) if head else None


def is_builtin(rule: LintRule, func: ast.expr, name: str) -> bool:
    """``func`` is the builtin ``name`` where it is called: that name, bound neither at
    module level nor in a function or comprehension around the call (a ``with ... as zip``
    in another method does not count, nor a class body's ``zip = None`` for its methods),
    or imported from ``builtins``."""
    if not (isinstance(func, ast.Name) and func.id == name):
        return False
    analysis = rule.get_metadata(ScopeProvider)
    if analysis.imported_names.get(name) == f"builtins.{name}":
        return True  # `from builtins import zip` (ansible's module_utils)
    where = (func.lineno, func.col_offset)
    for scope in _scopes_binding(rule, analysis).get(name, ()):
        if scope == 0:
            return False
        if analysis.scopes[scope].kind == "class":
            continue
        node = analysis.scopes[scope].node
        if ((node.lineno, node.col_offset) <= where
                <= (node.end_lineno, node.end_col_offset)):
            return False
    return True


def _scopes_binding(rule: LintRule, analysis: Any) -> dict[str, list[int]]:
    """Name -> the scopes that bind it, made once per file and rule (the rule instance
    lives for one file): a module of thousands of bindings and calls would otherwise pay
    a pass over every binding per call."""
    index: dict[str, list[int]] | None = getattr(rule, "_shoal_scopes_binding", None)
    if index is None:
        index = {}
        for scope, bound, _, _ in analysis.binding_names:
            index.setdefault(bound, []).append(scope)
        rule._shoal_scopes_binding = index  # type: ignore[attr-defined]
    return index
