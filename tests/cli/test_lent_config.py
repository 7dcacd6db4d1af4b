"""A project without [tool.shoal] lends shoal its ruff or flake8 configuration
(``_lent_config``): its excludes, ignores and rule selection, not its codes shoal lacks nor
shoal's own SH rules; [tool.shoal] wins whole."""
from __future__ import annotations

from pathlib import Path

from analyzer.frontend import lent_config
from analyzer.frontend._lent_config import find_lent_config
from analyzer.frontend._roots import group_paths
from tests.cli.helpers import run_subprocess, write_tree

# A ruff-configured project as numpy and jax have them: fixtures and vendored code
# excluded, codes the team does not follow ignored, tests with their own ignores.
RUFF_PYPROJECT = """\
[project]
name = "pkg"

[tool.ruff]
extend-exclude = ["pkg/vendored"]
target-version = "py310"

[tool.ruff.lint]
extend-ignore = ["E731", "D100", "ANN401"]   # D and ANN: codes shoal does not have
[tool.ruff.lint.per-file-ignores]
"tests/*" = ["F841", "S101"]
"""

TREE = {
    "pkg/__init__.py": "",
    "pkg/core.py": "import os\nsquare = lambda x: x * x\nfrom pkg.helpers import gone\n",
    "pkg/helpers.py": "present = 1\n",
    "pkg/vendored/six.py": "import sys\n",
    "tests/test_core.py": "def test_it():\n    unused = 1\n",
}


def _codes(root: Path) -> list[tuple[str, int, str]]:
    """(path, line, code) of every finding of a cold `shoal check` in ``root``."""
    run = run_subprocess("check", "--no-cache", "--output-format", "json", cwd=root)
    assert run.code in (0, 1), run.err
    return sorted(run.codes())


def test_a_project_without_tool_shoal_follows_its_ruff_configuration(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": RUFF_PYPROJECT, **TREE})
    # Not the vendored file, not E731, not F841 in tests; unknown codes no error; the
    # cross-module SH001 as always.
    assert _codes(tmp_path) == [("pkg/core.py", 1, "F401"), ("pkg/core.py", 3, "E402"),
                                ("pkg/core.py", 3, "F401"), ("pkg/core.py", 3, "SH001")]


def test_without_a_ruff_table_the_defaults_apply(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[project]\nname = 'pkg'\n", **TREE})
    codes = _codes(tmp_path)
    assert ("pkg/vendored/six.py", 1, "F401") in codes and ("pkg/core.py", 2, "E731") in codes


def test_tool_shoal_wins_whole(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": RUFF_PYPROJECT + "\n[tool.shoal]\nignore = ['F401']\n",
                          **TREE})
    codes = _codes(tmp_path)
    assert ("pkg/core.py", 2, "E731") in codes and ("tests/test_core.py", 2, "F841") in codes
    assert not any(code == "F401" for _, _, code in codes)


def test_a_ruff_selection_narrows_ruffs_rules_not_shoals_own(tmp_path: Path) -> None:
    # jax's: select F and no E7 -- E731 and E741 are not the team's.
    write_tree(tmp_path, {
        "ruff.toml": "[lint]\nselect = ['F', 'W', 'C90']\n",
        "setup.py": "",
        **TREE,
    })
    assert _codes(tmp_path) == [("pkg/core.py", 1, "F401"), ("pkg/core.py", 3, "F401"),
                                ("pkg/core.py", 3, "SH001"), ("pkg/vendored/six.py", 1, "F401"),
                                ("tests/test_core.py", 2, "F841")]


def test_show_settings_says_where_the_settings_come_from(tmp_path: Path) -> None:
    write_tree(tmp_path, {".ruff.toml": "exclude = ['gen']\nignore = ['E402']\n", ".git/HEAD": ""})
    run = run_subprocess("check", "--show-settings", cwd=tmp_path)
    assert run.code == 0, run.err
    assert '"borrowed-from": "ruff"' in run.out and ".ruff.toml" in run.out
    assert '"gen"' in run.out and '"E402"' in run.out


def test_the_ruff_file_at_the_root_in_ruffs_order(tmp_path: Path) -> None:
    assert find_lent_config(tmp_path) is None
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert find_lent_config(tmp_path) is None  # no [tool.ruff]: not a ruff configuration
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    assert find_lent_config(tmp_path) == tmp_path / "pyproject.toml"
    (tmp_path / "ruff.toml").write_text("")
    assert find_lent_config(tmp_path) == tmp_path / "ruff.toml"
    (tmp_path / ".ruff.toml").write_text("")
    assert find_lent_config(tmp_path) == tmp_path / ".ruff.toml"
    # A nested one (setuptools' _vendor/ruff.toml) is not the project's.
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "ruff.toml").write_text("exclude = ['*']\n")
    (project,) = group_paths(["sub"], cwd=str(tmp_path))
    assert project.borrowed and project.config_path == tmp_path / ".ruff.toml"


def test_legacy_top_level_keys_and_extended_per_file_ignores(tmp_path: Path) -> None:
    path = tmp_path / "ruff.toml"
    path.write_text(
        "ignore = ['E501']\nper-file-ignores = {'a.py' = ['F401']}\n"
        "dummy-variable-rgx = '^skip_'\n"
        "[lint]\nextend-per-file-ignores = {'a.py' = ['E402'], 'b.py' = ['F811']}\n"
        "[lint.pyflakes]\nallowed-unused-imports = ['hypothesis']\n")
    config = lent_config(path)
    assert config.borrowed == "ruff" and config.ignore == ("E501",)
    assert dict(config.per_file_ignores) == {"a.py": ("F401", "E402"), "b.py": ("F811",)}
    assert config.dummy_variable_rgx == "^skip_"
    assert config.allowed_unused_imports == ("hypothesis",)


def test_a_value_shoal_refuses_is_left_out_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "ruff.toml"
    path.write_text("target-version = 'py399'\nbuiltins = ['_']\n[lint]\nignore = ['E731']\n")
    config = lent_config(path)
    assert config.builtins == ("_",) and config.ignore == ("E731",)
    assert config.target_version_source != "py399"
    path.write_text("[lint\n")  # broken TOML: ruff's to report; shoal keeps its defaults
    assert lent_config(path).ignore == ()


def test_ruffs_s_and_all_are_not_shoals_sh(tmp_path: Path) -> None:
    # ruff's S is flake8-bandit, and its ALL its own rules: neither turns shoal's off-by-
    # default SH005 on, nor shoal's SH001 off, in a selection, an ignore or per-file.
    write_tree(tmp_path, {
        "ruff.toml": "[lint]\nselect = ['ALL']\nignore = ['S', 'D']\n"
                     "[lint.per-file-ignores]\n'pkg/*' = ['S']\n",
        "setup.py": "",
        **TREE,
    })
    codes = _codes(tmp_path)
    assert ("pkg/core.py", 3, "SH001") in codes
    assert ("pkg/core.py", 2, "E731") in codes  # ALL selects ruff's E731, which shoal has
    assert not any(code in ("SH005", "SH006", "SH100") for _, _, code in codes)


# pyramid's .flake8: comments inside a value, names with - or _, fixtures excluded.
FLAKE8 = """\
[flake8]
ignore =
    # E731: do not assign a lambda expression, use a def
    E731
    W503
exclude =
    pkg/vendored
per_file_ignores =
    tests/*: F841
    pkg/__init__.py:F401,E402
"""


def test_a_flake8_project_follows_its_configuration(tmp_path: Path) -> None:
    write_tree(tmp_path, {".flake8": FLAKE8, "setup.py": "", **TREE})
    assert _codes(tmp_path) == [("pkg/core.py", 1, "F401"), ("pkg/core.py", 3, "E402"),
                                ("pkg/core.py", 3, "F401"), ("pkg/core.py", 3, "SH001")]
    run = run_subprocess("check", "--show-settings", cwd=tmp_path)
    assert '"borrowed-from": "flake8"' in run.out


def test_flake8s_files_in_flake8s_order_and_ruff_first(tmp_path: Path) -> None:
    (tmp_path / "tox.ini").write_text("[tox]\nenvlist = py311\n")
    assert find_lent_config(tmp_path) is None  # no [flake8] section
    (tmp_path / ".flake8").write_text("[flake8]\nignore = E501\n")
    assert find_lent_config(tmp_path) == tmp_path / ".flake8"
    (tmp_path / "tox.ini").write_text("[flake8]\nignore = E402\n")
    assert find_lent_config(tmp_path) == tmp_path / "tox.ini"
    (tmp_path / "setup.cfg").write_text("[flake8]\nignore = E722\n")
    assert find_lent_config(tmp_path) == tmp_path / "setup.cfg"
    assert lent_config(tmp_path / "setup.cfg").ignore == ("E722",)
    (tmp_path / "ruff.toml").write_text("")  # a project with both: ruff's is the one in use
    assert find_lent_config(tmp_path) == tmp_path / "ruff.toml"
    (tmp_path / "setup.cfg").write_text("[flake8\n")  # does not read as INI: not flake8's
    (tmp_path / "ruff.toml").unlink()
    assert find_lent_config(tmp_path) == tmp_path / "tox.ini"


def test_flake8s_per_file_ignores_in_its_spellings(tmp_path: Path) -> None:
    path = tmp_path / "setup.cfg"
    path.write_text("[flake8]\nper-file-ignores =\n    a.py:F401\n    b.py c.py : E402,W503\n"
                    "    d.py:E7 F8\nextend-ignore = E203, W504\nselect = E,F,W\n")
    config = lent_config(path)
    assert dict(config.per_file_ignores) == {"a.py": ("F401",), "b.py": ("E402", "W503"),
                                             "c.py": ("E402", "W503"), "d.py": ("E7", "F8")}
    assert config.ignore == ("E203", "W504") and config.select == ("E", "F", "W")
    assert config.borrowed == "flake8"


def test_a_directory_with_only_a_ruff_toml_is_the_project_root(tmp_path: Path) -> None:
    # No pyproject.toml, setup.* or .git anywhere above: ruff's file roots the project, so
    # naming one file still indexes its sibling (the SH001), and the file lends its settings.
    write_tree(tmp_path, {"ruff.toml": "[lint]\nignore = ['F401']\n",
                          "app.py": "from helpers import gone\n", "helpers.py": "present = 1\n"})
    run = run_subprocess("check", "--output-format", "json", "app.py", cwd=tmp_path)
    assert run.code == 1, run.err
    assert sorted(run.codes()) == [("app.py", 1, "SH001")]
    (project,) = group_paths(["app.py"], cwd=str(tmp_path))
    assert (project.root, project.borrowed) == (tmp_path, True)
    # Deleted, the file roots nothing: the index is what was named, the defaults apply, and
    # the warm run that follows knows it.
    (tmp_path / "ruff.toml").unlink()
    run = run_subprocess("check", "--output-format", "json", "app.py", cwd=tmp_path)
    assert sorted(run.codes()) == [("app.py", 1, "F401")]


def test_a_nested_ruff_toml_does_not_split_its_repository(tmp_path: Path) -> None:
    write_tree(tmp_path, {".git/HEAD": "", "libs/a/.ruff.toml": "", "libs/a/m.py": ""})
    (project,) = group_paths(["libs/a/m.py"], cwd=str(tmp_path))
    assert (project.root, project.reason) == (tmp_path, "holds .git")


def test_ruff_lint_exclude_adds_to_the_excludes(tmp_path: Path) -> None:
    # cookiecutter: `[tool.ruff.lint] exclude` keeps its Jinja hook templates from linting,
    # on top of the top-level `extend-exclude`.
    write_tree(tmp_path, {
        "pyproject.toml": "[tool.ruff]\nextend-exclude = ['old']\n"
                          "[tool.ruff.lint]\nexclude = ['tests/**/hooks/*']\n",
        "tests/render/hooks/post_gen.py": "{% if x %}\nimport sys\n{% endif %}\n",
        "tests/test_it.py": "import os\n", "old/legacy.py": "import os\n",
    })
    assert _codes(tmp_path) == [("tests/test_it.py", 1, "F401")]


def test_a_ruff_selection_of_b_turns_on_the_bugbear_checks(tmp_path: Path) -> None:
    # Off by default; a project whose ruff configuration selects `B` sees them, and only
    # where it does not ignore them.
    files = {"a.py": "def f(x):\n    assert False\n    x == 1\n"}
    write_tree(tmp_path, {"pyproject.toml": "[project]\nname = 'a'\n", **files})
    assert _codes(tmp_path) == []
    write_tree(tmp_path, {"pyproject.toml": "[tool.ruff.lint]\nselect = ['B']\n"
                                            "ignore = ['B015']\n"})
    assert _codes(tmp_path) == [("a.py", 2, "B011")]


LONG = "x = 1  # " + "word " * 18 + "\n"  # 99 columns


def test_line_length_from_shoal_ruff_and_flake8(tmp_path: Path) -> None:
    # E501 is off by default; selected, its limit is `line-length` (88), which shoal's own
    # key, a lent ruff file (its pycodestyle.max-line-length first) or flake8's
    # max-line-length set.
    cases = {
        "[tool.shoal]\nselect = ['E501']\n": [("a.py", 1, "E501")],
        "[tool.shoal]\nselect = ['E501']\nline-length = 100\n": [],
        "[tool.ruff]\nline-length = 100\n[tool.ruff.lint]\nselect = ['E501']\n": [],
        "[tool.ruff]\nline-length = 100\n[tool.ruff.lint]\nselect = ['E501']\n"
        "[tool.ruff.lint.pycodestyle]\nmax-line-length = 90\n": [("a.py", 1, "E501")],
    }
    for pyproject, expected in cases.items():
        write_tree(tmp_path, {"pyproject.toml": pyproject, "a.py": LONG})
        assert _codes(tmp_path) == expected, pyproject
    (tmp_path / "pyproject.toml").unlink()
    write_tree(tmp_path, {"setup.cfg": "[flake8]\nselect = E501\nmax-line-length = 120\n"})
    assert _codes(tmp_path) == []


def test_a_bad_line_length_is_a_configuration_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.shoal]\nline-length = 0\n", "a.py": ""})
    run = run_subprocess("check", cwd=tmp_path)
    assert run.code == 2 and "'line-length' must be a whole number from 1 to 320" in run.err


def test_the_line_length_flag_beats_the_configuration(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.shoal]\nselect = ['E501']\nline-length = 120\n",
                          "a.py": LONG})
    run = run_subprocess("check", "--no-cache", "--output-format", "json", "--line-length",
                         "90", cwd=tmp_path)
    assert sorted(run.codes()) == [("a.py", 1, "E501")]
    assert "(99 > 90)" in run.json()[0]["message"]
    bad = run_subprocess("check", "--line-length", "0", cwd=tmp_path)
    assert bad.code == 2 and "--line-length" in bad.err
