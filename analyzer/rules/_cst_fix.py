"""The libcst side of the module-rule runner: the rule walk, CST positions, node fixes.

Kept apart from ``_runner`` so that a run with only AST rules never imports libcst.
libcst positions count characters with 0-based columns and an exclusive end; shoal's are
1-based, so columns are shifted by one here and nowhere else.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, TypeGuard

import libcst
from libcst.metadata import PositionProvider, WhitespaceInclusivePositionProvider

from analyzer.core import Edit, Fix
from analyzer.rules import _cst_walk

if TYPE_CHECKING:
    from analyzer.rules._cst_meta import FileMetadata

_PRUNERS: dict[frozenset[type], _cst_walk.Pruner] = {}


def visit(
    module: libcst.Module,
    actions: dict[type, tuple[tuple, tuple]],
    on_error: Callable[[Any, Exception, object], None],
    visited: Collection[type],
    meta: FileMetadata,
) -> None:
    """Walk ``module`` once, dispatching to the bound rule methods in ``actions``.

    ``visited`` names every class a rule visits (the keys of the runner's dispatch plan),
    which decides the subtrees the walk may skip; ``meta`` receives the parents of the
    nodes entered.
    """
    wanted = frozenset(visited)
    pruner = _PRUNERS.get(wanted)
    if pruner is None:
        pruner = _PRUNERS[wanted] = _cst_walk.Pruner(wanted)
    _cst_walk.walk(module, actions, on_error, pruner, meta.parents, meta.nodes)


def is_cst_node(value: object) -> TypeGuard[libcst.CSTNode]:
    """True for a libcst node (a replacement-node fix)."""
    return isinstance(value, libcst.CSTNode)


def resolve_positions(meta: FileMetadata, with_fix_ranges: bool) -> tuple[Any, Any]:
    """PositionProvider ranges, and whitespace-inclusive ones when a fix needs them, from
    the file's :class:`~analyzer.rules._cst_meta.FileMetadata` (one codegen pass for both)."""
    if with_fix_ranges:
        return meta.resolve(PositionProvider), meta.resolve(WhitespaceInclusivePositionProvider)
    return meta.resolve(PositionProvider), None


def node_range(ranges: Any, node: object) -> tuple[int, int, int, int]:
    """(line, column, end_line, end_column), 1-based, of a reported CST node."""
    code_range = ranges[node]
    return (
        code_range.start.line,
        code_range.start.column + 1,
        code_range.end.line,
        code_range.end.column + 1,
    )


def replacement_fix(
    module: libcst.Module, fix_ranges: Any, old: object, new: libcst.CSTNode, rule_name: str
) -> Fix:
    """The edit replacing ``old`` (with the whitespace it owns) by the code of ``new``."""
    code_range = fix_ranges[old]
    edit = Edit(
        module.code_for_node(new),
        code_range.start.line,
        code_range.start.column + 1,
        code_range.end.line,
        code_range.end.column + 1,
    )
    return Fix("safe", f"{rule_name}: apply the suggested replacement", (edit,))
