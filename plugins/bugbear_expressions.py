"""Built-in flake8-bugbear rules on expressions: B002, B004, B005, B009, B010, B022, B026,
B028, B033, B034, B035.

Codes and positions are ruff's (which are bugbear's), and so are the messages, so that a
team whose ruff configuration selects ``B`` sees the same lines, and its ``# noqa``
comments keep working. None of them is on by default, as none is in ruff's ``E4, E7, E9,
F`` nor shoal's default selection: a configuration or ``--select`` turns them on.
"""
from __future__ import annotations

import ast
import keyword
from typing import ClassVar

from analyzer.rules import Fix, Invalid, LintRule, ScopeProvider, Valid
from plugins._bugbear_fixes import receiver, remove_element, replace, source
from plugins._bugbear_names import is_builtin
from plugins._bugbear_names import qualified as _qualified

__all__ = [
    "DuplicateValue", "GetAttrWithConstant", "NoExplicitStacklevel", "RULES",
    "ReSubPositionalArgs", "SetAttrWithConstant", "StarArgUnpackingAfterKeywordArg",
    "StaticKeyDictComprehension", "StripWithMultiCharacters", "UnaryPrefixIncrementDecrement",
    "UnreliableCallableCheck", "UselessContextlibSuppress",
]


class _BugbearRule(LintRule):
    """What the rules of this module share: off by default, on ast trees."""

    TREE = "ast"
    DEFAULT_ENABLED = False

    def _builtin(self, func: ast.expr, name: str) -> bool:
        """``func`` is the builtin ``name`` where it is called."""
        return is_builtin(self, func, name)


class UnaryPrefixIncrementDecrement(_BugbearRule):
    """B002: `++n` is `+(+n)`, not an increment: Python has no such operator."""

    CODE = "B002"
    NAME = "unary-prefix-increment-decrement"
    EQUIVALENT = "flake8-bugbear B002, ruff B002"
    MESSAGE = "Python does not support the unary prefix increment operator (`++`)"
    VALID: ClassVar[list[Valid]] = [Valid("x = +1\ny = -(+x)\nz = x + +1\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("n = 1\n++n\n", line=2, column=1),
        Invalid("n = 1\nm = --n\n", line=2, column=5, message=(
            "Python does not support the unary prefix decrement operator (`--`)")),
    ]

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        operand = node.operand
        if (isinstance(operand, ast.UnaryOp) and type(operand.op) is type(node.op)
                and isinstance(node.op, (ast.UAdd, ast.USub))):
            if isinstance(node.op, ast.USub):
                self.report(node, "Python does not support the unary prefix decrement "
                                  "operator (`--`)")
            else:
                self.report(node)


class UnreliableCallableCheck(_BugbearRule):
    """B004: a `hasattr(x, "__call__")` test misses what `__getattr__` provides; use `callable`."""

    CODE = "B004"
    METADATA_DEPENDENCIES = (ScopeProvider,)
    NAME = "unreliable-callable-check"
    EQUIVALENT = "flake8-bugbear B004, ruff B004"
    MESSAGE = ('Using `hasattr(x, "__call__")` to test if x is callable is unreliable. Use '
               '`callable(x)` for consistent results.')
    VALID: ClassVar[list[Valid]] = [
        Valid("callable(f)\nhasattr(f, 'name')\n"),
        Valid("def hasattr(a, b):\n    pass\nhasattr(f, '__call__')\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("if hasattr(f, '__call__'):\n    pass\n", line=1, column=4),
        Invalid("ok = getattr(f, '__call__', None)\n", line=1, column=6),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        args = node.args
        if node.keywords or len(args) < 2:
            return
        attr = args[1]
        if not (isinstance(attr, ast.Constant) and attr.value == "__call__"):
            return
        if ((len(args) == 2 and self._builtin(node.func, "hasattr"))
                or (len(args) <= 3 and self._builtin(node.func, "getattr"))):
            self.report(node)


class StripWithMultiCharacters(_BugbearRule):
    """B005: a `.strip("abca")` strips a set of characters, not a string: repeats mislead."""

    CODE = "B005"
    NAME = "strip-with-multi-characters"
    EQUIVALENT = "flake8-bugbear B005, ruff B005"
    MESSAGE = "Using `.strip()` with multi-character strings is misleading"
    VALID: ClassVar[list[Valid]] = [
        Valid("s.strip('ab')\ns.strip()\ns.rstrip('.py')\ns.strip(b'xyzx')\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("s.strip('http')\n", line=1, column=1),
        Invalid("name = s.lstrip('aa')\n", line=1, column=8),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (not isinstance(func, ast.Attribute) or func.attr not in ("strip", "lstrip", "rstrip")
                or len(node.args) != 1 or node.keywords):
            return
        value = node.args[0]
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            chars = value.value
            if len(chars) > 1 and len(set(chars)) != len(chars):
                self.report(node)


def _plain_attribute(value: object) -> bool:
    """A string ``obj.<value>`` could spell: an identifier, not a keyword nor a private name
    that the class body would mangle."""
    return (isinstance(value, str) and value.isidentifier() and not keyword.iskeyword(value)
            and not (value.startswith("__") and not value.endswith("__")))


class GetAttrWithConstant(_BugbearRule):
    """B009: a `getattr(obj, "name")` is `obj.name`, no safer and harder to read."""

    CODE = "B009"
    METADATA_DEPENDENCIES = (ScopeProvider,)
    NAME = "get-attr-with-constant"
    EQUIVALENT = "flake8-bugbear B009, ruff B009"
    MESSAGE = ("Do not call `getattr` with a constant attribute value. It is not any safer "
               "than normal property access.")
    FIXABLE = True
    FIX_APPLICABILITY = "safe"
    VALID: ClassVar[list[Valid]] = [
        Valid("getattr(o, 'x', None)\ngetattr(o, name)\ngetattr(o, 'not-id')\n"
              "getattr(o, 'class')\ngetattr(o, '__private')\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("v = getattr(o, 'name')\n", line=1, column=5, expected_fix="v = o.name\n"),
        Invalid("v = getattr(a + b, '__dict__') + getattr(1, 'real')\n", line=1, column=5,
                expected_fix="v = (a + b).__dict__ + (1).real\n"),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        args = node.args
        if (len(args) == 2 and not node.keywords and isinstance(args[1], ast.Constant)
                and _plain_attribute(args[1].value) and self._builtin(node.func, "getattr")):
            text = f"{receiver(self.context, args[0])}.{args[1].value!s}"
            self.report(node, fix=Fix("safe", "Replace `getattr` with attribute access",
                                      (replace(self.context, node, text),)))


class SetAttrWithConstant(_BugbearRule):
    """B010: a `setattr(obj, "name", v)` statement is `obj.name = v`, no safer."""

    CODE = "B010"
    METADATA_DEPENDENCIES = (ScopeProvider,)
    NAME = "set-attr-with-constant"
    EQUIVALENT = "flake8-bugbear B010, ruff B010"
    MESSAGE = ("Do not call `setattr` with a constant attribute value. It is not any safer "
               "than normal property access.")
    FIXABLE = True
    FIX_APPLICABILITY = "safe"
    VALID: ClassVar[list[Valid]] = [
        Valid("setattr(o, name, 1)\nx = setattr(o, 'a', 1)\nsetattr(o, 'not-id', 1)\n"
              "setattr(builtins, '__debug__', False)\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("setattr(o, 'name', 1)\nsetattr(a.b, 'c', (1, 2))\n", line=1, column=1,
                expected_fix="o.name = 1\na.b.c = (1, 2)\n"),
    ]

    def visit_Expr(self, node: ast.Expr) -> None:
        call = node.value
        if not isinstance(call, ast.Call):
            return
        args = call.args
        # `obj.__debug__ = v` does not compile, so that setattr is the only way to write it.
        if (len(args) == 3 and not call.keywords and isinstance(args[1], ast.Constant)
                and _plain_attribute(args[1].value) and args[1].value != "__debug__"
                and self._builtin(call.func, "setattr")):
            context = self.context
            text = f"{receiver(context, args[0])}.{args[1].value!s} = {source(context, args[2])}"
            self.report(call, fix=Fix("safe", "Replace `setattr` with assignment",
                                      (replace(context, call, text),)))


class UselessContextlibSuppress(_BugbearRule):
    """B022: a `contextlib.suppress()` with no exception suppresses nothing."""

    CODE = "B022"
    METADATA_DEPENDENCIES = (ScopeProvider,)
    NAME = "useless-contextlib-suppress"
    EQUIVALENT = "flake8-bugbear B022, ruff B022"
    MESSAGE = ("No arguments passed to `contextlib.suppress`. No exceptions will be suppressed "
               "and therefore this context manager is redundant")
    VALID: ClassVar[list[Valid]] = [
        Valid("import contextlib\nwith contextlib.suppress(OSError):\n    pass\n"),
        Valid("def suppress():\n    pass\nwith suppress():\n    pass\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("import contextlib\nwith contextlib.suppress():\n    pass\n", line=2, column=6),
        Invalid("from contextlib import suppress as s\nwith s():\n    pass\n", line=2,
                column=6),
    ]

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            call = item.context_expr
            if isinstance(call, ast.Call) and not call.args and not call.keywords:
                if _qualified(self, call.func) == "contextlib.suppress":
                    self.report(call)

    visit_AsyncWith = visit_With


class DuplicateValue(_BugbearRule):
    """B033: a set literal that lists one value twice (`1`, `1.0` and `True` are one)."""

    CODE = "B033"
    NAME = "duplicate-value"
    EQUIVALENT = "flake8-bugbear B033, ruff B033"
    MESSAGE = "Sets should not contain duplicate items"
    FIXABLE = True
    FIX_APPLICABILITY = "safe"
    VALID: ClassVar[list[Valid]] = [
        Valid("s = {1, 2, '1', b'1', -1, 1 + 0}\nt = {x, x, (1,), (1,), f(), f()}\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("s = {'a', 'b', 'a'}\n", line=1, column=16,
                message="Sets should not contain duplicate item `'a'`",
                expected_fix="s = {'a', 'b'}\n"),
        Invalid("s = {1, 1.0}\n", line=1, column=9, message=(
            "Sets should not contain duplicate items, but `1` and `1.0` has the same value"),
            expected_fix="s = {1}\n"),
    ]

    def visit_Set(self, node: ast.Set) -> None:
        # As ruff: literal constants only (a name or a call may differ at run time), compared
        # as the set compares them, each against the latest equal one seen.
        seen: dict[object, ast.Constant] = {}
        for index, element in enumerate(node.elts):
            if not isinstance(element, ast.Constant) or element.value is Ellipsis:
                continue
            value = element.value
            previous = seen.get(value)
            seen[value] = element
            if previous is None:
                continue
            text = self._text(element)
            fix = Fix("safe", f"Remove duplicate item `{text}`",
                      (remove_element(self.context, node.elts, index),))
            if type(previous.value) is type(value) and previous.value == value:
                self.report(element, f"Sets should not contain duplicate item `{text}`", fix=fix)
            else:
                self.report(element, "Sets should not contain duplicate items, but "
                                     f"`{self._text(previous)}` and `{text}` has the same value",
                            fix=fix)

    def _text(self, node: ast.expr) -> str:
        return ast.get_source_segment(self.context.source, node) or ast.unparse(node)


class StarArgUnpackingAfterKeywordArg(_BugbearRule):
    """B026: ``f(key=1, *args)`` passes ``args`` first, whatever the order written."""

    CODE = "B026"
    NAME = "star-arg-unpacking-after-keyword-arg"
    EQUIVALENT = "flake8-bugbear B026, ruff B026"
    MESSAGE = "Star-arg unpacking after a keyword argument is strongly discouraged"
    VALID: ClassVar[list[Valid]] = [Valid("f(*args, key=1)\nf(key=1, **kw)\n")]
    INVALID: ClassVar[list[Invalid]] = [Invalid("f(key=1, *args)\n", line=1, column=10)]

    def visit_Call(self, node: ast.Call) -> None:
        named = [(k.lineno, k.col_offset) for k in node.keywords if k.arg is not None]
        if not named:
            return
        first = min(named)
        for arg in node.args:
            if isinstance(arg, ast.Starred) and (arg.lineno, arg.col_offset) > first:
                self.report(arg)


class NoExplicitStacklevel(_BugbearRule):
    """B028: ``warnings.warn`` without ``stacklevel`` points at itself, not at the caller."""

    CODE = "B028"
    NAME = "no-explicit-stacklevel"
    EQUIVALENT = "flake8-bugbear B028, ruff B028"
    METADATA_DEPENDENCIES = (ScopeProvider,)
    MESSAGE = "No explicit `stacklevel` keyword argument found"
    VALID: ClassVar[list[Valid]] = [
        Valid("import warnings\nwarnings.warn('x', stacklevel=2)\n"
              "warnings.warn('x', skip_file_prefixes=('a',))\n"
              "warnings.warn('x', UserWarning, 2)\nwarnings.warn(*a)\nwarnings.warn(**k)\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("import warnings\nwarnings.warn('x', DeprecationWarning)\n", line=2, column=1),
        Invalid("from warnings import warn\nwarn('x')\n", line=2, column=1),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        # Every call comes here: `x.y(...)` resolved only when `y` is `warn`.
        if isinstance(func, ast.Attribute) and func.attr != "warn":
            return
        args, keywords = node.args, node.keywords
        # `skip_file_prefixes` (3.12) chooses the frame instead (numpy passes it).
        if (len(args) >= 3
                or any(k.arg in (None, "stacklevel", "skip_file_prefixes") for k in keywords)
                or any(isinstance(a, ast.Starred) for a in args)):
            return
        if _qualified(self, node.func) == "warnings.warn":
            self.report(node)


#: ``re`` functions whose later parameters read as something else when passed by position:
#: how many positional arguments are fine, and what to pass by keyword.
_RE_POSITIONAL = {"sub": (3, "`count` and `flags`"), "subn": (3, "`count` and `flags`"),
                  "split": (2, "`maxsplit` and `flags`")}


class ReSubPositionalArgs(_BugbearRule):
    """B034: ``re.sub(p, r, s, re.I)`` passes the flag as ``count``."""

    CODE = "B034"
    NAME = "re-sub-positional-args"
    EQUIVALENT = "flake8-bugbear B034, ruff B034"
    METADATA_DEPENDENCIES = (ScopeProvider,)
    MESSAGE = ("`re.sub` should pass `count` and `flags` as keyword arguments to avoid "
               "confusion due to unintuitive argument positions")
    VALID: ClassVar[list[Valid]] = [
        Valid("import re\nre.sub('a', 'b', s, count=1)\nre.compile('a').sub('b', s, 1)\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("import re\nre.sub('a', 'b', s, re.I)\n", line=2, column=1),
        Invalid("import re\nre.split(',', s, 2)\n", line=2, column=1, message=(
            "`re.split` should pass `maxsplit` and `flags` as keyword arguments to avoid "
            "confusion due to unintuitive argument positions")),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in _RE_POSITIONAL:
            return
        allowed, what = _RE_POSITIONAL[func.attr]
        if len(node.args) > allowed and _qualified(self, func) == f"re.{func.attr}":
            self.report(node, f"`re.{func.attr}` should pass {what} as keyword arguments to "
                              "avoid confusion due to unintuitive argument positions")


class StaticKeyDictComprehension(_BugbearRule):
    """B035: a dict comprehension whose key never changes keeps the last value only."""

    CODE = "B035"
    NAME = "static-key-dict-comprehension"
    EQUIVALENT = "flake8-bugbear B035, ruff B035"
    MESSAGE = "Dictionary comprehension uses static key"
    VALID: ClassVar[list[Valid]] = [
        Valid("d = {k: 1 for k in x}\ne = {k.a: v for k, v in x}\n"
              "f = {w: j for j in x if (w := g(j))}\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("d = {'a': v for v in x}\n", line=1, column=6,
                message="Dictionary comprehension uses static key: `'a'`"),
        Invalid("d = {KEY: v for v in x}\n", line=1, column=6),
    ]

    def visit_DictComp(self, node: ast.DictComp) -> None:
        # Its targets' names, and what a walrus in it binds (celery's
        # `{writer: job for job in jobs if (writer := get(job))}`).
        bound = {n.id for g in node.generators for n in ast.walk(g.target)
                 if isinstance(n, ast.Name)}
        bound |= {n.target.id for n in ast.walk(node)
                  if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name)}
        key = node.key
        # Static: a literal, or made of names the comprehension does not bind (ruff: no
        # call, attribute or subscript in it either, which might differ each time).
        for sub in ast.walk(key):
            if isinstance(sub, (ast.Call, ast.Attribute, ast.Subscript, ast.NamedExpr,
                                ast.Await, ast.Yield, ast.YieldFrom, ast.Lambda,
                                ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                return
            if isinstance(sub, ast.Name) and sub.id in bound:
                return
        text = ast.get_source_segment(self.context.source, key) or ast.unparse(key)
        self.report(key, f"Dictionary comprehension uses static key: `{text}`")


#: The rules of this module.
RULES: tuple[type[LintRule], ...] = (
    UnaryPrefixIncrementDecrement, UnreliableCallableCheck, StripWithMultiCharacters,
    GetAttrWithConstant, SetAttrWithConstant, UselessContextlibSuppress, DuplicateValue,
    StarArgUnpackingAfterKeywordArg, NoExplicitStacklevel, ReSubPositionalArgs,
    StaticKeyDictComprehension,
)
