"""SH006 missing-module-attribute: built from the attribute-chain facts, read through the index."""
from __future__ import annotations

from pathlib import Path

import pytest
from project_support import build_project, facts_of

from analyzer.engine import Session
from analyzer.interfaces import build_parser, prepare
from analyzer.rules import run_project_rules
from analyzer.testing import add_rule_tests
from plugins.project_rules import MissingModuleAttribute

add_rule_tests(globals(), [MissingModuleAttribute])


def sh006(files: dict[str, str], module: str = "app") -> list[tuple[int, int, str]]:
    project = build_project(files)
    found = run_project_rules(project.facts[module], project.index, [MissingModuleAttribute],
                              path=f"{module}.py")
    return [(d.line, d.column, d.message) for d in found]


LIB = {"pkg/__init__.py": "", "pkg/mod.py": "present = 1\n"}


def test_the_facts_hold_outermost_chains_of_imported_names_only():
    facts = facts_of("""\
        import os.path
        import pkg.mod
        from pkg import mod
        x = pkg.mod.nope.deeper
        mod.a = 1
        def f(mod):
            return mod.shadowed
        local = object()
        local.attr
        os.path.join("a")
        """)
    assert [(a.name, a.line, a.store) for a in facts.attributes] == [
        ("pkg.mod.nope.deeper", 4, False), ("mod.a", 5, True), ("os.path.join", 10, False)]
    assert facts.attributes[0].column == 5 and facts.attributes[0].end_column == 24


@pytest.mark.parametrize("source,expected", [
    ("import pkg.mod\npkg.mod.nope\n", [(2, 1, "module 'pkg.mod' has no attribute 'nope'")]),
    ("import pkg.mod as m\nm.nope\n", [(2, 1, "module 'pkg.mod' has no attribute 'nope'")]),
    ("from pkg import mod\nmod.nope()\n", [(2, 1, "module 'pkg.mod' has no attribute 'nope'")]),
    ("import pkg\npkg.nothere\n", [(2, 1, "module 'pkg' has no attribute 'nothere'")]),
    # present, a submodule, a module attribute every module has, a name set here
    ("import pkg.mod\npkg.mod.present, pkg.mod.__file__\n", []),
    ("import pkg\npkg.mod.present\n", []),
    ("from pkg import mod\nmod.made = 1\nmod.made\n", []),
    # external and unknown modules, shadowed and rebound names
    ("import os\nos.nope\n", []),
    ("import pkg.mod\ndef f(pkg):\n    return pkg.mod.nope\n", []),
    ("import pkg.mod\npkg = None\npkg.mod.nope\n", []),
    ("import pkg.dyn\npkg.dyn.anything\n", []),
    ("import pkg.lazy\npkg.lazy.anything\n", []),
])
def test_what_sh006_reports(source, expected):
    files = {**LIB, "pkg/dyn.py": "globals()['x'] = 1\n",
             "pkg/lazy.py": "def __getattr__(name):\n    return name\n", "app.py": source}
    assert sh006(files) == expected


def test_a_name_added_to_the_module_clears_the_finding_in_a_recheck(tmp_path: Path, monkeypatch):
    root = tmp_path / "p"
    for rel, text in {"pyproject.toml": "[tool.shoal]\n", **LIB,
                      "app.py": "import pkg.mod\nprint(pkg.mod.nope)\n",
                      "other.py": "x = 1\n"}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    monkeypatch.chdir(root)

    def plan():
        return prepare(build_parser().parse_args(
            ["check", str(root), "--workers", "0", "--no-cache", "--select", "SH006"]))

    with Session(plan(), replan=plan) as session:
        session.check()
        assert [(d.path, d.code) for d in session.state.diagnostics] == [("app.py", "SH006")]
        (root / "pkg/mod.py").write_text("present = 1\nnope = 2\n")
        report = session.recheck([root / "pkg/mod.py"])
        assert report.modules_rechecked == {"pkg.mod", "app"}
        assert session.state.diagnostics == []


def test_enum_convert_into_the_module_makes_its_names_unknown():
    # ssl: ``_IntEnum._convert_('VerifyMode', __name__, ...)`` creates CERT_NONE and friends.
    files = {"lib.py": "import enum\nenum.IntEnum._convert_('Mode', __name__, lambda n: n)\n",
             "app.py": "import lib\nlib.CERT_NONE\n"}
    assert facts_of(files["lib.py"], "lib.py").dynamic_namespace
    assert sh006(files) == []
    assert not facts_of("import enum\nenum.IntEnum._convert_('Mode', 'other', f)\n"
                        ).dynamic_namespace


def test_each_chain_is_answered_for_its_own_module_though_names_repeat():
    # The rule asks each bound module and each (module, name) once per check: the answers
    # must stay each chain's own (same name in two modules, same module under two names).
    files = {"a.py": "x = 1\n", "b.py": "y = 1\n",
             "app.py": "import a\nimport b\nimport a as c\na.x\nb.x\nc.x\nc.y\nb.y\na.x\nb.x\n"}
    assert sh006(files) == [(5, 1, "module 'b' has no attribute 'x'"),
                            (7, 1, "module 'a' has no attribute 'y'"),
                            (10, 1, "module 'b' has no attribute 'x'")]
