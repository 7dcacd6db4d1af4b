"""Built-in flake8-comprehensions rules (ruff's C4) on what is handed to ``list``, ``set``,
``dict`` and ``tuple``: C400-C406, C408-C411 (the others are in ``comprehension_casts``).

Codes, positions and messages are ruff's (each form checked against ruff 0.17), so that a
team whose ruff configuration selects ``C4`` (or ``C``) sees the same lines. Off by
default, as in ruff; no fixes yet (ruff's are unsafe but for C413 and C420).
"""
from __future__ import annotations

import ast
from typing import ClassVar

from analyzer.rules import Invalid, LintRule, ScopeProvider, Valid
from plugins._bugbear_names import is_builtin

__all__ = ["RULES"]

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class BuiltinCallRule(LintRule):
    """A rule on calls of builtins: off by default, the callee resolved where it is called."""

    TREE = "ast"
    DEFAULT_ENABLED = False
    METADATA_DEPENDENCIES = (ScopeProvider,)
    #: The builtins whose calls the rule judges.
    CALLEES: ClassVar[frozenset[str]] = frozenset()

    def visit_Call(self, node: ast.Call) -> None:
        name = builtin_called(self, node, self.CALLEES)
        if name is not None:
            message = self.judge(name, node)
            if message:
                self.report(node, message)

    def judge(self, name: str, node: ast.Call) -> str | None:
        """The message for this call of the builtin ``name``, or None when it is fine."""
        raise NotImplementedError


def builtin_called(rule: LintRule, node: ast.AST | None, names: frozenset[str]) -> str | None:
    """The builtin of ``names`` that ``node`` calls (the name bound to nothing else where
    it is called), else None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
        return node.func.id if is_builtin(rule, node.func, node.func.id) else None
    return None


def only_argument(node: ast.Call) -> ast.expr | None:
    """The one positional argument of a call without keywords, else None."""
    if len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ast.Starred):
        return node.args[0]
    return None


def copies_only(node: ast.AST) -> bool:
    """A comprehension that only copies: one ``for``, no ``if``, not async, the element
    its target (``[x for x in y]``, ``{k: v for k, v in y}``)."""
    if not isinstance(node, _COMPREHENSIONS) or len(node.generators) != 1:
        return False
    generator = node.generators[0]
    if generator.ifs or generator.is_async:
        return False
    if isinstance(node, ast.DictComp):
        target = generator.target
        return (isinstance(target, ast.Tuple) and len(target.elts) == 2
                and same(node.key, target.elts[0]) and same(node.value, target.elts[1]))
    return same(node.elt, generator.target)


def same(a: object, b: object) -> bool:
    """Whether two expressions are written alike, read or bound (a loop target's ``x`` is
    its element's ``x``), positions aside. Not ``ast.dump``: its recursive helper is a
    closure that refers to itself, garbage only the collector frees, on every call."""
    if isinstance(a, ast.expr_context) and isinstance(b, ast.expr_context):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, ast.AST):
        return all(same(getattr(a, field, None), getattr(b, field, None))
                   for field in a._fields)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class UnnecessaryGenerator(BuiltinCallRule):
    """C400/C401/C402's judge: a generator handed to ``list``, ``set`` or ``dict``."""

    CALLEES = frozenset({"list", "set", "dict"})
    KIND: ClassVar[str] = ""

    def judge(self, name: str, node: ast.Call) -> str | None:
        arg = only_argument(node)
        if name != self.KIND or not isinstance(arg, ast.GeneratorExp):
            return None
        if name == "dict":
            elt = arg.elt
            if isinstance(elt, ast.Tuple) and len(elt.elts) == 2:
                return "Unnecessary generator (rewrite as a dict comprehension)"
            return None
        how = f"using `{name}()`" if copies_only(arg) else f"as a {name} comprehension"
        return f"Unnecessary generator (rewrite {how})"


class UnnecessaryGeneratorList(UnnecessaryGenerator):
    """C400: ``list(f(x) for x in y)`` is ``[f(x) for x in y]``."""

    CODE = "C400"
    NAME = "unnecessary-generator-list"
    EQUIVALENT = "flake8-comprehensions C400, ruff C400"
    MESSAGE = "Unnecessary generator (rewrite as a list comprehension)"
    KIND = "list"
    VALID: ClassVar[list[Valid]] = [Valid("list(y)\nlist((x for x in y), z)\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("v = list(f(x) for x in y)\n", line=1, column=5),
        Invalid("v = list(x for x in y)\n", line=1, column=5,
                message="Unnecessary generator (rewrite using `list()`)"),
    ]


class UnnecessaryGeneratorSet(UnnecessaryGenerator):
    """C401: ``set(f(x) for x in y)`` is ``{f(x) for x in y}``."""

    CODE = "C401"
    NAME = "unnecessary-generator-set"
    EQUIVALENT = "flake8-comprehensions C401, ruff C401"
    MESSAGE = "Unnecessary generator (rewrite as a set comprehension)"
    KIND = "set"
    VALID: ClassVar[list[Valid]] = [Valid("set(y)\n")]
    INVALID: ClassVar[list[Invalid]] = [Invalid("v = set(f(x) for x in y)\n", line=1, column=5)]


class UnnecessaryGeneratorDict(UnnecessaryGenerator):
    """C402: ``dict((k, v) for ...)`` is ``{k: v for ...}``."""

    CODE = "C402"
    NAME = "unnecessary-generator-dict"
    EQUIVALENT = "flake8-comprehensions C402, ruff C402"
    MESSAGE = "Unnecessary generator (rewrite as a dict comprehension)"
    KIND = "dict"
    VALID: ClassVar[list[Valid]] = [Valid("dict(p for p in pairs)\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("v = dict((k, f(k)) for k in y)\n", line=1, column=5),
    ]


class UnnecessaryListComprehensionSet(BuiltinCallRule):
    """C403: ``set([f(x) for x in y])`` builds a list to throw away: ``{f(x) for x in y}``."""

    CODE = "C403"
    NAME = "unnecessary-list-comprehension-set"
    EQUIVALENT = "flake8-comprehensions C403, ruff C403"
    MESSAGE = "Unnecessary list comprehension (rewrite as a set comprehension)"
    CALLEES = frozenset({"set"})
    VALID: ClassVar[list[Valid]] = [Valid("set([1, 2])\nset(y)\n")]
    INVALID: ClassVar[list[Invalid]] = [Invalid("v = set([f(x) for x in y])\n", line=1, column=5)]

    def judge(self, name: str, node: ast.Call) -> str | None:
        return self.MESSAGE if isinstance(only_argument(node), ast.ListComp) else None


class UnnecessaryListComprehensionDict(BuiltinCallRule):
    """C404: ``dict([(k, v) for ...])`` is ``{k: v for ...}``."""

    CODE = "C404"
    NAME = "unnecessary-list-comprehension-dict"
    EQUIVALENT = "flake8-comprehensions C404, ruff C404"
    MESSAGE = "Unnecessary list comprehension (rewrite as a dict comprehension)"
    CALLEES = frozenset({"dict"})
    VALID: ClassVar[list[Valid]] = [Valid("dict([p for p in pairs])\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("v = dict([(k, f(k)) for k in y])\n", line=1, column=5),
    ]

    def judge(self, name: str, node: ast.Call) -> str | None:
        arg = only_argument(node)
        if (isinstance(arg, ast.ListComp) and isinstance(arg.elt, ast.Tuple)
                and len(arg.elt.elts) == 2):
            return self.MESSAGE
        return None


def _kind(node: ast.expr) -> str:
    return "list" if isinstance(node, ast.List) else "tuple"


class UnnecessaryLiteralSet(BuiltinCallRule):
    """C405: ``set([1, 2])`` is ``{1, 2}``."""

    CODE = "C405"
    NAME = "unnecessary-literal-set"
    EQUIVALENT = "flake8-comprehensions C405, ruff C405"
    MESSAGE = "Unnecessary literal (rewrite as a set literal)"
    CALLEES = frozenset({"set"})
    VALID: ClassVar[list[Valid]] = [Valid("set(y)\nset('ab')\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("v = set([1, 2])\n", line=1, column=5,
                message="Unnecessary list literal (rewrite as a set literal)"),
        Invalid("v = set((1, 2))\n", line=1, column=5,
                message="Unnecessary tuple literal (rewrite as a set literal)"),
    ]

    def judge(self, name: str, node: ast.Call) -> str | None:
        arg = only_argument(node)
        if isinstance(arg, (ast.List, ast.Tuple)):
            return f"Unnecessary {_kind(arg)} literal (rewrite as a set literal)"
        return None


class UnnecessaryLiteralDict(BuiltinCallRule):
    """C406: ``dict([(1, 2)])`` is ``{1: 2}``."""

    CODE = "C406"
    NAME = "unnecessary-literal-dict"
    EQUIVALENT = "flake8-comprehensions C406, ruff C406"
    MESSAGE = "Unnecessary literal (rewrite as a dict literal)"
    CALLEES = frozenset({"dict"})
    VALID: ClassVar[list[Valid]] = [Valid("dict([p])\ndict(pairs)\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("v = dict([(1, 2)])\n", line=1, column=5,
                message="Unnecessary list literal (rewrite as a dict literal)"),
        Invalid("v = dict([])\n", line=1, column=5),
    ]

    def judge(self, name: str, node: ast.Call) -> str | None:
        arg = only_argument(node)
        if isinstance(arg, (ast.List, ast.Tuple)) and all(
                isinstance(e, ast.Tuple) and len(e.elts) == 2 for e in arg.elts):
            return f"Unnecessary {_kind(arg)} literal (rewrite as a dict literal)"
        return None


class UnnecessaryCollectionCall(BuiltinCallRule):
    """C408: ``dict()``, ``list()``, ``tuple()``, ``dict(a=1)`` are ``{}``, ``[]``, ``()``,
    ``{"a": 1}``."""

    CODE = "C408"
    NAME = "unnecessary-collection-call"
    EQUIVALENT = "flake8-comprehensions C408, ruff C408"
    MESSAGE = "Unnecessary call (rewrite as a literal)"
    CALLEES = frozenset({"dict", "list", "tuple"})
    VALID: ClassVar[list[Valid]] = [
        Valid("list(y)\ndict(**kw)\nset()\n"),
        Valid("def dict(**kw):\n    return kw\nd = dict()\n"),  # not the builtin here
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("v = dict()\n", line=1, column=5,
                message="Unnecessary `dict()` call (rewrite as a literal)"),
        Invalid("v = dict(a=1)\n", line=1, column=5),
    ]

    def judge(self, name: str, node: ast.Call) -> str | None:
        if node.args or any(k.arg is None for k in node.keywords):
            return None
        if node.keywords and name != "dict":
            return None
        return f"Unnecessary `{name}()` call (rewrite as a literal)"


class UnnecessaryLiteralWithinCall(BuiltinCallRule):
    """C409/C410's judge: a list or tuple literal handed to ``tuple`` or ``list``."""

    CALLEES = frozenset({"tuple", "list"})
    KIND: ClassVar[str] = ""

    def judge(self, name: str, node: ast.Call) -> str | None:
        arg = only_argument(node)
        if name != self.KIND or not isinstance(arg, (ast.List, ast.Tuple)):
            return None
        literal = _kind(arg)
        if literal == name:
            how = f"remove the outer call to `{name}()`"
        elif name == "tuple":
            how = "rewrite as a tuple literal"
        else:
            how = "rewrite as a single list literal"
        return f"Unnecessary {literal} literal passed to `{name}()` ({how})"


class UnnecessaryLiteralWithinTupleCall(UnnecessaryLiteralWithinCall):
    """C409: ``tuple([1, 2])`` is ``(1, 2)``."""

    CODE = "C409"
    NAME = "unnecessary-literal-within-tuple-call"
    EQUIVALENT = "flake8-comprehensions C409, ruff C409"
    MESSAGE = "Unnecessary literal passed to `tuple()`"
    KIND = "tuple"
    VALID: ClassVar[list[Valid]] = [Valid("tuple(y)\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("v = tuple([1, 2])\n", line=1, column=5, message=(
            "Unnecessary list literal passed to `tuple()` (rewrite as a tuple literal)")),
    ]


class UnnecessaryLiteralWithinListCall(UnnecessaryLiteralWithinCall):
    """C410: ``list([1, 2])`` is ``[1, 2]``."""

    CODE = "C410"
    NAME = "unnecessary-literal-within-list-call"
    EQUIVALENT = "flake8-comprehensions C410, ruff C410"
    MESSAGE = "Unnecessary literal passed to `list()`"
    KIND = "list"
    VALID: ClassVar[list[Valid]] = [Valid("list(y)\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("v = list([1, 2])\n", line=1, column=5, message=(
            "Unnecessary list literal passed to `list()` (remove the outer call to `list()`)")),
    ]


class UnnecessaryListCall(BuiltinCallRule):
    """C411: ``list([f(x) for x in y])`` copies the list the comprehension made."""

    CODE = "C411"
    NAME = "unnecessary-list-call"
    EQUIVALENT = "flake8-comprehensions C411, ruff C411"
    MESSAGE = "Unnecessary `list()` call (remove the outer call to `list()`)"
    CALLEES = frozenset({"list"})
    VALID: ClassVar[list[Valid]] = [Valid("list(x for x in y)\n")]
    INVALID: ClassVar[list[Invalid]] = [Invalid("v = list([f(x) for x in y])\n", line=1, column=5)]

    def judge(self, name: str, node: ast.Call) -> str | None:
        return self.MESSAGE if isinstance(only_argument(node), ast.ListComp) else None


#: The rules of this module (C413-C420 are in ``comprehension_casts``).
RULES: tuple[type[LintRule], ...] = (
    UnnecessaryGeneratorList, UnnecessaryGeneratorSet, UnnecessaryGeneratorDict,
    UnnecessaryListComprehensionSet, UnnecessaryListComprehensionDict, UnnecessaryLiteralSet,
    UnnecessaryLiteralDict, UnnecessaryCollectionCall, UnnecessaryLiteralWithinTupleCall,
    UnnecessaryLiteralWithinListCall, UnnecessaryListCall,
)
