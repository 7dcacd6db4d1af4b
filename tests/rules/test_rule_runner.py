"""The module-rule runner: one traversal, dispatch, metadata on demand, failures, positions."""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
import warnings

import libcst
import pytest

from analyzer.rules import (
    Edit,
    Fix,
    LintRule,
    MetadataProvider,
    RuleContext,
    _ast_walk,
    _cst_fix,
    _dispatch,
    _runner,
    check_source,
    run_module_rules,
)
from analyzer.rules._examples import apply_fixes

SOURCE = "def f(a):\n    return a + g(1)\n\nx = [f(2)]\n"


def _context(source, path="mod.py"):
    return RuleContext(path=path, module="mod", is_package=False, source=source)


def _run(source, rules, **kwargs):
    return run_module_rules(_context(source), rules, ast.parse(source), **kwargs)


def _recorder(code, log):
    """An AST rule logging every visit and leave, tagged with its code."""

    class Recorder(LintRule):
        CODE = code
        NAME = "recorder"
        MESSAGE = "recorded"
        TREE = "ast"

        def visit_AST(self, node):
            log.append((code, "visit", node))

        def leave_AST(self, node):
            log.append((code, "leave", node))

    return Recorder


def _reference_events(tree, codes):
    """The events of one depth-first walk calling each rule in turn, as NodeVisitor orders children."""
    events = []

    def walk(node):
        events.extend((code, "visit", node) for code in codes)
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.expr_context, ast.operator, ast.cmpop)):
                walk(child)
        events.extend((code, "leave", node) for code in codes)

    walk(tree)
    return events


def test_one_traversal_serves_every_rule():
    log = []
    rules = [_recorder(code, log) for code in ("X1", "X2", "X3")]
    tree = ast.parse(SOURCE)
    assert run_module_rules(_context(SOURCE), rules, tree) == []
    # Interleaved per node: one walk, each node visited once, visit before children, leave after.
    assert log == _reference_events(tree, ["X1", "X2", "X3"])


def test_the_explicit_stack_walk_keeps_the_same_order(monkeypatch):
    # The Python walk's explicit stack (past its recursion budget); the C walk has no other.
    monkeypatch.setattr(_ast_walk, "_native_walk", None)
    monkeypatch.setattr(_runner, "RECURSION_BUDGET", 2)
    log = []
    tree = ast.parse(SOURCE)
    run_module_rules(_context(SOURCE), [_recorder("X1", log), _recorder("X2", log)], tree)
    assert log == _reference_events(tree, ["X1", "X2"])


def test_dispatch_plan_is_built_once_per_rule_set():
    rules = [_recorder("X1", []), _recorder("X2", [])]
    assert _dispatch._plan_for(rules, "ast") is _dispatch._plan_for(list(rules), "ast")
    assert _dispatch._plan_for(rules[:1], "ast") is not _dispatch._plan_for(rules, "ast")


def test_only_the_visited_classes_are_dispatched():
    class Calls(LintRule):
        CODE = "X4"
        NAME = "calls"
        MESSAGE = "call"
        TREE = "ast"

        def visit_Call(self, node):
            self.report(node)

    plan = _dispatch._plan_for([Calls], "ast")
    assert set(plan.calls) == {ast.Call}
    assert [(d.line, d.column, d.end_column) for d in _run(SOURCE, [Calls])] == [
        (2, 16, 20),
        (4, 6, 10),
    ]


def test_singleton_fields_are_walked_only_when_a_rule_visits_them():
    class Stores(LintRule):
        CODE = "X5"
        NAME = "stores"
        MESSAGE = "store"
        TREE = "ast"

        def visit_Store(self, node):
            self.report((1, 1))

    assert len(_run("a = b = c\n", [Stores])) == 2
    assert "ctx" not in _ast_walk._FIELDS[False][ast.Name]
    assert "ctx" in _ast_walk._FIELDS[True][ast.Name]


class CountingProvider(MetadataProvider):
    """Maps every Name node to its id; counts how often it is computed."""

    computed = 0

    @classmethod
    def compute(cls, context, ast_tree):
        cls.computed += 1
        return {node: node.id for node in ast.walk(ast_tree) if isinstance(node, ast.Name)}


def _name_rule(code, ask=True):
    class UsesNames(LintRule):
        CODE = code
        NAME = "uses-names"
        MESSAGE = "name"
        TREE = "ast"
        METADATA_DEPENDENCIES = (CountingProvider,)

        def visit_Name(self, node):
            if ask:
                self.report(node, self.get_metadata(CountingProvider, node))

    return UsesNames


def test_a_provider_is_computed_once_per_file_and_only_when_asked(monkeypatch):
    monkeypatch.setattr(CountingProvider, "computed", 0)
    diags = _run(SOURCE, [_name_rule("X6"), _name_rule("X7")])
    assert CountingProvider.computed == 1
    assert [d.message for d in diags if d.code == "X6"] == ["a", "g", "x", "f"]
    _run(SOURCE, [_name_rule("X6", ask=False)])
    assert CountingProvider.computed == 1
    _run(SOURCE, [_name_rule("X6")], metadata={CountingProvider: {}.fromkeys([], "")})
    assert CountingProvider.computed == 1  # supplied by the pipeline: not recomputed


def test_undeclared_provider_is_an_internal_error_naming_the_fix():
    class Sneaky(LintRule):
        CODE = "X8"
        NAME = "sneaky"
        MESSAGE = "m"
        TREE = "ast"

        def visit_Module(self, node):
            self.get_metadata(CountingProvider)

    (diag,) = _run("x\n", [Sneaky])
    assert diag.code == "SH900"
    assert "MetadataNotDeclaredError" in diag.message
    assert "METADATA_DEPENDENCIES" in diag.message


def test_a_raising_rule_yields_one_sh900_and_the_others_go_on():
    calls = []

    class Raises(LintRule):
        CODE = "X9"
        NAME = "raises"
        MESSAGE = "m"
        TREE = "ast"

        def visit_Name(self, node):
            calls.append(node.id)
            if node.id == "g":
                raise ValueError("boom")
            self.report(node)

        def leave_FunctionDef(self, node):
            calls.append("leave")

    log = []
    diags = _run(SOURCE, [Raises, _recorder("X1", log)], )
    internal = [d for d in diags if d.code == "SH900"]
    assert len(internal) == 1
    message = internal[0].message
    for part in ("X9", "raises", "mod.py", "ValueError: boom", "visit_Name(Name at line 2)"):
        assert part in message
    assert internal[0].name == "internal-error"
    # Dropped after the failure: no more calls, not even the pending leave of the enclosing def.
    assert calls == ["a", "g"]
    assert [d.code for d in diags if d.code == "X9"] == ["X9"]  # the report before the failure stays
    assert len(log) == len(_reference_events(ast.parse(SOURCE), ["X1"]))


def test_a_rule_failing_in_its_constructor_is_reported():
    class BadInit(LintRule):
        CODE = "X10"
        NAME = "bad-init"
        MESSAGE = "m"
        TREE = "ast"

        def __init__(self, context):
            raise KeyError("nope")

    (diag,) = _run("x\n", [BadInit])
    assert diag.code == "SH900" and "while being created" in diag.message


def test_deep_trees_are_walked_and_recursive_rules_fail_alone():
    # Deeper than the recursion limit; ast.parse itself gives up a little above this.
    source = "x = " + "+".join(["1"] * 2_000) + "\n"

    class CountsAdds(LintRule):
        CODE = "X11"
        NAME = "counts-adds"
        MESSAGE = "m"
        TREE = "ast"

        def __init__(self, context):
            super().__init__(context)
            self.adds = 0

        def visit_BinOp(self, node):
            self.adds += 1

        def leave_Module(self, node):
            self.report((1, 1), str(self.adds))

    class Recurses(LintRule):
        CODE = "X12"
        NAME = "recurses"
        MESSAGE = "m"
        TREE = "ast"

        def visit_Assign(self, node):
            def depth(n):
                return 1 + max((depth(c) for c in ast.iter_child_nodes(n)), default=0)

            depth(node)

    diags = _run(source, [CountsAdds, Recurses])
    assert [(d.code, d.message) for d in diags if d.code == "X11"] == [("X11", "1999")]
    (internal,) = [d for d in diags if d.code == "SH900"]
    assert "X12" in internal.message and "RecursionError" in internal.message


def test_report_positions_fixes_and_ends():
    class Reports(LintRule):
        CODE = "X13"
        NAME = "reports"
        MESSAGE = "default"
        TREE = "ast"

        def visit_arguments(self, node):  # no position of its own
            self.report(node)

        def visit_Return(self, node):
            fix = Fix("safe", "drop", (Edit("", 2, 5, 2, 20),))
            self.report((2, 5), "tuple", fix=fix, end=(2, 11))

    first, second = _run("def f(é, b):\n    return a + g(1)\n", [Reports])
    assert (first.line, first.column, first.end_column, first.message) == (1, 7, 8, "default")
    assert (second.line, second.column, second.end_line, second.end_column) == (2, 5, 2, 11)
    assert second.fix is not None and second.name == "reports" and second.path == "mod.py"


def test_a_bad_fix_value_is_the_rule_s_internal_error():
    class BadFix(LintRule):
        CODE = "X14"
        NAME = "bad-fix"
        MESSAGE = "m"
        TREE = "ast"

        def visit_Module(self, node):
            self.report(node, fix="x = 2")

    (diag,) = _run("x = 1\n", [BadFix])
    assert diag.code == "SH900" and "TypeError" in diag.message


# ---------------------------------------------------------------------------------------------
# CST rules


class RenameFoo(LintRule):
    """A CST rule with a replacement-node fix."""

    CODE = "X20"
    NAME = "rename-foo"
    MESSAGE = "rename foo"

    def visit_Name(self, node: libcst.Name) -> None:
        if node.value == "foo":
            self.report(node, fix=node.with_changes(value="bar"))


class ParenthesizedCall(LintRule):
    """Replaces a whole parenthesized call: the edit must cover the parentheses."""

    CODE = "X21"
    NAME = "parenthesized-call"
    MESSAGE = "call"

    def visit_Call(self, node: libcst.Call) -> None:
        self.report(node, fix=libcst.Name("nothing", lpar=node.lpar, rpar=node.rpar))


def test_cst_replacement_node_becomes_an_edit_in_characters():
    source = 's = "é😀"; foo = foo + ( g(x) )\n'
    diags = _run(source, [RenameFoo, ParenthesizedCall])
    assert [(d.code, d.line, d.column, d.end_column) for d in diags] == [
        ("X20", 1, 11, 14),
        ("X20", 1, 17, 20),
        ("X21", 1, 25, 29),
    ]
    assert apply_fixes(source, diags) == 's = "é😀"; bar = bar + ( nothing )\n'
    assert diags[0].fix.applicability == "safe"


def test_cst_positions_are_computed_only_where_a_cst_rule_reported(monkeypatch):
    resolved = []
    real = _cst_fix.resolve_positions

    def counting(wrapper, with_fix_ranges):
        resolved.append(with_fix_ranges)
        return real(wrapper, with_fix_ranges)

    monkeypatch.setattr(_cst_fix, "resolve_positions", counting)
    assert _run("x = 1\n", [RenameFoo]) == []
    assert resolved == []
    assert len(_run("foo\n", [RenameFoo])) == 1
    assert resolved == [True]


def test_cst_rules_share_one_traversal_and_use_libcst_providers_lazily():
    from libcst.metadata import ParentNodeProvider

    class ParentOfName(LintRule):
        CODE = "X22"
        NAME = "parent-of-name"
        MESSAGE = "m"
        METADATA_DEPENDENCIES = (ParentNodeProvider,)

        def visit_Name(self, node):
            self.report(node, type(self.get_metadata(ParentNodeProvider, node)).__name__)

    diags = _run("foo(a)\n", [ParentOfName, RenameFoo])
    assert [(d.column, d.code, d.message) for d in diags] == [
        (1, "X20", "rename foo"),
        (1, "X22", "Call"),
        (5, "X22", "Arg"),
    ]


def test_cst_tree_factory_is_used_and_a_libcst_failure_is_one_sh900():
    source = "foo = 1\n"
    parsed = []

    def factory():
        parsed.append(1)
        return libcst.parse_module(source)

    assert len(_run(source, [RenameFoo], cst_tree=factory)) == 1
    assert parsed == [1]

    def broken():
        raise libcst.ParserSyntaxError("bad", lines=["x"], raw_line=1, raw_column=0)

    (diag,) = _run(source, [RenameFoo], cst_tree=broken)
    assert diag.code == "SH900" and "X20" in diag.message and "libcst could not parse" in diag.message


def test_a_cst_tree_too_deep_for_libcst_is_one_sh900():
    source = "foo = 1\nx = " + "-" * 1200 + "1\n"
    module = libcst.parse_module(source)
    (diag,) = _run(source, [RenameFoo], cst_tree=lambda: module)
    assert diag.code == "SH900"
    assert "RecursionError" in diag.message and "X20" in diag.message


def test_ast_only_runs_never_import_libcst():
    script = textwrap.dedent(
        """
        import sys
        from analyzer.rules import check_source
        from plugins.pattern_rules import RULES
        assert check_source("x == None\\n", RULES)
        assert "libcst" not in sys.modules, "libcst imported"
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_check_source_marks_packages_and_propagates_syntax_errors():
    seen = []

    class Package(LintRule):
        CODE = "X23"
        NAME = "package"
        MESSAGE = "m"
        TREE = "ast"

        def visit_Module(self, node):
            seen.append((self.context.is_package, self.context.module))

    check_source("", [Package], path="pkg/__init__.py", module="pkg")
    assert seen == [(True, "pkg")]
    with pytest.raises(SyntaxError):
        check_source("def (:\n", [Package])


def test_a_rule_s_test_under_an_error_filter_checks_code_that_warns():
    # pytest's `filterwarnings = error` is common: the parser's warning about the source
    # under test (an invalid escape) must not turn into a SyntaxError there either.
    from plugins.scope_rules import RULES

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = check_source('import re\nx = "\\d"\n', RULES)
    assert [d.code for d in found] == ["F401"]
