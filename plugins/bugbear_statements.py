"""Built-in flake8-bugbear rules on statements: B003, B011, B012, B013, B015, B016, B018,
B021, B025, B029, B032.

Codes, positions and messages are ruff's (its are bugbear's), so that a team whose ruff
configuration selects ``B`` sees the same lines and keeps its ``# noqa`` comments. None is
on by default: a configuration or ``--select`` turns them on.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import ClassVar

from analyzer.rules import Fix, Invalid, LintRule, RuleContext, Valid
from plugins._bugbear_fixes import replace, source
from plugins._bugbear_names import dotted

__all__ = [
    "AssertFalse", "AssignmentToOsEnviron", "DuplicateTryBlockException",
    "ExceptWithEmptyTuple", "FStringDocstring", "JumpStatementInFinally", "RULES",
    "RaiseLiteral", "RedundantTupleInExceptionHandler", "UnintentionalTypeAnnotation",
    "UselessComparison", "UselessExpression",
]

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_TRIES: tuple[type[ast.stmt], ...] = (ast.Try, *((ast.TryStar,) if hasattr(ast, "TryStar")
                                                  else ()))


class _BugbearRule(LintRule):
    """What the rules of this module share: off by default, on ast trees."""

    TREE = "ast"
    DEFAULT_ENABLED = False


class AssignmentToOsEnviron(_BugbearRule):
    """B003: an `os.environ = {}` rebinds the name; the process environment stays."""

    CODE = "B003"
    NAME = "assignment-to-os-environ"
    EQUIVALENT = "flake8-bugbear B003, ruff B003"
    MESSAGE = "Assigning to `os.environ` doesn't clear the environment"
    VALID: ClassVar[list[Valid]] = [Valid("import os\nos.environ['A'] = '1'\nx.environ = {}\n")]
    INVALID: ClassVar[list[Invalid]] = [Invalid("import os\nos.environ = {}\n", line=2, column=1)]

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if (isinstance(target, ast.Attribute) and target.attr == "environ"
                    and isinstance(target.value, ast.Name) and target.value.id == "os"):
                self.report(target)


class AssertFalse(_BugbearRule):
    """B011: an `assert False` is gone under `python -O`; `raise AssertionError()` stays."""

    CODE = "B011"
    NAME = "assert-false"
    EQUIVALENT = "flake8-bugbear B011, ruff B011"
    MESSAGE = ("Do not `assert False` (`python -O` removes these calls), raise "
               "`AssertionError()`")
    VALID: ClassVar[list[Valid]] = [Valid("assert 0\nassert x is False\n")]
    INVALID: ClassVar[list[Invalid]] = [Invalid("assert False, 'never'\n", line=1, column=8)]

    def visit_Assert(self, node: ast.Assert) -> None:
        test = node.test
        if isinstance(test, ast.Constant) and test.value is False:
            self.report(test)


class JumpStatementInFinally(_BugbearRule):
    """B012: a `return`, `break` or `continue` in `finally` swallows the exception in flight."""

    CODE = "B012"
    NAME = "jump-statement-in-finally"
    EQUIVALENT = "flake8-bugbear B012, ruff B012"
    EQUIVALENT_NOTE = ("as flake8-bugbear: also in the `elif`/`else` branches, `except` "
                       "handlers and nested `finally` of the `finally` block, which ruff does "
                       "not walk")
    MESSAGE = "`return` inside `finally` blocks cause exceptions to be silenced"
    VALID: ClassVar[list[Valid]] = [
        Valid("try:\n    pass\nfinally:\n    for x in y:\n        break\n"
              "    def f():\n        return 1\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("def f():\n    try:\n        pass\n    finally:\n        return 1\n",
                line=5, column=9),
        Invalid("for x in y:\n    try:\n        pass\n    finally:\n        if x:\n"
                "            continue\n", line=6, column=13,
                message="`continue` inside `finally` blocks cause exceptions to be silenced"),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._reported: set[int] = set()  # a try nested in a finally walks it twice

    def visit_Try(self, node: ast.Try) -> None:
        for stmt in _jumps(node.finalbody, in_loop=False):
            if id(stmt) not in self._reported:
                self._reported.add(id(stmt))
                keyword = type(stmt).__name__.lower()
                self.report(stmt, f"`{keyword}` inside `finally` blocks cause exceptions to "
                                  "be silenced")

    if hasattr(ast, "TryStar"):
        visit_TryStar = visit_Try


def _jumps(stmts: list[ast.stmt], in_loop: bool) -> Iterator[ast.stmt]:
    """The jumps out of ``stmts``: any ``return``, and a ``break`` or ``continue`` outside
    a loop of their own; never inside a nested function or class."""
    for stmt in stmts:
        if isinstance(stmt, ast.Return) or (isinstance(stmt, (ast.Break, ast.Continue))
                                            and not in_loop):
            yield stmt
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            yield from _jumps(stmt.body, True)
            yield from _jumps(stmt.orelse, in_loop)
        elif not isinstance(stmt, (*_FUNCTIONS, ast.ClassDef)):
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                inner = getattr(stmt, field, None)
                if inner:
                    yield from _jumps(inner, in_loop)


def _handlers(node: ast.AST) -> list[ast.ExceptHandler]:
    return node.handlers if isinstance(node, _TRIES) else []  # type: ignore[attr-defined]


class RedundantTupleInExceptionHandler(_BugbearRule):
    """B013: an `except (ValueError,):` is `except ValueError:`."""

    CODE = "B013"
    NAME = "redundant-tuple-in-exception-handler"
    EQUIVALENT = "flake8-bugbear B013, ruff B013"
    MESSAGE = "A length-one tuple literal is redundant in exception handlers"
    FIXABLE = True
    FIX_APPLICABILITY = "safe"
    VALID: ClassVar[list[Valid]] = [
        Valid("try:\n    pass\nexcept (*errors,):\n    pass\nexcept (A, B):\n    pass\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("try:\n    pass\nexcept (ValueError,):\n    pass\n", line=3, column=8,
                expected_fix="try:\n    pass\nexcept ValueError:\n    pass\n"),
    ]

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        kind = node.type
        if (isinstance(kind, ast.Tuple) and len(kind.elts) == 1
                and not isinstance(kind.elts[0], ast.Starred)):
            text = source(self.context, kind.elts[0])
            self.report(kind, fix=Fix("safe", f"Replace with `except {text}`",
                                      (replace(self.context, kind, text),)))


class ExceptWithEmptyTuple(_BugbearRule):
    """B029: an `except ():` catches nothing."""

    CODE = "B029"
    NAME = "except-with-empty-tuple"
    EQUIVALENT = "flake8-bugbear B029, ruff B029"
    MESSAGE = ("Using `except ():` with an empty tuple does not catch anything; add exceptions "
               "to handle")
    VALID: ClassVar[list[Valid]] = [Valid("try:\n    pass\nexcept (A,):\n    pass\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("try:\n    pass\nexcept ():\n    pass\n", line=3, column=1),
    ]

    def visit_Try(self, node: ast.Try) -> None:
        for handler in node.handlers:
            kind = handler.type
            if isinstance(kind, ast.Tuple) and not kind.elts:
                self.report(handler)

    if hasattr(ast, "TryStar"):

        def visit_TryStar(self, node: ast.TryStar) -> None:  # type: ignore[name-defined]
            for handler in node.handlers:
                kind = handler.type
                if isinstance(kind, ast.Tuple) and not kind.elts:
                    self.report(handler, "Using `except* ():` with an empty tuple does not "
                                         "catch anything; add exceptions to handle")


class DuplicateTryBlockException(_BugbearRule):
    """B025: a later handler names an exception an earlier one catches: it never runs for it."""

    CODE = "B025"
    NAME = "duplicate-try-block-exception"
    EQUIVALENT = "flake8-bugbear B025, ruff B025"
    MESSAGE = "try-except block with duplicate exception"
    VALID: ClassVar[list[Valid]] = [
        Valid("try:\n    pass\nexcept ValueError:\n    pass\nexcept (TypeError, KeyError):\n"
              "    pass\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("try:\n    pass\nexcept (OSError, ValueError):\n    pass\nexcept ValueError:\n"
                "    pass\n", line=5, column=8,
                message="try-except block with duplicate exception `ValueError`"),
    ]

    def visit_Try(self, node: ast.Try) -> None:
        seen: set[str] = set()
        for handler in _handlers(node):
            kind = handler.type
            names = kind.elts if isinstance(kind, ast.Tuple) else [kind] if kind else []
            mine: set[str] = set()
            for name_node in names:
                name = dotted(name_node)
                if name is None:
                    continue
                if name in seen:
                    self.report(name_node, f"try-except block with duplicate exception `{name}`")
                mine.add(name)
            seen |= mine

    if hasattr(ast, "TryStar"):
        visit_TryStar = visit_Try


class UselessComparison(_BugbearRule):
    """B015: a comparison as a statement does nothing: an `assert`, `=` or `return` is missing."""

    CODE = "B015"
    NAME = "useless-comparison"
    EQUIVALENT = "flake8-bugbear B015, ruff B015"
    MESSAGE = ("Pointless comparison. Did you mean to assign a value? Otherwise, prepend "
               "`assert` or remove it.")
    VALID: ClassVar[list[Valid]] = [Valid("ok = x == 1\nassert x < 2\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("x == 1\n", line=1, column=1),
        Invalid("def f(x):\n    x == 1\n", line=2, column=5, message=(
            "Pointless comparison at end of function scope. Did you mean to return the "
            "expression result?")),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._last: set[int] = set()  # the last statement of each function's body
        self._cell_ends: set[int] = set()

    def visit_Module(self, node: ast.Module) -> None:
        self._cell_ends = _cell_ends(self.context, node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._last.add(id(node.body[-1]))

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Compare) and id(node) not in self._cell_ends:
            if id(node) in self._last:
                self.report(node.value, "Pointless comparison at end of function scope. Did "
                                        "you mean to return the expression result?")
            else:
                self.report(node.value)


class RaiseLiteral(_BugbearRule):
    """B016: a `raise "message"` is a TypeError at run time."""

    CODE = "B016"
    NAME = "raise-literal"
    EQUIVALENT = "flake8-bugbear B016, ruff B016"
    MESSAGE = "Cannot raise a literal. Did you intend to return it or raise an Exception?"
    VALID: ClassVar[list[Valid]] = [Valid("raise ValueError('x')\nraise f'{x}'\nraise\n")]
    INVALID: ClassVar[list[Invalid]] = [Invalid("raise 'oops'\n", line=1, column=7)]

    def visit_Raise(self, node: ast.Raise) -> None:
        if isinstance(node.exc, ast.Constant):
            self.report(node.exc)


def _cell_ends(context: RuleContext, module: ast.Module) -> set[int]:
    """The ids of a notebook's statements that end a cell: a notebook shows a cell's last
    expression, which is why it is there (empty for a Python file)."""
    body = module.body
    if not context.is_notebook or not body:  # a notebook of empty or magic-only cells
        return set()
    return {id(here) for here, after in zip(body, [*body[1:], None], strict=True)
            if after is None or context.cell_index(after.lineno)
            != context.cell_index(here.lineno)}


#: What ruff counts as a side effect in a statement expression: these nodes anywhere in it.
_EFFECTS = (ast.Await, ast.Call, ast.DictComp, ast.GeneratorExp, ast.ListComp, ast.SetComp,
            ast.Subscript, ast.Yield, ast.YieldFrom, ast.NamedExpr)
_LITERALS = (ast.Constant, ast.JoinedStr, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp,
             ast.SetComp, ast.DictComp)
_CONTAINERS = frozenset({"set", "list", "tuple", "dict", "frozenset"})


def has_effect(expr: ast.expr) -> bool:
    """ruff's ``contains_effect``: a call (bar an empty builtin container's), an operator
    that may be overloaded (a binary one but between literals), a subscript, an await..."""
    for node in ast.walk(expr):
        if isinstance(node, ast.Call):
            func = node.func
            if (node.args or node.keywords or not isinstance(func, ast.Name)
                    or func.id not in _CONTAINERS):
                return True
        elif isinstance(node, ast.BinOp):
            if not (isinstance(node.left, _LITERALS) and isinstance(node.right, _LITERALS)):
                return True
        elif isinstance(node, _EFFECTS):
            return True
    return False


class UselessExpression(_BugbearRule):
    """B018: an expression statement that computes a value and drops it."""

    CODE = "B018"
    NAME = "useless-expression"
    EQUIVALENT = "flake8-bugbear B018, ruff B018"
    MESSAGE = "Found useless expression. Either assign it to a variable or remove it."
    VALID: ClassVar[list[Valid]] = [
        Valid('"""doc"""\n...\nf(x)\nx + 1\nx[0]\nf"{x}"\nx == 1\n'),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("x = 1\nx\n", line=2, column=1),
        Invalid("[1, 2]\n", line=1, column=1),
        Invalid("f().attr\n", line=1, column=1, message=(
            "Found useless attribute access. Either assign it to a variable or remove it.")),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._cell_ends: set[int] = set()

    def visit_Module(self, node: ast.Module) -> None:
        self._cell_ends = _cell_ends(self.context, node)

    def visit_Expr(self, node: ast.Expr) -> None:
        value = node.value
        # Most expression statements are calls, which have an effect (has_effect's one
        # exception, an empty `list()`, is let through to it).
        if isinstance(value, ast.Call) and (value.args or value.keywords
                                            or not isinstance(value.func, ast.Name)):
            return
        if isinstance(value, ast.Constant) and (isinstance(value.value, str)
                                                or value.value is Ellipsis):
            return  # a docstring or a placeholder
        if isinstance(value, (ast.Compare, ast.JoinedStr)) or id(node) in self._cell_ends:
            return  # B015's; an f-string, as a string
        if has_effect(value):
            if isinstance(value, ast.Attribute):
                self.report(value, "Found useless attribute access. Either assign it to a "
                                   "variable or remove it.")
            return
        self.report(value)


class FStringDocstring(_BugbearRule):
    """B021: an f-string where the docstring goes is no docstring (`__doc__` is None)."""

    CODE = "B021"
    NAME = "f-string-docstring"
    EQUIVALENT = "flake8-bugbear B021, ruff B021"
    MESSAGE = ("f-string used as docstring. Python will interpret this as a joined string, "
               "rather than a docstring.")
    VALID: ClassVar[list[Valid]] = [Valid('def f():\n    """doc"""\n    f"{x}"\n')]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid('class C:\n    f"doc {x}"\n', line=2, column=5),
        Invalid('f"module {x}"\n', line=1, column=1),
    ]

    def visit_Module(self, node: ast.Module) -> None:
        self._check(node.body)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._check(node.body)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._check(node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def _check(self, body: list[ast.stmt]) -> None:
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.JoinedStr):
            self.report(body[0].value)


class UnintentionalTypeAnnotation(_BugbearRule):
    """B032: an `a.b: 1` annotates and assigns nothing, where `=` was meant."""

    CODE = "B032"
    NAME = "unintentional-type-annotation"
    EQUIVALENT = "flake8-bugbear B032, ruff B032"
    MESSAGE = ("Possible unintentional type annotation (using `:`). Did you mean to assign "
               "(using `=`)?")
    VALID: ClassVar[list[Valid]] = [Valid("a.b: int = 1\nx: int\na.b.c: int\nself.x: int\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("a.b: int\n", line=1, column=1),
        Invalid("a[0]: int\n", line=1, column=1),
    ]

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        target = node.target
        # `self.x: T` in a method declares the attribute's type (ruff and bugbear spare it).
        if (node.value is None and isinstance(target, (ast.Attribute, ast.Subscript))
                and isinstance(target.value, ast.Name)
                and not (isinstance(target, ast.Attribute) and target.value.id == "self")):
            self.report(node)


#: The rules of this module.
RULES: tuple[type[LintRule], ...] = (
    AssignmentToOsEnviron, AssertFalse, JumpStatementInFinally,
    RedundantTupleInExceptionHandler, ExceptWithEmptyTuple, DuplicateTryBlockException,
    UselessComparison, RaiseLiteral, UselessExpression, FStringDocstring,
    UnintentionalTypeAnnotation,
)
