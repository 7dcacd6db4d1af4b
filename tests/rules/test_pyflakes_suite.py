"""shoal agrees with pyflakes's own test suite on every F code it implements.

The cases are the ``self.flakes(source, *expected)`` calls of the installed ``pyflakes.test``
package, read with ``ast`` (never run): the source is a string constant (dedented as the
harness does), the expected messages are ``m.Name`` (or bare) pyflakes message classes. Left
out: calls with keyword options (``is_segment``, custom builtins), calls under an ``if``/
``for``/``with`` in the test (version gates, patched environments), test methods or classes
decorated with ``skip``/``skipIf`` (but a ``skipIf(version_info ...)`` that is false on the
running Python runs), ``test_doctests`` (doctest mode is off, as in flake8) and
sources the running Python cannot parse. Message classes map to codes as flake8 numbers them;
for every case the multiset of codes shoal reports, restricted to the F codes shoal
implements, equals the expected one restricted the same way.

``python tests/rules/test_pyflakes_suite.py`` prints how many cases per code agree.
"""
from __future__ import annotations

import ast
import collections
import functools
import operator
import os
import sys
import textwrap
from pathlib import Path
from typing import NamedTuple

import pyflakes.checker
import pyflakes.messages
import pyflakes.test
import pytest

from analyzer.rules import LintRule, SourceLines, check_source
from plugins import builtin_rules
from tests.rules.ruff_reexports import without_reexports

#: flake8's numbering of pyflakes's messages (flake8/plugins/pyflakes.py, FLAKE8_PYFLAKES_CODES).
FLAKE8_PYFLAKES_CODES = {
    "UnusedImport": "F401", "ImportShadowedByLoopVar": "F402", "ImportStarUsed": "F403",
    "LateFutureImport": "F404", "ImportStarUsage": "F405", "ImportStarNotPermitted": "F406",
    "FutureFeatureNotDefined": "F407",
    "PercentFormatInvalidFormat": "F501", "PercentFormatExpectedMapping": "F502",
    "PercentFormatExpectedSequence": "F503", "PercentFormatExtraNamedArguments": "F504",
    "PercentFormatMissingArgument": "F505", "PercentFormatMixedPositionalAndNamed": "F506",
    "PercentFormatPositionalCountMismatch": "F507", "PercentFormatStarRequiresSequence": "F508",
    "PercentFormatUnsupportedFormatCharacter": "F509",
    "StringDotFormatInvalidFormat": "F521", "StringDotFormatExtraNamedArguments": "F522",
    "StringDotFormatExtraPositionalArguments": "F523", "StringDotFormatMissingArgument": "F524",
    "StringDotFormatMixingAutomatic": "F525",
    "FStringMissingPlaceholders": "F541", "TStringMissingPlaceholders": "F542",
    "MultiValueRepeatedKeyLiteral": "F601", "MultiValueRepeatedKeyVariable": "F602",
    "TooManyExpressionsInStarredAssignment": "F621", "TwoStarredExpressions": "F622",
    "AssertTuple": "F631", "IsLiteral": "F632", "InvalidPrintSyntax": "F633", "IfTuple": "F634",
    "BreakOutsideLoop": "F701", "ContinueOutsideLoop": "F702", "YieldOutsideFunction": "F704",
    "ReturnOutsideFunction": "F706", "DefaultExceptNotLast": "F707", "DoctestSyntaxError": "F721",
    "ForwardAnnotationSyntaxError": "F722",
    "RedefinedWhileUnused": "F811", "UndefinedName": "F821", "UndefinedExport": "F822",
    "UndefinedLocal": "F823", "UnusedIndirectAssignment": "F824", "DuplicateArgument": "F831",
    "UnusedVariable": "F841", "UnusedAnnotation": "F842", "RaiseNotImplemented": "F901",
}

#: The codes this test must cover: the F codes of the 7 first rules and of issue 13.
REQUIRED = frozenset({
    "F401", "F811", "F821", "F822", "F841", "F541", "F632",
    "F501", "F502", "F503", "F504", "F505", "F506", "F507", "F508", "F509",
    "F521", "F522", "F523", "F524", "F525",
    "F601", "F602", "F621", "F622", "F631", "F633", "F634",
    "F701", "F702", "F704", "F706", "F707", "F722", "F831", "F901",
    "F402", "F403", "F404", "F405", "F406", "F407", "F823", "F842",
})

#: Cases where shoal differs on purpose: case id -> reason.
DELIBERATE: dict[str, str] = {}

#: Messages that differ on purpose: pyflakes's message -> shoal's, with the reason.
DELIBERATE_MESSAGES = {
    ("'yield' outside function", "'await' outside function"):
        "pyflakes says 'yield' for an await too; shoal uses CPython's message for it",
}

_SKIP_DECORATORS = {"skip", "skipIf", "skipUnless"}
_SKIP_MODULES = {"test_doctests.py", "test_api.py", "harness.py"}


class Case(NamedTuple):
    """One ``flakes()`` call: where it is, the source, the expected codes (all of them)."""

    id: str
    source: str
    expected: tuple[str, ...]


def _skipped(node: ast.ClassDef | ast.FunctionDef) -> bool:
    for deco in node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name == "skipIf" and isinstance(deco, ast.Call) and deco.args:
            if _version_gate(deco.args[0]) is False:
                continue  # e.g. skipIf(version_info >= (3, 14)) on an older Python: it runs
        if name in _SKIP_DECORATORS:
            return True
    return False


def _version_gate(test: ast.expr) -> bool | None:
    """The value of ``version_info <op> (3, N)`` on the running Python; None for any other test."""
    ops = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and type(test.ops[0]) in ops and isinstance(test.left, ast.Name)
            and test.left.id == "version_info"):
        return None
    try:
        version = ast.literal_eval(test.comparators[0])
    except ValueError:
        return None
    return bool(ops[type(test.ops[0])](sys.version_info, version))


def _expected(args: list[ast.expr]) -> tuple[str, ...] | None:
    codes = []
    for arg in args:
        name = arg.attr if isinstance(arg, ast.Attribute) else getattr(arg, "id", None)
        if name is None or not isinstance(getattr(pyflakes.messages, name, None), type):
            return None
        codes.append(FLAKE8_PYFLAKES_CODES.get(name, f"?{name}"))
    return tuple(sorted(codes))


def _direct_calls(body: list[ast.stmt]) -> list[ast.Call]:
    """``self.flakes(...)`` calls in these statements, not under a compound statement."""
    calls = []
    for stmt in body:
        if isinstance(stmt, (ast.Expr, ast.Assign, ast.Return)) and stmt.value is not None:
            for node in ast.walk(stmt.value):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "flakes"):
                    calls.append(node)
    return calls


@functools.cache
def collect() -> tuple[Case, ...]:
    """Every usable case of the installed pyflakes test suite, in file order."""
    root = Path(os.path.dirname(pyflakes.test.__file__))
    cases = []
    for path in sorted(root.glob("test_*.py")):
        if path.name in _SKIP_MODULES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in tree.body:
            if not isinstance(cls, ast.ClassDef) or _skipped(cls):
                continue
            for method in cls.body:
                if (not isinstance(method, ast.FunctionDef) or not method.name.startswith("test")
                        or _skipped(method)):
                    continue
                for i, call in enumerate(_direct_calls(method.body)):
                    if call.keywords or not call.args:
                        continue
                    first = call.args[0]
                    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                        continue
                    expected = _expected(call.args[1:])
                    if expected is None:
                        continue
                    source = textwrap.dedent(first.value)
                    try:
                        ast.parse(source)
                    except SyntaxError:
                        continue  # syntax of another Python version
                    case_id = f"{path.stem}::{cls.name}.{method.name}#{i}"
                    cases.append(Case(case_id, source, expected))
    return tuple(cases)


@functools.cache
def shoal_rules() -> tuple[type[LintRule], ...]:
    """shoal's built-in module rules for F codes."""
    return tuple(rule for rule in builtin_rules()
                 if issubclass(rule, LintRule) and rule.CODE.startswith("F"))


def implemented() -> frozenset[str]:
    """The pyflakes codes shoal implements."""
    return frozenset(rule.CODE for rule in shoal_rules()) & set(FLAKE8_PYFLAKES_CODES.values())


def shoal_codes(source: str) -> tuple[str, ...]:
    """The F codes shoal reports on ``source``, sorted."""
    codes = implemented()
    return tuple(sorted(d.code for d in check_source(source, shoal_rules()) if d.code in codes))


def restricted(codes: tuple[str, ...]) -> tuple[str, ...]:
    """``codes`` without the ones shoal does not implement."""
    known = implemented()
    return tuple(code for code in codes if code in known)


def expected(case: Case) -> tuple[str, ...]:
    """The codes the case expects that shoal implements, less pyflakes's F401 on imports ruff
    reads as re-exports (``tests/rules/ruff_reexports.py``)."""
    want = list(restricted(case.expected))
    dropped = (len(pyflakes_findings(case.source, keep_reexports=True))
               - len(pyflakes_findings(case.source)))
    for _ in range(dropped):
        want.remove("F401")
    return tuple(want)


def per_code() -> dict[str, collections.Counter[str]]:
    """code -> Counter of 'cases' (cases expecting or reporting it) and 'agree'."""
    table: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for case in collect():
        want, got = expected(case), shoal_codes(case.source)
        for code in set(want) | set(got):
            table[code]["cases"] += 1
            table[code]["agree"] += want == got or case.id in DELIBERATE
    return table


def test_every_required_code_is_implemented_and_compared() -> None:
    assert REQUIRED <= implemented(), sorted(REQUIRED - implemented())


def test_the_suite_is_collected() -> None:
    cases = collect()
    # pyflakes 3-4 has about 700 usable cases; far fewer means the collector broke.
    assert len(cases) > 500, len(cases)
    assert {code for case in cases for code in case.expected} >= {"F401", "F821", "F632"}
    if sys.version_info < (3, 14):
        # Gated by skipIf(version_info >= (3, 14)): they run here, and are F407's only cases.
        assert sum("F407" in case.expected for case in cases) == 2


def pyflakes_findings(source: str, *, keep_reexports: bool = False,
                      ) -> list[tuple[int, int, str, str]]:
    """(line, 1-based character column, code, message) of what pyflakes reports, restricted
    (and without its F401 on re-exports unless ``keep_reexports``)."""
    lines = SourceLines(source)
    known = implemented()
    found = []
    for msg in pyflakes.checker.Checker(ast.parse(source)).messages:
        code = FLAKE8_PYFLAKES_CODES.get(type(msg).__name__)
        if code in known:
            found.append((msg.lineno, lines.column(msg.lineno, msg.col), code,
                          msg.message % msg.message_args))
    return sorted(found) if keep_reexports else without_reexports(source, sorted(found))


def shoal_findings(source: str) -> list[tuple[int, int, str, str]]:
    """The same, from shoal, with the deliberate message differences mapped back."""
    known = implemented()
    back = {ours: theirs for theirs, ours in DELIBERATE_MESSAGES}
    return sorted((d.line, d.column, d.code, back.get(d.message, d.message))
                  for d in check_source(source, shoal_rules()) if d.code in known)


@pytest.mark.parametrize("case", collect(), ids=lambda case: case.id)
def test_case_agrees(case: Case) -> None:
    """The codes the case expects; then, stricter than pyflakes's own harness, the line,
    column and message of every finding, against pyflakes run on the same source."""
    if case.id in DELIBERATE:
        pytest.skip(DELIBERATE[case.id])
    ours = shoal_findings(case.source)
    got = tuple(sorted(code for _, _, code, _ in ours))
    want = expected(case)
    assert got == want, f"pyflakes expects {want}, shoal reports {got} on:\n{case.source}"
    assert ours == pyflakes_findings(case.source)


if __name__ == "__main__":
    table = per_code()
    covered = {code for case in collect() for code in case.expected}
    print(f"{len(collect())} cases; codes compared: {len(implemented())}")
    print("| code | cases | agree |")
    print("|---|---:|---:|")
    for code in sorted(implemented()):
        row = table.get(code, collections.Counter())
        note = "" if code in covered else " (no case in the suite)"
        print(f"| {code} | {row['cases']} | {row['agree']}{note} |")
