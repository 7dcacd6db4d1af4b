"""E401, E402, E70x, E713/E714, E721, E731, E741-E743: examples, the CLI, and ruff's answers."""
from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

from analyzer.interfaces import main
from analyzer.rules import RuleContext, check_source
from analyzer.testing import add_rule_tests
from plugins import builtin_rules, name_rules, statement_rules, style_rules

STDLIB = Path(sysconfig.get_paths()["stdlib"])
RULES = (*statement_rules.RULES, *style_rules.RULES, *name_rules.RULES)
CODES = ",".join(rule.CODE for rule in RULES)

add_rule_tests(globals(), RULES)


def _found(source: str, path: str = "m.py") -> list[tuple[int, int, str]]:
    return [(d.line, d.column, d.code) for d in check_source(source, RULES, path=path)]


def test_every_rule_is_registered_as_a_builtin():
    assert set(RULES) <= set(builtin_rules())


# ---------------------------------------------------------------------------------------------
# Behaviour the examples do not pin


def test_e701_checks_every_clause_header_and_spares_a_lone_ellipsis():
    source = (
        "if a: b()\n"
        "elif c: d()\n"
        "else: e()\n"
        "try: f()\n"
        "except: g()\n"
        "else: h()\n"
        "finally: i()\n"
        "for j in k: ...\n"
        "class C(  # a: b\n"
        "): ...\n"
    )
    assert [(line, col) for line, col, code in _found(source) if code == "E701"] == [
        (1, 5), (2, 7), (3, 5), (4, 4), (5, 7), (6, 5), (7, 8),
    ]


def test_e702_and_e703_tell_a_separator_from_a_trailing_semicolon():
    source = "a = ';'; b = 1 ;  # c\nif x: y();\n"
    assert [f for f in _found(source) if f[2] in ("E702", "E703")] == [
        (1, 8, "E702"), (1, 16, "E703"), (2, 10, "E703"),
    ]


NESTED_SEMICOLONS = (
    "import os; import sys\n"
    "class C:\n"
    "    def f(self):\n"
    "        try:\n"
    "            a = 1; b = (2 +\n"
    "                        3);\n"
    "        except E as e:\n"
    "            g();\n"
    "        else:\n"
    "            with x:\n"
    "                match y:\n"
    "                    case 1: h(); i()\n"
    "                    case _:\n"
    "                        pass;\n"
    "        finally:\n"
    "            s = ';'  # ;\n"
    "    x = 1 \\\n"
    "    ; y = 2\n"
    "for k in v:\n"
    "    pass\n"
    "else:\n"
    "    z();\n"
)


def _every_statement_model(source):
    """E702/E703 by looking after every statement of the tree (what the rules did before
    they looked only around the lines that can end with a ';')."""
    tree = ast.parse(source)
    context = RuleContext(path="m.py", module="m", is_package=False, source=source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            semi = statement_rules.semicolon_after(context, node)
            if semi is not None:
                line, column = context.lines.position(semi[0])
                found.append((line, column, "E702" if semi[1] else "E703"))
    return sorted(found)


@pytest.mark.parametrize("source", [
    NESTED_SEMICOLONS,
    (STDLIB / "test" / "test_grammar.py").read_text(encoding="utf-8"),
    (STDLIB / "idlelib" / "multicall.py").read_text(encoding="utf-8"),
], ids=["nested", "test_grammar", "multicall"])
def test_e702_and_e703_find_what_a_look_after_every_statement_finds(source):
    found = sorted(f for f in _found(source) if f[2] in ("E702", "E703"))
    assert found == _every_statement_model(source)
    assert len(found) >= 8


def test_e402_follows_imports_through_aliases_and_ends_at_the_first_other_statement():
    source = (
        "from os import environ as env\n"
        "env['A'] = '1'\n"
        "import a\n"
        "class C:\n"
        "    import b\n"
        "import c\n"
    )
    assert [f for f in _found(source) if f[2] == "E402"] == [(6, 1, "E402")]


def test_e721_knows_a_rebound_builtin_only_where_it_is_rebound():
    source = (
        "def f(int):\n"
        "    return x == int\n"
        "def g():\n"
        "    return x == int\n"
    )
    assert [f for f in _found(source) if f[2] == "E721"] == [(4, 12, "E721")]


def test_e741_is_not_reported_in_stubs():
    source = "l: int\ndef f(I: int) -> None: ...\nclass O: ...\n"
    assert [code for _, _, code in _found(source, "m.pyi")] == ["E742"]
    assert [code for _, _, code in _found(source, "m.py")] == ["E741", "E741", "E742"]


def test_e731_has_no_fix_where_ruff_would_only_display_one():
    source = "f: Callable[[], int]\nf = lambda: 0\n"
    (finding,) = [d for d in check_source(source, RULES) if d.code == "E731"]
    assert finding.line == 2 and finding.fix is None


# ---------------------------------------------------------------------------------------------
# Through the command line


PROJECT = """\
import os, sys
x = 1
import re
if not x in sys.argv: print(os, re);
f = lambda: 0
"""


def _check(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    code = main(["check", "--no-cache", "--workers", "0", "--output-format", "json",
                 "--select", CODES, *args, str(root)])
    assert code in (0, 1)
    return json.loads(capsys.readouterr().out)


def test_the_cli_reports_and_fixes_them(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text("[tool.shoal]\n")
    module = tmp_path / "m.py"
    module.write_text(PROJECT)
    found = _check(tmp_path, capsys)
    assert [(d["line"], d["column"], d["code"]) for d in found] == [
        (1, 1, "E401"), (3, 1, "E402"), (4, 8, "E713"), (4, 21, "E701"), (4, 36, "E703"),
        (5, 1, "E731"),
    ]
    _check(tmp_path, capsys, "--fix")
    # Safe fixes only: the lambda stays, E402 has no fix.
    assert module.read_text() == (
        "import os\nimport sys\nx = 1\nimport re\n"
        "if x not in sys.argv: print(os, re)\nf = lambda: 0\n"
    )
    _check(tmp_path, capsys, "--fix", "--unsafe-fixes")
    assert module.read_text().endswith("def f():\n    return 0\n")


# ---------------------------------------------------------------------------------------------
# Agreement with ruff, the reference, on the cases where the rules are easy to get wrong

CORPUS = '''\
"""Doc."""
"""Not a docstring."""
import os, sys as system
if os: ...
class D: ...; x = 1
if x: pass
x = 1 ;
x = 1;  # c
x = 1 \\
;
if x: \\
    pass
while x: pass
else: pass
for a in b: pass
try: pass
except E as l: pass
finally: pass
with a as b: pass
match x:
    case 1: pass
    case _ if y: pass
def f(): pass
async def g(l, *I, O=1, **kw):
    async with a as (l, m): pass
    async for b in c: pass
    global q, l
def h(type):
    return type(x) == int, x == str, type.dtype == int
if not x in y: pass
z = not (x) in (y) and not a.b is None
if type(x) != type(y) == type(w): pass
k = lambda: 0
m: Callable[[int], int] = lambda a: a
class C:
    n = lambda self: 0
    o: Callable = lambda: 0
l += 1
[l for l in x]
def l(): pass
class I: pass
'''


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_positions_and_messages_are_ruffs(tmp_path):
    path = tmp_path / "corpus.py"
    path.write_text(CORPUS)
    run = subprocess.run(
        ["ruff", "check", "--isolated", "--no-cache", "--output-format", "json", "--select",
         CODES, str(path)], capture_output=True, text=True, check=False)
    theirs = sorted((d["location"]["row"], d["location"]["column"], d["code"], d["message"])
                    for d in json.loads(run.stdout) if d["code"] in CODES.split(","))
    ours = sorted((d.line, d.column, d.code, d.message)
                  for d in check_source(CORPUS, RULES, path=str(path)))
    assert len(ours) > 40
    assert ours == theirs
