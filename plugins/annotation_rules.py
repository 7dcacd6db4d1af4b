"""Built-in rule F722: a string annotation that is not one Python expression.

Where pyflakes reads a string as an annotation, so does this rule: parameter, return and
variable annotations; the type arguments of ``typing`` calls (``cast``, ``assert_type``,
``TypeVar``, ``ParamSpec``, ``TypeVarTuple``, ``NewType``, ``NamedTuple``, ``TypedDict``);
a subscript of any ``typing`` member (``Optional['X']``) anywhere; the value of an assignment
annotated ``TypeAlias``. The strings of ``Literal[...]`` and the metadata of
``Annotated[T, ...]`` are values, not annotations, under any name a typing import binds
them to (pyflakes knows them by name only). ``typing`` names are recognised through
the scope analysis (``from typing import cast as c``, ``import typing as t``), which is asked
for only when a call or subscript could be one.
"""
from __future__ import annotations

import ast
import sys
import warnings

from analyzer.rules import Invalid, LintRule, RuleContext, ScopeProvider, Valid

_TYPING_MODULES = frozenset({"typing", "typing_extensions"})
#: Positional arguments (from this index on) and keywords that are annotations, per call.
_CALLS: dict[str, tuple[int | None, frozenset[str]]] = {
    "cast": (0, frozenset({"typ"})),
    "assert_type": (1, frozenset()),
    "TypeVar": (1, frozenset({"bound", "default"})),
    "ParamSpec": (None, frozenset({"bound", "default"})),
    "TypeVarTuple": (None, frozenset({"bound", "default"})),
    "NewType": (1, frozenset({"tp"})),
}


def _name_is(node: ast.expr, name: str) -> bool:
    return (isinstance(node, ast.Name) and node.id == name) or (
        isinstance(node, ast.Attribute) and node.attr == name
    )


class ForwardAnnotationSyntaxError(LintRule):
    """F722: a string annotation must hold one Python expression."""

    CODE = "F722"
    NAME = "forward-annotation-syntax-error"
    EQUIVALENT = "pyflakes F722, ruff F722"
    EQUIVALENT_NOTE = ("as ruff: the strings of `Literal[...]` and `Annotated[T, ...]`'s "
                       "metadata are values under any name a typing import binds them to; "
                       "pyflakes knows them by name only")
    MESSAGE = "syntax error in forward annotation"
    TREE = "ast"
    METADATA_DEPENDENCIES = (ScopeProvider,)
    VALID = [
        Valid("def f(a: 'int') -> 'List[int]':\n    pass\n"),
        Valid("x: Literal['a b'] = 1\n"),
        Valid("x: Annotated[int, 'a b'] = 1\n"),
        Valid("def cast(a, b): pass\ncast('a b', 1)\n"),
        Valid("from typing import Literal as L, Annotated as A\n"
              "def f(x: L['a b'], y: A[int, 'c d']) -> None: ...\n"),
    ]
    INVALID = [
        Invalid("x: 'a b' = 1\n", line=1, column=4,
                message="syntax error in forward annotation 'a b'"),
        Invalid("def f(a: List['a b']): pass\n", line=1, column=15),
        Invalid("def f() -> 'x = 1': pass\n", line=1, column=12),
        Invalid("from typing import cast as c\nc('a b', x)\n", line=2, column=3),
        Invalid("import typing as t\nT = t.TypeVar('T', bound='a b')\n", line=2, column=26),
        Invalid("from typing import Optional\nx = Optional['a b']\n", line=2, column=14),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        # No typing member can be named in a file that never says "typing": the calls and
        # subscripts of every other file are skipped at the cost of one substring search.
        self._typing_names: dict[str, str] | None = None if "typing" in context.source else {}
        # Strings already reported: a typing subscript inside an annotation is reached twice.
        self._reported: set[int] = set()

    # -- annotations ------------------------------------------------------------------------

    def visit_arg(self, node: ast.arg) -> None:
        if node.annotation is not None:
            self._annotation(node.annotation, None)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if node.returns is not None:
            self._annotation(node.returns, None)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._annotation(node.annotation, None)
        if node.value is not None and self._typing_member(node.annotation) == "TypeAlias":
            self._annotation(node.value, None)

    # -- typing calls and subscripts outside annotations -------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        if self._typing_names == {} or not (node.args or node.keywords):
            return
        if not isinstance(node.func, (ast.Name, ast.Attribute)):
            return
        member = self._typing_member(node.func)
        if member is None:
            return
        if member in _CALLS:
            first, keywords = _CALLS[member]
            if first is not None:
                for arg in node.args[first:first + 1] if member == "cast" else node.args[first:]:
                    self._annotation(arg, None)
            for keyword in node.keywords:
                if keyword.arg in keywords:
                    self._annotation(keyword.value, None)
        elif member == "NamedTuple":
            fields = node.args[1] if len(node.args) > 1 else None
            if isinstance(fields, (ast.List, ast.Tuple)):
                for field in fields.elts:
                    if isinstance(field, (ast.List, ast.Tuple)):
                        for part in field.elts[1:]:
                            self._annotation(part, None)
            if sys.version_info < (3, 15):
                for keyword in node.keywords:
                    self._annotation(keyword.value, None)
        elif member == "TypedDict":
            fields = node.args[1] if len(node.args) > 1 else None
            if isinstance(fields, ast.Dict):
                for value in fields.values:
                    self._annotation(value, None)
            if sys.version_info < (3, 13):
                for keyword in node.keywords:
                    self._annotation(keyword.value, None)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if self._typing_names == {} or not isinstance(node.value, (ast.Name, ast.Attribute)):
            return
        if self._typing_member(node.value) is not None and self._has_string(node.slice):
            self._annotation(node, None)

    @staticmethod
    def _has_string(node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str)
        return any(isinstance(sub, ast.Constant) and isinstance(sub.value, str)
                   for sub in ast.walk(node))

    def _typing_member(self, node: ast.expr) -> str | None:
        """The ``typing`` member that ``node`` names (``c`` bound by ``from typing import cast
        as c`` is ``cast``; so is ``t.cast`` after ``import typing as t``), else None."""
        names = self._typing_names
        if names is None:
            names = self._typing_names = {}
            for name, qualified in self.get_metadata(ScopeProvider).imported_names.items():
                module, _, member = qualified.rpartition(".")
                if qualified in _TYPING_MODULES:
                    names[name] = ""
                elif module in _TYPING_MODULES:
                    names[name] = member
        if isinstance(node, ast.Name):
            return names.get(node.id) or None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return node.attr if names.get(node.value.id) == "" else None
        return None

    # -- the strings ------------------------------------------------------------------------

    def _annotation(self, node: ast.expr, outer: ast.expr | None) -> None:
        """Check the strings of one annotation (an annotation's own expressions are few: this
        walks them, not the file). ``outer``: the string this one was parsed from."""
        stack = [node]
        while stack:
            expr = stack.pop()
            if isinstance(expr, ast.Constant):
                if isinstance(expr.value, str):
                    self._string(expr.value, outer if outer is not None else expr)
            elif isinstance(expr, ast.Subscript):
                value = expr.value
                stack.append(value)
                # By name as pyflakes has it, or bound by a typing import under another name
                # (`from typing import Literal as _Literal`, numba's stubs).
                member = self._typing_member(value) if isinstance(value, ast.Name) else None
                if _name_is(value, "Literal") or member == "Literal":
                    continue  # the strings of Literal['a'] are values
                slice_ = expr.slice
                if ((_name_is(value, "Annotated") or member == "Annotated")
                        and isinstance(slice_, ast.Tuple) and len(slice_.elts) > 1):
                    stack.append(slice_.elts[0])  # the rest is metadata
                else:
                    stack.append(slice_)
            else:
                stack.extend(child for child in ast.iter_child_nodes(expr)
                             if isinstance(child, ast.expr))

    def _string(self, text: str, node: ast.expr) -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the checked code's, not the check's
                body = ast.parse(text).body
        except (SyntaxError, ValueError):
            body = []
        if len(body) != 1 or not isinstance(body[0], ast.Expr):
            if id(node) not in self._reported:
                self._reported.add(id(node))
                self.report(node, f"syntax error in forward annotation {text!r}")
            return
        # A string inside the string is an annotation too; it reports where the outer one is.
        self._annotation(body[0].value, node)


#: The rules of this module.
RULES: tuple[type[LintRule], ...] = (ForwardAnnotationSyntaxError,)
