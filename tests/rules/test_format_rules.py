"""F501-F509 and F521-F525 agree with pyflakes (code, line, column, message); their examples."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pyflakes.checker
import pytest

from analyzer.rules import SourceLines, check_source
from analyzer.testing import add_rule_tests
from plugins.format_rules import RULES, percent_placeholders

add_rule_tests(globals(), list(RULES))

CODES = {rule.CODE for rule in RULES}

CORPUS = r"""
a = '%s %s' % (1,)
b = '%s %s' % (1, 2, 3)
c = '%(x)s %s' % d
e = '%s %(x)s' % d
f = '%(x)s' % (1,)
g = '%s %s' % {'k': 1}
h = '%(x)s' % {'x': 1, 'y': 2, 'z': 3}
i = '%(x)s %(w)s' % {'x': 1}
j = '%(x)*d' % {'x': 1}
k = '%y %s' % (1, 2)
l = 'x %' % (1,)
m = '%(x' % {}
n = '%*.*f %%' % (1, 2, 3.0)
o = '%s' % (*p,)
q = '%(x)s' % {**r}
s = '%(x)s' % {1: 2}
t = 'é' + '%s %s' % (1,)
u = ('%s'
     '%s') % (1,)
v = '%.2f %5d %-3s %#x' % (1, 2, 3, 4)
w = '%(a)s %(a)s' % {'a': 1}
x = b'%s %s' % (1,)
y = '{} {}'.format(1)
z = '{0} {}'.format(1, 2)
aa = '{} {0}'.format(1, 2)
bb = '{'.format(1)
cc = '}'.format(1)
dd = '{a} {b}'.format(a=1, c=2)
ee = '{} {}'.format(1, 2, 3)
ff = '{0.attr} {1[0]}'.format(g, h)
gg = '{:{}}'.format(1, 2)
hh = '{:{:{}}}'.format(1, 2, 3)
ii = '{a:{b}}'.format(a=1)
jj = '{}'.format(*k)
kk = '{a}'.format(**l)
ll = '{!r:>10}'.format(1)
mm = '{0}{2}'.format(1, 2, 3)
nn = '{:{}} {}'.format(1, 2)
oo = '{0:{1}}'.format(1)
pp = '{x.y[0]}'.format(x=1, y=2)
qq = '{0:{}}'.format(1, 2)
rr = '{!x}'.format(1)
ss = '{:%Y-%m-%d}'.format(d)
tt = '%s' '%s' % (1,)
uu = '%-*s' % (4, 'a')
vv = '%(a)-*s' % {'a': 1}
ww = '%(a)s' % {'a': 1, 'b': 2, **c}
xx = '%s %s' % [1]
yy = '%(a)s' % ['x']
zz = '{}{}{}{}{}{}{}{}{}{}{}'.format(*range(11))
ab = '{10} {2}'.format(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
"""


def _pyflakes(source: str) -> list[tuple[int, int, str, str]]:
    from tests.rules.test_pyflakes_suite import FLAKE8_PYFLAKES_CODES

    lines = SourceLines(source)
    out = []
    for msg in pyflakes.checker.Checker(ast.parse(source)).messages:
        code = FLAKE8_PYFLAKES_CODES.get(type(msg).__name__)
        if code in CODES:
            out.append((msg.lineno, lines.column(msg.lineno, msg.col), code,
                        msg.message % msg.message_args))
    return sorted(out)


def _ours(source: str) -> list[tuple[int, int, str, str]]:
    return sorted((d.line, d.column, d.code, d.message) for d in check_source(source, RULES))


def test_agree_with_pyflakes_on_the_corpus() -> None:
    theirs = _pyflakes(CORPUS)
    assert {code for _, _, code, _ in theirs} == CODES, "the corpus must exercise every code"
    assert _ours(CORPUS) == theirs


def test_percent_placeholders_parse() -> None:
    parsed = percent_placeholders("a %(k)-5.2f %% %*s")
    assert [(p.key, p.width, p.precision, p.conversion) for p in parsed] == [
        ("k", "5", ".2", "f"), (None, None, None, "%"), (None, "*", None, "s")]
    with pytest.raises(ValueError):
        percent_placeholders("tail %5")


def test_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(
        "name = 'x'\n"
        "print('%s %s' % (name,))\n"
        "print('{} {1}'.format(name, name))\n"
        "print('é', '{a}'.format(a=1, b=2))\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "analyzer", "check", "--select", "F5", "--format", "json",
         "--no-cache", "mod.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    found = [(d["line"], d["column"], d["code"]) for d in json.loads(proc.stdout)]
    assert found == [(2, 7, "F507"), (3, 7, "F525"), (4, 12, "F522")]


# -- the unused-argument fixes (F504, F522, F523), as ruff's -----------------------------------

def _fixed(source: str, code: str) -> str | None:
    """``source`` after the fixes of every ``code`` finding, or None when none has a fix."""
    from analyzer.core import apply_edits

    fixes = [d.fix for d in check_source(source, list(RULES)) if d.code == code and d.fix]
    if not fixes:
        return None
    assert all(fix.applicability == "safe" for fix in fixes)
    return apply_edits(source, [edit for fix in fixes for edit in fix.edits])


@pytest.mark.parametrize(("source", "code", "expected"), [
    ("x = '{1}'.format(0, 1)\n", "F523", None),  # would renumber {1}: no fix
    ("x = '{0}'.format(0, 1, 2)\n", "F523", "x = '{0}'.format(0)\n"),
    # The comment stays (on the kept line): code is removed, never a comment.
    ("x = '{}'.format(\n    1,\n    2,  # why\n)\n", "F523", "x = '{}'.format(\n    1,  # why\n)\n"),
    ("x = ('{}'.format)(1, 2)\n", "F523", "x = ('{}'.format)(1)\n"),
    ("x = '{a}'.format(b=[1, (2)], a=1, c={3: 4})\n", "F522", "x = '{a}'.format(a=1)\n"),
    ("x = ''.format(b=1)\n", "F522", "x = ''.format()\n"),
    ("x = '%(a)s' % {'b': (1, 2), 'a': 1}\n", "F504", "x = '%(a)s' % {'a': 1}\n"),
    ("x = 'é%(a)s' % {'é': 1, 'a': 1}\n", "F504", "x = 'é%(a)s' % {'a': 1}\n"),
])
def test_unused_argument_fixes(source: str, code: str, expected: str | None) -> None:
    assert _fixed(source, code) == expected


def test_one_file_without_the_family_s_shape_does_not_hide_the_next_file_s_findings():
    # The families keep per-node memos (the string parsed once for all five rules): nothing
    # of one file may leak into the next.
    percent, dot_format = "x = '%s %s' % (1,)\n", "x = '{} {}'.format(1)\n"
    for first, second, code in ((dot_format, percent, "F507"), (percent, dot_format, "F524")):
        assert code not in {d.code for d in check_source(first, list(RULES))}
        assert code in {d.code for d in check_source(second, list(RULES))}
