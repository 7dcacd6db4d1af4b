"""Built-in flake8-bugbear rules on calls that should say ``strict=``: B905 (``zip``, Python
3.10+). ruff's B911 (``itertools.batched``, 3.13+) and B912 (``map``, 3.14+) would join it.

Silent below the Python version that added the parameter (``target-version``), and where
one of the iterables never ends (``itertools.count()``...): its length decides. Code,
position and message are ruff's; off by default.
"""
from __future__ import annotations

import ast
from typing import ClassVar

from analyzer.rules import Invalid, LintRule, ScopeProvider, Valid
from plugins._bugbear_names import is_builtin, qualified

__all__ = ["RULES", "ZipWithoutExplicitStrict"]

#: ``itertools`` calls whose iterator never ends.
_INFINITE = frozenset({"itertools.count", "itertools.cycle"})


class _StrictRule(LintRule):
    """A call that should pass ``strict=`` from Python ``SINCE`` on."""

    TREE = "ast"
    DEFAULT_ENABLED = False
    METADATA_DEPENDENCIES = (ScopeProvider,)
    SINCE: ClassVar[tuple[int, int]] = (3, 10)

    def _applies(self, node: ast.Call) -> bool:
        """No ``strict=`` (nor ``**kwargs`` that may hold it), on a recent enough target."""
        return (not any(k.arg in ("strict", None) for k in node.keywords)
                and self.context.settings.target_version >= self.SINCE)

    def _infinite(self, arg: ast.expr) -> bool:
        """``arg`` is an iterator that never ends: ``count()``, ``cycle(x)``, ``repeat(x)``
        without a count."""
        if not isinstance(arg, ast.Call):
            return False
        name = qualified(self, arg.func)
        if name in _INFINITE:
            return True
        return (name == "itertools.repeat" and len(arg.args) == 1
                and not any(k.arg == "times" for k in arg.keywords))


def _several(iterables: list[ast.expr]) -> bool:
    """Two iterables or more, or an unpacking that may be."""
    return len(iterables) > 1 or any(isinstance(a, ast.Starred) for a in iterables)


class ZipWithoutExplicitStrict(_StrictRule):
    """B905: ``zip()`` of iterables of different lengths drops the tail silently."""

    CODE = "B905"
    NAME = "zip-without-explicit-strict"
    EQUIVALENT = "flake8-bugbear B905, ruff B905"
    MESSAGE = "`zip()` without an explicit `strict=` parameter"
    VALID: ClassVar[list[Valid]] = [
        Valid("zip(a, b, strict=True)\nzip(a)\nzip()\nimport itertools\n"
              "zip(a, itertools.count())\nzip(a, itertools.repeat(0))\n"),
        Valid("def f(zip):\n    return zip(a, b)\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("pairs = zip(a, b)\n", line=1, column=9),
        Invalid("from builtins import zip\nzip(*rows)\n", line=2, column=1),
        # A `zip` bound in another function leaves this one the builtin.
        Invalid("def f(p):\n    with open(p) as zip:\n        return zip\npairs = zip(a, b)\n",
                line=4, column=9),
        Invalid("class C:\n    zip = None\n    def f(self):\n        return zip(a, b)\n",
                line=4, column=16),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        args = node.args
        func = node.func
        if not (isinstance(func, ast.Name) and func.id == "zip"):
            return  # every call comes here: the one name test first
        if (self._applies(node) and _several(args) and is_builtin(self, func, "zip")
                and not any(self._infinite(a) for a in args)):
            self.report(node)


#: The rules of this module.
RULES: tuple[type[LintRule], ...] = (ZipWithoutExplicitStrict,)
