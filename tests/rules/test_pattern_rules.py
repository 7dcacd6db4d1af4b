"""The pattern rules agree with pyflakes, pycodestyle and flake8-bugbear; their fixes apply."""
from __future__ import annotations

import ast
import glob
import sysconfig

import pycodestyle
import pyflakes.checker
import pyflakes.messages
import pytest

from analyzer.rules import SourceLines, check_source
from analyzer.rules._examples import apply_fixes
from plugins.bugbear_rules import MutableArgumentDefault
from plugins.pattern_rules import (
    RULES,
    BareExcept,
    FStringMissingPlaceholders,
    IsLiteral,
    NoneComparison,
    TrueFalseComparison,
)

CORPUS = '''\
a = f"plain"; b = f"{a}"; c = f"{a:>{b}}"; d = f"{f'{a}'}"
e = ("x"
     f"y"  # comment
     F'z{{w}}')
g = "é" + f"üñ"
if a is "x" or 1 is not b or a < b is (1, 2) or a is (1, b) or a is ...:
    pass
if (a
        is  # line comment
        not 3.5):
    pass
if a == None or None != a or a==True or False != a or (a) == (None):
    pass
h = a == b == None
i = None == True
j = a != \\
    False
k = "ü" == None
try:
    pass
except:
    pass
try: pass
except : pass
def f(x=[], y={}, *, z=set(), w=list(a), v=(list(),), u=([],), t=lambda: [], s=None): pass
async def g(x=[i for i in a], y=collections.deque(), z=dict[int, int]()): pass
'''


def _pyflakes(source):
    lines = SourceLines(source)
    wanted = {
        pyflakes.messages.FStringMissingPlaceholders: "F541",
        pyflakes.messages.IsLiteral: "F632",
    }
    found = set()
    for message in pyflakes.checker.Checker(ast.parse(source)).messages:
        code = wanted.get(type(message))
        if code is not None:
            column = lines.column(message.lineno, message.col)
            found.add((message.lineno, column, code, message.message % message.message_args))
    return found


class _Capture(pycodestyle.BaseReport):
    def __init__(self, options):
        super().__init__(options)
        self.found = set()

    def error(self, line_number, offset, text, check):
        self.found.add((line_number, offset + 1, text[:4], text[5:]))


def _pycodestyle(source):
    """pycodestyle's findings, less E722 on a handler that re-raises (ruff's reading, shoal's)."""
    style = pycodestyle.StyleGuide(select=["E711", "E712", "E722"], quiet=True)
    report = _Capture(style.options)
    pycodestyle.Checker(
        "x.py", lines=source.splitlines(True), options=style.options, report=report
    ).check_all()
    reraising = {h.lineno for h in ast.walk(ast.parse(source))
                 if isinstance(h, ast.ExceptHandler) and h.type is None
                 and any(isinstance(s, ast.Raise) and s.exc is None for s in h.body)}
    return {f for f in report.found if not (f[2] == "E722" and f[0] in reraising)}


def _ours(source, codes):
    return {
        (d.line, d.column, d.code, d.message)
        for d in check_source(source, RULES)
        if d.code in codes
    }


def test_f541_and_f632_agree_with_pyflakes():
    expected = _pyflakes(CORPUS)
    assert {code for *_, code, _ in expected} == {"F541", "F632"}
    assert _ours(CORPUS, {"F541", "F632"}) == expected


def test_e711_e712_e722_agree_with_pycodestyle():
    ours = _ours(CORPUS, {"E711", "E712", "E722"})
    theirs = _pycodestyle(CORPUS)
    # pycodestyle matches text: it does not see through the parentheses of `(a) == (None)`.
    assert ours - theirs == {(12, 59, "E711", "comparison to None should be 'if cond is None:'")}
    assert theirs <= ours
    assert {code for _, _, code, _ in theirs} == {"E711", "E712", "E722"}


def test_b006_positions_as_flake8_bugbear_reports_them():
    diags = check_source(CORPUS, [MutableArgumentDefault])
    # bugbear: top-level literals and comprehensions, mutable constructor calls at any depth
    # except inside a lambda; `([],)` is not flagged.
    # `dict[int, int]()` has no dotted callee: bugbear does not flag it as B006 either.
    assert [(d.line, d.column) for d in diags] == [
        (25, 9), (25, 15), (25, 24), (25, 33), (25, 45),
        (26, 15), (26, 33),
    ]
    assert all(d.message.startswith("Do not use mutable data structures") for d in diags)


def test_b006_is_silent_in_a_stub_whose_defaults_never_run():
    # typeshed's tkinter: `cnf: dict[str, Any] = {}` documents the runtime default.
    source = "def configure(self, cnf: dict[str, Any] = {}, *, opts=[]) -> None: ...\n"
    assert [d.line for d in check_source(source, [MutableArgumentDefault], path="m.py")] == [1, 1]
    assert check_source(source, [MutableArgumentDefault], path="tkinter/tix.pyi") == []


def test_fixes_applied_give_the_expected_file():
    source = CORPUS
    diags = check_source(source, [FStringMissingPlaceholders, IsLiteral, NoneComparison])
    fixed = apply_fixes(source, diags).splitlines()
    assert fixed[0] == 'a = "plain"; b = f"{a}"; c = f"{a:>{b}}"; d = f"{f\'{a}\'}"'
    assert fixed[1:4] == ['e = ("x"', '     "y"  # comment', "     'z{w}')"]
    assert fixed[4] == 'g = "é" + "üñ"'
    assert fixed[5] == (
        'if a == "x" or 1 != b or a < b == (1, 2) or a is (1, b) or a is ...:'
    )
    # The comment between `is` and `not` survives.
    assert fixed[7:11] == ["if (a", "        !=  # line comment", "         3.5):", "    pass"]
    assert fixed[11] == (
        "if a is None or None is not a or a==True or False != a or (a) is (None):"
    )
    assert fixed[13:15] == ["h = a == b is None", "i = None is True"]
    assert fixed[17] == 'k = "ü" is None'
    # Fixed code parses and has nothing left to fix but what E711's fix created: `"ü" is None`
    # compares a literal with `is` (F632), as the E711 fix is unsafe for a reason.
    left = check_source("\n".join(fixed) + "\n", [FStringMissingPlaceholders, IsLiteral,
                                                   NoneComparison])
    assert [(d.line, d.code) for d in left] == [(18, "F632")]


def test_e712_fix_and_applicability():
    source = "j = a != \\\n    False\n"
    (diag,) = check_source(source, [TrueFalseComparison])
    assert (diag.line, diag.column, diag.end_line, diag.end_column) == (1, 7, 1, 9)
    assert diag.fix.applicability == "unsafe"
    assert apply_fixes(source, [diag]) == "j = a is not \\\n    False\n"


def test_f541_fix_keeps_named_escapes_and_is_safe():
    source = 'x = f"\\N{BULLET} }}"\n'
    (diag,) = check_source(source, [FStringMissingPlaceholders])
    assert diag.fix.applicability == "safe"
    fixed = apply_fixes(source, [diag])
    assert fixed == 'x = "\\N{BULLET} }"\n'
    assert eval(fixed[4:]) == eval(source[4:])


def test_e722_points_at_the_except_keyword():
    (diag,) = check_source("try:\n    pass\nexcept:  # ü\n    pass\n", [BareExcept])
    assert (diag.line, diag.column, diag.end_line, diag.end_column) == (3, 1, 3, 7)
    assert diag.fix is None


# Standard-library tests dense in F541/E722 findings, nested f-strings and odd spacing.
STDLIB = [
    path
    for name in ("test_exception_variations", "test_raise", "test_fstring", "test_launcher")
    for path in glob.glob(f"{sysconfig.get_paths()['stdlib']}/test/{name}.py")
]


@pytest.mark.skipif(not STDLIB, reason="no standard library tests on this interpreter")
def test_agreement_on_a_slice_of_the_standard_library_tests():
    total = 0
    for path in STDLIB:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
        ours = _ours(source, {"F541", "F632", "E711", "E712", "E722"})
        assert ours == _pyflakes(source) | _pycodestyle(source), path
        total += len(ours)
    assert total > 20
