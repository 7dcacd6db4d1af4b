"""The harness: one test per example, readable failures, and the opt-in pytest plugin."""
from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

from analyzer.rules import Edit, Fix, Invalid, LintRule, Valid
from analyzer.testing import ExampleFailure, add_rule_tests, check_example, example_cases
from tests.cli.helpers import write_tree


class _Upper(LintRule):
    """Lower-case names; fixed by upper-casing."""

    CODE = "X900"
    NAME = "upper"
    MESSAGE = "lower-case name"
    TREE = "ast"
    FIXABLE = True
    VALID = [Valid("X = 1\n"), Valid("y = 1\n")]
    INVALID = [
        Invalid("x = 1\n", line=1, column=1, message="lower-case name", expected_fix="X = 1\n"),
        Invalid("ab = 1\n", line=2, expected_fix="AB = 2\n"),
    ]

    def visit_Name(self, node: ast.Name) -> None:
        if node.id.islower():
            fix = Fix("safe", "upper", (Edit(node.id.upper(), node.lineno, node.col_offset + 1,
                                             node.end_lineno, node.end_col_offset + 1),))
            self.report(node, fix=fix)


def test_one_named_test_per_example():
    namespace: dict = {}
    names = add_rule_tests(namespace, [_Upper])
    assert names == ["test_X900_valid_0", "test_X900_valid_1", "test_X900_invalid_0",
                     "test_X900_invalid_1"]
    namespace["test_X900_valid_0"]()
    namespace["test_X900_invalid_0"]()
    with pytest.raises(ExampleFailure):
        namespace["test_X900_valid_1"]()
    with pytest.raises(ValueError, match="already defined"):
        add_rule_tests(namespace, [_Upper])


def test_a_failure_shows_expected_and_found_findings_and_a_diff_of_the_fix():
    case = example_cases([_Upper])[-1]
    with pytest.raises(ExampleFailure) as info:
        check_example(case)
    text = str(info.value)
    assert text.startswith("X900 (upper) invalid example 1: the first finding does not match; "
                           "the fixed file differs")
    assert "expected findings (first finding):\n  2:? X900 (any message)" in text
    assert "got findings:\n  1:1-1:3 X900 lower-case name [fix]" in text
    assert "--- expected fixed file\n+++ got fixed file" in text
    assert "-AB = 2\n+AB = 1" in text


def test_a_valid_example_with_a_finding_lists_it():
    case = example_cases([_Upper])[1]
    with pytest.raises(ExampleFailure, match=r"(?s)expected no finding.*1:1-1:2 X900"):
        check_example(case)


def test_a_project_example_that_fails_names_the_module():
    from plugins.project_rules import ImportMissingName

    class Wrong(ImportMissingName):
        INVALID = [Invalid("# file: app.py\nfrom lib import x\n# file: lib.py\nx = 1\n")]

    with pytest.raises(ExampleFailure, match="expected a finding, got none"):
        check_example(example_cases([Wrong])[-1])


def test_the_pytest_plugin_collects_examples_of_named_rules(tmp_path):
    write_tree(tmp_path, {
        "myrules.py": '''
            import ast
            from analyzer.rules import Invalid, LintRule, Valid


            class NoPass(LintRule):
                CODE = "X700"
                NAME = "no-pass"
                MESSAGE = "pass"
                TREE = "ast"
                VALID = [Valid("x = 1\\n")]
                INVALID = [Invalid("pass\\n", line=1), Invalid("pass\\n", line=5)]

                def visit_Pass(self, node):
                    self.report(node)
            ''',
        "pytest.ini": "[pytest]\nshoal_rules = myrules\n",
    })
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "analyzer.pytest_plugin", "-q", "-rA",
         "-p", "no:cacheprovider", "--shoal-rules", "plugins.project_rules:ImportMissingName"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.getcwd()}"})
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "PASSED shoal-rules::X700_valid_0" in out
    assert "PASSED shoal-rules::X700_invalid_0" in out
    assert "FAILED shoal-rules::X700_invalid_1" in out
    assert "expected findings (first finding):\n  5:? X700" in out
    assert "PASSED shoal-rules::SH001_invalid_0" in out
    assert "4 passed" not in out and "1 failed" in out


def test_the_pytest_plugin_is_not_loaded_unless_asked():
    from importlib.metadata import entry_points

    assert all(ep.value.split(":")[0] != "analyzer.pytest_plugin"
               for ep in entry_points(group="pytest11"))
