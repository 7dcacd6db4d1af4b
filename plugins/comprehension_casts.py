"""Built-in flake8-comprehensions rules (ruff's C4) on casts within casts, comprehensions
that only copy and maps of a lambda: C413-C420.

Codes, positions and messages are ruff's (each form checked against ruff 0.17); off by
default; no fixes yet.
"""
from __future__ import annotations

import ast
from typing import ClassVar

from analyzer.rules import Invalid, LintRule, RuleContext, ScopeProvider, Valid
from plugins._bugbear_names import is_builtin
from plugins.comprehension_rules import (
    BuiltinCallRule,
    builtin_called,
    copies_only,
    only_argument,
    same,
)

__all__ = ["RULES"]


class UnnecessaryCallAroundSorted(BuiltinCallRule):
    """C413: ``list(sorted(x))`` copies a new list; ``reversed(sorted(x))`` is
    ``sorted(x, reverse=True)``."""

    CODE = "C413"
    NAME = "unnecessary-call-around-sorted"
    EQUIVALENT = "flake8-comprehensions C413, ruff C413"
    MESSAGE = "Unnecessary call around `sorted()`"
    CALLEES = frozenset({"list", "reversed"})
    VALID: ClassVar[list[Valid]] = [Valid("list(reversed(x))\nsorted(x)\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("v = list(sorted(x, key=f))\n", line=1, column=5,
                message="Unnecessary `list()` call around `sorted()`"),
        Invalid("v = reversed(sorted(x))\n", line=1, column=5),
    ]

    def judge(self, name: str, node: ast.Call) -> str | None:
        if builtin_called(self, only_argument(node), frozenset({"sorted"})):
            return f"Unnecessary `{name}()` call around `sorted()`"
        return None


#: For each outer cast, the inner calls whose result it recomputes.
_DOUBLE = {
    "set": frozenset({"list", "tuple", "sorted", "reversed", "set"}),
    "sorted": frozenset({"list", "tuple", "sorted", "reversed"}),
    "list": frozenset({"list", "tuple"}),
    "tuple": frozenset({"list", "tuple"}),
}


class UnnecessaryDoubleCastOrProcess(BuiltinCallRule):
    """C414: ``sorted(list(x))`` and ``set(sorted(x))``: the inner call changes nothing the
    outer keeps."""

    CODE = "C414"
    NAME = "unnecessary-double-cast-or-process"
    EQUIVALENT = "flake8-comprehensions C414, ruff C414"
    MESSAGE = "Unnecessary call within a cast"
    CALLEES = frozenset(_DOUBLE)
    VALID: ClassVar[list[Valid]] = [
        Valid("sorted(sorted(x, key=f))\nsorted(sorted(x), key=g)\nlist(set(x))\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("v = set(sorted(x, key=f))\n", line=1, column=5,
                message="Unnecessary `sorted()` call within `set()`"),
        Invalid("v = sorted(list(x), key=f)\n", line=1, column=5),
    ]

    def judge(self, name: str, node: ast.Call) -> str | None:
        if not node.args:
            return None
        inner_node = node.args[0]
        inner = builtin_called(self, inner_node, _DOUBLE[name])
        if inner is None:
            return None
        # Sorting twice differs when either sorts by its own key or order (as ruff reads it).
        if name == inner == "sorted" and (node.keywords or inner_node.keywords):  # type: ignore[attr-defined]
            return None
        return f"Unnecessary `{inner}()` call within `{name}()`"


def _reversal(node: ast.expr | None) -> bool:
    """``x[::-1]``."""
    if not isinstance(node, ast.Subscript) or not isinstance(node.slice, ast.Slice):
        return False
    piece = node.slice
    step = piece.step
    return (piece.lower is None and piece.upper is None and isinstance(step, ast.UnaryOp)
            and isinstance(step.op, ast.USub) and isinstance(step.operand, ast.Constant)
            and step.operand.value == 1)


class UnnecessarySubscriptReversal(BuiltinCallRule):
    """C415: ``sorted(x[::-1])``: the order it reverses is not kept."""

    CODE = "C415"
    NAME = "unnecessary-subscript-reversal"
    EQUIVALENT = "flake8-comprehensions C415, ruff C415"
    MESSAGE = "Unnecessary subscript reversal of iterable"
    CALLEES = frozenset({"set", "sorted", "reversed"})
    VALID: ClassVar[list[Valid]] = [Valid("set(x[1::-1])\nlist(x[::-1])\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("v = sorted(x[::-1], key=f)\n", line=1, column=5,
                message="Unnecessary subscript reversal of iterable within `sorted()`"),
    ]

    def judge(self, name: str, node: ast.Call) -> str | None:
        if node.args and _reversal(node.args[0]):
            return f"Unnecessary subscript reversal of iterable within `{name}()`"
        return None


class UnnecessaryDictCall(BuiltinCallRule):
    """C418: ``dict({...})`` copies the dict the literal or comprehension made."""

    CODE = "C418"
    NAME = "unnecessary-literal-within-dict-call"
    EQUIVALENT = "flake8-comprehensions C418, ruff C418"
    MESSAGE = "Unnecessary dict passed to `dict()` (remove the outer call to `dict()`)"
    CALLEES = frozenset({"dict"})
    VALID: ClassVar[list[Valid]] = [Valid("dict({1: 2}, a=1)\ndict(x)\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("v = dict({'a': 1})\n", line=1, column=5, message=(
            "Unnecessary dict literal passed to `dict()` (remove the outer call to `dict()`)")),
        Invalid("v = dict({k: 1 for k in y if k})\n", line=1, column=5),
    ]

    def judge(self, name: str, node: ast.Call) -> str | None:
        arg = only_argument(node)
        if isinstance(arg, ast.Dict):
            kind = "literal"
        elif isinstance(arg, ast.DictComp):
            kind = "comprehension"
        else:
            return None
        return (f"Unnecessary dict {kind} passed to `dict()` (remove the outer call to "
                "`dict()`)")


class UnnecessaryComprehensionInCall(LintRule):
    """C419: ``any([...])`` builds the whole list first; a generator stops at the answer."""

    CODE = "C419"
    NAME = "unnecessary-comprehension-in-call"
    EQUIVALENT = "flake8-comprehensions C419, ruff C419"
    MESSAGE = "Unnecessary list comprehension"
    TREE = "ast"
    DEFAULT_ENABLED = False
    METADATA_DEPENDENCIES = (ScopeProvider,)
    VALID: ClassVar[list[Valid]] = [Valid("any(x for x in y)\nall(x)\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("ok = any([f(x) for x in y])\n", line=1, column=10),
        Invalid("ok = all({f(x) for x in y})\n", line=1, column=10,
                message="Unnecessary set comprehension"),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        arg = node.args[0] if node.args else None  # as ruff, whatever follows it
        if (isinstance(arg, (ast.ListComp, ast.SetComp))
                and builtin_called(self, node, _ANY_ALL) is not None):
            kind = "list" if isinstance(arg, ast.ListComp) else "set"
            self.report(arg, f"Unnecessary {kind} comprehension")


class UnnecessaryComprehension(LintRule):
    """C416: ``[x for x in y]`` is ``list(y)``; ``{k: v for k, v in y}`` is ``dict(y)``."""

    CODE = "C416"
    NAME = "unnecessary-comprehension"
    EQUIVALENT = "flake8-comprehensions C416, ruff C416"
    MESSAGE = "Unnecessary comprehension"
    TREE = "ast"
    DEFAULT_ENABLED = False
    VALID: ClassVar[list[Valid]] = [
        Valid("[f(x) for x in y]\n[(a, b) for a, b in y]\n[x for x in y if x]\n"
              "{v: k for k, v in y}\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("v = [x for x in y]\n", line=1, column=5,
                message="Unnecessary list comprehension (rewrite using `list()`)"),
        Invalid("v = {k: v for k, v in y.items()}\n", line=1, column=5,
                message="Unnecessary dict comprehension (rewrite using `dict()`)"),
    ]

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp) -> None:
        # A tuple target unpacks: `[(a, b) for a, b in y]` turns lists into tuples.
        if copies_only(node) and isinstance(node.generators[0].target, ast.Name):
            kind = "list" if isinstance(node, ast.ListComp) else "set"
            self.report(node, f"Unnecessary {kind} comprehension (rewrite using `{kind}()`)")

    visit_SetComp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> None:
        if copies_only(node):
            self.report(node, "Unnecessary dict comprehension (rewrite using `dict()`)")


#: What makes a new object each time it is evaluated, or may.
_NEW = (ast.Call, ast.Lambda, ast.List, ast.Dict, ast.Set, ast.ListComp, ast.SetComp,
        ast.DictComp, ast.GeneratorExp, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)


class UnnecessaryDictComprehensionForIterable(LintRule):
    """C420: ``{k: None for k in y}`` is ``dict.fromkeys(y)``."""

    CODE = "C420"
    NAME = "unnecessary-dict-comprehension-for-iterable"
    EQUIVALENT = "flake8-comprehensions C420, ruff C420"
    MESSAGE = "Unnecessary dict comprehension for iterable; use `dict.fromkeys` instead"
    TREE = "ast"
    DEFAULT_ENABLED = False
    METADATA_DEPENDENCIES = (ScopeProvider,)
    VALID: ClassVar[list[Valid]] = [
        Valid("{k: [] for k in y}\n{k: f() for k in y}\n{k: 1 for k in y if k}\n"
              "{k: set() for k in y}\n{k: lambda: 1 for k in y}\n{k: [1] * 2 for k in y}\n"
              "{k.a: 1 for k in y}\n{k: k for k in y}\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("v = {k: None for k in y}\n", line=1, column=5),
        Invalid("v = {(a, b): 0 for a, b in y}\n", line=1, column=5),
        Invalid("v = {p: -1 for p in y}\nw = {e: self.ext for e in y}\n", line=1, column=5),
        Invalid("v = {g: values[key] for g in glyphs}\n", line=1, column=5),
    ]

    def visit_DictComp(self, node: ast.DictComp) -> None:
        if len(node.generators) != 1:
            return
        generator = node.generators[0]
        if generator.ifs or generator.is_async:
            return
        if not same(node.key, generator.target):
            return
        bound = {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
        value = node.value
        # One value for every key, as ruff reads it: nothing in it makes a new object each
        # time (a call, `set()` too, a lambda, a list, dict or set, `[1] * 2`...), which
        # fromkeys would share, and no name the loop binds; `values[key]`, `x.y`, `x + 1`
        # and `(1, 2)` pass.
        if any(isinstance(n, _NEW) or (isinstance(n, ast.Name) and n.id in bound)
               for n in ast.walk(value)):
            return
        self.report(node)


_ANY_ALL = frozenset({"any", "all"})
_WRAPPERS = frozenset({"list", "set", "dict"})


def _plain_map(rule: LintRule, node: ast.AST) -> ast.Lambda | None:
    """The lambda of ``map(lambda x: ..., xs)`` as ruff reads a map a comprehension could
    replace: one iterable, not unpacked; a lambda of one plain parameter whose body neither
    yields nor makes another lambda."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "map" and len(node.args) == 2 and not node.keywords):
        return None
    function, iterable = node.args
    if not isinstance(function, ast.Lambda) or isinstance(iterable, ast.Starred):
        return None
    params = function.args
    if (len(params.posonlyargs) + len(params.args) != 1 or params.vararg or params.kwarg
            or params.kwonlyargs or params.defaults):
        return None
    if any(isinstance(n, (ast.Lambda, ast.Yield, ast.YieldFrom, ast.Await))
           for n in ast.walk(function.body)):
        return None
    return function if is_builtin(rule, node.func, "map") else None


class UnnecessaryMap(LintRule):
    """C417: ``map(lambda x: f(x), xs)`` is ``(f(x) for x in xs)``, and in ``list(...)`` a
    list comprehension."""

    CODE = "C417"
    NAME = "unnecessary-map"
    EQUIVALENT = "flake8-comprehensions C417, ruff C417"
    MESSAGE = "Unnecessary `map()` usage"
    TREE = "ast"
    DEFAULT_ENABLED = False
    METADATA_DEPENDENCIES = (ScopeProvider,)
    VALID: ClassVar[list[Valid]] = [
        Valid("map(f, y)\nmap(lambda x, z: x + z, a, b)\nmap(lambda: 1, y)\n"
              "map(lambda x=1: x, y)\nmap(lambda x: lambda: x, y)\nmap(lambda x: x, *ys)\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("v = map(lambda x: x * 2, y)\n", line=1, column=5, message=(
            "Unnecessary `map()` usage (rewrite using a generator expression)")),
        Invalid("v = list(map(lambda x: x * 2, y))\n", line=1, column=5, message=(
            "Unnecessary `map()` usage (rewrite using a list comprehension)")),
        Invalid("v = dict(map(lambda k: (k, k ** 2), y))\n", line=1, column=5, message=(
            "Unnecessary `map()` usage (rewrite using a dict comprehension)")),
        Invalid("v = tuple(map(lambda x: -x, y))\n", line=1, column=11),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._wrapped: set[int] = set()  # maps reported at the list/set/dict around them

    def visit_Call(self, node: ast.Call) -> None:
        wrapper = builtin_called(self, node, _WRAPPERS)
        if wrapper is not None:
            inner = only_argument(node)
            function = _plain_map(self, inner) if inner is not None else None
            if function is not None and (
                    wrapper != "dict" or (isinstance(function.body, (ast.Tuple, ast.List))
                                          and len(function.body.elts) == 2)):
                self._wrapped.add(id(inner))
                kind = {"list": "a list", "set": "a set", "dict": "a dict"}[wrapper]
                self.report(node, f"Unnecessary `map()` usage (rewrite using {kind} "
                                  "comprehension)")
                return
        if id(node) not in self._wrapped and _plain_map(self, node) is not None:
            self.report(node, "Unnecessary `map()` usage (rewrite using a generator "
                              "expression)")


#: The rules of this module.
RULES: tuple[type[LintRule], ...] = (
    UnnecessaryCallAroundSorted, UnnecessaryDoubleCastOrProcess, UnnecessarySubscriptReversal,
    UnnecessaryDictCall, UnnecessaryComprehensionInCall, UnnecessaryComprehension,
    UnnecessaryDictComprehensionForIterable, UnnecessaryMap,
)
