"""A lent ruff configuration as ruff reads it: its ``extend`` chain followed, and a ruff file
in a subdirectory governing the files under it (``_lent_config``, ``_nested_config``)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from analyzer.frontend import lent_config
from tests.cli.helpers import write_tree

# astropy's layout: `.ruff.toml` extends `pyproject.toml`, which holds the excludes and the
# per-file ignores; each adds its own ignores.
PARENT = """\
[project]
name = "pkg"

[tool.ruff]
exclude = ["pkg/extern/*"]

[tool.ruff.lint]
ignore = ["E741"]
[tool.ruff.lint.extend-per-file-ignores]
"__init__.py" = ["F403"]
"""
CHILD = """\
extend = "pyproject.toml"
lint.ignore = ["E731"]
[lint.extend-per-file-ignores]
"__init__.py" = ["F401"]
"""

TREE = {
    "pkg/__init__.py": "from os import *\nimport sys\n",
    "pkg/core.py": "l = 1\nsquare = lambda x: x\nimport os\n",
    "pkg/extern/six.py": "import sys\n",
}


@pytest.fixture
def codes(shoal, monkeypatch):
    """(path, line, code) of a cold check of a directory, run in it."""

    def run(root: Path, *args: str) -> list[tuple[str, int, str]]:
        monkeypatch.chdir(root)
        result = shoal("check", "--no-cache", "--workers", "0", "--output-format", "json", *args)
        assert result.code in (0, 1), result.err
        return sorted(result.codes())

    return run


def test_extend_chain_reads_the_parents_excludes_ignores_and_per_file_ignores(tmp_path, codes):
    write_tree(tmp_path, {"pyproject.toml": PARENT, ".ruff.toml": CHILD, **TREE})
    # Not extern (the parent's exclude), not E741 (the parent's ignore) nor E731 (the
    # child's), not F403 in __init__ (the parent's per-file) nor F401 (the child's).
    assert codes(tmp_path) == [("pkg/core.py", 3, "E402"), ("pkg/core.py", 3, "F401")]
    config = lent_config(tmp_path / ".ruff.toml")
    assert config.extends == (tmp_path / "pyproject.toml",)
    assert config.ignore == ("E741", "E731")


def test_a_child_that_sets_per_file_ignores_replaces_the_parents(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": PARENT,
                          "ruff.toml": 'extend = "pyproject.toml"\n'
                                       '[lint.per-file-ignores]\n"x.py" = ["F811"]\n'})
    assert lent_config(tmp_path / "ruff.toml").per_file_ignores == (("x.py", ("F811",)),)


def test_a_child_that_sets_select_drops_the_parents_ignores(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": PARENT,
                          "ruff.toml": 'extend = "pyproject.toml"\n[lint]\nselect = ["E"]\n'})
    config = lent_config(tmp_path / "ruff.toml")
    assert config.select == ("E",) and config.ignore == ()
    assert config.exclude == ("pkg/extern/*",)  # what the child does not set is the parent's


@pytest.mark.parametrize("extend", ["missing.toml", "ruff.toml"])
def test_a_broken_chain_stops_where_it_breaks(tmp_path, codes, extend):
    # A missing parent, or a file that extends itself: ruff's errors to give, not a stop.
    write_tree(tmp_path, {"pyproject.toml": "[project]\nname = 'pkg'\n",
                          "ruff.toml": f'extend = "{extend}"\n[lint]\nignore = ["E731"]\n',
                          **TREE})
    found = codes(tmp_path)
    assert ("pkg/core.py", 2, "E731") not in found and ("pkg/core.py", 1, "E741") in found


NESTED_TREE = {
    "pyproject.toml": ("[project]\nname = 'pkg'\n[tool.ruff.lint]\nignore = ['E731']\n"
                       "per-file-ignores = {'lam.py' = ['E741']}\n"),
    "pkg/__init__.py": "",
    "pkg/core.py": "import os\nsquare = lambda x: x\nfrom pkg._vendor.six import gone\n",
    "pkg/_vendor/__init__.py": "",
    "pkg/_vendor/six.py": "import sys\n",
    # pylint's doc/data: the examples keep their mistakes; this file selects none of ours.
    "docs/ruff.toml": "[lint]\nselect = ['E501', 'I']\n",
    "docs/bad.py": "import os\nl = 1\nfrom pkg.core import missing\n",
    # A deeper one governs its own subtree, standalone (the root ignores E731, not it).
    "docs/deep/ruff.toml": "[lint]\nper-file-ignores = {'skip.py' = ['F401']}\n",
    "docs/deep/lam.py": "l = lambda: 0\n",
    "docs/deep/skip.py": "import os\n",
}


def test_a_nested_ruff_file_governs_the_files_under_it(tmp_path, codes):
    write_tree(tmp_path, {**NESTED_TREE, "pkg/_vendor/ruff.toml": "exclude = ['*']\n"})
    assert codes(tmp_path) == [
        # docs/ruff.toml selects none of ruff's codes shoal has: shoal's own SH001 stays.
        ("docs/bad.py", 3, "SH001"),
        # The deeper file: not the root's per-file ignore, its own for skip.py; and its
        # E731, which the root's selection leaves off and its own (ruff's default) turns on.
        ("docs/deep/lam.py", 1, "E731"), ("docs/deep/lam.py", 1, "E741"),
        # The root's: E731 ignored; the vendored module excluded there, yet importable
        # (opaque: no SH001 for a name it may hold).
        ("pkg/core.py", 1, "F401"), ("pkg/core.py", 3, "E402"), ("pkg/core.py", 3, "F401"),
    ]
    # One file named, as an editor checks it: the same configuration governs it.
    assert codes(tmp_path, "docs/bad.py") == [("docs/bad.py", 3, "SH001")]
    assert codes(tmp_path, "docs/deep/skip.py") == []


def test_a_nested_file_can_extend_the_root_one(tmp_path, codes):
    write_tree(tmp_path, {**NESTED_TREE,
                          "docs/deep/ruff.toml": 'extend = "../../pyproject.toml"\n'})
    found = codes(tmp_path, "docs/deep")
    assert ("docs/deep/lam.py", 1, "E741") not in found  # the root's per-file, inherited
    assert ("docs/deep/skip.py", 1, "F401") in found


def test_tool_shoal_reads_no_nested_ruff_file(tmp_path, codes):
    write_tree(tmp_path, {**NESTED_TREE, "pyproject.toml": "[tool.shoal]\nignore = ['E731']\n"})
    found = codes(tmp_path)
    assert ("docs/bad.py", 1, "F401") in found and ("docs/deep/skip.py", 1, "F401") in found


def test_show_settings_lists_the_nested_files(tmp_path, shoal, monkeypatch):
    write_tree(tmp_path, NESTED_TREE)
    monkeypatch.chdir(tmp_path)
    run = shoal("check", "--show-settings")
    nested = json.loads(run.out)["nested"]
    assert list(nested) == [os.path.join(str(tmp_path), "docs", "deep"),
                            os.path.join(str(tmp_path), "docs")]
    assert "F401" not in nested[str(tmp_path / "docs")]["selected"]


def test_malformed_per_file_tables_are_left_out_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "ruff.toml"
    path.write_text("[lint]\nextend-per-file-ignores = 3\nper-file-ignores = 'x'\n"
                    "ignore = ['E731']\n")
    config = lent_config(path)
    assert config.ignore == ("E731",) and config.per_file_ignores == ()


def test_the_command_lines_selection_applies_under_a_nested_file_too(tmp_path, codes):
    # As in ruff, --select replaces every file's selection: docs/ruff.toml selects none of
    # shoal's codes, yet `shoal check --select F401` reports docs/bad.py's unused import.
    write_tree(tmp_path, NESTED_TREE)
    assert ("docs/bad.py", 1, "F401") not in codes(tmp_path)
    assert ("docs/bad.py", 1, "F401") in codes(tmp_path, "--select", "F401")


def test_a_nested_file_turns_on_rules_the_root_leaves_off_for_its_subtree_only(tmp_path, codes):
    # As ruff: strict/ruff.toml selects E and F; the root selects F; loose/ has no file.
    source = "import os\nx = 1; y = 2\nif x == None:\n    pass\n"
    write_tree(tmp_path, {"ruff.toml": "[lint]\nselect = ['F']\n",
                          "strict/ruff.toml": "[lint]\nselect = ['E', 'F']\n",
                          "m.py": source, "strict/m.py": source, "loose/m.py": source})
    (tmp_path / ".git").mkdir()
    assert codes(tmp_path) == [("loose/m.py", 1, "F401"), ("m.py", 1, "F401"),
                               ("strict/m.py", 1, "F401"), ("strict/m.py", 2, "E702"),
                               ("strict/m.py", 3, "E711")]
    # ... and a noqa for such a code is judged by the file's own selection: E702 does not
    # run on the root's files (their comment is another tool's business), it does in strict/
    for path in ("m.py", "strict/m.py"):
        (tmp_path / path).write_text("x = 1  # noqa: E702\n", encoding="utf-8")
    found = codes(tmp_path, "--extend-select", "SH100")
    assert ("strict/m.py", 1, "SH100") in found and ("m.py", 1, "SH100") not in found
