"""``dummy-variable-rgx`` (F841, F811) and ``allowed-unused-imports`` (F401) in
``[tool.shoal]``, as ruff's settings of those names: defaults, configured values, errors."""
from __future__ import annotations

import json

from analyzer.rules import RuleSettings, check_source
from plugins.scope_rules import RULES
from tests.cli.helpers import write_tree

SOURCE = """\
import hvplot.pandas
import hvplot as hv
from hvplotx import pandas
import os
def f():
    _x = 1
    __ = 2
    x_ = 3
    _ = 4
import _y
def _y():
    pass
def _z():
    pass
def _z():
    pass
"""


def _found(settings: RuleSettings) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in check_source(SOURCE, RULES, settings=settings)]


def test_ruffs_dummy_names_are_left_alone_by_default() -> None:
    found = _found(RuleSettings())
    # _x and __ match ruff's default; x_ does not. _y redefines an import: still F811.
    assert [(line, code) for line, code in found if code != "F401"] == [(8, "F841"), (11, "F811")]


def test_a_configured_dummy_regex_replaces_the_default() -> None:
    found = _found(RuleSettings(dummy_variable_rgx="^x_$"))
    assert (6, "F841") in found and (7, "F841") in found and (8, "F841") not in found
    assert (15, "F811") in found


def test_allowed_unused_imports_match_whole_dotted_parts() -> None:
    found = _found(RuleSettings(allowed_unused_imports=("hvplot",)))
    # hvplot covers hvplot.pandas and hvplot itself, not hvplotx.pandas.
    assert [line for line, code in found if code == "F401"] == [3, 4]


def test_the_settings_reach_the_rules_from_pyproject(project, shoal) -> None:
    write_tree(project, {
        "pyproject.toml": '[tool.shoal]\nselect = ["F401", "F841"]\n'
                          'dummy-variable-rgx = "^unused"\n'
                          'allowed-unused-imports = ["hvplot.pandas"]\n',
        "a.py": "import hvplot.pandas\nimport os\ndef f():\n    unused_x = 1\n"
                "    _x = 2\n",
    })
    run = shoal("check", "--no-cache", "--workers", "0", "--output-format", "json", "a.py")
    assert run.code == 1, run.err
    assert sorted((d["line"], d["code"]) for d in json.loads(run.out)) == [
        (2, "F401"), (5, "F841")]
    shown = shoal("check", "--show-settings", "a.py")
    assert '"^unused"' in shown.out and "hvplot.pandas" in shown.out


def test_a_bad_dummy_regex_is_exit_2_naming_the_key(project, shoal) -> None:
    write_tree(project, {"pyproject.toml": '[tool.shoal]\ndummy-variable-rgx = "(["\n',
                         "a.py": "x = 1\n"})
    run = shoal("check", "--no-cache", "--workers", "0", "a.py")
    assert run.code == 2
    assert "dummy-variable-rgx" in run.err and "Traceback" not in run.err


def test_allowed_unused_imports_must_be_a_list_of_strings(project, shoal) -> None:
    write_tree(project, {"pyproject.toml": '[tool.shoal]\nallowed-unused-imports = "hvplot"\n',
                         "a.py": "x = 1\n"})
    run = shoal("check", "--no-cache", "--workers", "0", "a.py")
    assert run.code == 2 and "allowed-unused-imports" in run.err
