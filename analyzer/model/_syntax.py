"""Small readers of ``ast`` shapes that both extraction passes share.

Pure functions of a node: names a target binds, a dotted name, a decorator's or base's text.
"""
from __future__ import annotations

import ast

#: ``try`` statement types: ``TryStar`` (``except*``) exists from Python 3.11.
TRY_TYPES = tuple(getattr(ast, name) for name in ("Try", "TryStar") if hasattr(ast, name))


def source_text(node: ast.expr) -> str:
    """Source text of a decorator or base: dotted names fast, anything else unparsed."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        parts = [node.attr]
        value = node.value
        while isinstance(value, ast.Attribute):
            parts.append(value.attr)
            value = value.value
        if isinstance(value, ast.Name):
            parts.append(value.id)
            return ".".join(reversed(parts))
    return ast.unparse(node)


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def name_in(expr: ast.expr, wanted: frozenset[str]) -> bool:
    """``expr`` is a name or a dotted name whose last part is one of ``wanted``
    (``pytest.mark.xfail``, ``TYPE_CHECKING``)."""
    name = dotted(expr)
    return name is not None and name.rsplit(".", 1)[-1] in wanted


def names_one_of(expr: ast.expr, wanted: frozenset[str]) -> bool:
    """``expr`` (a name, a dotted name, or a tuple of them: an ``except`` clause's or a
    ``raises`` argument's exceptions) names one of ``wanted`` by its last part."""
    return any(name_in(element, wanted)
               for element in (expr.elts if isinstance(expr, ast.Tuple) else [expr]))


def target_names(target: ast.expr, out: list[str]) -> None:
    """Append the names an assignment target binds (through tuples, lists and stars)."""
    if isinstance(target, ast.Name):
        out.append(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            target_names(element, out)
    elif isinstance(target, ast.Starred):
        target_names(target.value, out)
