"""The libcst side of the module-rule runner: the fan-out visitor, CST positions, node fixes.

Kept apart from ``_runner`` so that a run with only AST rules never imports libcst.
libcst positions count characters with 0-based columns and an exclusive end; shoal's are
1-based, so columns are shifted by one here and nowhere else.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst
from libcst.metadata import MetadataWrapper, PositionProvider, WhitespaceInclusivePositionProvider

from analyzer.rules._diagnostic import Edit, Fix


class _FanOutVisitor(libcst.CSTVisitor):
    """One libcst visitor calling every CST rule's visit_*/leave_* methods for each node."""

    def __init__(
        self,
        actions: dict[type, tuple[tuple, tuple]],
        on_error: Callable[[Any, Exception, object], None],
    ) -> None:
        super().__init__()
        self._actions = actions
        self._on_error = on_error

    def on_visit(self, node: libcst.CSTNode) -> bool:
        action = self._actions.get(node.__class__)
        if action is not None:
            for fn in action[0]:
                try:
                    fn(node)
                except Exception as exc:
                    self._on_error(fn, exc, node)
        return True

    def on_leave(self, original_node: libcst.CSTNode) -> None:
        action = self._actions.get(original_node.__class__)
        if action is not None:
            for fn in action[1]:
                try:
                    fn(original_node)
                except Exception as exc:
                    self._on_error(fn, exc, original_node)

    # Attribute visitors (visit_Node_attr) are not part of shoal's rule API; skipping the
    # per-attribute getattr that CSTVisitor does by default saves a third of the walk.
    def on_visit_attribute(self, node: libcst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: libcst.CSTNode, attribute: str) -> None:
        return None


def visit(module: libcst.Module, actions: dict[type, tuple[tuple, tuple]], on_error: Any) -> None:
    """Walk ``module`` once, dispatching to the bound rule methods in ``actions``."""
    module.visit(_FanOutVisitor(actions, on_error))


def wrap(module: libcst.Module) -> MetadataWrapper:
    """A metadata wrapper over ``module`` itself (no copy: rules hold its nodes)."""
    return MetadataWrapper(module, unsafe_skip_copy=True)


def is_cst_node(value: object) -> bool:
    """True for a libcst node (a replacement-node fix)."""
    return isinstance(value, libcst.CSTNode)


def resolve_positions(wrapper: MetadataWrapper, with_fix_ranges: bool) -> tuple[Any, Any]:
    """PositionProvider ranges, and whitespace-inclusive ones when a fix needs them."""
    if with_fix_ranges:
        resolved = wrapper.resolve_many([PositionProvider, WhitespaceInclusivePositionProvider])
        return resolved[PositionProvider], resolved[WhitespaceInclusivePositionProvider]
    return wrapper.resolve(PositionProvider), None


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
