"""Every built-in rule's VALID/INVALID examples, one test each, through the shipped harness."""
from __future__ import annotations

from analyzer.testing import add_rule_tests
from plugins import builtin_rules

NAMES = add_rule_tests(globals(), builtin_rules())


def test_every_builtin_rule_carries_both_kinds_of_example():
    missing = [rule.CODE for rule in builtin_rules() if not (rule.VALID and rule.INVALID)]
    assert missing == []


def test_one_test_per_example_named_after_rule_kind_and_index():
    total = sum(len(rule.VALID) + len(rule.INVALID) for rule in builtin_rules())
    assert len(NAMES) == total
    assert "test_F401_invalid_0" in NAMES and "test_SH001_valid_0" in NAMES
