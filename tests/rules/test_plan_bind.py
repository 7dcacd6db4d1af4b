"""Binding the dispatch plan to a file's rule instances: the precomputed path (every rule
live, each using its class's methods) against the call-by-call one it stands in for."""
from __future__ import annotations

import ast

import plugins
from analyzer.rules import LintRule, RuleContext, _dispatch, run_module_rules, visit_when
from analyzer.rules._guards import Guarded
from tests.rules.test_visit_when import family

SOURCE = "a = f(1)\nb = g.h(2)\nc = f(f(3))\n"


def _context(source: str = SOURCE) -> RuleContext:
    return RuleContext(path="mod.py", module="mod", is_package=False, source=source)


def _is_f(node: ast.Call) -> bool:
    return node.func.__class__ is ast.Name and node.func.id == "f"


def _shape(actions: dict) -> dict:
    """Each class's entries, comparable across two bindings of the same instances."""
    def entry(item):
        if isinstance(item, Guarded):
            return ("guarded", item.predicate, tuple(item.methods))
        return item  # bound methods compare by instance and function
    return {cls: tuple(tuple(entry(i) for i in side) for side in sides)
            for cls, sides in actions.items()}


def _slow(plan, instances, on_error):
    """The call-by-call binding, as a file whose precomputed path declined gets it."""
    templates = plan._templates
    try:
        plan._templates = type("Declines", (), {"bind": staticmethod(lambda *a: None)})()
        return plan.bind(instances, on_error)
    finally:
        plan._templates = templates


def test_the_built_in_rules_bind_alike_both_ways():
    rules = [r for r in plugins.builtin_rules()
             if isinstance(r, type) and issubclass(r, LintRule) and r.TREE == "ast"]
    assert len(rules) > 50
    plan = _dispatch._plan_for(rules, "ast")
    instances = [rule(_context()) for rule in rules]

    def on_error(method, exc, node):
        raise AssertionError("not called while binding")

    fast = plan.bind(instances, on_error)
    assert plan._templates.bind(instances, on_error) is not None  # it took the fast path
    assert _shape(fast) == _shape(_slow(plan, instances, on_error))
    # The guarded families are grouped: one entry for the nine F50x rules' visit_BinOp.
    binop = [e for e in fast[ast.BinOp][0] if isinstance(e, Guarded)]
    assert [len(e.methods) for e in binop] == [9]


def test_a_rule_that_failed_to_start_leaves_its_family_grouped_and_running():
    log: list = []
    diags = run_module_rules(_context(), family(["X1", "X2", "X3"], _is_f, log, fail_init={"X1"}),
                             ast.parse(SOURCE))
    assert [d.code for d in diags if d.code == "SH900"] == ["SH900"]
    # X2 and X3 on each call of f (lines 1, 3 and 3), in plan order; X1 never.
    assert log == [(code, line) for line in (1, 3, 3) for code in ("X2", "X3")]


def test_an_instance_that_replaces_a_guarded_method_gets_every_node():
    seen: list = []

    class Replaces(LintRule):
        CODE = "X9"
        NAME = "replaces"
        MESSAGE = "a call"
        TREE = "ast"

        def __init__(self, context):
            super().__init__(context)
            self.visit_Call = self.every  # unguarded: its class's predicate is not its own

        @visit_when(_is_f)
        def visit_Call(self, node):
            raise AssertionError("replaced")

        def every(self, node):
            seen.append(node.lineno)

    run_module_rules(_context(), [Replaces], ast.parse(SOURCE))
    assert seen == [1, 2, 3, 3]
