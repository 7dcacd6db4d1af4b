"""A plugin that cannot be loaded fails the run (exit 2), unless ``plugin-errors = "warn"``."""
from __future__ import annotations

import json

from tests.cli.helpers import run_subprocess, write_tree

RULE = '''
import ast
from analyzer.rules import LintRule


class NoPrint(LintRule):
    """print() in library code."""

    CODE = "X101"
    NAME = "no-print"
    MESSAGE = "print() call"
    TREE = "ast"

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id == "print":
            self.report(node)
'''


def _project(root, plugins, extra=""):
    write_tree(root, {
        "pyproject.toml": f"[tool.shoal]\nplugins = {json.dumps(plugins)}\n{extra}",
        "tools/rules.py": RULE,
        "tools/broken.py": "raise RuntimeError('boom')\n",
        "a.py": "print(1)\n",
    })


def test_a_plugin_that_fails_to_import_is_exit_2_naming_it_and_the_exception(project, shoal):
    _project(project, ["tools/broken.py", "tools/rules.py"])
    run = shoal("check", "--no-cache", "--workers", "0", "a.py")
    assert run.code == 2
    assert run.err.strip().splitlines() == [
        "shoal: error: plugin tools/broken.py: failed to import: RuntimeError: boom"]
    assert "All checks passed" not in run.out


def test_a_misspelt_module_plugin_is_exit_2_from_a_subprocess_too(project):
    _project(project, ["no_such_module_for_shoal"])
    run = run_subprocess("check", "--no-cache", "--workers", "0", "a.py", cwd=project)
    assert run.code == 2
    assert ("plugin no_such_module_for_shoal: failed to import: ModuleNotFoundError"
            in run.err), run.err


def test_shoal_rules_fails_too(project, shoal):
    _project(project, ["tools/missing.py"])
    run = shoal("rules")
    assert run.code == 2 and "plugin tools/missing.py: failed to import" in run.err


def test_plugin_errors_warn_keeps_the_warning_and_runs_the_other_rules(project, shoal):
    _project(project, ["tools/broken.py", "tools/rules.py"], 'plugin-errors = "warn"\n')
    run = shoal("check", "--no-cache", "--workers", "0", "--format", "json", "a.py")
    assert run.code == 1, run.err
    assert "shoal: warning: plugin tools/broken.py: failed to import: RuntimeError: boom" in run.err
    assert [d["code"] for d in json.loads(run.out)] == ["X101"]


def test_with_warn_selecting_a_code_no_loaded_rule_has_is_the_unknown_selector_error(
        project, shoal):
    _project(project, ["tools/broken.py", "tools/rules.py"], 'plugin-errors = "warn"\n')
    run = shoal("check", "--no-cache", "--workers", "0", "--select", "Z9,X101", "a.py")
    assert run.code == 2
    assert "unknown rule selector 'Z9'" in run.err


def test_plugin_errors_takes_error_or_warn(project, shoal):
    _project(project, ["tools/rules.py"], 'plugin-errors = "ignore"\n')
    run = shoal("check", "--no-cache", "--workers", "0", "a.py")
    assert run.code == 2 and "'plugin-errors' must be \"error\" or \"warn\"" in run.err
