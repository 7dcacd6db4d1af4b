"""Built-in flake8-bugbear rules on loops and exception handlers: B007, B014, B020, B030,
B904.

Codes, positions and messages are ruff's, as in ``bugbear_statements``; off by default.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import ClassVar

from analyzer.rules import Fix, Invalid, LintRule, Valid
from plugins._bugbear_fixes import replace, source
from plugins._bugbear_names import dotted

__all__ = [
    "DuplicateHandlerException", "ExceptWithNonExceptionClasses", "LoopVariableOverridesIterator",
    "RULES", "RaiseWithoutFromInsideExcept", "UnusedLoopControlVariable",
]

class _BugbearRule(LintRule):
    """What the rules of this module share: off by default, on ast trees."""

    TREE = "ast"
    DEFAULT_ENABLED = False


def _stored_names(target: ast.expr) -> Iterator[ast.Name]:
    """The names a loop's target binds, in order (``a, (b, *c)``: a, b, c)."""
    if isinstance(target, ast.Name):
        yield target
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _stored_names(element)
    elif isinstance(target, ast.Starred):
        yield from _stored_names(target.value)


def _named(nodes: list[ast.stmt]) -> set[str]:
    """Every name anywhere in ``nodes``, read, bound or deleted, nested functions included
    (ruff's reading of "used within the loop body": a rebinding counts)."""
    return {sub.id for node in nodes for sub in ast.walk(node) if isinstance(sub, ast.Name)}


def _iterable_names(node: ast.AST) -> Iterator[str]:
    """The names an iterable reads, as ruff finds them: a comprehension's own element,
    conditions and targets are its scope's, only its iterables count."""
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, ast.Lambda):
        # Its parameters are its own (nltk's `key=lambda e: e.variable`); the other names
        # it reads are the loop's (mercurial's `iter(lambda: f.rfind(b'/', 0, i), -1)`).
        own = {a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs,
                               node.args.vararg, node.args.kwarg) if a is not None}
        yield from (name for name in _iterable_names(node.body) if name not in own)
    elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        for generator in node.generators:
            yield from _iterable_names(generator.iter)
    else:
        for child in ast.iter_child_nodes(node):
            yield from _iterable_names(child)


class UnusedLoopControlVariable(_BugbearRule):
    """B007: a loop variable the body never reads: rename it ``_name`` to say so."""

    CODE = "B007"
    NAME = "unused-loop-control-variable"
    EQUIVALENT = "flake8-bugbear B007, ruff B007"
    MESSAGE = "Loop control variable not used within loop body"
    VALID: ClassVar[list[Valid]] = [
        Valid("for i in range(3):\n    print(i)\nfor _ in range(3):\n    pass\n"
              "for k in range(3):\n    fs.append(lambda: k)\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("for i in range(3):\n    pass\n", line=1, column=5,
                message="Loop control variable `i` not used within loop body"),
        Invalid("for a, b in pairs:\n    print(a)\n", line=1, column=8),
    ]

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        # A name the target binds twice (`for op, dummy, dummy in ...`) counts once, at its
        # last place, as ruff reports it.
        last = {name.id: name for name in _stored_names(node.target)}
        if not last:
            return
        used = _named(node.body)
        settings = self.context.settings
        for name, where in last.items():
            if name not in used and not settings.is_dummy(name):
                self.report(where, f"Loop control variable `{name}` not used within loop body")

    visit_AsyncFor = visit_For


class LoopVariableOverridesIterator(_BugbearRule):
    """B020: ``for x in x`` rebinds the name the iterable was read from."""

    CODE = "B020"
    NAME = "loop-variable-overrides-iterator"
    EQUIVALENT = "flake8-bugbear B020, ruff B020"
    MESSAGE = "Loop control variable overrides iterable it iterates"
    VALID: ClassVar[list[Valid]] = [
        Valid("for item in items:\n    print(item)\nfor e in sorted(x, key=lambda e: e.v):\n"
              "    print(e)\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("for x in x:\n    print(x)\n", line=1, column=5,
                message="Loop control variable `x` overrides iterable it iterates"),
        Invalid("for (k, v) in v.items():\n    print(k, v)\n", line=1, column=9),
        Invalid("for (self.a, self.b) in self.c:\n    pass\n", line=1, column=14),
        Invalid("for i in iter(lambda: f(i), 0):\n    pass\n", line=1, column=5),
    ]

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        read = set(_iterable_names(node.iter))
        # Every name of the target, a subscript's index too (`for values[i] in gs[i]()`),
        # once, at its last place, as ruff reports it.
        last = {n.id: n for n in sorted((n for n in ast.walk(node.target)
                                         if isinstance(n, ast.Name)),
                                        key=lambda n: (n.lineno, n.col_offset))}
        for name, where in last.items():
            if name in read:
                self.report(where, f"Loop control variable `{name}` overrides iterable it "
                                   "iterates")

    visit_AsyncFor = visit_For


class DuplicateHandlerException(_BugbearRule):
    """B014: one handler lists an exception twice."""

    CODE = "B014"
    NAME = "duplicate-handler-exception"
    EQUIVALENT = "flake8-bugbear B014, ruff B014"
    MESSAGE = "Exception handler with duplicate exception"
    FIXABLE = True
    FIX_APPLICABILITY = "safe"
    VALID: ClassVar[list[Valid]] = [
        Valid("try:\n    pass\nexcept (OSError, IOError):\n    pass\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("try:\n    pass\nexcept (ValueError, ValueError):\n    pass\n", line=3,
                column=8, message="Exception handler with duplicate exception: `ValueError`",
                expected_fix="try:\n    pass\nexcept ValueError:\n    pass\n"),
        Invalid("try:\n    pass\nexcept (A, B, A, e.C, e.C):\n    pass\n", line=3, column=8,
                message="Exception handler with duplicate exceptions: `A`, `e.C`",
                expected_fix="try:\n    pass\nexcept (A, B, e.C):\n    pass\n"),
    ]

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        kind = node.type
        if not isinstance(kind, ast.Tuple):
            return
        seen: set[str] = set()
        duplicates: list[str] = []
        kept: list[ast.expr] = []
        for element in kind.elts:
            name = dotted(element)
            if name is not None and name in seen:
                if name not in duplicates:
                    duplicates.append(name)
                continue
            if name is not None:
                seen.add(name)
            kept.append(element)
        if not duplicates:
            return
        if len(duplicates) == 1:
            message = f"Exception handler with duplicate exception: `{duplicates[0]}`"
        else:
            listed = ", ".join(f"`{name}`" for name in duplicates)
            message = f"Exception handler with duplicate exceptions: {listed}"
        texts = [source(self.context, element) for element in kept]
        text = texts[0] if len(texts) == 1 else f"({', '.join(texts)})"
        self.report(kind, message, fix=Fix("safe", "De-duplicate exceptions",
                                           (replace(self.context, kind, text),)))


def _handled(kind: ast.expr) -> Iterator[ast.expr]:
    """The handled expressions of an ``except`` clause's type, as ruff spreads them:
    a tuple's elements, starred literals' and both sides of ``+`` (kombu's
    ``conn.connection_errors + conn.channel_errors``)."""
    elements = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    for element in elements:
        if isinstance(element, ast.Starred):
            if isinstance(element.value, (ast.Tuple, ast.List)):
                yield from _handled(ast.Tuple(element.value.elts))
        elif isinstance(element, ast.BinOp) and isinstance(element.op, ast.Add):
            yield from _handled(element.left)
            yield from _handled(element.right)
        else:
            yield element


class ExceptWithNonExceptionClasses(_BugbearRule):
    """B030: an ``except`` clause that names a literal or an expression no class can be."""

    CODE = "B030"
    NAME = "except-with-non-exception-classes"
    EQUIVALENT = "flake8-bugbear B030, ruff B030"
    MESSAGE = ("`except` handlers should only be exception classes or tuples of exception "
               "classes")
    VALID: ClassVar[list[Valid]] = [
        Valid("try:\n    pass\nexcept (ValueError, errors.E, get(), ERRS[0], *more):\n"
              "    pass\nexcept (KeyError, TypeError) + dbm.error:\n    pass\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("try:\n    pass\nexcept (1, ValueError):\n    pass\n", line=3, column=9),
        Invalid("try:\n    pass\nexcept E + (F if x else ()):\n    pass\n", line=3, column=13),
        Invalid("try:\n    pass\nexcept 'oops':\n    pass\n", line=3, column=8),
    ]

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is None:
            return
        for element in _handled(node.type):
            if not isinstance(element, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)):
                self.report(element)


class RaiseWithoutFromInsideExcept(_BugbearRule):
    """B904: a `raise` without `from` in a handler reads as a failure *during* the handling."""

    CODE = "B904"
    NAME = "raise-without-from-inside-except"
    EQUIVALENT = "flake8-bugbear B904, ruff B904"
    MESSAGE = ("Within an `except` clause, raise exceptions with `raise ... from err` or "
               "`raise ... from None` to distinguish them from errors in exception handling")
    VALID: ClassVar[list[Valid]] = [
        Valid("try:\n    pass\nexcept E as e:\n    raise e\nexcept F:\n    raise\n"
              "except G as g:\n    raise H() from g\n"),
        Valid("try:\n    pass\nexcept E:\n    def f():\n        raise ValueError\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("try:\n    pass\nexcept KeyError:\n    raise ValueError('missing')\n",
                line=4, column=5),
        Invalid("try:\n    pass\nexcept KeyError as e:\n    if x:\n        raise ValueError(e)\n",
                line=5, column=9),
    ]

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        for stmt in _raises(node.body):
            exc = stmt.exc
            if exc is None or stmt.cause is not None:
                continue
            if isinstance(exc, ast.Name) and exc.id == node.name:
                continue  # re-raising the handled exception
            self.report(stmt)


def _raises(stmts: list[ast.stmt]) -> Iterator[ast.Raise]:
    """The ``raise`` statements of ``stmts`` as ruff walks them: into ``if``/``elif``/
    ``else``, a loop's body (not its ``else``), ``with`` and ``match`` blocks; not into a
    nested ``try`` (its handlers judge their own) nor a nested function or class."""
    for stmt in stmts:
        if isinstance(stmt, ast.Raise):
            yield stmt
        elif isinstance(stmt, ast.If):
            yield from _raises(stmt.body)
            yield from _raises(stmt.orelse)
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)):
            yield from _raises(stmt.body)
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                yield from _raises(case.body)


#: The rules of this module.
RULES: tuple[type[LintRule], ...] = (
    UnusedLoopControlVariable, LoopVariableOverridesIterator, DuplicateHandlerException,
    ExceptWithNonExceptionClasses, RaiseWithoutFromInsideExcept,
)
