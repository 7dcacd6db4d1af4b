"""The scope analysis in annotations: postponed and string annotations, typing-aware calls.

pyflakes reads a name in an annotation differently: under ``from __future__ import
annotations`` (or on 3.14+) annotations are deferred to the end of the module, a string
annotation is parsed and walked in string state, ``Literal[...]`` and the metadata of
``Annotated[...]`` are plain values, and some ``typing`` calls (``cast``, ``TypeVar``,
``NamedTuple``...) hold annotations in some arguments only. :class:`_AnnotationVisitor`
tracks that state (``ann``) for the visitors built on it.
"""
from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from typing import Any

from analyzer.frontend import parse_module
from analyzer.rules._bindings import _B, _FUNC, _LAMBDA
from analyzer.rules._scope_state import _BARE, _NONE, _STRING, _ScopeState

#: The subscripted names whose arguments are values, not annotations (in part).
_SPECIAL = frozenset({"Literal", "Annotated"})
#: ``typing`` members whose calls take annotations as arguments, by the kind handled.
_TYPING_CALLS = {
    "cast": "cast", "assert_type": "assert_type", "TypeVar": "TypeVar", "NewType": "NewType",
    "TypedDict": "TypedDict", "NamedTuple": "NamedTuple", "ParamSpec": "ParamSpec",
    "TypeVarTuple": "ParamSpec",
}


class _AnnotationVisitor(_ScopeState):
    """Annotation state and the nodes whose meaning depends on it."""

    def _annotation(self, node: ast.AST) -> None:
        if self.future_annotations or sys.version_info >= (3, 14):
            self._defer(self._postponed_annotation, node)
        else:
            self._annotation_now(node)

    def _postponed_annotation(self, node: ast.AST) -> None:
        """An annotation Python does not evaluate (PEP 563): a forward reference, read as
        ruff reads one (``_load``); a typing call's type argument, ``cast(T, x)``, is
        evaluated where it stands and is none."""
        saved = self.forward
        self.forward = True
        self._annotation_now(node)
        self.forward = saved

    def _annotation_now(self, node: ast.AST) -> None:
        saved = self.ann
        self.ann = _BARE
        self.visit(node)
        self.ann = saved

    def v_Constant(self, node: ast.Constant) -> None:
        if self.ann and isinstance(node.value, str):
            self._defer(self._string_annotation, node)

    def _string_annotation(self, node: ast.Constant) -> None:
        source = node.value
        assert isinstance(source, str)  # v_Constant defers str constants only
        try:
            tree = parse_module(source)
        except (SyntaxError, ValueError):
            return  # pyflakes' F722, not a binding matter
        body = tree.body
        if len(body) != 1 or not isinstance(body[0], ast.Expr):
            return
        expr = body[0].value
        # The parsed tree is ours: findings inside it point at the string, as in pyflakes.
        # Expressions, keywords and lambda arguments are the located nodes an expression holds.
        for sub in ast.walk(expr):
            if isinstance(sub, (ast.expr, ast.keyword, ast.arg)):
                sub.lineno = node.lineno
                sub.col_offset = node.col_offset
                sub.end_lineno = node.end_lineno
                sub.end_col_offset = node.end_col_offset
        self.string_annotations.append(expr)
        saved = self.ann
        self.ann = _STRING
        self.visit(expr)
        self.ann = saved

    def v_Subscript(self, node: ast.Subscript) -> None:
        value: Any = node.value  # typed by the class tests below
        cls = value.__class__
        name = value.id if cls is ast.Name else value.attr if cls is ast.Attribute else None
        if cls is ast.Name and name in self.typing_names and name not in _SPECIAL:
            # `from typing import Literal as _Literal` (numba's stubs): its strings are values
            # too. pyflakes goes by the text alone and reports them as undefined names.
            if self._is_typing(value, "Literal"):
                name = "Literal"
            elif self._is_typing(value, "Annotated"):
                name = "Annotated"
        literal = name == "Literal"
        annotated = name == "Annotated"
        if literal:
            self.visit(value)
            saved = self.ann
            self.ann = _NONE
            self.visit(node.slice)
            self.ann = saved
        elif annotated:
            self.visit(value)
            sl = node.slice
            if isinstance(sl, ast.Tuple) and len(sl.elts) >= 2:
                # The type is one wherever Annotated is (`list[Annotated['MyInt', 3]]` at run
                # time): its string a forward reference, as ruff reads it.
                self._with_ann(self.ann or _BARE, sl.elts[:1])
                saved = self.ann
                self.ann = _NONE
                self._visit_all(sl.elts[1:])
                self.ann = saved
            else:
                self.visit(sl)
        elif self._is_typing(value, None):
            saved = self.ann
            self.ann = _BARE
            self.visit(value)
            self.visit(node.slice)
            self.ann = saved
        else:
            self.visit(value)
            self.visit(node.slice)

    def _with_ann(self, state: int, nodes: Iterable[ast.AST | None]) -> None:
        saved = self.ann
        self.ann = state
        self._visit_all(nodes)
        self.ann = saved

    def v_Call(self, node: ast.Call) -> None:
        func = node.func
        args = node.args
        if func.__class__ is ast.Name and func.id == "locals":
            self._uses_locals()
        for a in args:
            if a.__class__ is ast.Name and a.id == "locals":
                self._uses_locals()
        kind = None
        # What _is_typing asks first, asked here: most callees are no name a typing import
        # bound, and this runs on every call of the tree.
        typing_names = self.typing_names
        if typing_names and (
                (func.__class__ is ast.Name and func.id in typing_names)
                or (func.__class__ is ast.Attribute and func.value.__class__ is ast.Name
                    and func.value.id in typing_names)):
            kind = self._typing_call(func)
        if kind is None:
            self.visit(func)
            if self.ann:
                # A call in an annotation takes values (`dt.Timestamp("UTC")`,
                # `ForwardRef('__types["B"]')`): its strings are no forward references, as
                # ruff reads them (pyflakes parses them and reports their names undefined).
                self._with_ann(_NONE, args)
                self._with_ann(_NONE, node.keywords)
            else:
                self._visit_all(args)
                self._visit_all(node.keywords)
            return
        ann = self._with_ann
        ann(_NONE, (func,))
        keywords = node.keywords
        if kind == "cast":
            ann(_BARE, args[:1])
            ann(_NONE, args[1:])
            for k in keywords:
                ann(_BARE if k.arg == "typ" else _NONE, (k,))
        elif kind == "assert_type":
            ann(_NONE, args[:1])
            ann(_BARE, args[1:])
            ann(_NONE, keywords)
        elif kind == "TypeVar":
            ann(_NONE, args[:1])
            ann(_BARE, args[1:])
            for k in keywords:
                ann(_BARE if k.arg in ("bound", "default") else _NONE, (k,))
        elif kind == "ParamSpec":
            ann(_NONE, args)
            for k in keywords:
                ann(_BARE if k.arg in ("bound", "default") else _NONE, (k,))
        elif kind == "NewType":
            ann(_NONE, args[:1])
            ann(_BARE, args[1:])
            for k in keywords:
                ann(_BARE if k.arg == "tp" else _NONE, (k,))
        elif kind == "TypedDict":
            ann(_NONE, args[:1])
            if len(args) > 1 and isinstance(args[1], ast.Dict):
                for key, v in zip(args[1].keys, args[1].values, strict=False):
                    ann(_NONE, (key,))
                    ann(_BARE, (v,))
                ann(_NONE, args[2:])
            else:
                ann(_NONE, args[1:])
            ann(_NONE if sys.version_info >= (3, 13) else _BARE, keywords)
        else:  # NamedTuple
            ann(_NONE, args[:1])
            if len(args) > 1 and isinstance(args[1], (ast.Tuple, ast.List)):
                for elt in args[1].elts:
                    if isinstance(elt, (ast.Tuple, ast.List)):
                        ann(_NONE, elt.elts[:1])
                        ann(_BARE, elt.elts[1:])
                    else:
                        ann(_NONE, (elt,))
                ann(_NONE, args[2:])
            else:
                ann(_NONE, args[1:])
            ann(_NONE if sys.version_info >= (3, 15) else _BARE, keywords)

    def _typing_call(self, func: ast.AST) -> str | None:
        # One scope lookup per call (this runs on every call in the tree), then the member.
        if not self._is_typing(func, None):
            return None
        if isinstance(func, ast.Name):
            binding = self._lookup(func.id)
            member = binding.real_name if isinstance(binding, _B) else None
        else:
            member = func.attr if isinstance(func, ast.Attribute) else None
        return _TYPING_CALLS.get(member) if member else None

    def _uses_locals(self) -> None:
        scope = self.stack[-1]
        if scope.kind == _FUNC or scope.kind == _LAMBDA:
            scope.uses_locals = True
