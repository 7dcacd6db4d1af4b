"""Every VALID/INVALID example of the pattern rules passes the example harness."""
from __future__ import annotations

import pytest

from analyzer.rules import Invalid, LintRule, Valid, run_examples
from analyzer.rules._examples import run_example
from plugins.pattern_rules import RULES

CASES = [
    pytest.param(rule, example, id=f"{rule.CODE}-{type(example).__name__.lower()}-{index}")
    for rule in RULES
    for index, example in enumerate([*rule.VALID, *rule.INVALID])
]


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_example(rule, example):
    assert run_example(rule, example) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.CODE)
def test_every_rule_has_both_kinds_and_fixable_rules_show_a_fix(rule):
    assert rule.VALID and rule.INVALID
    assert rule.FIXABLE == any(example.expected_fix for example in rule.INVALID)


class _FlagsNames(LintRule):
    CODE = "X30"
    NAME = "flags-names"
    MESSAGE = "a name"
    TREE = "ast"
    VALID = [Valid("1\n"), Valid("y\n")]
    INVALID = [
        Invalid("x\n", line=2),
        Invalid("1\n"),
        Invalid("x\n", column=1, message="a name", expected_fix="x\n"),
        Invalid("def (:\n"),
    ]

    def visit_Name(self, node):
        self.report(node)


def test_the_harness_reports_each_kind_of_failure():
    problems = run_examples(_FlagsNames)
    assert len(problems) == 5
    expected = [
        "unexpected finding at 1:1",
        "expected line 2, got 1",
        "expected a finding, got none",
        "expected a fix, got none",
        "does not parse",
    ]
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem
