"""ruff's command-line flags that shoal shares: ``--isolated``, ``--config KEY = VALUE``,
``--exclude``/``--extend-exclude``, ``--per-file-ignores``/``--extend-per-file-ignores``,
``--ignore-noqa``, and the short ``-o``, ``-n``, ``-e``, ``-s`` (a CI line written for
``ruff check`` runs as ``shoal check``)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import run_subprocess, write_tree

SOURCES = {
    "a.py": "import os  # noqa: F401\nimport sys\nx == None\n",
    "b.py": "import os\nimport sys\nx == None\n",
    "sub/c.py": "import json\n",
}


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(tmp_path, {**SOURCES, "pyproject.toml": "[tool.shoal]\nselect = [\"F\"]\n"})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def found(shoal, *args: str) -> list[tuple[str, int, str]]:
    run = shoal("check", "--workers", "0", "-n", "--output-format", "json", *args)
    assert run.code in (0, 1), run.err
    return sorted(run.codes())


EVERY_F = [("a.py", 2, "F401"), ("a.py", 3, "F821"), ("b.py", 1, "F401"), ("b.py", 2, "F401"),
           ("b.py", 3, "F821"), ("sub/c.py", 1, "F401")]


def test_isolated_reads_neither_the_shoal_table_nor_a_ruff_file(tree: Path, shoal) -> None:
    assert found(shoal) == EVERY_F
    both_e711 = [("a.py", 3, "E711"), ("b.py", 3, "E711")]
    assert found(shoal, "--isolated") == sorted(EVERY_F + both_e711)  # the default selection
    # a project that lends ruff's configuration, root and nested: --isolated reads neither
    (tree / "pyproject.toml").write_text("[project]\nname = 'p'\n[tool.ruff.lint]\n"
                                         "ignore = ['F821']\n", encoding="utf-8")
    (tree / "sub" / "ruff.toml").write_text("[lint]\nignore = ['F401']\n", encoding="utf-8")
    assert ("b.py", 3, "F821") not in found(shoal)
    assert ("sub/c.py", 1, "F401") not in found(shoal)
    assert found(shoal, "--isolated") == sorted(EVERY_F + both_e711)


def test_config_settings_override_the_file_ruffs_lint_prefix_too(tree: Path, shoal) -> None:
    assert found(shoal, "--config", "lint.ignore = ['F401']") == [("a.py", 3, "F821"),
                                                                ("b.py", 3, "F821")]
    assert found(shoal, "--config", "pyproject.toml", "--config", "select = ['E711']",
                 "--config", "lint.per-file-ignores = {'b.py' = ['E711']}") == [
        ("a.py", 3, "E711")]
    # with --isolated, a setting still applies (the file does not)
    assert found(shoal, "--isolated", "--config", "select = ['F821']") == [
        ("a.py", 3, "F821"), ("b.py", 3, "F821")]


@pytest.mark.parametrize(("args", "message"), [
    (("--config", "nope = 1"), "--config: unknown key 'nope'"),
    (("--config", "extend = 'other.toml'"), "--config: unknown key 'extend'"),
    (("--config", "select = 3"), "--config: 'select' must be a list of strings"),
    (("--config", "select = ["), "neither a file nor a TOML setting"),
    (("--config", "missing.toml"), "missing.toml: no such configuration file"),
    (("--config", "pyproject.toml", "--config", "other.toml"), "names one configuration file"),
    (("--isolated", "--config", "pyproject.toml"), "--isolated reads no configuration file"),
    (("--per-file-ignores", "F401"), "--per-file-ignores: expected PATTERN:CODE, got 'F401'"),
    (("--extend-per-file-ignores", "a.py:"), "expected PATTERN:CODE, got 'a.py:'"),
])
def test_a_bad_configuration_argument_is_one_line_and_exit_two(tree: Path, shoal, args,
                                                               message) -> None:
    (tree / "other.toml").write_text("", encoding="utf-8")
    run = shoal("check", "--workers", "0", "-n", *args)
    assert run.code == 2
    assert run.err.startswith("shoal: error: ") and message in run.err, run.err
    assert run.err.count("\n") == 1


def test_exclude_replaces_and_extend_exclude_adds(tree: Path, shoal) -> None:
    assert found(shoal, "--exclude", "b.py,sub") == [("a.py", 2, "F401"), ("a.py", 3, "F821")]
    assert found(shoal, "--extend-exclude", "sub", "--extend-exclude", "a.py") == [
        ("b.py", 1, "F401"), ("b.py", 2, "F401"), ("b.py", 3, "F821")]


def test_per_file_ignores_replace_and_extend_the_configured_ones(tree: Path, shoal) -> None:
    (tree / "pyproject.toml").write_text(
        "[tool.shoal]\nselect = ['F']\n[tool.shoal.per-file-ignores]\n'sub/*' = ['F401']\n",
        encoding="utf-8")
    without_c = [f for f in EVERY_F if f[0] != "sub/c.py"]
    assert found(shoal) == without_c
    assert found(shoal, "--per-file-ignores", "b.py:F401,b.py:F821") == [
        ("a.py", 2, "F401"), ("a.py", 3, "F821"), ("sub/c.py", 1, "F401")]
    assert found(shoal, "--extend-per-file-ignores", "a.py:F8",
                 "--extend-per-file-ignores", "b.py:F401") == [
        ("a.py", 2, "F401"), ("b.py", 3, "F821")]


def test_ignore_noqa_reports_what_the_comments_suppress(tree: Path, shoal) -> None:
    assert ("a.py", 1, "F401") not in found(shoal)
    assert ("a.py", 1, "F401") in found(shoal, "--ignore-noqa")
    # ... and calls no comment unused: none suppresses anything
    assert found(shoal, "--ignore-noqa", "--extend-select", "SH100") == sorted(
        [*EVERY_F, ("a.py", 1, "F401")])


def test_a_cached_run_keeps_the_command_lines_settings_apart(tree: Path, shoal) -> None:
    def cached(*args: str) -> list[tuple[str, int, str]]:
        run = shoal("check", "--workers", "0", "--output-format", "json", *args)
        return sorted(run.codes())

    assert cached() == EVERY_F
    assert cached("--per-file-ignores", "b.py:F401") == [f for f in EVERY_F
                                                          if f[:3:2] != ("b.py", "F401")]
    assert cached("--ignore-noqa") == sorted([*EVERY_F, ("a.py", 1, "F401")])
    assert cached() == EVERY_F


def test_short_flags_as_ruff_spells_them(tree: Path) -> None:
    # -o FILE, -n (no cache), -e (exit zero), -s (silent), in a real process: exit codes
    run = run_subprocess("check", "-n", "-s", cwd=tree)
    assert (run.code, run.out, run.err) == (1, "", "")
    run = run_subprocess("check", "-n", "-s", "-e", cwd=tree)
    assert (run.code, run.out, run.err) == (0, "", "")
    run = run_subprocess("check", "-n", "-e", "-s", "-o", "out.txt", "--output-format",
                         "concise", cwd=tree)
    assert (run.code, run.out) == (0, "")
    assert "b.py:1:1: F401" in (tree / "out.txt").read_text(encoding="utf-8")
    assert not (tree / ".shoal_cache").exists()  # -n wrote no cache
    # silent twice over a cache: nothing printed the second time either (no front record)
    for _ in range(2):
        run = run_subprocess("check", "-s", cwd=tree)
        assert (run.code, run.out, run.err) == (1, "", "")


def test_a_silent_run_keeps_no_front_record_to_print_later(tree: Path, shoal, monkeypatch) -> None:
    # The front door answers a repeated command with what it printed; a silent run printed
    # nothing, and must not be answered with the findings' text.
    import analyzer.engine as engine
    import analyzer.engine._changes as changes

    monkeypatch.setattr(changes, "RACY_WINDOW_NS", 0)  # files written just now may vouch
    monkeypatch.setattr(engine, "RACY_WINDOW_NS", 0)
    shoal("check", "--workers", "0")
    assert list((tree / ".shoal_cache" / "front").glob("*")), "no record kept at all"
    for _ in range(2):
        run = shoal("check", "--workers", "0", "-s")
        assert (run.code, run.out, run.err) == (1, "", "")
    assert len(list((tree / ".shoal_cache" / "front").glob("*"))) == 1


def _fixes(shoal, *args: str) -> dict[tuple[int, str], bool]:
    run = shoal("check", "--workers", "0", "-n", "--output-format", "json", "b.py", *args)
    return {(d["line"], d["code"]): d["fix"] is not None for d in run.json()}


def test_unfixable_and_fixable_decide_which_fixes_are_offered(tree: Path, shoal) -> None:
    (tree / "b.py").write_text("import os\nx = 1;\nif x == None:\n    pass\n", encoding="utf-8")
    select = ("--select", "F401,E703,E711")
    every = {(1, "F401"): True, (2, "E703"): True, (3, "E711"): True}
    assert _fixes(shoal, *select) == every
    assert _fixes(shoal, *select, "--unfixable", "F4") == {**every, (1, "F401"): False}
    assert _fixes(shoal, *select, "--fixable", "E7") == {**every, (1, "F401"): False}
    assert _fixes(shoal, *select, "--fixable", "E7", "--extend-fixable", "F") == every
    # the most specific selector decides, unfixable winning a tie
    assert _fixes(shoal, *select, "--unfixable", "E7", "--fixable", "E703") == {
        **every, (1, "F401"): False, (3, "E711"): False}
    assert _fixes(shoal, *select, "--unfixable", "ALL") == dict.fromkeys(every, False)
    run = shoal("check", "--workers", "0", "-n", "--unfixable", "F4011")
    assert run.code == 2 and "unknown rule selector 'F4011' in --unfixable" in run.err


def test_a_ruff_configurations_unfixable_keeps_fix_from_removing_imports(tmp_path: Path,
                                                                          shoal, monkeypatch) -> None:
    # a common ruff setting: unused imports are reported, never removed by --fix
    write_tree(tmp_path, {"pyproject.toml": "[project]\nname = 'p'\n[tool.ruff.lint]\n"
                                            "unfixable = ['F401']\n",
                          "a.py": "import os\nx = 1;\n"})
    monkeypatch.chdir(tmp_path)
    run = shoal("check", "--workers", "0", "-n", "--fix")
    assert run.code == 1
    assert (tmp_path / "a.py").read_text(encoding="utf-8") == "import os\nx = 1\n"
    (line,) = [line for line in run.out.splitlines() if "F401" in line]
    assert "[*]" not in line  # reported, its fix not offered
    run = shoal("check", "--workers", "0", "-n", "--fix", "--config", "lint.unfixable = []")
    assert (tmp_path / "a.py").read_text(encoding="utf-8") == "x = 1\n"


def test_an_extended_configuration_lends_its_fix_settings(tree: Path, shoal) -> None:
    (tree / "base.toml").write_text("unfixable = ['F401']\nextend-fixable = ['E7']\n",
                                    encoding="utf-8")
    (tree / "pyproject.toml").write_text(
        "[tool.shoal]\nextend = 'base.toml'\nselect = ['F401', 'E711']\nfixable = ['F8']\n",
        encoding="utf-8")
    (tree / "b.py").write_text("import sys\nx = 1\nif x == None:\n    pass\n",
                               encoding="utf-8")
    # the child's fixable (F8) with the parent's extend-fixable (E7); the parent's unfixable
    assert _fixes(shoal) == {(1, "F401"): False, (3, "E711"): True}


def test_a_negated_per_file_pattern_ignores_the_codes_everywhere_else(tree: Path, shoal) -> None:
    # ruff's "!tests/*" = [...]: the codes are off in every file outside tests/
    (tree / "pyproject.toml").write_text(
        "[tool.shoal]\nselect = ['F']\n[tool.shoal.per-file-ignores]\n'!sub/*' = ['F401']\n",
        encoding="utf-8")
    assert found(shoal) == [("a.py", 3, "F821"), ("b.py", 3, "F821"), ("sub/c.py", 1, "F401")]
    assert found(shoal, "--per-file-ignores", "!*.py:F821") == EVERY_F  # every file matches
    # inherited along `extend`, the pattern is rebased with its negation kept
    (tree / "base").mkdir()
    (tree / "base" / "shoal.toml").write_text(
        "select = ['F']\n[per-file-ignores]\n'!lib/*' = ['F401']\n", encoding="utf-8")
    (tree / "base" / "lib").mkdir()
    (tree / "base" / "lib" / "x.py").write_text("import sys\n", encoding="utf-8")
    (tree / "pyproject.toml").write_text("[tool.shoal]\nextend = 'base/shoal.toml'\n",
                                         encoding="utf-8")
    assert [f for f in found(shoal) if f[2] == "F401"] == [("base/lib/x.py", 1, "F401")]


def test_the_negative_flags_and_preview_as_ruff_takes_them(tree: Path, shoal) -> None:
    # a later --no-fix undoes an earlier --fix (a pre-commit hook's args over a config's)
    run = shoal("check", "--workers", "0", "-n", "--fix", "--no-fix", "--no-unsafe-fixes",
                "--no-show-fixes", "--no-force-exclude", "--preview", "b.py")
    assert run.code == 1 and "import os" in (tree / "b.py").read_text(encoding="utf-8")
    assert shoal("check", "--workers", "0", "-n", "--no-preview", "b.py").code == 1
    assert shoal("check", "--workers", "0", "-n", "--fix", "b.py").code == 1
    assert "import os" not in (tree / "b.py").read_text(encoding="utf-8")


def test_force_exclude_in_the_configuration_as_a_pre_commit_hook_needs_it(tmp_path: Path,
                                                                            shoal, monkeypatch):
    # pre-commit names every staged file, migrations/ among them; ruff's force-exclude = true
    write_tree(tmp_path, {"pyproject.toml": "[project]\nname = 'p'\n[tool.ruff]\n"
                                            "force-exclude = true\nextend-exclude = ['migrations']\n",
                          "migrations/0001.py": "import os\n", "app.py": "import sys\n"})
    monkeypatch.chdir(tmp_path)

    def named(*args: str) -> list[str]:
        run = shoal("check", "--workers", "0", "-n", "--output-format", "json",
                    "migrations/0001.py", "app.py", *args)
        return sorted(d["path"] for d in run.json())

    assert named() == ["app.py"]
    assert named("--no-force-exclude") == ["app.py", "migrations/0001.py"]
    (tmp_path / "pyproject.toml").write_text(
        "[tool.shoal]\nforce-exclude = true\nextend-exclude = ['migrations']\n", encoding="utf-8")
    assert named() == ["app.py"]
    (tmp_path / "pyproject.toml").write_text(
        "[tool.shoal]\nextend-exclude = ['migrations']\n", encoding="utf-8")
    assert named() == ["app.py", "migrations/0001.py"]
    assert named("--force-exclude") == ["app.py"]


def test_include_checks_only_the_files_it_matches_as_ruffs(tmp_path: Path, shoal, monkeypatch):
    # litestar's: include = ["{litestar,tests,docs,test_apps,tools}/**/*.{py,pyi}", ...]
    write_tree(tmp_path, {
        "pyproject.toml": "[project]\nname = 'p'\n[tool.ruff]\n"
                          "include = ['{pkg,tests}/**/*.{py,pyi}', 'pyproject.toml']\n",
        "pkg/__init__.py": "", "pkg/a.py": "import os\nfrom other.mod import thing\nthing()\n",
        "pkg/sub/b.pyi": "import sys\n", "tests/test_a.py": "import re\n",
        "scripts/run.py": "import json\n",
        "other/__init__.py": "", "other/mod.py": "import csv\n",  # left out, yet importable
    })
    monkeypatch.chdir(tmp_path)

    def paths(*args: str) -> list[str]:
        run = shoal("check", "--workers", "0", "-n", "--output-format", "json", *args)
        assert run.code in (0, 1), run.err
        return sorted({d["path"] for d in run.json()})

    assert paths() == ["pkg/a.py", "pkg/sub/b.pyi", "tests/test_a.py"]  # no SH001 either
    assert paths("scripts/run.py") == ["scripts/run.py"]  # a named file is checked
    assert paths("--config", "include = ['*.py']") == [
        "other/mod.py", "pkg/a.py", "scripts/run.py", "tests/test_a.py"]
    assert paths("--isolated") == ["other/mod.py", "pkg/a.py", "pkg/sub/b.pyi",
                                   "scripts/run.py", "tests/test_a.py"]
