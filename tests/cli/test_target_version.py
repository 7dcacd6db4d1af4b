"""Python versions: target-version py37..py314, inferred from requires-python, set on the
command line, and syntax newer than the target (or than shoal's own Python) named as such."""
from __future__ import annotations

import ast
import json
import sys

import pytest

from analyzer.core import SourceLines
from analyzer.frontend import parse_target_version
from analyzer.frontend._versions import requires_python_floor
from analyzer.model import newer_python_error, unsupported_syntax
from tests.cli.helpers import write_tree

RUNNING = sys.version_info[:2]


def _settings(shoal, *args: str) -> dict:
    run = shoal("check", "--show-settings", *args)
    assert run.code == 0, run.err
    return json.loads(run.out)


@pytest.mark.parametrize("minor", range(7, 15))
def test_every_version_from_py37_is_accepted(minor):
    assert parse_target_version(f"py3{minor}") == (3, minor)


@pytest.mark.parametrize("text", ["py36", "py315", "3.8", "py2"])
def test_unknown_versions_are_refused(text):
    with pytest.raises(ValueError, match="expected one of py37"):
        parse_target_version(text)


@pytest.mark.parametrize(("spec", "floor"), [
    (">=3.8", (3, 8)), (">=3.9.2, <4", (3, 9)), ("~=3.10", (3, 10)), ("==3.11.*", (3, 11)),
    (">3.7", (3, 7)), ("<4, >=3.12", (3, 12)), (">=3", (3, 7)), (">=3.6", (3, 7)),
    (">=3.20", (3, 14)), ("<3.12", None), ("", None), ("!=3.9.*", None),
])
def test_requires_python_lower_bound(spec, floor):
    assert requires_python_floor(spec) == floor


def test_py38_config_is_accepted_and_shown(project, shoal):
    (project / "pyproject.toml").write_text('[tool.shoal]\ntarget-version = "py38"\n')
    settings = _settings(shoal)
    assert settings["target-version"] == "py38"
    assert settings["target-version-source"].startswith("target-version in ")


def test_inferred_from_requires_python(project, shoal):
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\nrequires-python = ">=3.9, <4"\n\n[tool.shoal]\n')
    settings = _settings(shoal)
    assert settings["target-version"] == "py39"
    assert "requires-python '>=3.9, <4'" in settings["target-version-source"]


def test_isolated_reads_no_requires_python(project, shoal):
    # As ruff's --isolated: no configuration file, pyproject.toml's [project] table included
    # (seaborn's `>=3.8` had kept B905 off under --isolated, where ruff reports it).
    (project / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.8"\n')
    settings = _settings(shoal, "--isolated")
    assert settings["target-version"] == f"py3{sys.version_info[1]}"
    assert settings["target-version-source"].startswith("default")
    assert _settings(shoal)["target-version"] == "py38"


def test_configured_key_beats_requires_python(project, shoal):
    (project / "pyproject.toml").write_text(
        '[project]\nrequires-python = ">=3.9"\n\n[tool.shoal]\ntarget-version = "py311"\n')
    assert _settings(shoal)["target-version"] == "py311"


def test_command_line_beats_everything(project, shoal):
    (project / "pyproject.toml").write_text('[tool.shoal]\ntarget-version = "py311"\n')
    settings = _settings(shoal, "--target-version", "py37")
    assert (settings["target-version"], settings["target-version-source"]) == (
        "py37", "--target-version")


def test_bad_command_line_version_is_exit_2(project, shoal):
    run = shoal("check", "--target-version", "py36")
    assert run.code == 2
    assert run.err.count("\n") == 1 and "--target-version" in run.err


def test_default_is_the_running_python(project, shoal):
    settings = _settings(shoal)
    assert settings["target-version"] == "py{}{}".format(*RUNNING)
    assert settings["target-version-source"].startswith("default")


NEW_SYNTAX = """\
def f(a, /, b):
    if (n := len(a)) > 1:
        return 1, *b
    match a:
        case 1:
            pass
    with (open(a) as x, open(b) as y):
        pass
    with (open(a)) as z:
        pass
    return n, x, y, z
"""


def _findings(source: str, target: tuple[int, int]) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    return [(line, message) for line, _, message in
            unsupported_syntax(tree, SourceLines(source), target)]


def test_syntax_newer_than_the_target_names_the_version():
    found = _findings(NEW_SYNTAX, (3, 7))
    assert [line for line, _ in found] == [1, 2, 3, 4, 7]
    assert found[3][1] == ("SyntaxError: Cannot use `match` statement on Python 3.7 "
                           "(syntax was added in Python 3.10)")
    assert "Python 3.8" in found[0][1] and "Python 3.9" in found[4][1]


def test_only_what_the_target_lacks():
    assert [line for line, _ in _findings(NEW_SYNTAX, (3, 9))] == [4]
    assert _findings(NEW_SYNTAX, (3, 10)) == []


@pytest.mark.skipif(RUNNING < (3, 11), reason="except* and a[*b] parse from 3.11")
def test_python_311_syntax():
    source = ("try:\n    pass\nexcept* ValueError:\n    pass\nx = a[*b]\n"
              "@buttons[0].clicked\ndef g(*args: *Ts):\n    for q in *a, *b:\n        pass\n")
    found = _findings(source, (3, 8))
    assert [line for line, _ in found] == [1, 5, 6, 7, 8]
    assert "`except*` on Python 3.8 (syntax was added in Python 3.11)" in found[0][1]


def test_check_reports_target_syntax_and_still_runs_the_rules(project, shoal):
    write_tree(project, {"a.py": "import os\nif (n := 1):\n    pass\n"})
    run = shoal("check", "--workers", "0", "--no-cache", "--target-version", "py37",
                "--output-format", "json")
    assert run.code == 1, run.err
    assert [(d["line"], d["code"]) for d in run.json()] == [(1, "F401"), (2, "E999")]
    again = shoal("check", "--workers", "0", "--no-cache", "--target-version", "py38")
    assert "E999" not in again.out


@pytest.mark.skipif(RUNNING >= (3, 12), reason="the running Python parses 3.12 syntax")
@pytest.mark.parametrize(("source", "feature"), [
    ("type X = list[int]\n", "`type` statement"),
    ("type X[T: list[int]] = list[T]\n", "`type` statement"),
    ("def f[T](x: T) -> T:\n    return x\n", "type parameter list"),
    ("class C[T]:\n    pass\n", "type parameter list"),
    ('x = f"{d["a"]}"\n', "f-string with nested quotes"),
])
def test_syntax_newer_than_shoals_python(source, feature):
    with pytest.raises(SyntaxError) as info:
        ast.parse(source)
    running = "{}.{}".format(*RUNNING)
    message = newer_python_error(source, info.value, (3, 12))
    assert message is not None and message.startswith(f"SyntaxError: {feature}")
    assert message.endswith(f"requires Python 3.12 (shoal runs on {running})")
    older = newer_python_error(source, info.value, (3, 8))
    assert older is not None and "on Python 3.8 (syntax was added in Python 3.12)" in older


@pytest.mark.parametrize("source", [
    "type X = = 1\n", 'x = f"{a b}"\n', "def f[T(x):\n    pass\n", "x = (\n",
    "try:\n    pass\nexcept A, B as e:\n    pass\n",
])
def test_real_syntax_errors_stay_invalid_syntax(source):
    with pytest.raises(SyntaxError) as info:
        ast.parse(source)
    assert newer_python_error(source, info.value, (3, 14)) is None


@pytest.mark.skipif(RUNNING >= (3, 12), reason="the running Python parses 3.12 syntax")
def test_check_names_the_version_a_type_statement_needs(project, shoal):
    (project / "pyproject.toml").write_text('[tool.shoal]\ntarget-version = "py312"\n')
    write_tree(project, {"a.py": "x = 1\ntype X = list[int]\n"})
    run = shoal("check", "--workers", "0", "--no-cache")
    assert run.code == 1
    running = "{}.{}".format(*RUNNING)
    assert (f"a.py:2:6: E999 SyntaxError: `type` statement requires Python 3.12 "
            f"(shoal runs on {running})") in run.out


def test_fix_still_applies_to_a_file_with_target_syntax_errors(project, shoal):
    write_tree(project, {"a.py": "import os\nif (n := 1):\n    pass\n"})
    run = shoal("check", "--workers", "0", "--no-cache", "--target-version", "py37", "--fix")
    assert run.code == 1, run.err
    assert (project / "a.py").read_text() == "if (n := 1):\n    pass\n"
    assert "E999" in run.out


@pytest.mark.parametrize("command", ["watch", "server"])
def test_watch_and_server_take_the_flag(project, command):
    from analyzer.interfaces._parser import build_parser
    from analyzer.interfaces._prepare import prepare

    args = build_parser().parse_args([command, "--target-version", "py39", "--workers", "0"])
    assert prepare(args).config.target_version == (3, 9)


def test_a_decorator_above_its_function_is_found():
    """The walk skips subtrees without a hint; a decorator sits above its `def` line."""
    source = "x = 1\n\n\n@buttons[0].clicked\ndef f():\n    pass\n"
    assert _findings(source, (3, 8)) == [(4, "SyntaxError: Cannot use relaxed decorator "
                                             "syntax on Python 3.8 (syntax was added in "
                                             "Python 3.9)")]


def test_an_inherited_version_names_the_file_that_sets_it(project, shoal):
    (project / "base.toml").write_text('target-version = "py38"\n')
    (project / "pyproject.toml").write_text(
        '[project]\nrequires-python = ">=3.11"\n\n[tool.shoal]\nextend = "base.toml"\n')
    settings = _settings(shoal)
    assert settings["target-version"] == "py38"
    assert settings["target-version-source"] == f"target-version in {project / 'base.toml'}"


MATCH = "match x:\n    case 1:\n        pass\n"


@pytest.mark.parametrize("workers", ["0", "2"])
def test_per_file_target_version_checks_those_files_for_their_version(project, shoal, workers):
    """attrs' case: a project on py39 whose pattern-matching tests run on 3.10 only, declared
    with ruff's key; other files keep the project's version (two files on each side)."""
    write_tree(project, {"tests/test_match.py": MATCH, "tests/test_match_too.py": MATCH,
                         "src/a.py": MATCH, "src/b.py": "if (n := 1):\n    pass\n" + MATCH})
    (project / "pyproject.toml").write_text(
        '[project]\nrequires-python = ">=3.9"\n\n[tool.shoal.per-file-target-version]\n'
        '"tests/test_match*.py" = "py310"\n"b.py" = "py37"\n')
    run = shoal("check", "--select", "E999", "--workers", workers, "--no-cache",
                "--format", "json")
    found = sorted((d["path"], d["line"], d["message"].split(" on ")[1][:10])
                   for d in run.json())
    assert found == [("src/a.py", 1, "Python 3.9"), ("src/b.py", 1, "Python 3.7"),
                     ("src/b.py", 3, "Python 3.7")]
    assert _settings(shoal)["per-file-target-version"] == {"tests/test_match*.py": "py310",
                                                           "b.py": "py37"}


def test_per_file_target_version_is_inherited_rebased_and_checked(project, shoal):
    (project / "sub").mkdir()
    (project / "base.toml").write_text('[per-file-target-version]\n"sub/new.py" = "py310"\n')
    (project / "sub" / "pyproject.toml").write_text(
        '[project]\nrequires-python = ">=3.9"\n[tool.shoal]\nextend = "../base.toml"\n')
    write_tree(project, {"sub/new.py": MATCH, "sub/old.py": MATCH})
    run = shoal("check", "sub", "--select", "E999", "--no-cache", "--format", "json")
    assert [(d["path"], d["line"]) for d in run.json()] == [("sub/old.py", 1)]
    # The child's own table replaces the parent's, as every other key's value does.
    (project / "sub" / "pyproject.toml").write_text(
        '[project]\nrequires-python = ">=3.9"\n[tool.shoal]\nextend = "../base.toml"\n'
        '[tool.shoal.per-file-target-version]\n"old.py" = "py310"\n')
    run = shoal("check", "sub", "--select", "E999", "--no-cache", "--format", "json")
    assert [(d["path"], d["line"]) for d in run.json()] == [("sub/new.py", 1)]
    (project / "base.toml").write_text('[per-file-target-version]\n"x.py" = "py36"\n')
    bad = shoal("check", "sub", "--no-cache")
    assert bad.code == 2 and "'per-file-target-version.x.py': unknown target version" in bad.err
