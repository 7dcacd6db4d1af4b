"""`shoal deps`: who reads a module or a name, and what `shoal watch` would recheck (issue 17)."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from analyzer.engine import Session
from analyzer.interfaces import build_parser, prepare
from tests.cli.helpers import write_tree

FILES = {
    "pkg/__init__.py": "",
    "pkg/mod.py": """\
        def func(x, y):
            return x + y


        def other():
            return 1
        """,
    "pkg/a.py": "from pkg.mod import func\n\nprint(func(1, 2))\n",
    "pkg/b.py": "from pkg.mod import *\n\nprint(func(1, 2))\n",
    "pkg/c.py": "import pkg.mod\n\nprint(pkg.mod.other())\n",
    "pkg/d.py": "from pkg import mod\n\nprint(mod.func(1, 2))\n",
    "pkg/e.py": "from pkg.c import pkg\n\nprint(pkg)\n",
    # Found through b's star import: reads the public-name set of pkg.mod, not `func`.
    "pkg/f.py": "from pkg.b import other\n\nprint(other())\n",
    "solo.py": "x = 1\n",
}

#: pkg/mod.py after each kind of edit of `func`.
EDITS = {
    "body": "def func(x, y):\n    return y + x + 0\n\n\ndef other():\n    return 1\n",
    "signature": "def func(x, y, z):\n    return x + y\n\n\ndef other():\n    return 1\n",
    "deletion": "def other():\n    return 1\n",
}


def _deps(shoal, *args: str) -> dict:
    run = shoal("deps", *args, "--output-format", "json", "--workers", "0")
    assert run.code == 0, run.err
    return json.loads(run.out)


@pytest.mark.parametrize("header", ["", "__all__ = ['func', 'other']\n"], ids=["", "all"])
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_the_recheck_sets_of_a_name_are_what_a_recheck_rechecks(project, shoal, edit, header):
    # With __all__, a deletion leaves the public-name set as it was: fewer rechecks.
    write_tree(project, {**FILES, "pkg/mod.py": header + textwrap.dedent(FILES["pkg/mod.py"])})
    answer = _deps(shoal, "pkg.mod:func")
    plan = prepare(build_parser().parse_args(["check", ".", "--workers", "0", "--no-cache"]))
    with Session(plan) as session:
        session.check()
        (project / "pkg" / "mod.py").write_text(header + EDITS[edit], encoding="utf-8")
        report = session.recheck([project / "pkg" / "mod.py"])
    assert sorted(report.modules_rechecked) == answer["rechecks"][edit]


def test_a_name_lists_its_readers_and_the_three_recheck_sets(project, shoal):
    write_tree(project, FILES)
    answer = _deps(shoal, "pkg.mod:func")
    assert answer["project_rules"] == ["SH001", "SH002", "SH004"]
    assert answer["keys"] == [{"key": "pkg.mod:func", "readers": ["pkg.a", "pkg.d"]}]
    assert answer["modules"] == ["pkg.a", "pkg.d"]
    assert answer["rechecks"]["body"] == ["pkg.mod"]
    assert answer["rechecks"]["signature"] == ["pkg.a", "pkg.d", "pkg.mod"]
    # f read the public-name set through b's star import: a deletion changes it.
    assert answer["rechecks"]["deletion"] == ["pkg.a", "pkg.d", "pkg.f", "pkg.mod"]


def test_a_module_lists_each_of_its_keys_and_the_text_says_which_rules_read(project, shoal):
    write_tree(project, FILES)
    run = shoal("deps", "pkg.mod", "--workers", "0")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0] == "project rules selected: SH001, SH002, SH004"
    assert "pkg.mod:func ← pkg.a, pkg.d" in lines
    assert "pkg.mod:other ← pkg.c, pkg.f" in lines
    assert "pkg.mod:* ← pkg.f" in lines


def test_a_path_names_its_module(project, shoal):
    write_tree(project, FILES)
    assert _deps(shoal, "pkg/mod.py")["module"] == "pkg.mod"
    assert _deps(shoal, "pkg")["module"] == "pkg"


def test_transitive_dependents_carry_their_depth(project, shoal):
    write_tree(project, FILES)
    answer = _deps(shoal, "pkg.mod", "--transitive")
    rows = {row["module"]: (row["depth"], row["via"]) for row in answer["transitive"]}
    assert rows["pkg.c"] == (1, "pkg.mod")
    assert rows["pkg.e"] == (2, "pkg.c")
    assert "solo" not in rows


def test_dependencies_are_what_a_module_read(project, shoal):
    write_tree(project, FILES)
    answer = _deps(shoal, "pkg.d", "--direction", "dependencies")
    assert {"key": "pkg.mod:func", "module": "pkg.mod"} in answer["keys"]
    assert answer["modules"] == ["pkg", "pkg.mod"]
    assert _deps(shoal, "solo", "--direction", "dependencies")["keys"] == []


def test_the_answer_follows_the_selection(project, shoal):
    write_tree(project, FILES)
    answer = _deps(shoal, "pkg.mod:func", "--select", "F401")
    assert answer["project_rules"] == []
    assert answer["keys"] == [{"key": "pkg.mod:func", "readers": []}]
    run = shoal("deps", "pkg.mod", "--select", "F401", "--workers", "0")
    assert run.out.startswith("project rules selected: none")


def test_a_warm_query_reads_the_view_kept_beside_the_cache(project, shoal, monkeypatch):
    import analyzer.engine._cache as cache

    write_tree(project, FILES)
    first = _deps(shoal, "pkg.mod:func")
    sidecars = list((project / ".shoal_cache").glob("*/insight-*.pickle"))
    assert len(sidecars) == 1
    with monkeypatch.context() as patched:
        # Warm and unchanged: the answer kept beside the cache is printed again.
        patched.setattr("analyzer.engine.load_insight",
                        lambda plan: pytest.fail("the view was loaded"))
        assert _deps(shoal, "pkg.mod:func") == first
    for kept in (project / ".shoal_cache").glob("*/output-*.pickle"):
        kept.unlink()
    with monkeypatch.context() as patched:
        # No kept answer: neither the index nor the state nor a session is opened.
        patched.setattr(cache, "_open_cache", lambda plan: pytest.fail("the index was read"))
        assert _deps(shoal, "pkg.mod:func") == first
    # An edit makes the next query bring the cache up to date first.
    (project / "pkg" / "a.py").write_text("print(1)\n", encoding="utf-8")
    assert _deps(shoal, "pkg.mod:func")["modules"] == ["pkg.d"]


@pytest.mark.parametrize("args, message", [
    (("pkg.nope",), "no module 'pkg.nope'"),
    (("pkg.mod:nope",), "defines no 'nope'"),
    (("pkg/zzz.py",), "not a module of the project"),
    (("pkg.mod:func", "--direction", "dependencies"), "takes a module"),
])
def test_an_unknown_target_is_one_line_and_exit_code_2(project, shoal, args, message):
    write_tree(project, FILES)
    run = shoal("deps", *args, "--workers", "0")
    assert run.code == 2
    assert message in run.err
    assert len(run.err.strip().splitlines()) == 1


def test_a_heap_too_small_for_the_check_run_first_is_one_line_and_exit_code_2(project, shoal):
    write_tree(project, FILES)
    run = shoal("deps", "pkg.mod", "--heap-size", "4K", "--workers", "0")
    assert run.code == 2
    assert run.err.startswith("shoal: error: the shared heap cannot hold")
    assert len(run.err.strip().splitlines()) == 1


# ---------------------------------------------------------------------------------------
# A rule that reads another module's tree (index.tree): the key content[mod]

TREE_PLUGIN = (Path(__file__).resolve().parents[1] / "data" / "ignored_keyword.py").read_text(
    encoding="utf-8")

#: X960 (tests/data/ignored_keyword.py) reads pkg.mod's tree from a and b, whose calls pass
#: keywords; c calls func without one and reads only pkg.mod:func.
TREE_FILES = {
    "pyproject.toml": '[tool.shoal]\nplugins = ["lint/ignored_keyword.py"]\n',
    "lint/ignored_keyword.py": TREE_PLUGIN,
    "pkg/__init__.py": "",
    "pkg/mod.py": 'def func(x, **kw):\n    return kw.get("y")\n\n\ndef other():\n    return 1\n',
    "pkg/a.py": "from pkg.mod import func\n\nfunc(1, y=2)\n",
    "pkg/b.py": "import pkg.mod\n\npkg.mod.func(1, z=2)\n",
    "pkg/c.py": "from pkg.mod import func\n\nfunc(1)\n",
}

TREE_EDITS = {
    "body": 'def func(x, **kw):\n    return kw.get("z")\n\n\ndef other():\n    return 1\n',
    "signature": 'def func(x, y=0, **kw):\n    return kw\n\n\ndef other():\n    return 1\n',
    "deletion": "def other():\n    return 1\n",
}
TREE_SELECT = ("--select", "X960,SH001")


def test_a_tree_read_is_named_content_and_listed_under_its_module(project, shoal):
    write_tree(project, TREE_FILES)
    answer = _deps(shoal, "pkg.mod", *TREE_SELECT)
    assert {"key": "content[pkg.mod]", "readers": ["pkg.a", "pkg.b"]} in answer["keys"]
    assert answer["unnamed_edges"] == 0
    run = shoal("deps", "pkg.mod", *TREE_SELECT, "--workers", "0")
    assert "content[pkg.mod] ← pkg.a, pkg.b" in run.out.splitlines()
    read = _deps(shoal, "pkg.a", "--direction", "dependencies", *TREE_SELECT)
    assert {"key": "content[pkg.mod]", "module": "pkg.mod"} in read["keys"]
    assert "pkg.mod" in read["modules"]
    assert not any(row["key"].startswith("content[")
                   for row in _deps(shoal, "pkg.c", "--direction", "dependencies",
                                    *TREE_SELECT)["keys"])


@pytest.mark.parametrize("edit", sorted(TREE_EDITS))
def test_the_recheck_sets_count_the_readers_of_the_content(project, shoal, edit):
    write_tree(project, TREE_FILES)
    answer = _deps(shoal, "pkg.mod:func", *TREE_SELECT)
    # any edit of pkg.mod rechecks the readers of its tree, a body-only one included
    assert {"pkg.a", "pkg.b", "pkg.mod"} <= set(answer["rechecks"][edit])
    plan = prepare(build_parser().parse_args(["check", ".", "--workers", "0", "--no-cache",
                                              *TREE_SELECT]))
    with Session(plan) as session:
        session.check()
        (project / "pkg" / "mod.py").write_text(TREE_EDITS[edit], encoding="utf-8")
        report = session.recheck([project / "pkg" / "mod.py"])
    assert sorted(report.modules_rechecked) == answer["rechecks"][edit]
