"""F402-F407, F823, F842 and F632 in string annotations agree with pyflakes, finding for
finding (line, column, code, message), on cases beyond pyflakes's own suite (which this
project runs in test_pyflakes_suite.py); then shoal's own semantics for ``.pyi`` stubs."""
from __future__ import annotations

import ast

import pyflakes.checker
import pyflakes.messages as m
import pytest

from analyzer.rules import SourceLines, analyze_scopes, check_source
from plugins import builtin_rules
from tests.rules.ruff_reexports import without_reexports

CODES = {
    m.ImportShadowedByLoopVar: "F402", m.ImportStarUsed: "F403", m.LateFutureImport: "F404",
    m.ImportStarUsage: "F405", m.ImportStarNotPermitted: "F406",
    m.FutureFeatureNotDefined: "F407", m.UndefinedLocal: "F823", m.UnusedAnnotation: "F842",
    m.IsLiteral: "F632", m.UndefinedName: "F821", m.UnusedImport: "F401",
    m.RedefinedWhileUnused: "F811", m.UnusedVariable: "F841",
}  # fmt: skip

CASES = {
    # F402: the loop target, a nested target, a nested function.
    "loop-target": "import os\nfor os in range(3):\n    pass\nos\n",
    "loop-tuple": "from m import a\nfor (b, *a) in c:\n    print(a, b)\n",
    "loop-in-function": "import os\ndef f():\n    for os in range(3):\n        pass\n",
    "comprehension": "import os\nprint([os for os in range(3)])\n",
    "async-for": "import x\nasync def f():\n    async for x in y:\n        pass\n",
    # F403/F405/F406: provenance lists, order, scopes.
    "star-two": "from b import *\nfrom a import *\nprint(name)\n",
    "star-relative": "from .. import *\nfrom .m import *\nprint(name)\n",
    "star-twice-same": "from a import *\nfrom a import *\nprint(name)\n",
    "star-later": "print(early)\nfrom a import *\nprint(late)\n",
    "star-function": "from a import *\ndef f():\n    return name\nfrom b import *\n",
    "star-all": "from a import *\nfrom b import *\n__all__ = ['x', 'y']\n",
    "star-class": "class C:\n    from a import *\n",
    "star-nested": "def f():\n    from a import *\n    return name\n",
    "star-if": "if x:\n    from a import *\nprint(name)\n",
    "star-del": "from a import *\ndel name\n",
    "star-nameerror": "from a import *\ntry:\n    name\nexcept NameError:\n    pass\n",
    # F404/F407.
    "future-docstrings": '"""doc"""\n"""more"""\nfrom __future__ import division\n',
    "future-after-from": "from os import path\nfrom __future__ import division\n",
    "future-after-assign": "x = 1\nfrom __future__ import division\n",
    "future-in-if": "if x:\n    from __future__ import division\n",
    "future-in-class": "class C:\n    from __future__ import division\n",
    "future-unknown": "from __future__ import nope, division, braces\n",
    "future-late-unknown": "import os\nfrom __future__ import nope\n",
    # F823.
    "local-global": "x = 1\ndef f():\n    print(x)\n    x = 2\n",
    "local-builtin": "def f():\n    print(len)\n    len = 1\n",
    "local-augmented": "x = 1\ndef f():\n    x += 1\n",
    "local-enclosing": "def f():\n    x = 1\n    def g():\n        print(x)\n        x = 2\n",
    "local-class-skipped": "class C:\n    x = 1\n    def f(self):\n        print(x)\n        x = 2\n",
    "local-except": "e = 1\ndef f():\n    print(e)\n    try:\n        pass\n    except E as e:\n"
                    "        pass\n",
    "local-for": "i = 0\ndef f():\n    print(i)\n    for i in range(3):\n        pass\n",
    "local-with": "f = 0\ndef g():\n    print(f)\n    with x as f:\n        pass\n",
    "local-walrus": "x = 0\ndef f():\n    print(x)\n    (x := 1)\n",
    "local-global-decl": "x = 1\ndef f():\n    global x\n    print(x)\n    x = 2\n",
    "local-other-function": "x = 1\ndef f():\n    print(x)\ndef g():\n    x = 2\n    return x\n",
    "local-lambda": "x = 1\nf = lambda: (x, [x := 2])\n",
    "local-match": "x = 1\ndef f(s):\n    print(x)\n    match s:\n        case [x]:\n"
                   "            pass\n",
    "local-annotation": "x = 1\ndef f():\n    print(x)\n    x: int = 2\n",
    "local-def": "x = 1\ndef f():\n    print(x)\n    def x():\n        pass\n",
    # F842.
    "annotation-unused": "def f():\n    x: int\n    y: int = 1\n",
    "annotation-read": "def f():\n    x: int\n    print(x)\n",
    "annotation-then-assign": "def f():\n    x: int\n    x = 1\n",
    "annotation-locals": "def f():\n    x: int\n    return locals()\n",
    "annotation-module": "x: int\nclass C:\n    y: int\n",
    "annotation-future": "from __future__ import annotations\ndef f():\n    x: int\n"
                         "    y: x\n",
    # F632 inside string annotations.
    "is-literal-string": "y = 1\nvariable: '123 is not y'\n",
    "is-literal-arg": "def f(a: 'a is 1', b: 'List[\"1 is b\"]') -> 'b is not ()':\n    pass\n",
    "is-literal-literal": "from typing import Literal\nv: Literal['1 is 1']\n",
}  # fmt: skip


def pyflakes_findings(source: str) -> list[tuple[int, int, str, str]]:
    """(line, 1-based column, code, message) of pyflakes's findings with a compared code."""
    lines = SourceLines(source)
    return without_reexports(source, sorted(
        (msg.lineno, lines.column(msg.lineno, msg.col), CODES[type(msg)],
         msg.message % msg.message_args)
        for msg in pyflakes.checker.Checker(ast.parse(source)).messages if type(msg) in CODES
    ))


def shoal_findings(source: str, path: str = "<string>") -> list[tuple[int, int, str, str]]:
    """The same from shoal's built-in rules."""
    rules = [r for r in builtin_rules() if getattr(r, "CODE", "") in set(CODES.values())]
    return sorted((d.line, d.column, d.code, d.message)
                  for d in check_source(source, rules, path=path))


#: F402 as ruff reads it (each checked against ruff 0.17), where pyflakes differs: only a
#: loop's target shadows (a def or an import in the body redefines, F811), and only in the
#: import's own branch (if/elif/else clause, try part, match case, with body).
AS_RUFF = {
    "loop-body-def": ("import os\nfor i in range(3):\n    def os():\n        pass\n",
                      [(3, "F811")]),
    "loop-body-import": ("import os\nfor i in range(3):\n    import os\nos\n", [(3, "F811")]),
    "loop-in-other-branch": (
        "try:\n    import os\nexcept ImportError:\n    for os in ():\n        pass\n", []),
    "loop-in-nested-if": ("import os\nif len:\n    for os in ():\n        pass\n", []),
    "loop-in-with": ("import os\nwith open(0):\n    for os in ():\n        pass\n", []),
    "loop-in-if-of-function": (
        "import os\ndef f():\n    if len:\n        for os in ():\n            pass\n",
        [(1, "F401")]),
    "loop-in-while": ("import os\nwhile len:\n    for os in ():\n        pass\n", [(3, "F402")]),
    "loop-in-same-if": ("if len:\n    import os\n    for os in ():\n        pass\n",
                        [(3, "F402")]),
    "loop-in-function-of-same-if": (
        "if len:\n    import os\n    def f():\n        for os in ():\n            pass\n",
        [(2, "F401"), (4, "F402")]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(AS_RUFF))
def test_loop_variables_shadow_imports_as_ruff_reads_them(name: str) -> None:
    source, expected = AS_RUFF[name]
    assert [(line, code) for line, _, code, _ in shoal_findings(source)] == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_pyflakes(name: str) -> None:
    source = CASES[name]
    assert shoal_findings(source) == pyflakes_findings(source)


def test_the_cases_cover_every_new_code() -> None:
    found = {code for source in CASES.values() for _, _, code, _ in pyflakes_findings(source)}
    assert {"F402", "F403", "F404", "F405", "F406", "F407", "F823", "F842", "F632"} <= found


def test_f405_provenance_is_pyflakes_list() -> None:
    (usage,) = analyze_scopes(ast.parse(CASES["star-two"])).star_usages
    assert (usage.name, usage.from_list, usage.line) == ("name", "a, b", 3)


# -- stubs ------------------------------------------------------------------------------------

STUB = """\
import os as os
import sys
from m import x as x, y as z
from typing import TypeAlias
class A(B):
    x: B
    def f(self, a: C = D) -> E: ...
class B: ...
C = int
D: C
E: TypeAlias = F
F = list[A]
print(undefined)
"""


def test_a_stub_allows_forward_references_anywhere() -> None:
    codes = [(line, code) for line, _, code, _ in shoal_findings(STUB, "m.pyi")]
    assert (13, "F821") in codes
    assert [c for c in codes if c[1] == "F821"] == [(13, "F821")]


def test_the_same_code_as_a_module_has_the_forward_references() -> None:
    lines = {line for line, _, code, _ in shoal_findings(STUB, "m.py") if code == "F821"}
    assert lines == {5, 6, 7, 11, 13}


@pytest.mark.parametrize("path", ["m.pyi", "m.py", "__init__.py"])
def test_a_redundant_alias_is_a_reexport_in_any_file(path: str) -> None:
    # As ruff, mypy and pyright read PEP 484's explicit re-export; pyflakes reports it.
    unused = [msg for _, _, code, msg in shoal_findings(STUB, path) if code == "F401"]
    assert unused == ["'sys' imported but unused", "'m.y as z' imported but unused"]


def test_a_star_import_is_never_unused() -> None:
    source = "from m import *\nfrom . import *\nimport os as os, sys as system\n"
    assert [(line, code, msg) for line, _, code, msg in shoal_findings(source)
            if code == "F401"] == [(3, "F401", "'sys as system' imported but unused")]


def test_a_stub_star_import_still_reports_what_it_cannot_resolve() -> None:
    source = "from m import *\nclass A(B): ...\nclass B(Missing): ...\n"
    assert [(line, code) for line, _, code, _ in shoal_findings(source, "m.pyi")
            if code in ("F405", "F821")] == [(3, "F405")]


def test_a_stub_read_under_a_name_error_handler_stays_silent() -> None:
    source = "try:\n    missing\nexcept NameError:\n    pass\n"
    assert shoal_findings(source, "m.pyi") == []
