"""The gate before libcst: a file phase 1 hands to libcst only when it is small and shallow
enough for libcst's parser, parsed at most once and only when a CST rule or extractor asks.
"""
from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst

__all__ = ["MAX_CST_BYTES", "MAX_CST_DEPTH", "TooDeepForCST", "cst_factory", "tree_depth"]

#: Files above this size are still checked, but never handed to libcst: its parser is
#: super-linear on some shapes and a 10 MB generated file is not what CST rules are for.
MAX_CST_BYTES = 2_000_000

#: Nor a tree nested deeper than this: libcst's parse time grows with the square of the
#: depth (2,000 levels: 1.3 s, 4,000: 10 s) and its native parser can overflow the C
#: stack past that, killing the process (fatal with --workers 0). The deepest file of the
#: standard library nests 33 levels.
MAX_CST_DEPTH = 1_000


def cst_factory(text: str, tree: ast.AST) -> Callable[[], libcst.Module]:
    """A parse of ``text`` by libcst, refused (:class:`TooDeepForCST`) for too deep a tree."""

    def parse() -> libcst.Module:
        import libcst  # lazy: only files with a selected CST rule pay for libcst

        depth = tree_depth(tree, MAX_CST_DEPTH)
        if depth > MAX_CST_DEPTH:
            # refused: the CST rules get one SH900 each, the ast rules run as usual
            raise TooDeepForCST(f"it nests more than {MAX_CST_DEPTH} levels deep, "
                                "which libcst cannot parse safely")
        return libcst.parse_module(text)

    return parse


class TooDeepForCST(ValueError):
    """A file nested too deep to hand to libcst."""


def tree_depth(tree: ast.AST, limit: int) -> int:
    """The nesting depth of ``tree``, counted up to ``limit + 1`` (a loop, not recursion)."""
    best = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > best:
            best = depth
            if best > limit:
                break
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return best
