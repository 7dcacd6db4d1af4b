"""Project roots found from markers, module names from source roots, ``extend`` (issue 12)."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from analyzer.frontend import (
    Config,
    ConfigError,
    discover,
    find_marker_root,
    group_paths,
    load_config,
)


def tree(root: Path, *paths: str) -> None:
    for rel in paths:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith("/"):
            path.mkdir(exist_ok=True)
        else:
            path.write_text("", encoding="utf-8")


def names(root: Path, found_root: Path | None = None) -> dict[str, str]:
    config = Config(found_root=found_root or root)
    result = discover(["."], config, cwd=str(root))
    return {f.path.relative_to(root).as_posix(): f.module for f in result.files}


@pytest.mark.parametrize("marker", ["pyproject.toml", "setup.cfg", "setup.py", ".git/"])
def test_the_nearest_marker_is_the_root(tmp_path, marker):
    tree(tmp_path, marker, "pkg/sub/mod.py")
    assert find_marker_root(tmp_path / "pkg" / "sub" / "mod.py") == (tmp_path, marker.rstrip("/"))


def test_no_root_is_found_above_site_packages(tmp_path):
    tree(tmp_path, ".git/", "venv/lib/python3.11/site-packages/lib/mod.py")
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    assert find_marker_root(site / "lib" / "mod.py") is None
    tree(site, "lib/setup.py")  # a marker below the boundary still counts
    assert find_marker_root(site / "lib" / "mod.py") == (site / "lib", "setup.py")


def test_no_root_is_found_above_a_standard_library(tmp_path):
    tree(tmp_path, ".git/", "lib/python3.12/os.py", "lib/python3.12/json/decoder.py")
    assert find_marker_root(tmp_path / "lib" / "python3.12" / "json" / "decoder.py") is None


def test_paths_are_grouped_by_project(tmp_path):
    tree(tmp_path, "a/.git/", "a/x.py", "a/y.py", "b/setup.cfg", "b/z.py", "loose/w.py")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "pyproject.toml").write_text("[tool.shoal]\n")
    tree(tmp_path, "c/v.py")
    projects = group_paths(["a/x.py", "b/z.py", "loose/w.py", "a/y.py", "c/v.py"],
                           cwd=str(tmp_path))
    assert [(p.root, p.reason, p.paths) for p in projects] == [
        (tmp_path / "a", "holds .git", ["a/x.py", "a/y.py"]),
        (tmp_path / "b", "holds setup.cfg", ["b/z.py"]),
        (None, projects[2].reason, ["loose/w.py"]),
        (tmp_path / "c", "pyproject.toml with [tool.shoal]", ["c/v.py"]),
    ]
    assert projects[3].config_path == tmp_path / "c" / "pyproject.toml"
    assert "no project marker" in projects[2].reason
    only = group_paths(["a/x.py", "b/z.py"], config=str(tmp_path / "c" / "pyproject.toml"),
                       cwd=str(tmp_path))
    assert len(only) == 1 and only[0].root == tmp_path / "c"


def test_each_directory_is_searched_once_and_answers_as_a_search_per_path(tmp_path, monkeypatch):
    # Files named by the hundred, interleaved across projects of every kind, a directory
    # named too, a file that does not exist, and a directory holding a nested project.
    tree(tmp_path, "a/.git/", "a/nested/setup.py", "b/setup.cfg", "loose/q.py", "c/sub/")
    (tmp_path / "c" / "pyproject.toml").write_text("[tool.shoal]\n")
    given = []
    for i in range(60):
        for where in ("a", "a/nested", "b", "loose", "c/sub"):
            tree(tmp_path, f"{where}/m{i}.py")
            given.append(f"{where}/m{i}.py")
    # A file in a directory that does not exist, named like an install boundary: the searches
    # start at that (missing) directory, so it has no project although a/ holds .git.
    given += ["a/nested", "b/gone.py", "c", "a/nested/m1.py", "a/site-packages/gone.py"]
    from analyzer.frontend import _roots, find_config

    def searched_alone(arg):  # the searches asked of the path itself, one path at a time
        path = str(tmp_path / arg)
        config = find_config(path)
        if config is not None:
            return config, config.parent
        marker = find_marker_root(path)
        return None, marker[0] if marker else None

    expected: dict[tuple, list[str]] = {}
    for arg in given:
        expected.setdefault(searched_alone(arg), []).append(arg)
    searched = []
    real = _roots.find_config
    monkeypatch.setattr(_roots, "find_config", lambda d: searched.append(d) or real(d))
    projects = group_paths(given, cwd=str(tmp_path))
    assert {(p.config_path, p.root): p.paths for p in projects} == expected
    assert [p.root for p in projects] == [tmp_path / "a", tmp_path / "a" / "nested",
                                          tmp_path / "b", None, tmp_path / "c"]
    assert "a/site-packages/gone.py" in projects[3].paths
    searched_dirs = [os.path.dirname(p) if not os.path.isdir(p) else p for p in searched]
    assert len(searched_dirs) == len(set(searched_dirs)) == 7


def test_the_standard_library_directories_are_asked_of_sysconfig_once(monkeypatch):
    from analyzer.frontend import _roots

    _roots._stdlib_dirs.cache_clear()
    calls = []
    real = _roots.sysconfig.get_paths
    monkeypatch.setattr(_roots.sysconfig, "get_paths", lambda: calls.append(1) or real())
    first = _roots._stdlib_dirs()
    assert _roots._stdlib_dirs() is first and len(calls) == 2  # stdlib and platstdlib
    assert first


def test_module_names_as_python_resolves_them(tmp_path):
    tree(tmp_path, "setup.py", "conftest.py",
         "pkg/__init__.py", "pkg/mod.py", "pkg/ns/deep/helper.py",
         "tests/test_a.py", "tests/data/cases/collections.py",
         "tests/unit/__init__.py", "tests/unit/test_b.py",
         "docs/conf.py", ".github/scripts/release.py", "pkg/data-files/x.py")
    assert names(tmp_path) == {
        "setup.py": "setup",
        "conftest.py": "conftest",
        "pkg/__init__.py": "pkg",
        "pkg/mod.py": "pkg.mod",
        # A folder without __init__.py inside a package: a namespace subpackage.
        "pkg/ns/deep/helper.py": "pkg.ns.deep.helper",
        # Under a top folder that is no package: never a top-level name.
        "tests/test_a.py": "tests/test_a",
        "tests/data/cases/collections.py": "tests/data/cases/collections",
        "tests/unit/__init__.py": "tests/unit",
        "tests/unit/test_b.py": "tests/unit.test_b",
        "docs/conf.py": "docs/conf",
        ".github/scripts/release.py": "%2Egithub/scripts/release",
        "pkg/data-files/x.py": "",
    }


def test_src_is_a_source_root_unless_it_is_a_package(tmp_path):
    tree(tmp_path, "src/pkg/__init__.py", "src/pkg/mod.py", "src/top.py", "noxfile.py")
    assert names(tmp_path) == {"src/pkg/__init__.py": "pkg", "src/pkg/mod.py": "pkg.mod",
                               "src/top.py": "top", "noxfile.py": "noxfile"}
    tree(tmp_path, "src/__init__.py")
    assert names(tmp_path)["src/pkg/mod.py"] == "src.pkg.mod"


def test_a_single_file_gets_the_name_the_whole_tree_gives_it(tmp_path):
    tree(tmp_path, ".git/", "pkg/__init__.py", "pkg/ns/helper.py", "tests/data/x.py")
    config = Config(found_root=tmp_path)
    whole = {f.path: f.module for f in discover(["."], config, cwd=str(tmp_path)).files}
    for path in whole:
        alone = discover([str(path)], config, cwd=str(tmp_path))
        assert alone.reported == {path}
        assert {f.path: f.module for f in alone.files} == whole  # the root is indexed


def test_without_a_root_a_named_folder_names_modules_as_a_root_would(tmp_path):
    # Named by their own chains, tests/data/cases/collections.py was `collections` (and
    # shadowed the standard library's) and pkg/_vendored/tomli was `tomli` (so that
    # `from ._vendored import tomli` in pkg was reported missing).
    tree(tmp_path, "tests/data/cases/collections.py", "pkg/__init__.py", "pkg/ns/helper.py",
         "pkg/_vendored/tomli/__init__.py", "a/b/c/__init__.py", "a/b/c/d.py", "top.py")
    names = {f.path.relative_to(tmp_path).as_posix(): f.module
             for f in discover(["."], Config(), cwd=str(tmp_path)).files}
    assert names == {
        "tests/data/cases/collections.py": "tests/data/cases/collections", "pkg/__init__.py":
        "pkg", "pkg/ns/helper.py": "pkg.ns.helper", "pkg/_vendored/tomli/__init__.py":
        "pkg._vendored.tomli", "a/b/c/__init__.py": "a/b/c", "a/b/c/d.py": "a/b/c.d",
        "top.py": "top"}
    rooted = discover(["."], Config(found_root=tmp_path), cwd=str(tmp_path))
    assert {f.path.relative_to(tmp_path).as_posix(): f.module for f in rooted.files} == names
    # A package named by itself is named from the folder above it.
    alone = discover(["pkg"], Config(), cwd=str(tmp_path))
    assert {f.module for f in alone.files} == {"pkg", "pkg.ns.helper", "pkg._vendored.tomli"}


@pytest.mark.parametrize("named", ["pkg/sub/mod.py", "pkg/sub", "pkg/ns", "-"])
def test_without_a_root_a_path_in_a_package_indexes_the_package(tmp_path, named):
    # Indexed alone, mod.py's imports of its siblings were reported missing (SH001, SH004).
    tree(tmp_path, "pkg/__init__.py", "pkg/other.py", "pkg/sub/__init__.py", "pkg/sub/mod.py",
         "pkg/ns/helper.py", "loose/script.py", "loose/sibling.py")
    stdin = "pkg/sub/mod.py" if named == "-" else None
    result = discover([named], Config(), cwd=str(tmp_path), stdin_filename=stdin)
    indexed = {f.path.relative_to(tmp_path).as_posix(): f.module for f in result.files
               if f.indexed}
    assert indexed == {"pkg/__init__.py": "pkg", "pkg/other.py": "pkg.other",
                       "pkg/sub/__init__.py": "pkg.sub", "pkg/sub/mod.py": "pkg.sub.mod",
                       "pkg/ns/helper.py": "pkg.ns.helper"}
    assert result.index_roots == (tmp_path / "pkg",)
    # Only what was named is reported.
    if named == "pkg/sub/mod.py":
        assert result.reported == {tmp_path / named}
    # A file in no package brings nothing with it.
    loose = discover(["loose/script.py"], Config(), cwd=str(tmp_path))
    assert [f.module for f in loose.files] == ["script"] and loose.index_roots == ()


def test_extend_merges_the_parent_under_the_child(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        "[tool.shoal]\nselect = ['F']\nignore = ['F401']\nworkers = 2\nsrc = ['lib']\n"
        "exclude = ['sub/gen', 'build']\nextend-exclude = ['vendored/']\n"
        "per-file-ignores = { 'sub/tests/*' = ['F841'] }\n"
        "[tool.shoal.options.X]\na = 1\n[tool.shoal.options.Y]\nb = 2\n")
    (tmp_path / "sub" / "pyproject.toml").write_text(
        "[tool.shoal]\nextend = '../pyproject.toml'\nextend-ignore = ['F811']\nworkers = 3\n"
        "extend-exclude = ['more']\n[tool.shoal.options.Y]\nc = 3\n")
    config = load_config(tmp_path / "sub" / "pyproject.toml")
    assert config.path == tmp_path / "sub" / "pyproject.toml"
    assert config.extends == (tmp_path / "pyproject.toml",)
    assert (config.select, config.ignore, config.extend_ignore) == (("F",), ("F401",), ("F811",))
    assert config.workers == 3
    assert config.src == (tmp_path / "lib",)  # relative to the file that wrote it
    # The parent's path globs are rebased onto the child's directory.
    assert config.exclude == ("gen", "build")
    assert config.extend_exclude == ("vendored/", "more")
    assert config.per_file_ignores == (("tests/*", ("F841",)),)
    assert {k: dict(v) for k, v in config.options.items()} == {"X": {"a": 1}, "Y": {"c": 3}}


def test_every_setting_is_inherited_through_extend(tmp_path):
    # A key the merge forgot came back as the child's default: the editor of a project whose
    # shared base said diagnostic-scope = "open-files" got the whole workspace.
    (tmp_path / "sub").mkdir()
    (tmp_path / "base.json").write_text("[]")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.shoal]\ndiagnostic-scope = 'open-files'\nfile-timeout = 7\n"
        "plugin-errors = 'warn'\ndummy-variable-rgx = '^ignored$'\n"
        "allowed-unused-imports = ['hypothesis']\nbaseline = 'base.json'\n")
    (tmp_path / "sub" / "pyproject.toml").write_text("[tool.shoal]\nextend = '../pyproject.toml'\n")
    parent = load_config(tmp_path / "pyproject.toml")
    child = load_config(tmp_path / "sub" / "pyproject.toml")
    for field in ("diagnostic_scope", "file_timeout", "plugin_errors", "dummy_variable_rgx",
                  "allowed_unused_imports", "baseline"):
        assert getattr(child, field) == getattr(parent, field) != getattr(Config(), field), field
    assert child.baseline == tmp_path / "base.json"  # relative to the file that wrote it


def test_a_child_select_starts_the_selection_afresh(tmp_path):
    (tmp_path / "base.toml").write_text("select = ['F']\nextend-select = ['B']\nignore = ['F4']\n")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.shoal]\nextend = 'base.toml'\nselect = ['E']\n")
    config = load_config(tmp_path / "pyproject.toml")
    assert (config.select, config.extend_select, config.ignore) == (("E",), (), ())


def test_an_extend_cycle_is_an_error(tmp_path):
    (tmp_path / "a.toml").write_text("extend = 'b.toml'\n")
    (tmp_path / "b.toml").write_text("extend = 'a.toml'\n")
    with pytest.raises(ConfigError, match="cycle"):
        load_config(tmp_path / "a.toml")
    (tmp_path / "c.toml").write_text("extend = 3\n")
    with pytest.raises(ConfigError, match="'extend' must be"):
        load_config(tmp_path / "c.toml")


def test_found_root_plays_the_config_directory(tmp_path):
    config = dataclasses.replace(Config(), found_root=tmp_path)
    assert config.root == tmp_path
    assert config.settings_dict()["project-root"] == str(tmp_path)


def test_extend_knows_every_configuration_key():
    # A key added to [tool.shoal] must be given an inheritance rule, not left at the default.
    from analyzer.frontend import _config_load, _extend

    handled = ({"extend", "options", "exclude", "extend-exclude", "per-file-ignores"}
               | set(_extend._OVERRIDING) | set(_extend._ADDING) | set(_extend._SELECTION))
    assert set(_config_load._KEYS) - handled == set()
