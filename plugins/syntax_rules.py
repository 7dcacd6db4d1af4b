"""Built-in rules on one statement or expression: F601/F602, F621/F622, F631, F633, F634,
F831 and F901.

Codes, messages and positions are pyflakes's (flake8 numbering). F621, F622 and F831 are also
errors CPython raises when it compiles the file; the other compile-only errors, which need to
know the enclosing function or loop, are in :mod:`plugins.compile_rules`.
"""
from __future__ import annotations

import ast
import collections
from dataclasses import dataclass

from analyzer.rules import Edit, Fix, Invalid, LintRule, ScopeAnalysis, ScopeProvider, Valid

# ---------------------------------------------------------------------------------------------
# F601 / F602: a dictionary key repeated with different values


@dataclass(frozen=True)
class _Variable:
    """A key that is a variable: equal to the same variable only (never to a constant)."""

    name: str

    def __repr__(self) -> str:
        return self.name


def _key_value(node: ast.expr | None) -> object:
    """What pyflakes compares keys and values by: the constant, the variable, or a value
    equal to nothing else (any other expression, and ``**mapping``)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple):
        return tuple(_key_value(elt) for elt in node.elts)
    if isinstance(node, ast.Name):
        return _Variable(node.id)
    return object()


def _repeated_keys(node: ast.Dict) -> list[tuple[ast.expr, object]]:
    """(key node, key) of every occurrence of a key repeated with different values."""
    keys = [_key_value(key) for key in node.keys]
    counts = collections.Counter(keys)
    found: list[tuple[ast.expr, object]] = []
    for key, count in counts.items():
        if count < 2:
            continue
        where = [i for i, other in enumerate(keys) if other == key]
        values = collections.Counter(_key_value(node.values[i]) for i in where)
        # Same key, same value everywhere: harmless, as pyflakes sees it.
        if any(n == 1 for n in values.values()):
            # A None key (``**mapping``) is never repeated: it compares equal to nothing.
            found.extend((key_node, key) for i in where if (key_node := node.keys[i]) is not None)
    return found


_last_dict: tuple[ast.AST | None, list[tuple[ast.expr, object]]] = (None, [])


def repeated_keys(node: ast.Dict) -> list[tuple[ast.expr, object]]:
    """The repeated keys of one dict display (cached for the node being visited: F601 and
    F602 share it)."""
    global _last_dict
    if _last_dict[0] is not node:
        _last_dict = (node, _repeated_keys(node) if len(node.keys) > 1 else [])
    return _last_dict[1]


class MultiValueRepeatedKeyLiteral(LintRule):
    """F601: a literal key given twice with different values keeps only the last one."""

    CODE = "F601"
    NAME = "multi-value-repeated-key-literal"
    EQUIVALENT = "pyflakes F601, ruff F601"
    MESSAGE = "dictionary key repeated with different values"
    TREE = "ast"
    VALID = [Valid("x = {'a': 1, 'a': 1}\n"), Valid("x = {'a': 1, 'b': 2}\n")]
    INVALID = [Invalid("x = {'a': 1, 'a': 2}\n", line=1, column=6,
                       message="dictionary key 'a' repeated with different values")]

    def visit_Dict(self, node: ast.Dict) -> None:
        for key_node, key in repeated_keys(node):
            if not isinstance(key, _Variable):
                self.report(key_node, f"dictionary key {key!r} repeated with different values")


class MultiValueRepeatedKeyVariable(LintRule):
    """F602: a variable key given twice with different values keeps only the last one."""

    CODE = "F602"
    NAME = "multi-value-repeated-key-variable"
    EQUIVALENT = "pyflakes F602, ruff F602"
    MESSAGE = "dictionary key variable repeated with different values"
    TREE = "ast"
    VALID = [Valid("x = {a: 1, a: 1}\n"), Valid("x = {a: 1, b: 2}\n")]
    INVALID = [Invalid("x = {a: 1, a: 2}\n", line=1, column=6,
                       message="dictionary key variable a repeated with different values")]

    def visit_Dict(self, node: ast.Dict) -> None:
        for key_node, key in repeated_keys(node):
            if isinstance(key, _Variable):
                self.report(key_node, f"dictionary key variable {key.name} repeated with "
                                      f"different values")


# ---------------------------------------------------------------------------------------------
# F621 / F622: starred assignment targets


class _StarredTarget(LintRule):
    """Shared visit of F621/F622 (abstract: no CODE): tuples and lists being assigned to."""

    TREE = "ast"

    def visit_Tuple(self, node: ast.Tuple | ast.List) -> None:
        if node.ctx.__class__ is ast.Store:
            self._check(node, [i for i, elt in enumerate(node.elts)
                               if elt.__class__ is ast.Starred])

    visit_List = visit_Tuple

    def _check(self, node: ast.Tuple | ast.List, starred: list[int]) -> None:
        raise NotImplementedError


class TooManyExpressionsInStarredAssignment(_StarredTarget):
    """F621: CPython refuses 256 or more targets before the starred one."""

    CODE = "F621"
    NAME = "expressions-in-star-assignment"
    EQUIVALENT = "pyflakes F621, ruff F621"
    MESSAGE = "too many expressions in star-unpacking assignment"
    VALID = [Valid("a, *b, c = d\n")]
    INVALID = [Invalid("(" + ", ".join(f"a{i}" for i in range(256)) + ", *b) = c\n",
                       line=1, column=1)]

    def _check(self, node: ast.Tuple | ast.List, starred: list[int]) -> None:
        if starred and starred[0] >= 1 << 8:
            self.report(node)


class TwoStarredExpressions(_StarredTarget):
    """F622: one assignment cannot unpack into two starred targets."""

    CODE = "F622"
    NAME = "multiple-starred-expressions"
    EQUIVALENT = "pyflakes F622, ruff F622"
    MESSAGE = "two starred expressions in assignment"
    VALID = [Valid("a, *b = c\n"), Valid("x = [*a, *b]\n")]
    INVALID = [Invalid("a, *b, *c = d\n", line=1, column=1)]

    def _check(self, node: ast.Tuple | ast.List, starred: list[int]) -> None:
        if len(starred) > 1:
            self.report(node)


# ---------------------------------------------------------------------------------------------
# F631 / F634: a test that is a non-empty tuple is always true


class AssertTuple(LintRule):
    """F631: ``assert (x, 'message')`` asserts a non-empty tuple, which is always true."""

    CODE = "F631"
    NAME = "assert-tuple"
    EQUIVALENT = "pyflakes F631, ruff F631"
    MESSAGE = "assertion is always true, perhaps remove parentheses?"
    TREE = "ast"
    VALID = [Valid("assert x, 'message'\n"), Valid("assert ()\n")]
    INVALID = [Invalid("assert (x, 'message')\n", line=1, column=1)]

    def visit_Assert(self, node: ast.Assert) -> None:
        if isinstance(node.test, ast.Tuple) and node.test.elts:
            self.report(node)


class IfTuple(LintRule):
    """F634: ``if (x,):`` tests a non-empty tuple, which is always true."""

    CODE = "F634"
    NAME = "if-tuple"
    EQUIVALENT = "pyflakes F634, ruff F634"
    MESSAGE = "'if tuple literal' is always true, perhaps remove accidental comma?"
    TREE = "ast"
    VALID = [Valid("if x:\n    pass\n"), Valid("if ():\n    pass\n")]
    INVALID = [
        Invalid("if (x, y):\n    pass\n", line=1, column=1),
        Invalid("if x:\n    pass\nelif (y,):\n    pass\n", line=3, column=1),
        Invalid("z = 1 if (x,) else 2\n", line=1, column=5),
    ]

    def visit_If(self, node: ast.If | ast.IfExp) -> None:
        if isinstance(node.test, ast.Tuple) and node.test.elts:
            self.report(node)

    visit_IfExp = visit_If


# ---------------------------------------------------------------------------------------------
# F633: print >> f


def _binds(scopes: ScopeAnalysis, name: str, at: ast.expr | None = None) -> bool:
    """``name`` is bound in the module, or in a scope around ``at`` (when given): it is not
    the builtin there."""
    where = None if at is None else (at.lineno, at.col_offset)
    for b in scopes.bindings:
        if b.name != name:
            continue
        if where is None or b.scope == 0:
            return True
        node = scopes.scopes[b.scope].node
        start = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        if start <= where < end:
            return True
    return False


class InvalidPrintSyntax(LintRule):
    """F633: ``print >> f, x`` is Python 2; with the print function it raises TypeError."""

    CODE = "F633"
    NAME = "invalid-print-syntax"
    EQUIVALENT = "pyflakes F633, ruff F633"
    MESSAGE = "use of >> is invalid with print function"
    TREE = "ast"
    METADATA_DEPENDENCIES = (ScopeProvider,)
    VALID = [Valid("x = a >> b\n"), Valid("def print(): pass\nprint >> x\n"),
             Valid("def f():\n    print = g\n    print >> x\n")]
    INVALID = [Invalid("print >> sys.stderr, 'x'\n", line=1, column=1)]

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if node.op.__class__ is not ast.RShift:
            return
        for side in (node.left, node.right):
            # Only the builtin: the scope analysis is computed (or shared) only here.
            if (isinstance(side, ast.Name) and side.id == "print"
                    and not _binds(self.get_metadata(ScopeProvider), "print", side)):
                self.report(side)


# ---------------------------------------------------------------------------------------------
# F831: duplicate argument


class DuplicateArgument(LintRule):
    """F831: two parameters with one name; CPython refuses to compile the function."""

    CODE = "F831"
    NAME = "duplicate-argument"
    EQUIVALENT = "pyflakes F831, ruff F831"
    MESSAGE = "duplicate argument in function definition"
    TREE = "ast"
    VALID = [Valid("def f(a, b, *c, d, **e):\n    pass\n")]
    INVALID = [
        Invalid("def f(a, a):\n    pass\n", line=1, column=1,
                message="duplicate argument 'a' in function definition"),
        Invalid("g = lambda a, *, a: 1\n", line=1, column=5),
    ]

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        args = node.args
        if len(args.args) + len(args.kwonlyargs) + len(args.posonlyargs) < 2 and (
            args.vararg is None and args.kwarg is None
        ):
            return  # most functions: nothing to compare
        names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
        names.extend(a.arg for a in (args.vararg, args.kwarg) if a is not None)
        if len(set(names)) < len(names):
            for i, name in enumerate(names):
                if name in names[:i]:
                    self.report(node, f"duplicate argument {name!r} in function definition")

    visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef


# ---------------------------------------------------------------------------------------------
# F901: raise NotImplemented


class RaiseNotImplemented(LintRule):
    """F901: ``NotImplemented`` is a value for binary operators, not an exception."""

    CODE = "F901"
    NAME = "raise-not-implemented"
    EQUIVALENT = "pyflakes F901, ruff F901"
    MESSAGE = "'raise NotImplemented' should be 'raise NotImplementedError'"
    TREE = "ast"
    FIXABLE = True
    FIX_APPLICABILITY = "safe"
    METADATA_DEPENDENCIES = (ScopeProvider,)
    VALID = [Valid("raise NotImplementedError\n"), Valid("def f():\n    return NotImplemented\n")]
    INVALID = [
        Invalid("raise NotImplemented\n", line=1, column=1,
                expected_fix="raise NotImplementedError\n"),
        Invalid("def f():\n    raise NotImplemented('x')\n", line=2, column=5,
                expected_fix="def f():\n    raise NotImplementedError('x')\n"),
    ]

    def visit_Raise(self, node: ast.Raise) -> None:
        exc = node.exc
        name = exc.func if isinstance(exc, ast.Call) else exc
        if isinstance(name, ast.Name) and name.id == "NotImplemented":
            self.report(node, fix=self._fix(name))

    def _fix(self, name: ast.Name) -> Fix | None:
        # As ruff: only when the builtin NotImplementedError is what the name would mean.
        if _binds(self.get_metadata(ScopeProvider), "NotImplementedError", name):
            return None
        line, column, end_line, end_column = self.context.lines.node_range(name)
        edit = Edit("NotImplementedError", line, column, end_line, end_column)
        return Fix("safe", "Use `raise NotImplementedError`", (edit,))


#: The rules of this module, in code order.
RULES: tuple[type[LintRule], ...] = (
    MultiValueRepeatedKeyLiteral,
    MultiValueRepeatedKeyVariable,
    TooManyExpressionsInStarredAssignment,
    TwoStarredExpressions,
    AssertTuple,
    InvalidPrintSyntax,
    IfTuple,
    DuplicateArgument,
    RaiseNotImplemented,
)
