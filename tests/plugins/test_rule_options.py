"""Rule options: a rule declaring ``OPTIONS`` gets its keys and types checked (exit 2 naming
the key); one declaring none takes any key; a table naming no rule is an error, as ruff's
unknown configuration keys are."""
from __future__ import annotations

import json

from tests.cli.helpers import write_tree

RULES = '''
import ast
from analyzer.rules import LintRule


class NoPrint(LintRule):
    """print() in library code."""

    CODE = "X101"
    NAME = "no-print"
    MESSAGE = "print() call"
    TREE = "ast"
    OPTIONS = {"also": list, "max-args": int}

    def visit_Call(self, node: ast.Call) -> None:
        names = ("print", *self.context.settings.options_for(self).get("also", ()))
        if isinstance(node.func, ast.Name) and node.func.id in names:
            self.report(node)


class Loose(LintRule):
    """Declares no options."""

    CODE = "X102"
    NAME = "loose"
    MESSAGE = "a pass statement"
    TREE = "ast"

    def visit_Pass(self, node: ast.Pass) -> None:
        if not self.context.settings.options_for(self).get("quiet"):
            self.report(node)
'''


def _check(project, shoal, options: str):
    write_tree(project, {
        "pyproject.toml": f'[tool.shoal]\nplugins = ["tools/rules.py"]\n{options}',
        "tools/rules.py": RULES,
        "a.py": "print(1)\nlen(2)\npass\n",
    })
    return shoal("check", "--no-cache", "--workers", "0", "--output-format", "json", "a.py")


def test_declared_options_are_used(project, shoal):
    run = _check(project, shoal, '[tool.shoal.options.no-print]\nalso = ["len"]\nmax-args = 2\n')
    assert run.code == 1, run.err
    assert sorted((d["line"], d["code"]) for d in json.loads(run.out)) == [
        (1, "X101"), (2, "X101"), (3, "X102")]


def test_an_unknown_key_of_a_rule_with_options_is_exit_2_naming_it(project, shoal):
    run = _check(project, shoal, '[tool.shoal.options.no-print]\nalso = ["len"]\nals = 1\n')
    assert run.code == 2
    assert ("[tool.shoal.options.no-print]: unknown option 'als' of rule X101 (no-print); "
            "it takes: also, max-args") in run.err


def test_a_wrong_type_is_exit_2_naming_the_key_and_the_type(project, shoal):
    run = _check(project, shoal, '[tool.shoal.options.X101]\nmax-args = true\n')
    assert run.code == 2
    assert "option 'max-args' of rule X101 (no-print) must be int, got bool True" in run.err


def test_a_rule_without_options_takes_any_key_with_a_warning_for_keys_it_never_reads(
        project, shoal):
    run = _check(project, shoal, '[tool.shoal.options.loose]\nanything = "goes"\n')
    assert run.code == 1, run.err
    assert ("[tool.shoal.options.loose]: rule X102 (loose) never reads option 'anything'"
            in run.err)


def test_no_warning_for_a_key_the_rule_reads(project, shoal):
    run = _check(project, shoal, '[tool.shoal.options.loose]\nquiet = true\n')
    assert run.code == 1, run.err
    assert "never reads" not in run.err


def test_a_table_naming_no_rule_is_exit_2_naming_it(project, shoal):
    run = _check(project, shoal, '[tool.shoal.options.NOPE]\na = 1\n')
    assert run.code == 2
    assert "[tool.shoal.options.NOPE] names no loaded rule" in run.err
