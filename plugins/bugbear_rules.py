"""Built-in flake8-bugbear rules B006 and B008: a mutable default, or a call's result, made once
at definition and shared by every call.

Code, message and positions are flake8-bugbear's, so existing noqa comments keep working;
as ruff, a parameter whose annotation promises no mutation (``Sequence[str] = []``,
``Mapping[str, Any] = {}``) and a stub's defaults, never evaluated, are left alone.
"""
from __future__ import annotations

import ast
from typing import ClassVar

from analyzer.rules import Invalid, LintRule, RuleContext, ScopeProvider, Valid
from plugins._bugbear_names import IMMUTABLE_CALLS, dotted

__all__ = ["FunctionCallInDefaultArgument", "MutableArgumentDefault", "RULES"]

_MUTABLE_LITERALS = (ast.Dict, ast.List, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
_MUTABLE_CALLS = frozenset(
    {
        "Counter",
        "OrderedDict",
        "collections.Counter",
        "collections.OrderedDict",
        "collections.defaultdict",
        "collections.deque",
        "defaultdict",
        "deque",
        "dict",
        "list",
        "set",
    }
)

#: Annotations (qualified names) that promise the value is not mutated, as ruff lists them:
#: with or without type arguments.
_IMMUTABLE_GENERIC = frozenset(
    {f"typing.{n}" for n in ("AbstractSet", "ByteString", "Collection", "Container",
                             "FrozenSet", "Iterable", "Literal", "Mapping", "Never",
                             "NoReturn", "Reversible", "Sequence", "Tuple")}
    | {f"collections.abc.{n}" for n in ("ByteString", "Collection", "Container", "Iterable",
                                        "Mapping", "Reversible", "Sequence", "Set")}
    | {"builtins.frozenset", "builtins.tuple"}
)
#: ... and those that take none.
_IMMUTABLE_PLAIN = frozenset(
    {f"builtins.{n}" for n in ("bool", "bytes", "complex", "float", "frozenset", "int",
                               "object", "range", "str")}
    | {"collections.abc.Sized", "typing.LiteralString", "typing.Sized"}
)


def _call_path(node: ast.AST) -> list[str]:
    """Dotted path of a call's callee as flake8-bugbear composes it (``a.b.c``)."""
    if isinstance(node, ast.Attribute):
        return [*_call_path(node.value), node.attr]
    if isinstance(node, ast.Call):
        return _call_path(node.func)
    if isinstance(node, ast.Name):
        return [node.id]
    return []


def _mutable_parts(default: ast.expr) -> list[ast.AST]:
    """What flake8-bugbear flags in one default: a top-level mutable literal or
    comprehension, and any call to a mutable constructor outside a lambda."""
    found: list[ast.AST] = []
    if isinstance(default, _MUTABLE_LITERALS):
        found.append(default)
    stack: list[ast.AST] = [default]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Lambda):
            continue  # evaluated at call time
        if isinstance(node, ast.Call) and ".".join(_call_path(node.func)) in _MUTABLE_CALLS:
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


class MutableArgumentDefault(LintRule):
    """B006: a mutable default is created once and shared by every call."""

    CODE = "B006"
    EQUIVALENT = "flake8-bugbear B006, ruff B006"
    EQUIVALENT_NOTE = ("as ruff: never in `.pyi` stubs, whose defaults are never evaluated, nor "
                       "for a parameter annotated with a type that promises no mutation "
                       "(`Sequence[str] = []`, `Mapping[str, Any] = {}`, also in `Optional` "
                       "and `X | None`); bugbear reports both")
    NAME = "mutable-argument-default"
    MESSAGE = (
        "Do not use mutable data structures for argument defaults.  They are created during "
        "function definition time. All calls to the function reuse this one instance of that "
        "data structure, persisting changes between them."
    )
    TREE = "ast"
    METADATA_DEPENDENCIES = (ScopeProvider,)
    VALID = [
        Valid("def f(a=None, b=(), c=frozenset({1})):\n    pass\n"),
        Valid("def f(a=lambda: []):\n    pass\n"),
        Valid("f = lambda a=[]: a\n"),
        Valid("from typing import Mapping, Optional, Sequence as Seq\n"
              "import collections.abc\n"
              "def f(a: Seq[str] = [], *, b: Optional[Mapping[str, int]] = {},\n"
              "      c: collections.abc.Iterable[int] | None = [], d: tuple = []):\n"
              "    pass\n"),
    ]
    INVALID = [
        Invalid("def f(a=[]):\n    pass\n", line=1, column=9),
        Invalid("async def f(*, a={}):\n    pass\n", line=1, column=18),
        Invalid("def f(a, b=collections.defaultdict(list)):\n    pass\n", line=1, column=12),
        Invalid("def f(a=[x for x in y]):\n    pass\n", line=1, column=9),
        Invalid("from typing import Sequence\n"
                "def f(a: list[str] = [], b: Sequence[str] = []):\n    pass\n",
                line=2, column=22),
        Invalid("from typing import Sequence\n"
                "def f(a: 'Sequence[str]' = [], b: Sequence[str] | list[str] = []):\n"
                "    pass\n", line=2, column=28),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        # A stub's defaults are never evaluated: typeshed writes `cnf: dict[str, Any] = {}`
        # to say what the runtime default is (ruff skips stubs too).
        self._stub = context.path.endswith(".pyi")

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if self._stub:
            return
        args = node.args
        defaults = args.defaults
        for i, default in enumerate(defaults):
            parts = _mutable_parts(default)
            if parts:  # rare: only then is the parameter looked up
                positional = [*args.posonlyargs, *args.args]
                self._report(positional[len(positional) - len(defaults) + i], parts)
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if kw_default is not None:
                parts = _mutable_parts(kw_default)
                if parts:
                    self._report(arg, parts)

    def _report(self, arg: ast.arg, parts: list[ast.AST]) -> None:
        if arg.annotation is None or not self._immutable(arg.annotation):
            for part in parts:
                self.report(part)

    visit_AsyncFunctionDef = visit_FunctionDef

    def _immutable(self, annotation: ast.expr) -> bool:
        """``annotation`` promises the value is not mutated (ruff's reading of it)."""
        if isinstance(annotation, ast.Constant):
            return annotation.value is None
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            return self._immutable(annotation.left) and self._immutable(annotation.right)
        if isinstance(annotation, ast.Subscript):
            name = self._qualified(annotation.value)
            inner = annotation.slice
            if name in _IMMUTABLE_GENERIC:
                return True
            if name is not None and name.startswith("typing."):  # typing_extensions' too
                member = name.rpartition(".")[2]
                if member == "Optional":
                    return self._immutable(inner)
                if member == "Union" and isinstance(inner, ast.Tuple):
                    return all(self._immutable(e) for e in inner.elts)
                if member == "Annotated" and isinstance(inner, ast.Tuple) and inner.elts:
                    return self._immutable(inner.elts[0])
            return False
        name = self._qualified(annotation)
        return name in _IMMUTABLE_PLAIN or name in _IMMUTABLE_GENERIC

    def _qualified(self, node: ast.expr) -> str | None:
        """The qualified name ``node`` (a name or an attribute chain) refers to through the
        module's imports; a name no import binds is a builtin's."""
        parts = _call_path(node) if isinstance(node, (ast.Name, ast.Attribute)) else []
        if not parts:
            return None
        head = self.get_metadata(ScopeProvider).imported_names.get(parts[0])
        if head is None:
            return f"builtins.{parts[0]}" if len(parts) == 1 else None
        name = ".".join([head, *parts[1:]])
        # typing_extensions re-exports typing's names.
        return "typing." + name[len("typing_extensions."):] \
            if name.startswith("typing_extensions.") else name




class FunctionCallInDefaultArgument(MutableArgumentDefault):
    """B008: a call in a default runs once, at definition, and every call shares its result."""

    CODE = "B008"
    EQUIVALENT = "flake8-bugbear B008, ruff B008"
    EQUIVALENT_NOTE = ""
    NAME = "function-call-in-default-argument"
    MESSAGE = ("Do not perform function call in argument defaults; instead, perform the call "
               "within the function, or read the default from a module-level singleton "
               "variable")
    DEFAULT_ENABLED = False
    VALID: ClassVar[list[Valid]] = [
        Valid("from dataclasses import dataclass\n@dataclass(frozen=True)\nclass P:\n    x: int = 0\n"
              "def f(p=P()):\n    pass\n"),
        Valid("import datetime\nfrom typing import NewType, Sequence\nId = NewType('Id', int)\n"
              "def f(a=tuple(), b=datetime.timedelta(1), c=lambda: g(), d=list(), e=Id(1),\n"
              "      s: Sequence[int] = g(), n: int = g()):\n    pass\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("def f(a=make()):\n    pass\n", line=1, column=9, message=(
            "Do not perform function call `make` in argument defaults; instead, perform the "
            "call within the function, or read the default from a module-level singleton "
            "variable")),
        Invalid("def f(*, a=[g(1)], b: list = os.getcwd()):\n    pass\n", line=1, column=13),
        Invalid("f = lambda x=make(): x\n", line=1, column=14),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._newtypes: set[str] = set()

    def visit_Module(self, node: ast.Module) -> None:
        # `Id = NewType("Id", int)`: calling `Id` returns its argument, no new object; a
        # frozen dataclass of the module makes immutable values (homeassistant's
        # `annotations: ToolAnnotations = ToolAnnotations()`), as ruff reads them.
        for stmt in node.body:
            if (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call)
                    and self._qualified(stmt.value.func) == "typing.NewType"):
                self._newtypes.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
            elif isinstance(stmt, ast.ClassDef) and any(self._frozen(d)
                                                        for d in stmt.decorator_list):
                self._newtypes.add(stmt.name)

    def _frozen(self, decorator: ast.expr) -> bool:
        """``@dataclass(frozen=True)``, from ``dataclasses`` under any import."""
        return (isinstance(decorator, ast.Call)
                and self._qualified(decorator.func) == "dataclasses.dataclass"
                and any(k.arg == "frozen" and isinstance(k.value, ast.Constant)
                        and k.value.value is True for k in decorator.keywords))

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
                          ) -> None:
        args = node.args
        if not args.defaults and not args.kw_defaults:
            return  # most functions: nothing to read
        positional = [*args.posonlyargs, *args.args]
        pairs = [*zip(positional[len(positional) - len(args.defaults):], args.defaults,
                      strict=True),
                 *((a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                   if d is not None)]
        for arg, default in pairs:
            calls = self._calls(default)
            if calls and (arg.annotation is None or not self._immutable(arg.annotation)):
                for call in calls:
                    name = dotted(call.func)
                    self.report(call, self.MESSAGE if name is None else self.MESSAGE.replace(
                        "function call", f"function call `{name}`"))

    # A lambda's defaults are evaluated where it is written, as a def's are.
    visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef

    def _calls(self, default: ast.expr) -> list[ast.Call]:
        """The calls in ``default`` that may return a new mutable object: not in a lambda,
        not of a constructor B006 reports, of an immutable type, or of a ``NewType``."""
        found: list[ast.Call] = []
        stack: list[ast.AST] = [default]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Lambda):
                continue
            if isinstance(node, ast.Call):
                func = node.func
                if not (dotted(func) in _MUTABLE_CALLS
                        or self._qualified(func) in IMMUTABLE_CALLS
                        or (isinstance(func, ast.Name) and func.id in self._newtypes)):
                    found.append(node)
            stack.extend(ast.iter_child_nodes(node))
        return sorted(found, key=lambda n: (n.lineno, n.col_offset))


#: The rules of this module.
RULES: tuple[type[LintRule], ...] = (MutableArgumentDefault, FunctionCallInDefaultArgument)
