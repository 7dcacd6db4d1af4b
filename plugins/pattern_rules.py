"""Built-in pattern rules: checks that look at one node (and the source text around it).

Codes, messages and positions are those of pyflakes (F541, F632) and pycodestyle (E711,
E712, E722), so existing noqa comments keep working. They are AST
rules written on the public API only. ``ast`` does not record where comparison operators
are, so rules that point at or rewrite an operator find it in the source text between the
two operands, skipping parentheses, comments and line continuations.
"""
from __future__ import annotations

import ast
from typing import cast

from analyzer.rules import (
    Fix,
    Invalid,
    LintRule,
    RuleContext,
    ScopeProvider,
    Valid,
)
from plugins._operators import (
    end_offset,
    operator_tokens,
    replace_operator,
    skip_trivia,
    span_edit,
)

# ---------------------------------------------------------------------------------------------


class FStringMissingPlaceholders(LintRule):
    """F541: an f-string without any placeholder is a plain string with a misleading prefix."""

    CODE = "F541"
    FIX_APPLICABILITY = "safe"
    EQUIVALENT = "pyflakes F541, ruff F541"
    NAME = "f-string-missing-placeholders"
    MESSAGE = "f-string is missing placeholders"
    TREE = "ast"
    FIXABLE = True
    VALID = [
        Valid('x = f"{a}"\n'),
        Valid('x = "plain"\n'),
        Valid('x = f"{a:>10}"\n'),
        Valid('x = "a" f"{b}"\n'),
        Valid('x = f"{f\'{a}\'}"\n'),
    ]
    INVALID = [
        Invalid('x = f"abc"\n', line=1, column=5, expected_fix='x = "abc"\n'),
        Invalid('x = F"a{{b}}"\n', line=1, column=5, expected_fix='x = "a{b}"\n'),
        Invalid(
            'x = ("a"\n     rf"b\\d"  # note\n     f"c")\n',
            line=1,
            column=6,
            expected_fix='x = ("a"\n     r"b\\d"  # note\n     "c")\n',
        ),
        Invalid('s = "é" + f"ü"\n', line=1, column=11, expected_fix='s = "é" + "ü"\n'),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        # Strings inside an f-string (format specs, nested f-strings) are never reported,
        # as in pyflakes.
        self._depth = 0

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        if self._depth == 0 and not any(
            isinstance(value, ast.FormattedValue) for value in node.values
        ):
            self.report(node, fix=self._fix(node))
        self._depth += 1

    def leave_JoinedStr(self, node: ast.JoinedStr) -> None:
        self._depth -= 1

    def _fix(self, node: ast.JoinedStr) -> Fix:
        lines = self.context.lines
        text = lines.text
        start = lines.offset(node.lineno, lines.column(node.lineno, node.col_offset))
        end = end_offset(lines, node)
        edits = []
        pos = start
        while True:
            pos = skip_trivia(text, pos)
            if pos >= end:
                break
            prefix_end = pos
            while text[prefix_end] not in "'\"":
                prefix_end += 1
            prefix = text[pos:prefix_end]
            quote = text[prefix_end] * (3 if text.startswith(text[prefix_end] * 3, prefix_end) else 1)
            body_start = prefix_end + len(quote)
            cursor = body_start
            while not text.startswith(quote, cursor):
                cursor += 2 if text[cursor] == "\\" else 1
            if "f" in prefix.lower():
                raw = "r" in prefix.lower()
                body = _unescape_braces(text[body_start:cursor], raw)
                new_prefix = prefix.replace("f", "").replace("F", "")
                edits.append(
                    span_edit(lines, pos, cursor + len(quote), new_prefix + quote + body + quote)
                )
            pos = cursor + len(quote)
        return Fix("safe", "Remove extraneous `f` prefix", tuple(edits))


def _unescape_braces(body: str, raw: bool) -> str:
    """The body of a placeholder-free f-string as a plain string body (``{{`` -> ``{``)."""
    out = []
    i = 0
    size = len(body)
    while i < size:
        char = body[i]
        if char == "\\":
            if not raw and body.startswith("N{", i + 1):
                close = body.find("}", i)
                out.append(body[i : close + 1])
                i = close + 1
            else:
                out.append(body[i : i + 2])
                i += 2
        elif char in "{}" and body.startswith(char * 2, i):
            out.append(char)
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


# ---------------------------------------------------------------------------------------------


def _is_constant(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    return isinstance(node, ast.Tuple) and all(_is_constant(elt) for elt in node.elts)


def _is_literal(node: ast.AST) -> bool:
    """A constant that is not a singleton (None, True, False, ...), as pyflakes defines it."""
    if isinstance(node, ast.Constant) and isinstance(
        node.value, (bool, type(Ellipsis), type(None))
    ):
        return False
    return _is_constant(node)


class IsLiteral(LintRule):
    """F632: ``is`` compares identity, which literals do not reliably have."""

    CODE = "F632"
    FIX_APPLICABILITY = "safe"
    EQUIVALENT = "pyflakes F632, ruff F632"
    EQUIVALENT_NOTE = "also inside string annotations, as pyflakes, there without a fix"
    NAME = "is-literal"
    MESSAGE = "use ==/!= to compare constant literals (str, bytes, int, float, tuple)"
    TREE = "ast"
    FIXABLE = True
    # The string annotations, which pyflakes parses and checks too, come from the scope analysis.
    METADATA_DEPENDENCIES = (ScopeProvider,)
    VALID = [
        Valid("if x is None:\n    pass\n"),
        Valid("from typing import Literal\nx: Literal['1 is 1']\n"),
        Valid("if x is True or x is ...:\n    pass\n"),
        Valid("if x == 'a':\n    pass\n"),
        Valid("if x is y:\n    pass\n"),
    ]
    INVALID = [
        Invalid("if x is 'a':\n    pass\n", line=1, column=4, expected_fix="if x == 'a':\n    pass\n"),
        Invalid("if 1 is not x:\n    pass\n", line=1, column=4, expected_fix="if 1 != x:\n    pass\n"),
        Invalid(
            "ok = (x  # why\n      is\n      not (1, 2))\n",
            line=1,
            column=7,
            expected_fix="ok = (x  # why\n      != (1, 2))\n",
        ),
        Invalid(
            "ok = (x is  # why\n      not 'a')\n",
            line=1,
            column=7,
            expected_fix="ok = (x !=  # why\n       'a')\n",
        ),
        Invalid("ok = a < b is 'c'\n", line=1, column=6, expected_fix="ok = a < b == 'c'\n"),
        # In a string annotation: reported at the string, without a fix.
        Invalid("y = 1\nvariable: '123 is not y'\n", line=2, column=11),
    ]

    def visit_Module(self, node: ast.Module) -> None:
        """Check the comparisons inside string annotations, at their string (no fix)."""
        column = self.context.lines.column
        for expr in self.get_metadata(ScopeProvider).string_annotations:
            # Every node of a parsed annotation sits at its string (the scope analysis's doing).
            line, end_line = expr.lineno, cast(int, expr.end_lineno)
            where = (line, column(line, expr.col_offset))
            end = (end_line, column(end_line, cast(int, expr.end_col_offset)))
            for sub in ast.walk(expr):
                if isinstance(sub, ast.Compare):
                    for _ in _literal_identity_ops(sub):
                        self.report(where, end=end)

    def visit_Compare(self, node: ast.Compare) -> None:
        """Report each ``is``/``is not`` with a literal, with the safe fix to ``==``/``!=``."""
        lines = self.context.lines
        for op, left in _literal_identity_ops(node):
            new = "==" if isinstance(op, ast.Is) else "!="
            edits = replace_operator(lines, operator_tokens(lines, left), new)
            self.report(node, fix=Fix("safe", f"Replace with `{new}`", edits))


def _literal_identity_ops(node: ast.Compare) -> list[tuple[ast.cmpop, ast.expr]]:
    """(operator, its left operand) of each ``is``/``is not`` with a literal on a side."""
    found: list[tuple[ast.cmpop, ast.expr]] = []
    left = node.left
    for op, right in zip(node.ops, node.comparators, strict=True):
        if isinstance(op, (ast.Is, ast.IsNot)) and (_is_literal(left) or _is_literal(right)):
            found.append((op, left))
        left = right
    return found


# ---------------------------------------------------------------------------------------------


def _singleton(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and (
        node.value is None or node.value is True or node.value is False
    ):
        return repr(node.value)
    return None


def _singleton_comparisons(
    node: ast.Compare,
) -> list[tuple[ast.expr, ast.cmpop, str]]:
    """(left operand, operator, singleton) of each ==/!= with None/True/False, as pycodestyle.

    pycodestyle matches ``(None|False|True)? [=!]= (None|False|True)`` on the line, so the
    singleton on the left wins, and a singleton already matched on the right of one operator
    does not also count as the left of the next.
    """
    found: list[tuple[ast.expr, ast.cmpop, str]] = []
    left = node.left
    consumed = False
    for op, right in zip(node.ops, node.comparators, strict=True):
        if isinstance(op, (ast.Eq, ast.NotEq)):
            name = None if consumed else _singleton(left)
            if name is None:
                name = _singleton(right)
                consumed = name is not None
            else:
                consumed = False
            if name is not None:
                found.append((left, op, name))
        else:
            consumed = False
        left = right
    return found


class _SingletonComparison(LintRule):
    """Shared machinery of E711/E712 (abstract: no CODE)."""

    TREE = "ast"
    _SINGLETONS: tuple[str, ...] = ()

    def visit_Compare(self, node: ast.Compare) -> None:
        for left, op, name in _singleton_comparisons(node):
            if name not in self._SINGLETONS:
                continue
            lines = self.context.lines
            tokens = operator_tokens(lines, left)
            start, end = tokens[0]
            same = isinstance(op, ast.Eq)
            new = "is" if same else "is not"
            fix = Fix("unsafe", f"Replace with `{new}`", replace_operator(lines, tokens, new))
            line, column = lines.position(start)
            self.report(
                (line, column), self._message(name, same), fix=fix, end=lines.position(end)
            )

    def _message(self, name: str, same: bool) -> str:
        return f"comparison to {name} should be 'if cond is {'' if same else 'not '}{name}:'"


class NoneComparison(_SingletonComparison):
    """E711: ``== None`` calls ``__eq__``, which may be overridden; ``is None`` cannot be."""

    CODE = "E711"
    FIX_APPLICABILITY = "unsafe"
    EQUIVALENT = "pycodestyle E711, ruff E711"
    NAME = "none-comparison"
    MESSAGE = "comparison to None should be 'if cond is None:'"
    FIXABLE = True
    _SINGLETONS = ("None",)
    VALID = [Valid("if x is None:\n    pass\n"), Valid("if x == 'None':\n    pass\n")]
    INVALID = [
        Invalid(
            "if x == None:\n    pass\n",
            line=1,
            column=6,
            message="comparison to None should be 'if cond is None:'",
            expected_fix="if x is None:\n    pass\n",
        ),
        Invalid(
            "if None != x:\n    pass\n",
            line=1,
            column=9,
            message="comparison to None should be 'if cond is not None:'",
            expected_fix="if None is not x:\n    pass\n",
        ),
    ]


class TrueFalseComparison(_SingletonComparison):
    """E712: ``== True`` is better written as the condition itself or with ``is``."""

    CODE = "E712"
    FIX_APPLICABILITY = "unsafe"
    EQUIVALENT = "pycodestyle E712, ruff E712"
    NAME = "true-false-comparison"
    MESSAGE = "comparison to True should be 'if cond is True:' or 'if cond:'"
    FIXABLE = True
    _SINGLETONS = ("True", "False")
    VALID = [Valid("if x:\n    pass\n"), Valid("if x is False:\n    pass\n")]
    INVALID = [
        Invalid(
            "if x == True:\n    pass\n",
            line=1,
            column=6,
            message="comparison to True should be 'if cond is True:' or 'if cond:'",
            expected_fix="if x is True:\n    pass\n",
        ),
        Invalid(
            "if x != False:\n    pass\n",
            line=1,
            column=6,
            message="comparison to False should be 'if cond is not False:' or 'if cond:'",
            expected_fix="if x is not False:\n    pass\n",
        ),
        Invalid(
            "y = (x ==\n     False)\n",
            line=1,
            column=8,
            message="comparison to False should be 'if cond is False:' or 'if not cond:'",
            expected_fix="y = (x is\n     False)\n",
        ),
    ]

    def _message(self, name: str, same: bool) -> str:
        nonzero = (name == "True") == same
        return super()._message(name, same) + f" or 'if {'' if nonzero else 'not '}cond:'"


# ---------------------------------------------------------------------------------------------


class BareExcept(LintRule):
    """E722: a bare ``except:`` also catches KeyboardInterrupt and SystemExit."""

    CODE = "E722"
    EQUIVALENT = "pycodestyle E722, ruff E722"
    EQUIVALENT_NOTE = ("pycodestyle's message; as ruff, not reported when the handler re-raises "
                       "(a bare `raise` among its statements), which pycodestyle reports")
    NAME = "bare-except"
    MESSAGE = "do not use bare 'except'"
    TREE = "ast"
    VALID = [
        Valid("try:\n    pass\nexcept Exception:\n    pass\n"),
        Valid("try:\n    pass\nexcept:\n    cleanup()\n    raise\n"),
    ]
    INVALID = [
        Invalid("try:\n    pass\nexcept:\n    pass\n", line=3, column=1),
        Invalid("def f():\n    try: pass\n    except : pass\n", line=3, column=5),
        Invalid("try:\n    pass\nexcept:\n    raise ValueError\n", line=3, column=1),
        Invalid("try:\n    pass\nexcept:\n    if x:\n        raise\n", line=3, column=1),
    ]

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        # A handler that re-raises (`except: cleanup(); raise`) lets KeyboardInterrupt and
        # SystemExit through: ruff leaves it alone (flask's request handling is this idiom).
        if node.type is None and not any(
                isinstance(s, ast.Raise) and s.exc is None for s in node.body):
            line, column, _, _ = self.context.lines.node_range(node)
            self.report((line, column), end=(line, column + len("except")))


#: The rules of this module, in code order.
RULES: tuple[type[LintRule], ...] = (
    NoneComparison,
    TrueFalseComparison,
    BareExcept,
    FStringMissingPlaceholders,
    IsLiteral,
)
