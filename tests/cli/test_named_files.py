"""A partial run (pre-commit's ``shoal check changed.py``) reports the named files only: the
rest of the project is indexed for the project rules, but whatever phase 1 found in a file
nobody named -- SH900 included -- neither shows nor decides the exit code."""
from __future__ import annotations

import sys

import pytest

from analyzer.interfaces import exit_codes
from tests.cli.helpers import write_tree

#: Deeper than CPython's parser can build (RecursionError during ast construction): an
#: SH900 "too deeply nested" finding, or whatever a later shoal says about it, in gen.py.
DEEP = "x = " + "+".join(["1"] * 100_000) + "\n"
#: One F401, and an import of a name other.py lacks: the project rules still read other.py.
CHANGED = "from other import missing\nimport os\n"


@pytest.fixture
def partial(project):
    """A configured project with a file no check can parse (gen.py) beside the ones named."""
    write_tree(project, {"changed.py": CHANGED, "second.py": "import sys\n",
                         "other.py": "x = 1\n", "gen.py": DEEP, "broken.py": "def (:\n"})
    return project


def _json(shoal, *args):
    return shoal("check", "--workers", "1", "--output-format", "json", *args)


def test_one_named_file_reports_only_its_findings(partial, shoal):
    run = _json(shoal, "--no-cache", "changed.py")
    assert {d["path"] for d in run.json()} == {"changed.py"}, run.out
    assert run.code == exit_codes.PROBLEMS, run.err
    codes = {d["code"] for d in run.json()}
    assert "F401" in codes
    # other.py was not named, yet the index knows it lacks `missing`.
    assert any("missing" in d["message"] for d in run.json()), run.out


def test_two_named_files_and_one_unnamed_broken_file(partial, shoal):
    run = _json(shoal, "--no-cache", "changed.py", "second.py")
    assert {d["path"] for d in run.json()} == {"changed.py", "second.py"}, run.out
    assert run.code == exit_codes.PROBLEMS, run.err


@pytest.mark.skipif(sys.version_info < (3, 11), reason="3.10's parser builds the 100,000-term "
                    "chain that later ones refuse: gen.py is no broken file there")
def test_the_warm_cache_keeps_the_rule(partial, shoal):
    whole = _json(shoal, ".")  # the cache now holds gen.py's internal error
    assert whole.code == exit_codes.ERROR and "gen.py" in {d["path"] for d in whole.json()}
    for _ in range(2):  # a rebuild from the snapshot, then an unchanged answer
        run = _json(shoal, "changed.py", "second.py")
        assert {d["path"] for d in run.json()} == {"changed.py", "second.py"}, run.out
        assert run.code == exit_codes.PROBLEMS, run.err


@pytest.mark.skipif(sys.version_info < (3, 11), reason="3.10's parser builds the 100,000-term "
                    "chain that later ones refuse: gen.py is no broken file there")
def test_a_named_broken_file_still_reports_and_decides(partial, shoal):
    run = _json(shoal, "--no-cache", "changed.py", "gen.py")
    found = {d["path"]: d["code"] for d in run.json()}
    assert found["gen.py"] in ("SH900", "E999")
    assert run.code == (exit_codes.ERROR if found["gen.py"] == "SH900" else exit_codes.PROBLEMS)
