"""A warm `shoal check` in which nothing changed prints the output kept beside the cache
(``analyzer.engine._cache_output``): never when a file, the file set, the configuration or
the rendering options differ from the run that kept it."""
from __future__ import annotations

import pytest

from tests.cli.helpers import write_tree


@pytest.fixture
def tree(project):
    write_tree(project, {"pkg/__init__.py": "", "pkg/a.py": "import os\n",
                         "pkg/b.py": "from pkg.a import os\nx = 1\n"})
    return project


def _kept(root):
    return sorted((root / ".shoal_cache").glob("*/output-*.pickle"))


@pytest.fixture
def no_check(monkeypatch):
    """Make any check fail: what runs after this was answered from the kept output."""
    def refuse(*args, **kwargs):
        raise AssertionError("checked although a kept output should have answered")

    def arm() -> None:
        monkeypatch.setattr("analyzer.engine._check.cached_check", refuse)
        monkeypatch.setattr("analyzer.engine._cache._Cache.read_findings", refuse)
    return arm


def test_nothing_changed_prints_the_kept_output(tree, shoal, no_check):
    first = shoal("check", "--workers", "0")  # cold: keeps the output of what it wrote
    assert len(_kept(tree)) == 1
    second = shoal("check", "--workers", "0")
    no_check()
    third = shoal("check", "--workers", "0")
    assert first.code == second.code == third.code == 1
    assert first.out == second.out == third.out
    assert "F401" in third.out


def test_each_set_of_options_keeps_its_own(tree, shoal, no_check):
    runs = [("check", "--workers", "0"), ("check", "--workers", "0", "--exit-zero"),
            ("check", "--workers", "0", "--output-format", "json"),
            ("check", "--workers", "0", "-q"), ("check", "--workers", "0", "--statistics")]
    expected = {}
    for args in runs:
        shoal(*args)
        expected[args] = shoal(*args)
    assert len(_kept(tree)) == len(runs)
    no_check()
    for args in runs:
        again = shoal(*args)
        assert (again.code, again.out) == (expected[args].code, expected[args].out), args
    assert expected[runs[1]].code == 0 and expected[runs[0]].code == 1


@pytest.mark.parametrize("edit", ["changed", "added", "deleted", "config"])
def test_a_change_is_seen_after_an_output_was_kept(tree, shoal, edit):
    shoal("check", "--workers", "0")
    kept = shoal("check", "--workers", "0")
    assert _kept(tree)
    if edit == "changed":
        (tree / "pkg/b.py").write_text("from pkg.a import os\nx = 1\nimport sys\n")
    elif edit == "added":
        (tree / "pkg/c.py").write_text("import json\n")
    elif edit == "deleted":
        (tree / "pkg/a.py").unlink()
    else:
        (tree / "pyproject.toml").write_text("[tool.shoal]\nextend-ignore = ['F401']\n")
    after = shoal("check", "--workers", "0")
    assert after.out != kept.out
    if edit == "changed":
        assert "pkg/b.py:3:1: F401" in after.out
    elif edit == "added":
        assert "pkg/c.py:1:8: F401" in after.out or "pkg/c.py:1:1: F401" in after.out
    elif edit == "deleted":
        assert "pkg/a.py" not in after.out
    else:
        assert "F401" not in after.out
    # And the next run, with nothing changed, prints what this one printed.
    assert shoal("check", "--workers", "0").out == after.out


def test_a_tampered_kept_output_is_not_printed(tree, shoal):
    shoal("check", "--workers", "0")
    good = shoal("check", "--workers", "0")
    (path,) = _kept(tree)
    data = path.read_bytes()
    assert b"F401" in data
    path.write_bytes(data.replace(b"F401", b"F999"))
    again = shoal("check", "--workers", "0")
    assert again.out == good.out and "F999" not in again.out


def test_findings_missing_from_the_cache_rebuild_it(tree, shoal):
    first = shoal("check", "--workers", "0")
    (findings,) = (tree / ".shoal_cache").glob("*/findings-*.pickle")
    findings.unlink()
    for kept in _kept(tree):  # else the kept output answers without the findings
        kept.unlink()
    again = shoal("check", "--workers", "0")
    assert again.out == first.out and "cache ignored" in again.err


# ---------------------------------------------------------------------------------------
# `shoal deps` and `shoal graph`: an answer is kept beside the cache the same way.

QUERY_FILES = {
    "pkg/__init__.py": "",
    "pkg/mod.py": "def func(x):\n    return x\n",
    "pkg/a.py": "from pkg.mod import func\n\nfunc(1)\n",
    "pkg/b.py": "import pkg.a\n",
}


@pytest.fixture
def no_view(monkeypatch):
    """Make loading the view fail: what runs after this was answered from a kept output."""
    def arm() -> None:
        monkeypatch.setattr("analyzer.engine.load_insight",
                            lambda plan: pytest.fail("the view was loaded"))
    return arm


@pytest.mark.parametrize("query", [
    ("graph", "--output-format", "json"), ("graph",), ("graph", "--package-level"),
    ("graph", "pkg/a.py"), ("deps", "pkg.mod:func"), ("deps", "pkg.mod", "--transitive"),
    ("deps", "pkg.a", "--direction", "dependencies", "--output-format", "json"),
])
def test_a_query_with_nothing_changed_prints_its_kept_answer(project, shoal, no_view, query):
    write_tree(project, QUERY_FILES)
    # Queries that differ from it by one option or argument: each must keep its own answer.
    others = [("graph",), ("graph", "--output-format", "json"), ("deps", "pkg.mod:func"),
              ("deps", "pkg.mod"), ("deps", "pkg.a")]
    queries = [query, *(q for q in others if q != query)]
    truth = {q: shoal(*q, "--no-cache", "--workers", "0") for q in queries}
    for q in queries:
        first = shoal(*q, "--workers", "0")
        assert (first.code, first.out) == (truth[q].code, truth[q].out), q
    no_view()
    for q in queries:
        again = shoal(*q, "--workers", "0")
        assert (again.code, again.out) == (truth[q].code, truth[q].out), q


@pytest.mark.parametrize("edit", ["changed", "added", "deleted"])
def test_a_query_sees_a_change_after_its_answer_was_kept(project, shoal, edit):
    write_tree(project, QUERY_FILES)
    graph = shoal("graph", "--workers", "0")
    deps = shoal("deps", "pkg.mod:func", "--workers", "0")
    assert "pkg.a" in deps.out
    if edit == "changed":
        (project / "pkg/b.py").write_text("import pkg.mod\nfrom pkg.mod import func\n")
    elif edit == "added":
        (project / "pkg/c.py").write_text("from pkg.mod import func\nimport pkg.b\n")
    else:
        (project / "pkg/a.py").unlink()
    graph_after = shoal("graph", "--workers", "0")
    deps_after = shoal("deps", "pkg.mod:func", "--workers", "0")
    assert graph_after.out != graph.out and deps_after.out != deps.out
    if edit == "changed":
        assert '"pkg.b" -> "pkg.mod"' in graph_after.out and "pkg.b" in deps_after.out
    elif edit == "added":
        assert '"pkg.c" -> "pkg.b"' in graph_after.out and "pkg.c" in deps_after.out
    else:
        assert '"pkg.a"' not in graph_after.out and "pkg.a" not in deps_after.out


def test_a_filter_that_becomes_a_path_is_not_answered_from_the_kept_one(project, shoal):
    write_tree(project, QUERY_FILES)
    # `pkg.mod` names a module; once a directory of that name exists it names a path.
    by_module = shoal("graph", "pkg.mod", "--workers", "0")
    assert '"pkg.mod"' in by_module.out
    (project / "pkg.mod").mkdir()
    as_path = shoal("graph", "pkg.mod", "--workers", "0")
    assert as_path.code == 2 and "no module of the project matches" in as_path.err
