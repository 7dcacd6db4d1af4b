"""visit_when: rule methods behind one predicate, tested once per node for all of them."""
from __future__ import annotations

import ast
import sys

import pytest

from analyzer.rules import LintRule, RuleContext, run_module_rules, visit_when

SOURCE = "a = f(1)\nb = g.h(2)\nc = f(f(3))\ndef k():\n    return f(4)\n"


def _run(rules, source=SOURCE, **kwargs):
    context = RuleContext(path="mod.py", module="mod", is_package=False, source=source)
    return run_module_rules(context, rules, ast.parse(source), **kwargs)


def family(codes, predicate, log, fail=None, fail_init=()):
    """One rule per code, each reporting every call its (shared) predicate lets through;
    ``fail``: the (code, line) whose visit raises; ``fail_init``: codes that cannot start."""
    rules = []
    for code in codes:

        class Member(LintRule):
            CODE = code
            NAME = "member"
            MESSAGE = "a call of f"
            TREE = "ast"

            def __init__(self, context, code=code):
                if code in fail_init:
                    raise RuntimeError(f"{code} cannot start")
                super().__init__(context)

            @visit_when(predicate)
            def visit_Call(self, node, code=code):
                log.append((code, node.lineno))
                if fail is not None and fail == (code, node.lineno):
                    raise ValueError(f"{code} fails")
                self.report(node)

        rules.append(Member)
    return rules


def _calls_of_f(log):
    def is_f(node):
        log.append(("predicate", node.lineno))
        return node.func.__class__ is ast.Name and node.func.id == "f"

    return is_f


def test_one_predicate_call_per_node_for_the_whole_family_and_methods_only_on_yes():
    log: list = []
    diags = _run(family(["X1", "X2", "X3"], _calls_of_f(log), log))
    # Five calls in the source, four of them of f: one test each, three visits per f.
    assert [e for e in log if e[0] == "predicate"] == [("predicate", n) for n in (1, 2, 3, 3, 5)]
    assert sorted((d.code, d.line) for d in diags) == sorted(
        (code, line) for code in ("X1", "X2", "X3") for line in (1, 3, 3, 5))
    # In plan order, each node's members one after the other.
    assert log[:4] == [("predicate", 1), ("X1", 1), ("X2", 1), ("X3", 1)]


def test_the_same_rules_without_the_predicate_find_the_same():
    log: list = []

    def is_f(node):
        return node.func.__class__ is ast.Name and node.func.id == "f"

    guarded = _run(family(["X1", "X2"], is_f, log))

    class Plain(LintRule):
        CODE = "X1"
        NAME = "plain"
        MESSAGE = "a call of f"
        TREE = "ast"

        def visit_Call(self, node):
            if is_f(node):
                self.report(node)

    assert [(d.line, d.column) for d in guarded if d.code == "X1"] == [
        (d.line, d.column) for d in _run([Plain])]


def test_two_predicates_are_two_tests():
    log: list = []
    first, second = _calls_of_f(log), _calls_of_f(log)
    _run(family(["X1"], first, log) + family(["X2"], second, log))
    assert len([e for e in log if e[0] == "predicate"]) == 10


def test_a_failing_member_is_reported_once_and_dropped_while_the_others_go_on():
    log: list = []
    diags = _run(family(["X1", "X2"], _calls_of_f(log), log, fail=("X1", 3)))
    internal = [d for d in diags if d.code == "SH900"]
    assert len(internal) == 1 and "X1" in internal[0].message and "X1 fails" in internal[0].message
    assert "visit_Call(Call at line 3)" in internal[0].message
    # X1 ran on lines 1 and 3 (where it failed), never after; X2 ran on every f call.
    assert [line for code, line in log if code == "X1"] == [1, 3]
    assert [line for code, line in log if code == "X2"] == [1, 3, 3, 5]
    # Its report before the failure stays; the failing call's does not exist.
    assert [d.line for d in diags if d.code == "X1"] == [1]


def test_a_failing_predicate_fails_each_member_once():
    calls = []

    def explodes(node):
        calls.append(node.lineno)
        raise KeyError("shape")

    log: list = []
    diags = _run(family(["X1", "X2"], explodes, log))
    internal = sorted(d.message for d in diags if d.code == "SH900")
    assert len(internal) == 2 and "X1" in internal[0] and "X2" in internal[1]
    assert all("KeyError" in m for m in internal)
    assert calls == [1] and log == []  # both dropped: the predicate is not asked again


class _Ticks:
    """A clock that moves by one second per reading: each timed call then counts 1 s."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self):
        self.now += 1.0
        return self.now


def test_timings_count_each_member_s_calls_and_keep_their_findings(monkeypatch):
    from analyzer.rules import _rule_timing

    monkeypatch.setattr(_rule_timing, "time", _Ticks())
    log: list = []
    timings: dict[str, float] = {}
    timed = _run(family(["X1", "X2"], _calls_of_f(log), log), timings=timings)
    untimed = _run(family(["X1", "X2"], _calls_of_f([]), []))
    assert [(d.code, d.line) for d in timed] == [(d.code, d.line) for d in untimed]
    # Four calls of f each: 1 s a call on the ticking clock, plus the real creation time.
    assert 4 <= timings["rule:X1"] < 5 and 4 <= timings["rule:X2"] < 5


def test_a_timed_member_that_fails_is_dropped_too():
    log: list = []
    timings: dict[str, float] = {}
    diags = _run(family(["X1", "X2"], _calls_of_f(log), log, fail=("X2", 1)), timings=timings)
    assert [d.code for d in diags if d.code == "SH900"] == ["SH900"]
    assert [line for code, line in log if code == "X2"] == [1]
    assert [line for code, line in log if code == "X1"] == [1, 3, 3, 5]


def test_leave_methods_take_a_predicate_too():
    log = []

    class Leaves(LintRule):
        CODE = "X5"
        NAME = "leaves"
        MESSAGE = "left a def"
        TREE = "ast"

        @visit_when(lambda node: node.name == "k")
        def leave_FunctionDef(self, node):
            log.append(node.name)

    _run([Leaves], SOURCE + "def other():\n    pass\n")
    assert log == ["k"]


def test_a_cst_rule_cannot_take_a_predicate():
    with pytest.raises(TypeError, match="visit_when is for ast rules"):

        class Cst(LintRule):
            CODE = "X6"
            NAME = "cst"
            MESSAGE = "m"
            TREE = "cst"

            @visit_when(lambda node: True)
            def visit_Call(self, node):
                pass


def _entry_events(walker, *, predicate_fails=False, truth_fails=False, member_fails=False,
                  on_error_fails=False, interrupt=False):
    """What a walk does with one guarded entry of two methods over SOURCE: every call, every
    on_error (the entry's and the walk's) with what it saw of the exception."""
    from analyzer.rules._ast_walk import _FIELDS
    from analyzer.rules._guards import Guarded

    log: list = []

    class Truth:
        def __bool__(self):
            raise TypeError("no truth")

    def predicate(node):
        log.append(("predicate", node.lineno))
        if predicate_fails and node.lineno == 2:
            raise KeyError("shape")
        if truth_fails and node.lineno == 3:
            return Truth()
        return node.func.__class__ is ast.Name

    def first(node):
        log.append(("first", node.lineno))
        if interrupt and node.lineno == 3:
            raise KeyboardInterrupt

    def second(node):
        log.append(("second", node.lineno))
        if member_fails and node.lineno == 3:
            raise ValueError("second fails")

    def seen(who):
        def on_error(fn, exc, node):
            context = exc.__context__
            log.append((who, getattr(fn, "__name__", type(fn).__name__), repr(exc), node.lineno,
                        sys.exc_info()[1] is exc, exc.__traceback__ is not None,
                        repr(context) if context is not None else None))
            if on_error_fails and who == "entry":
                raise RuntimeError("on_error fails")
        return on_error

    entry = Guarded(predicate, [first, second], seen("entry"))
    actions = {ast.Call: ((entry,), ())}
    try:
        walker(ast.parse(SOURCE), actions, _FIELDS[False], frozenset(), seen("walk"), 200)
    except KeyboardInterrupt:
        log.append("interrupted")
    return log


def _c_walk(tree, actions, fields, inert, on_error, _budget):
    from analyzer.rules import _walk_native

    _walk_native.walk(tree, actions, fields, inert, on_error, ast.AST)


@pytest.mark.parametrize("case", [
    {}, {"member_fails": True}, {"predicate_fails": True}, {"truth_fails": True},
    {"member_fails": True, "on_error_fails": True},
    {"predicate_fails": True, "on_error_fails": True}, {"interrupt": True},
])
def test_the_c_walk_runs_an_entry_as_its_call_would(case):
    from analyzer.rules._ast_walk import walk_ast_python

    expected = _entry_events(walk_ast_python, **case)
    assert len(expected) > 5
    assert _entry_events(_c_walk, **case) == expected
