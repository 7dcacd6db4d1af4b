"""SH001, SH002, SH004 on small projects built in memory, and the project-rule runner."""
from __future__ import annotations

import pytest
from project_support import build_project

from analyzer.rules._project_rule import ProjectRule, run_project_rules
from analyzer.testing._harness import add_rule_tests
from plugins.project_rules import (
    CallSignatureMismatch,
    ImportMissingModule,
    ImportMissingName,
    project_rules,
)

# Their examples, each on its facts limited to the rule's READS_BODY.
add_rule_tests(globals(), [ImportMissingName, CallSignatureMismatch, ImportMissingModule])

LIB = {
    "pkg/__init__.py": "from .core import run\n",
    "pkg/core.py": """\
        import os
        _helper = 1
        def run(a, b=1, *, flag=False): pass
        def only_pos(a, /): pass
        def anything(*args, **kwargs): pass
        @decorate
        def wrapped(a): pass
        class Plain: pass
        class WithInit:
            def __init__(self, x, y=2): pass
        class Child(Base): pass
        if cond:
            def twice(a): pass
        else:
            def twice(a, b): pass
        """,
    "pkg/sub/__init__.py": "",
    "pkg/sub/deep.py": "def leaf(): pass\n",
    "pkg/star.py": "from .core import *\n",
    "pkg/broken.py": "def (\n",
    "pkg/dyn.py": "__all__ = x.__all__\n",
}


def check(rule, source: str, path: str = "app/main.py") -> list[tuple[int, int, str]]:
    files = {**LIB, "app/__init__.py": "", path: source}
    p = build_project(files)
    module = path.rsplit(".", 1)[0].replace("/", ".").removesuffix(".__init__")
    facts = p.facts[module]
    diags = run_project_rules(facts, p.index, [rule], path=path)
    assert all(d.code == rule.CODE and d.name == rule.NAME and d.path == path for d in diags)
    return [(d.line, d.column, d.message) for d in diags]


SH001 = [
    ("from pkg.core import run, Plain, os, _x_absent_is_fine_if_defined", None),
    ("from pkg import run", []),
    ("from pkg import core, sub\nfrom pkg.sub import deep", []),
    ("from pkg.star import run, WithInit", []),
    ("from pkg.broken import anything", []),
    ("from pkg.dyn import anything", []),
    ("from os import nothing_here", []),
    ("from pkg.nope import x", []),  # SH004's business
    ("try:\n    from pkg.core import fast\nexcept ImportError:\n    fast = None", []),
    ("from pkg.core import nope", [(1, 22, "'nope' is not defined in module 'pkg.core'")]),
    ("from pkg import nope as n", [(1, 17, "'nope' is not defined in module 'pkg'")]),
    ("from pkg.star import os, _helper", [(1, 26, "'_helper' is not defined in module 'pkg.star'")]),
    ("from pkg.sub import nothing", [(1, 21, "'nothing' is not defined in module 'pkg.sub'")]),
    ("from .. import pkg", []),  # beyond the top-level package: SH004's business
    ("from . import nothing", [(1, 15, "'nothing' is not defined in module 'app'")]),
]


@pytest.mark.parametrize(("source", "expected"), SH001, ids=[s for s, _ in SH001])
def test_import_missing_name(source: str, expected) -> None:
    got = check(ImportMissingName, source)
    if expected is None:
        assert [m for *_, m in got] == [
            "'_x_absent_is_fine_if_defined' is not defined in module 'pkg.core'"
        ]
    else:
        assert got == expected


SH002 = [
    ("from pkg import run\nrun(1)\nrun(1, 2, flag=True)\nrun(a=1)", []),
    ("from pkg.core import anything, wrapped, Child, twice\nanything(1, x=2)\nwrapped()\nChild(1, 2)\ntwice(1)", []),
    ("from pkg.core import run\nrun(*args)\nrun(**kw)", []),
    ("from pkg.core import run\ndef f(run):\n    run()", []),
    ("import os\nos.getcwd(1, 2)", []),
    ("from pkg.broken import f\nf(1)", []),
    ("from pkg import run\nrun()", [(2, 1, "run() missing 1 required positional argument: 'a'")]),
    ("from pkg import run\nrun(1, 2, 3)", [(2, 1, "run() takes from 1 to 2 positional arguments but 3 were given")]),
    ("from pkg import run\nrun(1, c=3)", [(2, 1, "run() got an unexpected keyword argument 'c'")]),
    ("from pkg import run\nrun(1, a=3)", [(2, 1, "run() got multiple values for argument 'a'")]),
    ("from pkg.core import only_pos\nonly_pos(a=1)", [(2, 1, "only_pos() got some positional-only arguments passed as keyword arguments: 'a'")]),
    ("from pkg.core import Plain\nPlain(1)", [(2, 1, "Plain() takes no arguments")]),
    ("from pkg.core import WithInit\nWithInit()", [(2, 1, "WithInit() missing 1 required positional argument: 'x'")]),
    ("from pkg.core import WithInit as W\nW(1, 2, 3)", [(2, 1, "WithInit() takes from 1 to 2 positional arguments but 3 were given")]),
    ("import pkg.core\nimport pkg.sub\npkg.core.run()", [(3, 1, "run() missing 1 required positional argument: 'a'")]),
    ("import pkg.sub.deep as d\nd.leaf(1)", [(2, 1, "leaf() takes 0 positional arguments but 1 was given")]),
    ("from pkg.star import run\ndef g():\n    x = run()", [(3, 9, "run() missing 1 required positional argument: 'a'")]),
]


@pytest.mark.parametrize(("source", "expected"), SH002, ids=[s for s, _ in SH002])
def test_call_signature_mismatch(source: str, expected) -> None:
    assert check(CallSignatureMismatch, source) == expected


def test_call_signature_mismatch_resolves_each_call_shape_once() -> None:
    source = "from pkg import run\nrun()\nrun()\nrun(1)\nrun()\n"
    p = build_project({**LIB, "app/__init__.py": "", "app/main.py": source})
    resolved = []
    resolve_import = p.index.resolve_import

    def counting(*args):
        resolved.append(args)
        return resolve_import(*args)

    p.index.resolve_import = counting
    diags = run_project_rules(p.facts["app.main"], p.index, [CallSignatureMismatch],
                              path="app/main.py")
    missing = "run() missing 1 required positional argument: 'a'"
    assert [(d.line, d.message) for d in diags] == [(2, missing), (3, missing), (5, missing)]
    assert len(resolved) == 2  # run() and run(1): each shape once, every line reported


SH004 = [
    ("import os.nope\nimport pkg.core\nfrom pkg.sub import deep\nfrom . import anything", []),
    ("try:\n    import pkg.nope\nexcept ImportError:\n    pass", []),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.nope import X", []),
    ("import pkg.nope", [(1, 8, "No module named 'pkg.nope'")]),
    ("import pkg.nope.deeper", [(1, 8, "No module named 'pkg.nope'")]),
    ("import pkg.core.run", [(1, 8, "No module named 'pkg.core.run'")]),
    ("from .missing import a, b", [(1, 1, "No module named 'app.missing'")]),
    ("from ...too_far import x", [(1, 1, "attempted relative import beyond top-level package")]),
    ("def f():\n    from pkg import gone", []),
    ("import pkg.__init__\nimport pkg.core.os", []),  # os.path-style module attribute
    ("def f():\n    import pkg.gone", [(2, 12, "No module named 'pkg.gone'")]),
]


@pytest.mark.parametrize(("source", "expected"), SH004, ids=[s for s, _ in SH004])
def test_import_missing_module(source: str, expected) -> None:
    assert check(ImportMissingModule, source) == expected


def test_rules_record_their_reads() -> None:
    p = build_project({**LIB, "app/__init__.py": "", "app/main.py": "from pkg import run\nrun(1)\n"})
    run_project_rules(p.facts["app.main"], p.index, project_rules(), path="app/main.py")
    assert {"pkg", "pkg:run", "pkg.core", "pkg.core:run"} <= set(p.recorded)


def test_raising_rule_yields_sh900_and_others_go_on() -> None:
    class Boom(ProjectRule):
        CODE = "X100"
        NAME = "boom"
        MESSAGE = "boom"

        def check(self, facts, index) -> None:
            self.report(1, 1, "before")
            raise KeyError("x")

    p = build_project({**LIB, "app/main.py": "from pkg.core import nope\n"})
    diags = run_project_rules(p.facts["app.main"], p.index, [Boom, ImportMissingName], path="a.py")
    assert [(d.code, d.message) for d in diags] == [
        ("X100", "before"),
        ("SH900", "rule X100 (boom) failed on a.py in check: KeyError: 'x'"),
        ("SH001", "'nope' is not defined in module 'pkg.core'"),
    ]


def test_unparsable_module_runs_no_rule() -> None:
    p = build_project(LIB)
    assert run_project_rules(p.facts["pkg.broken"], p.index, project_rules(), path="b.py") == []


def test_tree_is_loaded_only_for_rules_that_need_it() -> None:
    seen = []

    class TreeRule(ProjectRule):
        CODE = "X200"
        NAME = "tree-rule"
        MESSAGE = "m"
        NEEDS_TREE = True

        def check(self, facts, index) -> None:
            seen.append(self.context.tree)

    p = build_project(LIB)
    loads = []

    def tree():
        loads.append(1)
        return "the tree"

    run_project_rules(p.facts["pkg.core"], p.index, project_rules(), path="c.py", tree=tree)
    assert loads == []
    run_project_rules(p.facts["pkg.core"], p.index, [TreeRule], path="c.py", tree=tree)
    assert loads == [1] and seen == ["the tree"]
