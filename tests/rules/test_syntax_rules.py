"""F6xx, F7xx, F722, F831, F901 agree with pyflakes; code CPython refuses never passes clean."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
import warnings
from pathlib import Path

import pyflakes.checker
import pytest

from analyzer.rules import SourceLines, check_source
from analyzer.rules._examples import apply_fixes
from analyzer.testing import add_rule_tests
from plugins import annotation_rules, builtin_rules, compile_rules, syntax_rules

add_rule_tests(globals(), [*syntax_rules.RULES, *compile_rules.RULES, *annotation_rules.RULES])

RULES = (*syntax_rules.RULES, *compile_rules.RULES, *annotation_rules.RULES)
F_CODES = {rule.CODE for rule in RULES} - {"E999"}

CORPUS = """\
d = {'a': 1, 'a': 2, b: 1, b: 2, 'c': 1, 'c': 1, 1: 1, True: 2, (1, 'x'): 1, (1, 'x'): 2}
(a, *b, *c) = d
[*e, *f] = g
for *h, *i in j:
    pass
assert (k, 'message')
assert ()
if (l,):
    pass
elif (m, n):
    pass
o = 1 if (p,) else 2
print >> sys.stderr
q = r >> print
try:
    pass
except:
    pass
except ValueError:
    pass
def s(t, u, t, *, u, **t):
    raise NotImplemented
def v():
    raise NotImplemented('w')
x: 'a b c' = 1
def y(z: List['a b'], aa: Literal['c d']) -> 'e = f':
    pass
break
continue
return
yield
for g in h:
    break
else:
    continue
class K:
    yield 1
    return 2
    await L
def M(a=(yield)):
    class N:
        def O(self):
            for p in q:
                def r():
                    break
            return
        return
while 1:
    try:
        continue
    finally:
        break
s = [(yield t) for t in u]
v = [w for w in (yield)]
"""


def _pyflakes(source: str) -> list[tuple[int, int, str, str]]:
    from tests.rules.test_pyflakes_suite import FLAKE8_PYFLAKES_CODES

    lines = SourceLines(source)
    out = []
    for msg in pyflakes.checker.Checker(ast.parse(source)).messages:
        code = FLAKE8_PYFLAKES_CODES.get(type(msg).__name__)
        if code in F_CODES:
            out.append((msg.lineno, lines.column(msg.lineno, msg.col), code,
                        msg.message % msg.message_args))
    return sorted(out)


def _ours(source: str) -> list[tuple[int, int, str, str]]:
    return sorted((d.line, d.column, d.code, d.message)
                  for d in check_source(source, RULES) if d.code in F_CODES)


def test_agree_with_pyflakes_on_the_corpus() -> None:
    theirs = _pyflakes(CORPUS)
    assert {code for _, _, code, _ in theirs} == F_CODES - {"F621"}
    ours = _ours(CORPUS)
    # pyflakes says 'yield' for an await too; shoal says what CPython says.
    assert (39, 5, "F704", "'await' outside function") in ours
    # pyflakes on 3.12+ reads a def's defaults inside its type-parameter scope and misses
    # the yield in `def M(a=(yield))` at module level, which CPython refuses on every
    # version; shoal reports it on every version.
    assert (40, 10, "F704", "'yield' outside function") in ours
    missed = {(40, 10)} if sys.version_info >= (3, 12) else set()
    assert [f for f in ours if f[:2] != (39, 5) and f[:2] not in missed] == [
        f for f in theirs if f[:2] != (39, 5)]


def test_f621_agrees_with_pyflakes() -> None:
    source = "(" + ", ".join(f"a{i}" for i in range(300)) + ", *b) = c\n"
    source += "(" + ", ".join(f"a{i}" for i in range(255)) + ", *b) = c\n"
    assert _pyflakes(source) == _ours(source) == [
        (1, 1, "F621", "too many expressions in star-unpacking assignment")]


SCOPED_CASES = [
    "from typing import cast\ncast('a b', x)\n",
    "import typing as t\nT = t.TypeVar('T', 'a b', bound='c d')\n",
    "from typing import Optional\nx = Optional['a b']\n",
    "from typing import Optional\nx: Optional['a b'] = 1\n",
    "from typing import TypeAlias\nX: TypeAlias = 'a b'\n",
    "from typing import NamedTuple\nX = NamedTuple('X', [('a', 'a b')])\n",
    "from typing import TypedDict\nX = TypedDict('X', {'a': 'a b'}, b='c d')\n",
    "from typing import NewType\nX = NewType('X', 'a b')\n",
    "from typing import Literal\nx = Literal['a b']\n",
    "def cast(a, b):\n    pass\ncast('a b', 1)\n",
    "x: 'List[\"a b\"]' = 1\n",
    "print >> x\ndef f():\n    print = 1\n",
    "def f():\n    print = g\n    print >> x\n",
    "def f():\n    print = g\ndef h():\n    print >> x\n",
]


@pytest.mark.parametrize("source", SCOPED_CASES)
def test_scoped_cases_agree_with_pyflakes(source: str) -> None:
    """F722 where pyflakes reads typing calls and subscripts; F633 only for the builtin."""
    assert _ours(source) == _pyflakes(source)


def test_async_def_is_a_boundary_for_break_as_in_cpython() -> None:
    # pyflakes walks through `async def` and finds the loop; CPython does not compile it.
    source = "for x in y:\n    async def f():\n        break\n"
    assert _pyflakes(source) == []
    assert [(d.line, d.code) for d in check_source(source, RULES)] == [(3, "F701")]


def test_f901_fix_is_safe_and_not_offered_when_the_name_is_shadowed() -> None:
    source = "def f():\n    raise NotImplemented\n"
    (diag,) = check_source(source, [syntax_rules.RaiseNotImplemented])
    assert diag.fix is not None and diag.fix.applicability == "safe"
    assert apply_fixes(source, [diag]) == "def f():\n    raise NotImplementedError\n"
    shadowed = "NotImplementedError = 1\nraise NotImplemented\n"
    (diag,) = check_source(shadowed, [syntax_rules.RaiseNotImplemented])
    assert diag.fix is None


# ---------------------------------------------------------------------------------------------
# A file CPython refuses to compile never passes clean

REFUSED = {
    "await_in_def": "def f():\n    await x\n",
    "await_in_lambda": "async def f():\n    lambda: await x\n",
    "async_for_in_def": "def f():\n    async for x in y:\n        pass\n",
    "async_with_at_module": "async with x:\n    pass\n",
    "async_comprehension_in_def": "def f():\n    [x async for x in y]\n",
    "await_in_comprehension_at_module": "[await x for x in y]\n",
    "yield_in_list_comprehension": "def f():\n    [(yield x) for x in y]\n",
    "yield_in_generator_expression": "def f():\n    ((yield x) for x in y)\n",
    "nonlocal_at_module": "nonlocal x\n",
    "nonlocal_without_binding": "def f():\n    def g():\n        nonlocal x\n",
    "nonlocal_in_class": "class A:\n    nonlocal x\n",
    # `global x` declares x in f; it does not bind it there for an inner nonlocal.
    "nonlocal_of_a_global": "def f():\n    global x\n    def g():\n        nonlocal x\n",
    "parameter_and_global": "def f(a):\n    global a\n",
    "parameter_and_nonlocal": "def g():\n    a = 1\n    def f(a):\n        nonlocal a\n",
    "assign_debug": "__debug__ = 1\n",
    "debug_parameter": "def f(__debug__):\n    pass\n",
    "debug_attribute": "x.__debug__ = 1\n",
    "debug_keyword": "f(__debug__=1)\n",
    "delete_debug": "del __debug__\n",
    "import_as_debug": "import x as __debug__\n",
    "debug_loop_target": "for __debug__ in x:\n    pass\n",
    # Only the statements spanning a line with the text are walked: these sit deep, or on
    # a statement's second line.
    "debug_deep_target": ("# __debug__\nclass A:\n    def f(self):\n        if x:\n            pass\n"
                          "        else:\n            with y as __debug__:\n                pass\n"),
    "debug_continued_keyword": "f(a,\n  __debug__=1)\n",
    "debug_except_name": "try:\n    pass\nexcept E as __debug__:\n    pass\n",
    "debug_after_lone_cr": "x = 1\rif x:\r    pass\relse:\r    __debug__ = 1\r",
    "return_value_in_async_generator": "async def f():\n    yield 1\n    return 2\n",
    "yield_from_in_async": "async def f():\n    yield from x\n",
    "starred_target_alone": "*a = b\n",
    "starred_value_alone": "x = *a\n",
    "starred_return": "def f():\n    return *a\n",
    "repeated_keyword": "f(a=1, a=2)\n",
    "break_in_except_star": "for x in y:\n    try:\n        pass\n    except* E:\n        break\n",
    "return_in_except_star": "def f():\n    try:\n        pass\n    except* E:\n        return\n",
    "walrus_in_class_comprehension": "class A:\n    [(y := 1) for x in z]\n",
    "walrus_rebinds_iteration_variable": "[(x := 1) for x in z]\n",
    "match_capture_not_last": "match x:\n    case a:\n        pass\n    case 1:\n        pass\n",
    "match_name_bound_twice": "match x:\n    case [a, a]:\n        pass\n",
    "break_outside_loop": "break\n",
    "break_in_loop_else": "for x in y:\n    pass\nelse:\n    break\n",
    "continue_in_class": "while 1:\n    class A:\n        continue\n",
    "return_at_module": "return 1\n",
    "yield_in_class": "class A:\n    yield 1\n",
    "await_at_module": "await x\n",
    "bare_except_not_last": "try:\n    pass\nexcept:\n    pass\nexcept E:\n    pass\n",
    "two_starred": "a, *b, *c = d\n",
    "duplicate_argument": "def f(a, a):\n    pass\n",
}

#: The codes of errors that stop CPython from compiling a file.
COMPILE_CODES = {"E999", "F404", "F406", "F407", "F621", "F622", "F701", "F702", "F704", "F706",
                 "F707", "F831"}

#: Refused by CPython, not found yet, and why: each entry is work left (the test fails when
#: one is found, so that this list stays true).
KNOWN_GAPS = {
    "late_future_import": ("import os\nfrom __future__ import annotations\n",
                           "F404, issue 13's F4xx part"),
    "unknown_future_feature": ("from __future__ import nope\n", "F407, issue 13's F4xx part"),
    "star_import_in_function": ("def f():\n    from os import *\n",
                                "F406, issue 13's F4xx part"),
    "assigned_before_global": ("def f():\n    a = 1\n    global a\n",
                               "needs the uses of a name before its global statement"),
    "used_before_global": ("def f():\n    print(a)\n    global a\n",
                           "needs the uses of a name before its global statement"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_by_cpython_is_never_clean(name: str) -> None:
    source = REFUSED[name]
    if "except*" in source and sys.version_info < (3, 11):
        pytest.skip("except* is Python 3.11's")
    ast.parse(source)  # parses: the parser's E999 does not catch it
    with warnings.catch_warnings(), pytest.raises(SyntaxError):
        warnings.simplefilter("ignore")
        compile(source, "<case>", "exec", dont_inherit=True)
    rules = [rule for rule in builtin_rules() if getattr(rule, "TREE", "") == "ast"]
    # Only the codes of compile errors count: an undefined name in the snippet is no proof.
    found = [d for d in check_source(source, rules) if d.code in COMPILE_CODES]  # type: ignore[arg-type]
    assert found, f"{name} passes clean"


@pytest.mark.parametrize("name", sorted(KNOWN_GAPS))
def test_known_gaps_are_still_gaps(name: str) -> None:
    source, _why = KNOWN_GAPS[name]
    with pytest.raises(SyntaxError):
        compile(source, "<case>", "exec", dont_inherit=True)
    found = check_source(source, list(RULES))
    assert found == [], f"{name} is found now: move it to REFUSED"


def test_e999_messages_are_cpythons() -> None:
    rules = [compile_rules.CompileError]
    for name in ("await_in_def", "nonlocal_at_module", "assign_debug", "delete_debug",
                 "yield_in_generator_expression", "repeated_keyword", "starred_target_alone",
                 "return_value_in_async_generator", "match_capture_not_last"):
        source = REFUSED[name]
        with pytest.raises(SyntaxError) as raised:
            compile(source, "<case>", "exec", dont_inherit=True)
        (diag,) = check_source(source, rules)
        assert diag.code == "E999"
        assert (diag.message, diag.line) == (f"SyntaxError: {raised.value.msg}",
                                             raised.value.lineno), name


def test_compile_fallback_leaves_f_coded_errors_to_their_rules() -> None:
    # A match statement makes the rule ask CPython, whose first error here is F701's.
    source = "match x:\n    case 1:\n        pass\nbreak\n"
    assert [d.code for d in check_source(source, RULES)] == ["F701"]


def test_e999_alone_sees_its_own_loops_in_an_except_star_block() -> None:
    """With no other frame rule to push them, E999's own frames hold the ``async for``:
    its ``break`` leaves the loop, not the ``except*`` block."""
    source = ("async def f():\n    try:\n        pass\n    except* E:\n"
              "        async for x in y:\n            break\n")
    compile(source, "<test>", "exec")
    assert check_source(source, [compile_rules.CompileError]) == []


def test_e999_is_silent_on_code_that_compiles() -> None:
    from tests.rules.test_pyflakes_agreement import stdlib_slice

    for path in stdlib_slice()[:12]:
        source = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(tree, str(path), "exec", dont_inherit=True)
        assert check_source(source, [compile_rules.CompileError]) == [], path


# ---------------------------------------------------------------------------------------------
# Through the command line


def _check(tmp_path: Path, *args: str) -> tuple[int, str]:
    proc = subprocess.run([sys.executable, "-m", "analyzer", "check", "--no-cache", *args],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout


def test_the_issues_examples_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / "b.py").write_text("break\n", encoding="utf-8")
    (tmp_path / "d.py").write_text("def f(a, a): pass\n", encoding="utf-8")
    (tmp_path / "n.py").write_text("nonlocal x\n", encoding="utf-8")
    code, out = _check(tmp_path, "--select", "F,E999", "b.py", "d.py", "n.py")
    assert code == 1
    assert out.splitlines()[:3] == [
        "b.py:1:1: F701 'break' outside loop",
        "d.py:1:1: F831 duplicate argument 'a' in function definition",
        "n.py:1:1: E999 SyntaxError: nonlocal declaration not allowed at module level",
    ]
    # Deselecting E999 drops the compile check with the parser's.
    code, out = _check(tmp_path, "--select", "F", "n.py")
    assert code == 0 and "n.py" not in out


def test_f901_fix_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("def f():\n    raise NotImplemented\n", encoding="utf-8")
    code, out = _check(tmp_path, "--select", "F901", "--fix", "m.py")
    assert code == 0, out
    assert (tmp_path / "m.py").read_text() == "def f():\n    raise NotImplementedError\n"


def test_rules_lists_e999_once_from_shoal(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "analyzer", "rules", "--format", "json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    if proc.returncode == 2:  # an older `rules` without --format
        proc = subprocess.run([sys.executable, "-m", "analyzer", "rules"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert proc.stdout.count("E999") == 1
        return
    rules = {r["code"]: r for r in json.loads(proc.stdout)}
    assert {"F701", "F831", "F901", "F525", "F601"} <= rules.keys()
    assert rules["E999"]["name"] == "syntax-error"


def test_only_a_built_in_rule_may_share_e999(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.shoal]\nplugins = ["mine.py"]\n')
    (tmp_path / "mine.py").write_text(
        "import ast\n"
        "from analyzer.rules import LintRule\n"
        "class Mine(LintRule):\n"
        "    CODE = 'E999'\n"
        "    NAME = 'mine'\n"
        "    MESSAGE = 'mine'\n"
        "    TREE = 'ast'\n"
        "    SHARES_PIPELINE_CODE = True\n"
        "    def visit_Module(self, node: ast.Module) -> None:\n"
        "        self.report(node)\n")
    (tmp_path / "ok.py").write_text("x = 1\n")
    proc = subprocess.run([sys.executable, "-m", "analyzer", "check", "--no-cache", "ok.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "already taken by shoal itself" in proc.stderr
    assert proc.returncode == 0 and "mine" not in proc.stdout


@pytest.mark.skipif(sys.version_info < (3, 11), reason="except* is Python 3.11's")
def test_f706_sees_through_the_frames_other_rules_push() -> None:
    # CompileError pushes an except* frame; F706 still finds the module around the return.
    source = "try:\n    pass\nexcept* E:\n    return\n"
    codes = [d.code for d in check_source(source, RULES)]
    assert "F706" in codes and _pyflakes(source) == [(4, 5, "F706", "'return' outside function")]
