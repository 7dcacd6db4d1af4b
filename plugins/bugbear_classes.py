"""Built-in flake8-bugbear rules on classes, methods and what tests and context variables
are given: B017, B019, B024, B027, B039.

Codes, positions and messages are ruff's, as in ``bugbear_statements``; off by default.
"""
from __future__ import annotations

import ast
from typing import ClassVar

from analyzer.rules import Invalid, LintRule, RuleContext, ScopeProvider, Valid
from plugins._bugbear_names import IMMUTABLE_CALLS, qualified

__all__ = [
    "AbstractBaseClassWithoutAbstractMethod", "AssertRaisesException",
    "CachedInstanceMethod", "EmptyMethodWithoutAbstractDecorator", "MutableContextvarDefault",
    "RULES",
]

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


class _BugbearRule(LintRule):
    """What the rules of this module share: off by default, names resolved by import."""

    TREE = "ast"
    DEFAULT_ENABLED = False
    METADATA_DEPENDENCIES = (ScopeProvider,)


#: The exceptions no test should expect: they match any error, the test's own mistakes too.
_BLIND = frozenset({"Exception", "BaseException"})


class AssertRaisesException(_BugbearRule):
    """B017: ``assertRaises(Exception)`` passes on any error, a typo in the test included."""

    CODE = "B017"
    NAME = "assert-raises-exception"
    EQUIVALENT = "flake8-bugbear B017, ruff B017"
    MESSAGE = "Do not assert blind exception"
    VALID: ClassVar[list[Valid]] = [
        Valid("import pytest\nwith pytest.raises(Exception, match='x'):\n    pass\n"
              "with pytest.raises(ValueError):\n    pass\nself.assertRaises((A, Exception))\n"
              "with self.assertRaises(Exception) as caught:\n    pass\n"
              "cases = [pytest.raises(Exception)]\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("with self.assertRaises(Exception):\n    pass\n", line=1, column=6,
                message="Do not assert blind exception: `Exception`"),
        Invalid("import pytest\npytest.raises(BaseException, f)\n", line=2, column=1),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._managers: set[int] = set()

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        # `with self.assertRaises(Exception) as caught:` goes on to inspect what it caught.
        self._managers.update(id(item.context_expr) for item in node.items
                              if not item.optional_vars)

    visit_AsyncWith = visit_With

    def visit_Call(self, node: ast.Call) -> None:
        # As ruff: the context manager of a `with`, or the form that calls a function
        # itself (`assertRaises(Exception, f)`); a bare `pytest.raises(Exception)` elsewhere
        # (ibis' parametrize lists) is handed on, its use unseen.
        args = node.args
        if (not args or not isinstance(args[0], ast.Name) or args[0].id not in _BLIND
                or (len(args) < 2 and id(node) not in self._managers)):
            return
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "assertRaises":
            pass
        elif (qualified(self, func) != "pytest.raises"
              or any(k.arg == "match" for k in node.keywords)):
            return
        self.report(node, f"Do not assert blind exception: `{args[0].id}`")


#: The caches that hold ``self`` (and so the instance) for as long as the cache lives.
_CACHES = frozenset({"functools.lru_cache", "functools.cache"})
_BINDERS = frozenset({"staticmethod", "classmethod"})
_IMPLICIT = frozenset({"__new__", "__init_subclass__", "__class_getitem__"})


class CachedInstanceMethod(_BugbearRule):
    """B019: ``functools.cache`` on a method keeps every instance it saw alive."""

    CODE = "B019"
    NAME = "cached-instance-method"
    EQUIVALENT = "flake8-bugbear B019, ruff B019"
    MESSAGE = ("Use of `functools.lru_cache` or `functools.cache` on methods can lead to "
               "memory leaks")
    VALID: ClassVar[list[Valid]] = [
        Valid("from functools import cache\n@cache\ndef f():\n    pass\nclass C:\n"
              "    @staticmethod\n    @cache\n    def g():\n        pass\n"
              "    @cache\n    def __new__(cls):\n        pass\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("import functools\nclass C:\n    @functools.lru_cache(maxsize=None)\n"
                "    def f(self):\n        pass\n", line=3, column=5),
    ]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for method in node.body:
            if not isinstance(method, _FUNCTIONS):
                continue
            decorators = method.decorator_list
            # A static or class method holds no instance (`__new__` is one implicitly).
            if method.name in _IMPLICIT or any(isinstance(d, ast.Name) and d.id in _BINDERS
                                               for d in decorators):
                continue
            for decorator in decorators:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if qualified(self, target) in _CACHES:
                    self.report(_at_sign(self, decorator), end=self._end(decorator))

    def _end(self, node: ast.expr) -> tuple[int, int]:
        line: int = node.end_lineno  # type: ignore[assignment]
        return line, self.context.lines.column(line, node.end_col_offset)  # type: ignore[arg-type]


def _at_sign(rule: LintRule, decorator: ast.expr) -> tuple[int, int]:
    """Where a decorator's ``@`` is, as ruff reports a decorator (its expression starts
    after it)."""
    lines = rule.context.lines
    line = decorator.lineno
    text = lines.line(line)
    column = lines.column(line, decorator.col_offset)
    at = text.rfind("@", 0, column - 1)
    return line, (at + 1 if at >= 0 else column)


def _abc_class(rule: LintRule, node: ast.ClassDef) -> bool:
    """The class is an abstract base class alone: ``ABC`` its one base, or ``ABCMeta`` its
    metaclass and nothing else (with other bases ruff leaves it alone)."""
    if len(node.bases) + len(node.keywords) != 1:
        return False
    if node.bases:
        return qualified(rule, node.bases[0]) == "abc.ABC"
    keyword = node.keywords[0]
    return keyword.arg == "metaclass" and qualified(rule, keyword.value) == "abc.ABCMeta"


_ABSTRACT = frozenset({"abc.abstractmethod", "abc.abstractclassmethod",
                       "abc.abstractstaticmethod", "abc.abstractproperty"})
_OVERLOADS = frozenset({"typing.overload", "typing_extensions.overload"})


def _decorated(rule: LintRule, node: ast.AST, names: frozenset[str]) -> bool:
    return any(qualified(rule, d.func if isinstance(d, ast.Call) else d) in names
               for d in node.decorator_list)  # type: ignore[attr-defined]


def _empty(body: list[ast.stmt]) -> bool:
    """A body that does nothing: ``pass``, ``...``, a docstring, and only those."""
    return all(isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr)
                                              and isinstance(stmt.value, ast.Constant)
                                              and (stmt.value.value is Ellipsis
                                                   or isinstance(stmt.value.value, str)))
               for stmt in body)


class AbstractBaseClassWithoutAbstractMethod(_BugbearRule):
    """B024: an abstract base class with no abstract method: nothing makes it abstract."""

    CODE = "B024"
    NAME = "abstract-base-class-without-abstract-method"
    EQUIVALENT = "flake8-bugbear B024, ruff B024"
    MESSAGE = "Abstract base class has no abstract methods or properties"
    VALID: ClassVar[list[Valid]] = [
        Valid("from abc import ABC, abstractmethod\nclass A(ABC):\n    @abstractmethod\n"
              "    def m(self):\n        pass\nclass B(ABC, Mixin):\n    pass\n"
              "class C(ABC):\n    items: list[int]\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("import abc\nclass A(abc.ABC):\n    x = 1\n", line=2, column=7,
                message="`A` is an abstract base class, but it has no abstract methods or "
                        "properties"),
        Invalid("from abc import ABCMeta\nclass A(metaclass=ABCMeta):\n    pass\n", line=2,
                column=7),
    ]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        # A stub states an interface (typeshed's ABCs), and a bare annotation declares a
        # member subclasses provide (sqlalchemy's `_items: Sequence[Any]`): ruff's reading.
        if self.context.path.endswith(".pyi") or not _abc_class(self, node):
            return
        if any((isinstance(stmt, _FUNCTIONS) and _decorated(self, stmt, _ABSTRACT))
               or (isinstance(stmt, ast.AnnAssign) and stmt.value is None)
               for stmt in node.body):
            return
        self.report(_name_of(self, node), f"`{node.name}` is an abstract base class, but it "
                                          "has no abstract methods or properties")


def _name_of(rule: LintRule, node: ast.ClassDef) -> tuple[int, int]:
    """Where the class's name is: after ``class`` on its line."""
    lines = rule.context.lines
    line = node.lineno
    column = lines.column(line, node.col_offset)
    text = lines.line(line)
    at = text.find(node.name, column - 1 + len("class"))
    return line, (at + 1 if at >= 0 else column)


class EmptyMethodWithoutAbstractDecorator(_BugbearRule):
    """B027: an empty, non-abstract method of an abstract base class: subclasses may skip it."""

    CODE = "B027"
    NAME = "empty-method-without-abstract-decorator"
    EQUIVALENT = "flake8-bugbear B027, ruff B027"
    MESSAGE = ("Empty method in an abstract base class, but has no abstract decorator")
    VALID: ClassVar[list[Valid]] = [
        Valid("from abc import ABC, abstractmethod\nfrom typing import overload\n"
              "class A(ABC):\n    @abstractmethod\n    def m(self):\n        pass\n"
              "    def n(self):\n        raise NotImplementedError\n"
              "    @overload\n    def o(self):\n        ...\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("from abc import ABC\nclass A(ABC):\n    def m(self):\n        '''Hook.'''\n",
                line=3, column=5, message="`A.m` is an empty method in an abstract base "
                                          "class, but has no abstract decorator"),
        Invalid("from abc import ABC\nclass A(ABC):\n    @property\n    def p(self):\n"
                "        pass\n", line=3, column=5),
    ]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if self.context.path.endswith(".pyi") or not _abc_class(self, node):
            return  # a stub's methods are all empty
        for stmt in node.body:
            if (isinstance(stmt, _FUNCTIONS) and _empty(stmt.body)
                    and not _decorated(self, stmt, _ABSTRACT | _OVERLOADS)):
                where = _at_sign(self, stmt.decorator_list[0]) if stmt.decorator_list else stmt
                self.report(where, f"`{node.name}.{stmt.name}` is an empty method in an "
                                   "abstract base class, but has no abstract decorator")


_MUTABLE_LITERALS = (ast.Dict, ast.List, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
def callee(rule: LintRule, func: ast.expr) -> str | None:
    """The qualified name of a callee: an import's, else a builtin's for a plain name."""
    name = qualified(rule, func)
    if name is None and isinstance(func, ast.Name):
        return f"builtins.{func.id}"
    return name


class MutableContextvarDefault(_BugbearRule):
    """B039: a mutable ``ContextVar`` default is one object shared by every context."""

    CODE = "B039"
    NAME = "mutable-contextvar-default"
    EQUIVALENT = "flake8-bugbear B039, ruff B039"
    MESSAGE = "Do not use mutable data structures for `ContextVar` defaults"
    VALID: ClassVar[list[Valid]] = [
        Valid("from contextvars import ContextVar\nimport pathlib\n"
              "v = ContextVar('v', default=None)\nw = ContextVar('w', default=frozenset())\n"
              "x = ContextVar('x', default=pathlib.Path())\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("from contextvars import ContextVar\nv = ContextVar('v', default=[])\n",
                line=2, column=29),
        Invalid("import contextvars\nv = contextvars.ContextVar('v', default=set())\n",
                line=2, column=41),
        Invalid("from contextvars import ContextVar\nv = ContextVar('v', default=make())\n",
                line=2, column=29),
        Invalid("from contextvars import ContextVar\nv = ContextVar[dict]('v', default={})\n",
                line=2, column=35),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        default = next((k.value for k in node.keywords if k.arg == "default"), None)
        if default is None or not self._mutable(default):
            return
        func = node.func
        if isinstance(func, ast.Subscript):  # `ContextVar[dict[str, str]](...)` (mlflow)
            func = func.value
        if qualified(self, func) == "contextvars.ContextVar":
            self.report(default)

    def _mutable(self, node: ast.expr) -> bool:
        """A mutable literal, or a call ruff does not know to return an immutable value."""
        if isinstance(node, _MUTABLE_LITERALS):
            return True
        return isinstance(node, ast.Call) and callee(self, node.func) not in IMMUTABLE_CALLS


#: The rules of this module.
RULES: tuple[type[LintRule], ...] = (
    AssertRaisesException, CachedInstanceMethod, AbstractBaseClassWithoutAbstractMethod,
    EmptyMethodWithoutAbstractDecorator, MutableContextvarDefault,
)
