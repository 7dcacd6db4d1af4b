"""Names as the bugbear rules resolve them (not a rule module): a dotted callee through the
module's imports, as ruff's semantic model resolves ``functools.cache`` or ``pytest.raises``."""
from __future__ import annotations

import ast

from analyzer.rules import LintRule, ScopeProvider


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
