"""The enclosing functions, classes, loops and comprehensions of a node, for the rules of
:mod:`plugins.compile_rules`: a stack of frames pushed on entering those nodes and popped on
leaving them, in the one shared traversal. A node that sits in the part of a frame evaluated
outside it (a default or decorator of a function, the bases of a class, the first iterable of
a comprehension, the ``else`` of a loop) belongs to the frame below, which is decided by
position, so no parent links are needed. Not a rule module: it defines no rule.
"""
from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from analyzer.rules import LintRule, RuleContext

__all__ = ["_ASYNC_FUNCTION", "_CLASS", "_COMPREHENSION", "_COMPREHENSION_NAMES", "_EXCEPT_STAR",
           "_FUNCTION", "_LAMBDA", "_LOOP", "_SCOPES", "_SCOPES_AND_COMPREHENSIONS", "_AllFrames",
           "_ComprehensionFrames", "_Frame", "_Frames", "_LoopFrames"]

_FUNCTION, _ASYNC_FUNCTION, _LAMBDA, _CLASS, _LOOP, _COMPREHENSION, _EXCEPT_STAR = range(7)
_SCOPES = (_FUNCTION, _ASYNC_FUNCTION, _LAMBDA, _CLASS)
_SCOPES_AND_COMPREHENSIONS = (*_SCOPES, _COMPREHENSION)
_COMPREHENSION_NAMES = {ast.ListComp: "list comprehension", ast.SetComp: "set comprehension",
                        ast.DictComp: "dict comprehension", ast.GeneratorExp: "generator expression"}


def _pos(node: ast.AST) -> tuple[int, int]:
    return node.lineno, node.col_offset  # type: ignore[attr-defined]


class _Frame:
    """One enclosing function, class, loop, comprehension or ``except*`` handler."""

    __slots__ = ("kind", "node")

    def __init__(self, kind: int, node: ast.AST) -> None:
        self.kind = kind
        self.node = node

    def holds(self, node: ast.AST) -> bool:
        """``node`` (a descendant) runs inside this frame, not in the part evaluated outside."""
        frame = self.node
        kind = self.kind
        where = _pos(node)
        if kind == _LAMBDA:
            return where >= _pos(frame.body)  # type: ignore[attr-defined]
        if kind == _LOOP:
            orelse = frame.orelse  # type: ignore[attr-defined]
            return where >= _pos(frame.body[0]) and (  # type: ignore[attr-defined]
                not orelse or where < _pos(orelse[0]))
        if kind == _COMPREHENSION:
            first = frame.generators[0].iter  # type: ignore[attr-defined]
            end = (first.end_lineno, first.end_col_offset)
            return not (_pos(first) <= where and (node.end_lineno, node.end_col_offset) <= end)  # type: ignore[attr-defined]
        if kind == _EXCEPT_STAR:
            return True
        return where >= _pos(frame.body[0])  # type: ignore[attr-defined]


#: The frame stack of the file being checked, shared by the frame rules: the runner calls
#: them one after another on each node, so the first to enter a node pushes its frame and the
#: others find it on top (and the first to leave it pops it). Each rule reads only the kinds
#: of frame it pushes itself, so any selection of them sees a complete stack.
_shared: tuple[RuleContext | None, list[_Frame]] = (None, [])


def _frames_of(context: RuleContext) -> list[_Frame]:
    global _shared
    if _shared[0] is not context:
        _shared = (context, [])
    return _shared[1]


def _pusher(kind: int, name: str) -> Callable[[_Frames, Any], None]:
    """The visit method ``name`` that pushes a frame of ``kind``: a frame rule's visit of a
    function or a loop is one call, not two (every frame rule is called on each one)."""

    def push(self: _Frames, node: Any) -> None:  # Any: subclasses narrow the node's type
        frames = self.frames
        if not frames or frames[-1].node is not node:
            frames.append(_Frame(kind, node))

    push.__name__ = push.__qualname__ = name
    return push


class _Frames(LintRule):
    """Tracks the enclosing functions and classes (abstract: no CODE)."""

    TREE = "ast"

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self.frames = _frames_of(context)

    def enclosing(self, node: ast.AST, kinds: tuple[int, ...] | None = None) -> _Frame | None:
        """The innermost frame (of ``kinds``) that ``node`` runs in; None: the module."""
        for frame in reversed(self.frames):
            if (kinds is None or frame.kind in kinds) and frame.holds(node):
                return frame
        return None

    def _pop(self, node: ast.AST) -> None:
        frames = self.frames
        if frames and frames[-1].node is node:
            frames.pop()

    visit_FunctionDef = _pusher(_FUNCTION, "visit_FunctionDef")
    visit_AsyncFunctionDef = _pusher(_ASYNC_FUNCTION, "visit_AsyncFunctionDef")
    visit_Lambda = _pusher(_LAMBDA, "visit_Lambda")
    visit_ClassDef = _pusher(_CLASS, "visit_ClassDef")

    leave_FunctionDef = leave_AsyncFunctionDef = leave_Lambda = leave_ClassDef = _pop


class _LoopFrames(_Frames):
    """Also tracks loops (abstract: no CODE)."""

    visit_For = visit_AsyncFor = visit_While = _pusher(_LOOP, "visit_For")
    leave_For = leave_AsyncFor = leave_While = _Frames._pop

    def outside_loop(self, node: ast.AST) -> bool:
        """``break``/``continue`` at ``node`` has no loop around it in its function."""
        for frame in reversed(self.frames):
            if frame.holds(node):
                if frame.kind == _LOOP:
                    return False
                if frame.kind in _SCOPES:
                    return True
        return True


class _ComprehensionFrames(_Frames):
    """Also tracks comprehensions (abstract: no CODE)."""

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _pusher(
        _COMPREHENSION, "visit_ListComp")
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _Frames._pop


class _AllFrames(_LoopFrames, _ComprehensionFrames):
    """Tracks every kind of frame (abstract: no CODE)."""

    #: for a rule that tells which handlers belong to an ``except*`` (no node class does)
    _push_except_star = _pusher(_EXCEPT_STAR, "_push_except_star")
