"""[tool.shoal]: finding the file, every key, errors that name the culprit, rule selection."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from analyzer.core import builtin_names
from analyzer.frontend import (
    DEFAULT_EXCLUDES,
    Config,
    ConfigError,
    find_config,
    load_config,
    resolve_selection,
)

KNOWN = {
    "F401": True, "F811": True, "F821": True, "F841": True, "F541": True,
    "E711": True, "E712": True, "E722": True, "E999": True, "B006": True,
    "SH001": True, "SH100": False, "SH900": True, "X123": False,
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_every_key_is_read(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "pyproject.toml", """
[tool.shoal]
select = ["F", "E7"]
extend-select = ["B006"]
ignore = ["F841"]
extend-ignore = ["E722"]
exclude = ["gen"]
extend-exclude = ["*_pb2.py"]
src = ["src", "lib"]
workers = 3
heap-size = "2GiB"
builtins = ["_", "reveal_type"]
target-version = "py312"
plugins = ["shoal_django"]

[tool.shoal.per-file-ignores]
"__init__.py" = ["F401"]
"tests/*" = ["B006", "E7"]

[tool.shoal.options.unused-import]
ignore-init = true
"""))
    assert config.path == tmp_path / "pyproject.toml"
    assert config.root == tmp_path
    assert config.select == ("F", "E7")
    assert config.extend_select == ("B006",)
    assert config.ignore == ("F841",)
    assert config.extend_ignore == ("E722",)
    assert config.exclude == ("gen",)
    assert config.extend_exclude == ("*_pb2.py",)
    assert config.excludes == ("gen", "*_pb2.py")
    assert config.src == (tmp_path / "src", tmp_path / "lib")
    assert config.workers == 3
    assert config.heap_size == 2 * 1024**3
    assert config.builtins == ("_", "reveal_type")
    assert config.target_version == (3, 12)
    assert config.plugins == ("shoal_django",)
    assert config.per_file_ignores == (("__init__.py", ("F401",)), ("tests/*", ("B006", "E7")))
    assert dict(config.options["unused-import"]) == {"ignore-init": True}
    assert config.settings_dict()["target-version"] == "py312"


def test_defaults() -> None:
    config = load_config(None)
    assert config == Config()
    assert config.exclude == DEFAULT_EXCLUDES
    assert config.target_version == sys.version_info[:2]
    assert config.select is None and config.workers is None and config.root is None


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('selct = ["F"]', "unknown key 'selct' in [tool.shoal] (did you mean 'select'?)"),
        ('extend_select = ["F"]', "unknown key 'extend_select' in [tool.shoal] (did you mean 'extend-select'?)"),
        ("frobnicate = 1", "unknown key 'frobnicate' in [tool.shoal]"),
        ('select = "F"', "'select' must be a list of strings"),
        ("workers = -1", "'workers' must be a non-negative integer"),
        ('heap-size = "lots"', "'heap-size': invalid size 'lots'"),
        ('target-version = "py36"', "'target-version': unknown target version 'py36'"),
        ('per-file-ignores = ["x"]', "'per-file-ignores' must be a table"),
        ("options = { F401 = 1 }", "'options' must hold one table per rule"),
        ("select = [", "invalid TOML"),
    ],
    ids=["typo", "snake-case", "unknown", "not-list", "negative", "size", "version", "pfi", "options", "toml"],
)
def test_bad_config_names_file_and_key(tmp_path: Path, body: str, fragment: str) -> None:
    path = write(tmp_path / "pyproject.toml", f"[tool.shoal]\n{body}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert fragment in str(caught.value)


def test_find_config_skips_pyproject_without_tool_shoal(tmp_path: Path) -> None:
    outer = write(tmp_path / "pyproject.toml", "[tool.shoal]\nselect = ['F']\n")
    write(tmp_path / "pkg" / "pyproject.toml", "[project]\nname = 'x'\n")
    target = write(tmp_path / "pkg" / "mod" / "a.py", "")
    assert find_config(target) == outer
    assert find_config(target.parent) == outer
    nearer = write(tmp_path / "pkg" / "pyproject.toml", "[tool.shoal]\n")
    assert find_config(target) == nearer


def test_find_config_none_when_absent(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.ruff]\n")
    found = find_config(tmp_path / "a.py")
    assert found is None or tmp_path not in found.parents  # only a config above tmp_path


def test_explicit_config_file_other_than_pyproject(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "shoal.toml", 'select = ["E"]\n'))
    assert config.select == ("E",)
    empty = load_config(write(tmp_path / "sub" / "pyproject.toml", "[project]\nname='x'\n"))
    assert empty.select is None and empty.root == tmp_path / "sub"


# --- selection --------------------------------------------------------------------------------

DEFAULT_ON = frozenset(code for code, on in KNOWN.items() if on)

SELECTION = [
    ("default", {}, {}, DEFAULT_ON),
    ("select-prefix", {"select": ("F",)}, {}, {"F401", "F811", "F821", "F841", "F541", "SH900"}),
    ("select-two-digit-prefix", {"select": ("F4",)}, {}, {"F401", "SH900"}),
    ("select-all-turns-on-non-default", {"select": ("ALL",)}, {}, set(KNOWN)),
    ("ignore-more-specific-wins", {"select": ("E",), "ignore": ("E711",)}, {}, {"E712", "E722", "E999", "SH900"}),
    ("select-more-specific-wins", {"ignore": ("E",), "extend_select": ("E711",)}, {},
     DEFAULT_ON - {"E712", "E722", "E999"}),
    ("equal-specificity-ignore-wins", {"select": ("E711",), "ignore": ("E711",)}, {}, {"SH900"}),
    ("extend-select-non-default", {"extend_select": ("SH100",)}, {}, DEFAULT_ON | {"SH100"}),
    ("cli-select-replaces-config", {"select": ("E",), "extend_select": ("B",)}, {"select": ("F401",)},
     {"F401", "SH900"}),
    ("cli-extend-select-adds", {"select": ("E711",)}, {"extend_select": ("F4",)}, {"E711", "F401", "SH900"}),
    # ruff's layers: the command line's selectors overrule the configuration's ignores
    ("cli-select-overrules-config-ignore", {"ignore": ("F401",)}, {"select": ("F4",)},
     {"F401", "SH900"}),
    ("cli-extend-select-overrules-config-ignore", {"select": ("E", "F"), "ignore": ("F401", "E711")},
     {"extend_select": ("F4",)}, {"F401", "F811", "F821", "F841", "F541", "E712", "E722", "E999",
                                  "SH900"}),
    ("config-ignore-stays-under-cli-ignore", {"ignore": ("F401",)}, {"ignore": ("E7",)},
     DEFAULT_ON - {"F401", "E711", "E712", "E722"}),
    ("cli-layer-specificity", {}, {"select": ("E",), "ignore": ("E7",), "extend_select": ("E711",)},
     {"E711", "E999", "SH900"}),
    ("cli-ignore", {}, {"ignore": ("F",), "extend_ignore": ("E7",)}, DEFAULT_ON - {
        "F401", "F811", "F821", "F841", "F541", "E711", "E712", "E722"}),
    ("sh900-always-on", {"select": ("F401",)}, {"ignore": ("SH",)}, {"F401", "SH900"}),
]


@pytest.mark.parametrize(("file", "cli", "expected"), [c[1:] for c in SELECTION], ids=[c[0] for c in SELECTION])
def test_selection(file: dict, cli: dict, expected: set[str]) -> None:
    config = Config(**file)
    assert resolve_selection(config, known_codes=KNOWN, **cli) == frozenset(expected)


@pytest.mark.parametrize(
    ("file", "cli", "culprit"),
    [
        ({"select": ("ZZZ999",)}, {}, "unknown rule selector 'ZZZ999' in 'select'"),
        ({"extend_ignore": ("F9",)}, {}, "unknown rule selector 'F9' in 'extend-ignore'"),
        ({"per_file_ignores": (("x.py", ("Q000",)),)}, {}, "unknown rule selector 'Q000' in 'per-file-ignores'"),
        ({}, {"select": ("f401",)}, "unknown rule selector 'f401' in --select"),
        ({}, {"extend_select": ("F4011",)}, "unknown rule selector 'F4011' in --extend-select (did you mean 'F401'?)"),
        ({}, {"ignore": ("",)}, "unknown rule selector '' in --ignore"),
    ],
    ids=["file-select", "file-extend-ignore", "per-file", "lowercase", "too-long", "empty"],
)
def test_unknown_selector_is_an_error(file: dict, cli: dict, culprit: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_selection(Config(**file), known_codes=KNOWN, **cli)
    assert culprit in str(caught.value)


# --- per-file-ignores --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("pattern", "path", "ignored"),
    [
        ("__init__.py", "pkg/sub/__init__.py", True),   # basename glob, anywhere
        ("__init__.py", "pkg/init.py", False),
        ("tests/*", "tests/test_a.py", True),
        ("tests/*", "tests/unit/test_a.py", True),       # `*` crosses `/`, as in ruff
        ("tests/*", "src/tests.py", False),
        ("tests", "tests/unit/test_a.py", True),         # a directory covers its contents
        ("*_pb2.py", "gen/x_pb2.py", True),
        ("./scripts/*.py", "scripts/run.py", True),
    ],
)
def test_per_file_ignores(tmp_path: Path, pattern: str, path: str, ignored: bool) -> None:
    config = Config(path=tmp_path / "pyproject.toml", per_file_ignores=((pattern, ("F4", "E711")),))
    assert config.is_ignored_for(tmp_path / path, "F401") is ignored
    assert config.is_ignored_for(tmp_path / path, "E711") is ignored
    assert config.is_ignored_for(tmp_path / path, "E712") is False
    assert config.is_ignored_for(tmp_path / path, "SH900") is False


def test_per_file_ignores_relative_to_config_dir_not_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = Config(path=tmp_path / "proj" / "pyproject.toml", per_file_ignores=(("tests/*", ("F",)),))
    monkeypatch.chdir(tmp_path)
    assert config.is_ignored_for("proj/tests/a.py", "F401")
    assert not config.is_ignored_for(tmp_path / "tests" / "a.py", "F401")


# --- builtins ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("version", "present", "absent"),
    [
        ((3, 10), {"aiter", "anext", "EncodingWarning", "print", "__file__", "WindowsError"},
         {"ExceptionGroup", "BaseExceptionGroup", "PythonFinalizationError", "_"}),
        ((3, 11), {"ExceptionGroup", "BaseExceptionGroup"}, {"PythonFinalizationError"}),
        ((3, 13), {"ExceptionGroup", "PythonFinalizationError"}, set()),
        ((3, 14), {"PythonFinalizationError", "len", "quit"}, {"_IncompleteInputError"}),
    ],
)
def test_builtins_by_target_version(version: tuple[int, int], present: set[str], absent: set[str]) -> None:
    names = builtin_names(version)
    assert present <= names
    assert not absent & names


def test_builtins_default_to_running_python() -> None:
    assert builtin_names() == builtin_names(sys.version_info[:2])


def test_builtins_are_computed_once_per_target_and_see_one_added_at_run_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    before = builtin_names((3, 12))
    assert builtin_names((3, 12)) is before
    monkeypatch.setattr(builtins, "shoal_test_builtin", 1, raising=False)
    after = builtin_names((3, 12))
    assert after == before | {"shoal_test_builtin"}


def test_dead_code_ignore_decorators_and_entry_points(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "pyproject.toml", """
[project]
name = "app"
scripts = { app = "app.cli:main", other = "app.cli:Group.run [extra]" }
gui-scripts = { appw = "app.gui:start" }
entry-points."shoal.plugins" = { mine = "app.plugin" }

[tool.shoal]
dead-code-ignore-decorators = ["app.route", "pytest.fixture"]
"""))
    assert config.dead_code_ignore_decorators == ("app.route", "pytest.fixture")
    assert config.entry_points == ("app.cli:Group.run", "app.cli:main", "app.gui:start",
                                   "app.plugin")
    assert config.settings_dict()["dead-code-ignore-decorators"] == ["app.route",
                                                                     "pytest.fixture"]
    with pytest.raises(ConfigError, match="dead-code-ignore-decorators"):
        load_config(write(tmp_path / "bad" / "pyproject.toml",
                          "[tool.shoal]\ndead-code-ignore-decorators = 'app.route'\n"))
