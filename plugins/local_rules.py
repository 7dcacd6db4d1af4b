"""Built-in pyflakes rules on function locals, read off the scope provider: F823, F842.

Codes, messages and positions are pyflakes's (F823 follows its semantics exactly: a name
this function read from an enclosing function, the module or the builtins, then binds).
"""
from __future__ import annotations

import ast
from typing import ClassVar

from analyzer.rules import Invalid, LintRule, ScopeProvider, Valid
from plugins._scope_base import ScopeRule as _ScopeRule


class UndefinedLocal(_ScopeRule):
    """A function reads a name that it assigns later: the read raises UnboundLocalError."""

    CODE = "F823"
    EQUIVALENT = "pyflakes F823, ruff F823"
    NAME = "undefined-local"
    MESSAGE = "local variable referenced before assignment"
    VALID: ClassVar[list[Valid]] = [
        Valid("x = 1\ndef f():\n    global x\n    print(x)\n    x = 2\n"),
        Valid("x = 1\ndef f():\n    x = 2\n    print(x)\n"),
        Valid("x = 1\ndef f():\n    print(x)\ndef g():\n    x = 2\n    return x\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("x = 1\ndef f():\n    print(x)\n    x = 2\n", line=3, column=11,
                message="local variable 'x' defined in enclosing scope on line 1 "
                        "referenced before assignment"),
        Invalid("def f():\n    print(len)\n    len = 1\n", line=2, column=11,
                message="local variable 'len' defined as a builtin referenced before "
                        "assignment"),
        Invalid("count = 0\ndef f():\n    count += 1\n", line=3, column=5),
    ]  # fmt: skip

    def visit_Module(self, node: ast.Module) -> None:
        """Report every read of a local before its assignment."""
        for u in self.get_metadata(ScopeProvider).undefined_locals:
            where = ("defined as a builtin" if u.original_line is None
                     else f"defined in enclosing scope on line {u.original_line!r}")
            self.report(
                (u.line, u.column),
                f"local variable {u.name!r} {where} referenced before assignment",
                end=(u.end_line, u.end_column),
            )


class UnusedAnnotation(_ScopeRule):
    """A local annotated without a value and never read: the annotation is dead code."""

    CODE = "F842"
    EQUIVALENT = "pyflakes F842, ruff F842"
    NAME = "unused-annotation"
    MESSAGE = "local variable is annotated but never used"
    VALID: ClassVar[list[Valid]] = [
        Valid("def f():\n    x: int\n    x = 1\n    return x\n"),
        Valid("x: int\n"),
        Valid("class C:\n    x: int\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("def f():\n    x: int\n", line=2, column=5,
                message="local variable 'x' is annotated but never used"),
        Invalid("def f():\n    x: int\n    return locals()\n", line=2),
    ]  # fmt: skip

    def visit_Module(self, node: ast.Module) -> None:
        """Report every unused local annotation."""
        for u in self.get_metadata(ScopeProvider).unused_annotations:
            self.report(
                (u.line, u.column),
                f"local variable {u.name!r} is annotated but never used",
                end=(u.end_line, u.end_column),
            )


#: The rules of this module, for ``plugins.builtin_rules()``.
RULES: tuple[type[LintRule], ...] = (UndefinedLocal, UnusedAnnotation)
