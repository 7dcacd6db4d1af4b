"""LintRule: validated when the class is defined; settings and context defaults."""
from __future__ import annotations

import ast

import pytest

from analyzer.rules import LintRule, MetadataProvider, RuleContext, RuleSettings, check_source


def _define(**attrs):
    base = {"CODE": "X100", "NAME": "x-rule", "MESSAGE": "message", "TREE": "ast"}
    base.update(attrs)
    return type("SomeRule", (LintRule,), base)


@pytest.mark.parametrize(
    ("attrs", "complaint"),
    [
        ({"CODE": "x100"}, "CODE = 'x100'"),
        ({"CODE": "ABCD1"}, "CODE = 'ABCD1'"),
        ({"CODE": "X"}, "CODE = 'X'"),
        ({"NAME": "XRule"}, "NAME = 'XRule'"),
        ({"NAME": "x_rule"}, "NAME = 'x_rule'"),
        ({"MESSAGE": ""}, "MESSAGE"),
        ({"TREE": "both"}, "TREE = 'both'"),
        ({"METADATA_DEPENDENCIES": (int,)}, "int is not a compute"),
        ({"METADATA_DEPENDENCIES": [MetadataProvider]}, "must be a tuple"),
        ({"visit_Compar": lambda self, node: None}, "SomeRule.visit_Compar: 'Compar'"),
        ({"leave_Nme": lambda self, node: None}, "SomeRule.leave_Nme"),
        ({"visit_Num": lambda self, node: None}, "visit_Num"),  # deprecated alias, never produced
        ({"visit_Name": 3}, "must be a method"),
        # A libcst class name in an AST rule is a typo too.
        ({"visit_SimpleStatementLine": lambda self, node: None}, "not a node class of the ast"),
    ],
)
def test_bad_rule_classes_fail_at_definition(attrs, complaint):
    with pytest.raises(TypeError, match=complaint.replace("(", r"\(")):
        _define(**attrs)


def test_cst_rules_are_checked_against_libcst_classes():
    with pytest.raises(TypeError, match="visit_Compare.*libcst"):
        _define(TREE="cst", visit_Compare=lambda self, node: None)
    rule = _define(TREE="cst", visit_Comparison=lambda self, node: None)
    assert rule.TREE == "cst"


def test_a_base_without_code_is_not_validated_but_its_subclasses_are():
    class Base(LintRule):
        TREE = "ast"

        def visit_Nope(self, node):  # checked only once a subclass has a CODE
            pass

    with pytest.raises(TypeError, match="visit_Nope"):
        type("Concrete", (Base,), {"CODE": "X1", "NAME": "x", "MESSAGE": "m"})


def test_abstract_node_classes_dispatch_to_every_subclass():
    class EveryExpression(LintRule):
        CODE = "X2"
        NAME = "every-expression"
        MESSAGE = "expr"
        TREE = "ast"

        def visit_expr(self, node):
            self.report(node, type(node).__name__)

    found = [d.message for d in check_source("a = b(1) + [c]\n", [EveryExpression])]
    assert sorted(found) == sorted(["Name", "BinOp", "Call", "Name", "Constant", "List", "Name"])


def test_context_builds_lines_and_settings_give_options_by_name_or_code():
    context = RuleContext(path="p.py", module="p", is_package=False, source="é = 1\n")
    assert context.lines.column(1, 2) == 2
    assert context.settings.target_version >= (3, 10)
    rule = _define()
    settings = RuleSettings(options={"X100": {"depth": 3}})
    assert settings.options_for(rule) == {"depth": 3}
    assert RuleSettings(options={"x-rule": {"a": 1}, "X100": {"b": 2}}).options_for(rule) == {"a": 1}
    assert RuleSettings().options_for(rule) == {}


def test_report_outside_the_runner_is_an_error():
    rule = _define()(RuleContext(path="p.py", module="", is_package=False, source=""))
    with pytest.raises(RuntimeError, match="outside the runner"):
        rule.report(ast.parse("x").body[0])
