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
