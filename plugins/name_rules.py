"""Built-in pycodestyle rules on names: E741, E742 and E743 (``l``, ``O``, ``I``).

Codes, messages and positions are ruff's. ``ast`` has no position for the name of a class or
function, of an ``except ... as`` target or of a ``global`` statement's names: they are found
in the text of the statement, whose start the one traversal gives.
"""
from __future__ import annotations

import ast
import re
import sys
from typing import ClassVar

from analyzer.rules import Invalid, LintRule, RuleContext, Valid
from plugins._text import end_offset, start_offset

#: The names that look like 1 and 0 in some fonts.
AMBIGUOUS = frozenset({"l", "O", "I"})

_GAP = r"(?:[ \t\f]|\\(?:\r\n|\r|\n))+"
_DEFINITION = re.compile(rf"(?:async{_GAP})?(?:def|class){_GAP}")
_AS_NAME = re.compile(rf"[\s()\\]*as{_GAP}(\w+)")
_IDENTIFIER = re.compile(r"\w+")


class AmbiguousVariableName(LintRule):
    """E741: a variable or parameter named ``l``, ``O`` or ``I`` (read as 1 or 0).

    As ruff: every name a statement binds -- assignment targets (also augmented, annotated
    and unpacking ones), ``for``/``with``/``except`` targets, comprehension variables,
    ``:=``, parameters, ``global``/``nonlocal`` names -- and nothing in stub files. Unlike
    pycodestyle, which reports only a name right before ``=``, after ``as``/``for``/
    ``global``/``nonlocal`` or in a parameter list, so also ``import x as l`` and
    ``case ... as l``, which ruff and shoal do not report.
    """

    CODE = "E741"
    NAME = "ambiguous-variable-name"
    MESSAGE = "Ambiguous variable name: `l`"
    TREE = "ast"
    EQUIVALENT = "pycodestyle E741, ruff E741"
    EQUIVALENT_NOTE = (
        "as ruff: every binding (`l += 1`, `a, l = t`, `l: int`), not `import x as l` nor "
        "match captures, and never in `.pyi` stubs; pycodestyle reports names before `=`, "
        "after `as`/`for`/`global`/`nonlocal` and parameters"
    )
    VALID: ClassVar[list[Valid]] = [
        Valid("L = 0\no = 1\ni = 2\n"),
        Valid("import x as l\nprint(l[0], f(l=1))\ndel I\n"),
        Valid("match x:\n    case [1] as l:\n        pass\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("l = 0\n", line=1, column=1, message="Ambiguous variable name: `l`"),
        Invalid("a, *O = t\n", line=1, column=5, message="Ambiguous variable name: `O`"),
        Invalid("def f(x, *, I=1):\n    pass\n", line=1, column=13,
                message="Ambiguous variable name: `I`"),
        Invalid("try:\n    pass\nexcept (A, B) as l:\n    pass\n", line=3, column=18),
        Invalid("def f():\n    global x, \\\n        l\n", line=3, column=9),
        Invalid("y = [l for l in x]\n", line=1, column=12),
        Invalid("with a as (b, l):\n    pass\n", line=1, column=15),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        # Stubs mirror the runtime module's names, ambiguous or not (ruff skips them too).
        self._stub = context.path.endswith(".pyi")

    def _targets(self, target: ast.expr | None) -> None:
        if target.__class__ is ast.Name:  # the usual target, without building a stack
            if target.id in AMBIGUOUS and not self._stub:
                self.report(target, f"Ambiguous variable name: `{target.id}`")
            return
        stack = [target]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Name):
                if node.id in AMBIGUOUS and not self._stub:
                    self.report(node, f"Ambiguous variable name: `{node.id}`")
            elif isinstance(node, (ast.Tuple, ast.List)):
                stack.extend(node.elts)
            elif isinstance(node, ast.Starred):
                stack.append(node.value)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._targets(target)

    def visit_AugAssign(self, node: ast.AugAssign | ast.AnnAssign | ast.NamedExpr) -> None:
        self._targets(node.target)

    visit_AnnAssign = visit_NamedExpr = visit_AugAssign

    def visit_For(self, node: ast.For | ast.AsyncFor | ast.comprehension) -> None:
        self._targets(node.target)

    visit_AsyncFor = visit_comprehension = visit_For

    def visit_withitem(self, node: ast.withitem) -> None:
        self._targets(node.optional_vars)

    if sys.version_info >= (3, 12):
        def visit_TypeAlias(self, node: ast.TypeAlias) -> None:
            self._targets(node.name)

    def visit_arg(self, node: ast.arg) -> None:
        if node.arg in AMBIGUOUS and not self._stub:
            line, column = self.context.lines.node_range(node)[:2]
            self.report((line, column), f"Ambiguous variable name: `{node.arg}`",
                        end=(line, column + 1))

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name in AMBIGUOUS and node.type is not None and not self._stub:
            lines = self.context.lines
            match = _AS_NAME.match(lines.text, end_offset(lines, node.type))
            if match is not None:
                self._report_at(match.start(1), node.name)

    def visit_Global(self, node: ast.Global | ast.Nonlocal) -> None:
        if self._stub or AMBIGUOUS.isdisjoint(node.names):
            return
        lines = self.context.lines
        keyword = "global" if isinstance(node, ast.Global) else "nonlocal"
        start = start_offset(lines, node) + len(keyword)
        # Only identifiers, commas, blanks and line continuations follow the keyword.
        for match in _IDENTIFIER.finditer(lines.text, start, end_offset(lines, node)):
            if match.group() in AMBIGUOUS:
                self._report_at(match.start(), match.group())

    visit_Nonlocal = visit_Global

    def _report_at(self, offset: int, name: str) -> None:
        line, column = self.context.lines.position(offset)
        self.report((line, column), f"Ambiguous variable name: `{name}`",
                    end=(line, column + len(name)))


class _AmbiguousDefinition(LintRule):
    """Shared machinery of E742/E743 (abstract: no CODE)."""

    TREE = "ast"
    _WHAT: ClassVar[str] = ""

    def _check(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        if node.name not in AMBIGUOUS:
            return
        lines = self.context.lines
        match = _DEFINITION.match(lines.text, start_offset(lines, node))
        if match is not None:
            line, column = lines.position(match.end())
            self.report((line, column), f"Ambiguous {self._WHAT} name: `{node.name}`",
                        end=(line, column + 1))


class AmbiguousClassName(_AmbiguousDefinition):
    """E742: a class named ``l``, ``O`` or ``I`` (read as 1 or 0)."""

    CODE = "E742"
    NAME = "ambiguous-class-name"
    MESSAGE = "Ambiguous class name: `I`"
    EQUIVALENT = "pycodestyle E742, ruff E742"
    _WHAT = "class"
    VALID: ClassVar[list[Valid]] = [Valid("class Integer:\n    pass\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("@dataclass\nclass  I(object):\n    pass\n", line=2, column=8,
                message="Ambiguous class name: `I`"),
    ]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._check(node)


class AmbiguousFunctionName(_AmbiguousDefinition):
    """E743: a function named ``l``, ``O`` or ``I`` (read as 1 or 0)."""

    CODE = "E743"
    NAME = "ambiguous-function-name"
    MESSAGE = "Ambiguous function name: `l`"
    EQUIVALENT = "pycodestyle E743, ruff E743"
    _WHAT = "function"
    VALID: ClassVar[list[Valid]] = [Valid("def long_name(l):\n    pass\n"),
                                    Valid("def f():\n    pass\n")]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("def l(x):\n    pass\n", line=1, column=5, message="Ambiguous function name: `l`"),
        Invalid("class C:\n    async def \\\n      O(self):\n        pass\n", line=3, column=7,
                message="Ambiguous function name: `O`"),
    ]

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._check(node)

    visit_AsyncFunctionDef = visit_FunctionDef


#: The rules of this module, in code order.
RULES: tuple[type[LintRule], ...] = (AmbiguousVariableName, AmbiguousClassName,
                                     AmbiguousFunctionName)
