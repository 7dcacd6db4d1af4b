"""Loading rules: local files and modules, entry points, failures, clashes, `shoal rules`."""
from __future__ import annotations

import json
import sys

import pytest

from analyzer.frontend import load_config
from analyzer.loading import Registry, private_module_name
from tests.cli.helpers import run_subprocess, write_tree

RULE_FILE = '''
import ast
from analyzer.rules import Invalid, LintRule, Valid


class NoPrint(LintRule):
    """print() in library code."""

    CODE = "X101"
    NAME = "no-print"
    MESSAGE = "print() call"
    TREE = "ast"
    VALID = [Valid("log(1)\\n")]
    INVALID = [Invalid("print(1)\\n", line=1, column=1)]

    def visit_Call(self, node: ast.Call) -> None:
        names = ("print", *self.context.settings.options_for(self).get("also", ()))
        if isinstance(node.func, ast.Name) and node.func.id in names:
            self.report(node)


class Quiet(LintRule):
    """Off unless selected."""

    CODE = "X102"
    NAME = "quiet"
    MESSAGE = "a pass statement"
    TREE = "ast"
    DEFAULT_ENABLED = False

    def visit_Pass(self, node: ast.Pass) -> None:
        self.report(node)
'''


def _project(root, plugins, extra=""):
    write_tree(root, {
        "pyproject.toml": f"[tool.shoal]\nplugins = {json.dumps(plugins)}\n{extra}",
        "tools/rules.py": RULE_FILE,
        "a.py": "print(1)\nlen(2)\npass\n",
    })


def _codes(run):
    assert run.code in (0, 1), run.err
    return sorted((d["line"], d["code"]) for d in json.loads(run.out))


def test_a_local_file_is_loaded_under_a_private_name_without_touching_sys_path(project, shoal):
    _project(project, ["tools/rules.py"], '[tool.shoal.options.no-print]\nalso = ["len"]\n')
    path_before = list(sys.path)
    run = shoal("check", "--no-cache", "--workers", "0", "--format", "json", "a.py")
    assert _codes(run) == [(1, "X101"), (2, "X101")]  # the option adds len(); X102 is off
    assert sys.path == path_before
    module = sys.modules[private_module_name((project / "tools/rules.py").resolve())]
    assert module.NoPrint.__module__ == module.__name__
    run = shoal("check", "--no-cache", "--workers", "0", "--format", "json",
                "--extend-select", "X102", "a.py")
    assert (3, "X102") in _codes(run)


def test_a_local_file_rule_runs_in_forked_workers(project):
    _project(project, ["tools/rules.py"])
    run = run_subprocess("check", "--no-cache", "--workers", "2", "--format", "json", "a.py",
                         cwd=project)
    assert [(d["line"], d["code"]) for d in json.loads(run.out)] == [(1, "X101")], run.err


def test_a_dotted_module_is_imported(project, shoal, monkeypatch):
    write_tree(project, {"site/myrules_dotted.py": RULE_FILE})
    monkeypatch.syspath_prepend(str(project / "site"))
    _project(project, ["myrules_dotted"])
    run = shoal("check", "--no-cache", "--workers", "0", "--format", "json", "a.py")
    assert _codes(run) == [(1, "X101")]


def test_with_plugin_errors_warn_a_plugin_that_fails_to_import_is_a_warning(project, shoal):
    # Without "warn" it is exit 2: tests/plugins/test_plugin_errors.py.
    write_tree(project, {"tools/broken.py": "raise RuntimeError('boom')\n"})
    _project(project, ["tools/broken.py", "tools/rules.py"], 'plugin-errors = "warn"\n')
    run = shoal("check", "--no-cache", "--workers", "0", "--format", "json",
                "--select", "X101", "a.py")
    assert run.code == 1
    assert "plugin tools/broken.py: failed to import: RuntimeError: boom" in run.err
    assert _codes(run) == [(1, "X101")]


def test_an_unknown_selector_is_still_exit_2_when_every_plugin_loaded(project, shoal):
    _project(project, ["tools/rules.py"])
    run = shoal("check", "--no-cache", "--workers", "0", "--select", "Z9", "a.py")
    assert run.code == 2 and "unknown rule selector 'Z9'" in run.err


def test_a_clash_or_a_malformed_code_is_a_warning_naming_the_plugin(project, shoal):
    write_tree(project, {"tools/clash.py": '''
        import ast
        from analyzer.rules import ProjectRule


        class Again(ProjectRule):
            CODE = "F401"
            NAME = "again"
            MESSAGE = "again"


        class BadCode(ProjectRule):
            CODE = "x1"
            NAME = "bad-code"
            MESSAGE = "bad"
        '''})
    _project(project, ["tools/clash.py", "tools/rules.py"])
    run = shoal("check", "--no-cache", "--workers", "0", "--format", "json", "a.py")
    assert "plugin tools/clash.py: rule Again has code F401, already taken by plugins/" in run.err
    assert "plugin tools/clash.py: rule BadCode has code 'x1'" in run.err
    assert _codes(run) == [(1, "X101")]


def test_entry_points_name_a_module_or_a_class_with_package_origin(project, monkeypatch):
    site = project / "site"
    write_tree(site, {
        "epmod_rules.py": RULE_FILE.replace("X101", "Y101").replace("X102", "Y102"),
        "epcls_rules.py": RULE_FILE.replace("X101", "Z101").replace("X102", "Z102"),
        "shoal_demo-1.2.dist-info/METADATA": "Metadata-Version: 2.1\nName: shoal-demo\nVersion: 1.2\n",
        "shoal_demo-1.2.dist-info/entry_points.txt": (
            "[shoal.rules]\nmod = epmod_rules\ncls = epcls_rules:NoPrint\n"),
    })
    monkeypatch.syspath_prepend(str(site))
    (project / "pyproject.toml").write_text("[tool.shoal]\n")
    registry, warnings = Registry.for_config(load_config(project / "pyproject.toml"))
    assert warnings == []
    assert registry.by_code["Y101"].origin == "shoal-demo 1.2"
    assert registry.by_code["Y102"].default_enabled is False
    assert registry.by_code["Z101"].origin == "shoal-demo 1.2"
    assert "Z102" not in registry.by_code  # the entry point names one class only
    assert registry.by_code["F401"].origin == "built-in"


def test_shoal_rules_lists_where_each_rule_came_from(project, shoal):
    _project(project, ["tools/rules.py", "fixit.rules"])
    run = shoal("rules", "--format", "json")
    origins = {r["code"]: r["origin"] for r in json.loads(run.out)}
    assert origins["F401"] == "built-in"
    assert origins["X101"] == "local: tools/rules.py"
    assert origins["NoRedundantFString"] == "local: fixit.rules"
    assert origins["E999"] == "shoal"
    run = shoal("rule", "X102")
    assert "from local: tools/rules.py, off by default" in run.out


@pytest.mark.parametrize("entry", ["tools/missing.py", "no_such_module_for_shoal"])
def test_a_missing_plugin_is_named_in_the_error(project, shoal, entry):
    _project(project, [entry])
    run = shoal("rules")
    assert run.code == 2
    assert f"plugin {entry}: failed to import" in run.err
