"""Built-in pycodestyle rules on expressions: E713, E714, E721 and E731.

Codes, messages, positions, fixes and their applicability are ruff's; where pycodestyle
differs (E721, E731) the rule's docstring says how. E721 and E731 ask the scope analysis
whether a name is shadowed, and only in a file where a candidate shows up.
"""
from __future__ import annotations

import ast
import re
from typing import ClassVar

from analyzer.rules import (
    Edit,
    Fix,
    Invalid,
    LintRule,
    RuleContext,
    ScopeAnalysis,
    ScopeProvider,
    SourceLines,
    Valid,
)
from plugins._text import (
    end_offset,
    has_leading_content,
    has_trailing_content,
    line_ending,
    qualified_name,
    record_imports,
    start_offset,
)

# ---------------------------------------------------------------------------------------------
# Shared: source slices, imports and scopes of the file being checked


def _parenthesized(text: str, start: int, end: int, low: int, high: int) -> tuple[int, int]:
    """Widen ``[start, end)`` over the parentheses that enclose exactly it within
    ``[low, high)``, as ruff's ``parenthesized_range``."""
    while True:
        before = start - 1
        while before >= low and text[before] in " \t\f\r\n\\":
            before -= 1
        after = end
        while after < high and text[after] in " \t\f\r\n\\":
            after += 1
        if before < low or after >= high or text[before] != "(" or text[after] != ")":
            return start, end
        start, end = before, after + 1


def _span(lines: SourceLines, start: int, end: int, content: str) -> Edit:
    line, column = lines.position(start)
    end_line, end_column = lines.position(end)
    return Edit(content, line, column, end_line, end_column)


def _module_imports(tree: ast.Module) -> dict[str, str]:
    """Names bound by the module's imports (not those of function bodies) -> qualified name."""
    imported: dict[str, str] = {}
    stack: list[ast.stmt] = list(reversed(tree.body))
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            record_imports(stmt, imported)
        elif isinstance(stmt, (ast.If, ast.Try, ast.With)) or type(stmt).__name__ == "TryStar":
            for field in ("body", "orelse", "finalbody"):
                stack.extend(getattr(stmt, field, ()))
            for handler in getattr(stmt, "handlers", ()):
                stack.extend(handler.body)
    return imported


class _Scopes:
    """Which names each scope binds, and the innermost scope at a position (per file)."""

    def __init__(self, analysis: ScopeAnalysis) -> None:
        self.scopes = analysis.scopes
        self.names: dict[int, set[str]] = {}
        self.annotations: dict[int, dict[str, int]] = {}
        for scope, name, kind, line in analysis.binding_names:
            self.names.setdefault(scope, set()).add(name)
            if kind == "annotation":
                self.annotations.setdefault(scope, {}).setdefault(name, line)

    def at(self, node: ast.AST) -> int:
        """Index of the innermost scope whose node encloses ``node``'s start."""
        where = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
        best, best_start = 0, (0, 0)
        for scope in self.scopes[1:]:
            owner = scope.node
            start = (owner.lineno, owner.col_offset)  # type: ignore[attr-defined]
            end = (owner.end_lineno, owner.end_col_offset)  # type: ignore[attr-defined]
            if start <= where < end and start >= best_start:
                best, best_start = scope.index, start
        return best

    def binds(self, name: str, scope: int) -> bool:
        """Whether ``name`` is bound in ``scope`` or a scope its code can read."""
        index: int | None = scope
        while index is not None:
            current = self.scopes[index]
            if (index == scope or current.kind != "class") and name in self.names.get(index, ()):
                return True
            index = current.parent
        return False


class _ScopeAware(LintRule):
    """Shared base: reads the scope analysis and the module's imports, computed on demand."""

    TREE = "ast"
    METADATA_DEPENDENCIES: ClassVar[tuple[type, ...]] = (ScopeProvider,)

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._tree: ast.Module | None = None
        self._scopes_value: _Scopes | None = None
        self._imports_value: dict[str, str] | None = None

    def visit_Module(self, node: ast.Module) -> None:
        self._tree = node

    def _scopes(self) -> _Scopes:
        if self._scopes_value is None:
            self._scopes_value = _Scopes(self.get_metadata(ScopeProvider))
        return self._scopes_value

    def _imports(self) -> dict[str, str]:
        if self._imports_value is None:
            tree = self._tree
            self._imports_value = _module_imports(tree) if tree is not None else {}
        return self._imports_value


# ---------------------------------------------------------------------------------------------
# E713 / E714


class _NotTest(LintRule):
    """Shared machinery of E713/E714 (abstract: no CODE)."""

    TREE = "ast"
    FIXABLE = True
    FIX_APPLICABILITY = "safe"
    _OPERATOR: ClassVar[type[ast.cmpop]] = ast.In
    _NEW: ClassVar[str] = "not in"

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        operand = node.operand
        if (isinstance(node.op, ast.Not) and isinstance(operand, ast.Compare)
                and len(operand.ops) == 1 and isinstance(operand.ops[0], self._OPERATOR)):
            self.report(operand, fix=self._fix(node, operand))

    def _fix(self, node: ast.UnaryOp, compare: ast.Compare) -> Fix:
        lines = self.context.lines
        text = lines.text
        low, high = start_offset(lines, node), end_offset(lines, node)
        left = text[slice(*_parenthesized(text, start_offset(lines, compare.left),
                                          end_offset(lines, compare.left), low, high))]
        right_node = compare.comparators[0]
        right = text[slice(*_parenthesized(text, start_offset(lines, right_node),
                                           end_offset(lines, right_node), low, high))]
        content = f"{left} {self._NEW} {right}"
        # A letter touching the replaced range (`not x in (y)else z`) could merge with the
        # new text into one token: pad it with a space there, as ruff does.
        if low > 0 and text[low - 1].isascii() and text[low - 1].isalpha():
            content = " " + content
        if high < len(text) and text[high].isascii() and text[high].isalpha():
            content += " "
        return Fix("safe", f"Convert to `{self._NEW}`", (_span(lines, low, high, content),))


class NotInTest(_NotTest):
    """E713: membership tested as ``not x in y``, which reads as ``(not x) in y``."""

    CODE = "E713"
    NAME = "not-in-test"
    MESSAGE = "Test for membership should be `not in`"
    EQUIVALENT = "pycodestyle E713, ruff E713"
    VALID: ClassVar[list[Valid]] = [
        Valid("if x not in y:\n    pass\n"),
        Valid("z = not (x in y and w)\nz = (not x) in y\n"),
        Valid("z = not x in y in w\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("if not x in y:\n    pass\n", line=1, column=8,
                expected_fix="if x not in y:\n    pass\n"),
        Invalid("z = not (a.b) in (c)\n", line=1, column=9, expected_fix="z = (a.b) not in (c)\n"),
        Invalid("z = not (x in\n         y)\n", line=1, column=10,
                expected_fix="z = x not in y\n"),
    ]


class NotIsTest(_NotTest):
    """E714: identity tested as ``not x is y``, which reads as ``(not x) is y``."""

    CODE = "E714"
    NAME = "not-is-test"
    MESSAGE = "Test for object identity should be `is not`"
    EQUIVALENT = "pycodestyle E714, ruff E714"
    _OPERATOR = ast.Is
    _NEW = "is not"
    VALID: ClassVar[list[Valid]] = [
        Valid("if x is not None:\n    pass\n"),
        Valid("z = not x is not y\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("if not x is None:\n    pass\n", line=1, column=8,
                expected_fix="if x is not None:\n    pass\n"),
        Invalid("z = [a for a in b if(not a is c)]\n", line=1, column=26,
                expected_fix="z = [a for a in b if(a is not c)]\n"),
    ]


# ---------------------------------------------------------------------------------------------
# E721

#: The builtins ruff takes for a type when compared with ``==`` (its list, exactly).
_TYPE_NAMES = frozenset("""
    bool bytearray bytes classmethod complex dict enumerate filter float frozenset int list map
    memoryview object property range reversed set slice staticmethod str super tuple type zip
    ArithmeticError AssertionError AttributeError BaseException BlockingIOError BrokenPipeError
    BufferError BytesWarning ChildProcessError ConnectionAbortedError ConnectionError
    ConnectionRefusedError ConnectionResetError DeprecationWarning EnvironmentError EOFError
    Exception FileExistsError FileNotFoundError FloatingPointError FutureWarning GeneratorExit
    ImportError ImportWarning IndentationError IndexError InterruptedError IOError
    IsADirectoryError KeyboardInterrupt KeyError LookupError MemoryError ModuleNotFoundError
    NameError NotADirectoryError NotImplementedError OSError OverflowError
    PendingDeprecationWarning PermissionError ProcessLookupError RecursionError ReferenceError
    ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration StopIteration SyntaxError
    SyntaxWarning SystemError SystemExit TabError TimeoutError TypeError UnboundLocalError
    UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning
    UserWarning ValueError Warning ZeroDivisionError
""".split())


class TypeComparison(_ScopeAware):
    """E721: types compared with ``==``, which ignores subclasses (``type(x) == int``).

    Use ``isinstance()``, or ``is`` for an exact type.

    As ruff: reported for ``==``/``!=`` when either side is a call of the builtin ``type`` or
    the name of a builtin type or exception (``int``, ``str``, ``ValueError``...) that the
    code does not rebind, unless either side is a NumPy ``dtype`` (``x.dtype``,
    ``numpy.dtype(...)``), once per such operator. Unlike pycodestyle, which matches
    ``type(...)`` beside ``==`` in the text and lets ``type(a) == type(b)`` pass.
    """

    CODE = "E721"
    NAME = "type-comparison"
    MESSAGE = "Use `is` and `is not` for type comparisons, or `isinstance()` for isinstance checks"
    EQUIVALENT = "pycodestyle E721, ruff E721"
    EQUIVALENT_NOTE = (
        "as ruff: any `==`/`!=` with `type(...)` or a builtin type name (`x == int`) on either "
        "side, `.dtype` excepted; pycodestyle only matches `type(...)` next to `==`/`!=` and "
        "lets `type(a) == type(b)` pass"
    )
    VALID: ClassVar[list[Valid]] = [
        Valid("if type(x) is int:\n    pass\nif isinstance(x, str):\n    pass\n"),
        Valid("def f(type, int):\n    return type(x) == int\n"),
        Valid("if x.dtype == float:\n    pass\n"),
        Valid("if type(x) in (int, str):\n    pass\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("if type(x) == type(y):\n    pass\n", line=1, column=4),
        Invalid("if x != ValueError:\n    pass\n", line=1, column=4),
        Invalid("def f(str):\n    return type(x) == str\n", line=2, column=12),
    ]

    def visit_Compare(self, node: ast.Compare) -> None:
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            if (isinstance(op, (ast.Eq, ast.NotEq))
                    and (self._is_type(left, node) or self._is_type(right, node))
                    and not (self._is_dtype(left) or self._is_dtype(right))):
                self.report(node)
            left = right

    def _is_type(self, expr: ast.expr, where: ast.AST) -> bool:
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Name):
                return func.id == "type" and self._is_builtin("type", where)
            return (isinstance(func, ast.Attribute) and func.attr == "type"
                    and qualified_name(func, self._imports()) == "builtins.type")
        if isinstance(expr, ast.Name):
            return expr.id in _TYPE_NAMES and self._is_builtin(expr.id, where)
        return False

    def _is_builtin(self, name: str, where: ast.AST) -> bool:
        scopes = self._scopes()
        return not scopes.binds(name, scopes.at(where))

    def _is_dtype(self, expr: ast.expr) -> bool:
        if isinstance(expr, ast.Attribute):
            return expr.attr == "dtype"
        return (isinstance(expr, ast.Call)
                and qualified_name(expr.func, self._imports()) == "numpy.dtype")


# ---------------------------------------------------------------------------------------------
# E731

_CALLABLES = frozenset({"typing.Callable", "typing_extensions.Callable", "collections.abc.Callable"})
_LINES = re.compile(r"\r\n|\r|\n")


class LambdaAssignment(_ScopeAware):
    """E731: a lambda bound to a name, a function without a name in tracebacks; use ``def``.

    As ruff: annotated assignments are reported too, except in a class body (dataclass and
    Pydantic fields); the fix is unsafe (the function's ``__name__`` changes) and is only
    offered when the statement is alone on its line and the name has no bare annotation
    (``f: T``) earlier in its scope -- where ruff shows a fix it never applies, shoal offers
    none. A ``Callable[[A, B], R]`` annotation becomes the parameters' and return annotations.
    Unlike pycodestyle, which skips annotated and parenthesised lambdas and has no fix.
    """

    CODE = "E731"
    NAME = "lambda-assignment"
    MESSAGE = "Do not assign a `lambda` expression, use a `def`"
    FIXABLE = True
    FIX_APPLICABILITY = "unsafe"
    EQUIVALENT = "pycodestyle E731, ruff E731"
    EQUIVALENT_NOTE = (
        "as ruff: annotated assignments (outside class bodies) and parenthesised lambdas are "
        "reported too, with an unsafe fix; pycodestyle reports neither"
    )
    VALID: ClassVar[list[Valid]] = [
        Valid("def f(x):\n    return 2 * x\n"),
        Valid("f = g = lambda: 0\nx.f = lambda: 0\nf, g = lambda: 0, 1\n"),
        Valid("class C:\n    f: Callable[[], int] = lambda: 0\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("f = lambda x: 2 * x\n", line=1, column=1,
                expected_fix="def f(x):\n    return 2 * x\n"),
        Invalid("def g():\n    f = (lambda x, *a, k=1, **kw: x +\n         k)\n", line=2, column=5,
                expected_fix="def g():\n    def f(x, *a, k=1, **kw):\n        return (x +\n"
                             "             k)\n"),
        Invalid("from typing import Callable\nf: Callable[[int], str] = lambda a, /, b=1: 'x'\n",
                line=2, column=1,
                expected_fix="from typing import Callable\ndef f(a: int, /, b=1) -> str:\n"
                             "    return 'x'\n"),
        Invalid("f = lambda: 0; g = 1\n", line=1, column=1),
    ]

    def visit_Assign(self, node: ast.Assign) -> None:
        targets = node.targets
        if len(targets) == 1 and isinstance(node.value, ast.Lambda):
            target = targets[0]
            if isinstance(target, ast.Name):
                self._check(node, target.id, node.value, None)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.value, ast.Lambda) and isinstance(node.target, ast.Name):
            self._check(node, node.target.id, node.value, node.annotation)

    def _check(self, node: ast.stmt, name: str, value: ast.Lambda,
               annotation: ast.expr | None) -> None:
        scopes = self._scopes()
        scope = scopes.at(node)
        in_class = scopes.scopes[scope].kind == "class"
        if annotation is not None and in_class:
            return
        lines = self.context.lines
        start, end = start_offset(lines, node), end_offset(lines, node)
        fix = None
        annotated_at = scopes.annotations.get(scope, {}).get(name)
        if (not has_leading_content(lines, start) and not has_trailing_content(lines.text, end)
                and (annotated_at is None or annotated_at > node.lineno)):
            content = self._function(node, name, value, annotation, start, end)
            fix = Fix("unsafe", f"Rewrite `{name}` as a `def`", (_span(lines, start, end, content),))
        self.report(node, fix=fix)

    def _function(self, node: ast.stmt, name: str, value: ast.Lambda,
                  annotation: ast.expr | None, start: int, end: int) -> str:
        """The ``def`` replacing the statement, laid out as ruff lays it out."""
        lines = self.context.lines
        text = lines.text
        types: list[str] = []
        returns = ""
        callable_types = self._callable_types(annotation)
        if callable_types is not None:
            types, result = callable_types
            returns = f" -> {result}"
        lambda_start, lambda_end = start_offset(lines, value), end_offset(lines, value)
        body = text[slice(*_parenthesized(text, start_offset(lines, value.body),
                                          end_offset(lines, value.body), lambda_start, lambda_end))]
        if _parenthesized(text, lambda_start, lambda_end, start, end) != (lambda_start, lambda_end):
            body = f"({body})"  # a body over several lines stays inside its parentheses
        indent = text[lines.line_start(node.lineno):start]
        unit = "\t" if indent.startswith("\t") else "    "
        generated = f"def {name}({self._parameters(value.args, types)}){returns}:\n{unit}return {body}"
        first, *rest = _LINES.split(generated)
        newline = line_ending(text)
        return first + "".join(newline + indent + line for line in rest)

    def _callable_types(self, annotation: ast.expr | None) -> tuple[list[str], str] | None:
        """(parameter types, return type) of a ``Callable[[A, B], R]`` annotation."""
        if not isinstance(annotation, ast.Subscript):
            return None
        pair = annotation.slice
        if not (isinstance(pair, ast.Tuple) and len(pair.elts) == 2
                and qualified_name(annotation.value, self._imports()) in _CALLABLES):
            return None
        params, result = pair.elts
        return ([self._source(t) for t in params.elts] if isinstance(params, ast.List) else [],
                self._source(result))

    def _source(self, node: ast.AST) -> str:
        lines = self.context.lines
        return lines.text[start_offset(lines, node):end_offset(lines, node)]

    def _parameters(self, args: ast.arguments, types: list[str]) -> str:
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        defaults += args.defaults
        out = []
        for index, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
            out.append(self._parameter(arg.arg, types[index] if index < len(types) else None,
                                       default))
            if index + 1 == len(args.posonlyargs):
                out.append("/")
        if args.vararg is not None:
            out.append(f"*{args.vararg.arg}")
        elif args.kwonlyargs:
            out.append("*")
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            out.append(self._parameter(arg.arg, None, kw_default))
        if args.kwarg is not None:
            out.append(f"**{args.kwarg.arg}")
        return ", ".join(out)

    def _parameter(self, name: str, annotation: str | None, default: ast.expr | None) -> str:
        # ruff's generator writes `a: int=1`: no spaces around `=` even when annotated.
        text = name if annotation is None else f"{name}: {annotation}"
        return text if default is None else f"{text}={self._source(default)}"


#: The rules of this module, in code order.
RULES: tuple[type[LintRule], ...] = (NotInTest, NotIsTest, TypeComparison, LambdaAssignment)
