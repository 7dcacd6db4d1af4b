"""Fixit 2 rules on shoal: Fixit's own rules pass their own examples, and run in `shoal check`."""
from __future__ import annotations

import json
import textwrap

import fixit.rules
import pytest

from analyzer.loading import FixitRuleError, adapt, fixit_rules_in
from analyzer.testing import add_rule_tests
from tests.cli.helpers import run_subprocess, write_tree

FIXIT_RULES = [adapt(rule, "fixit") for rule in fixit_rules_in(fixit.rules)]
NAMES = add_rule_tests(globals(), FIXIT_RULES)

LOCAL_RULES = '''
import libcst as cst
from fixit import Invalid, LintRule, Valid


class NoLongNameRule(LintRule):
    """Assigned names longer than the configured limit."""

    VALID = [Valid("ab = 1")]
    INVALID = [Invalid("abcdef = 1", expected_message="name 'abcdef' is too long")]

    def __init__(self, limit: int = 5) -> None:
        super().__init__()
        self.limit = limit

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        name = node.target
        if isinstance(name, cst.Name) and len(name.value) > self.limit:
            self.report(name, f"name {name.value!r} is too long",
                        replacement=name.with_changes(value=name.value[: self.limit]))
'''


def test_every_fixit_builtin_rule_and_example_is_collected():
    assert len(FIXIT_RULES) == len(fixit_rules_in(fixit.rules)) >= 25
    total = sum(len(r.FIXIT_RULE.VALID) + len(r.FIXIT_RULE.INVALID) for r in FIXIT_RULES)
    assert len(NAMES) == total > 300
    assert "test_NoRedundantFString_invalid_0" in NAMES


def test_the_code_of_an_adapted_rule_is_its_fixit_name():
    by_code = {rule.CODE: rule for rule in FIXIT_RULES}
    assert by_code["NoRedundantFString"].TREE == "cst"
    assert by_code["NoRedundantFString"].FIXABLE
    assert "UseClsInClassmethod" in by_code  # class UseClsInClassmethod: no Rule suffix to drop


def test_an_attribute_visitor_is_refused_with_the_rule_named():
    class AttrVisitorRule(fixit.LintRule):
        VALID = []
        INVALID = []

        def visit_Call_func(self, node):
            pass

    with pytest.raises(FixitRuleError, match="AttrVisitorRule.*visit_Call_func"):
        adapt(AttrVisitorRule)


@pytest.fixture
def fixit_project(project):
    write_tree(project, {
        "pyproject.toml": """\
            [tool.shoal]
            plugins = ["fixit.rules", "lint/rules.py"]
            [tool.shoal.options.NoLongName]
            limit = 3
            """,
        "lint/rules.py": LOCAL_RULES,
        "a.py": """\
            x = f"plain"
            y = f"plain"  # lint-ignore: NoRedundantFString
            z = f"plain"  # lint-fixme
            w = f"plain"  # noqa: NoRedundantFString
            class A(object):
                pass
            abcd = 1
            """,
    })
    return project


def _findings(run):
    assert run.code in (0, 1), run.err
    return sorted((d["line"], d["code"]) for d in json.loads(run.out))


def test_fixit_rules_run_in_check_with_comments_noqa_and_options(fixit_project, shoal):
    run = shoal("check", "--no-cache", "--workers", "0", "--format", "json", "--select",
                "SH900", "--extend-select", "F541", "a.py")
    # F541 is the built-in twin of NoRedundantFString: Fixit's comments do not hide it.
    assert {1, 2, 3} <= {line for line, code in _findings(run) if code == "F541"}
    run = shoal("check", "--no-cache", "--workers", "0", "--format", "json", "a.py")
    found = [(line, code) for line, code in _findings(run) if code[0].islower() or
             code[1:2].islower()]
    # Line 2: lint-ignore names the rule; line 3: a bare lint-fixme; line 4: noqa.
    assert found == [(1, "NoRedundantFString"), (5, "NoInheritFromObject"), (7, "NoLongName")]


def test_options_reach_the_rule_constructor(fixit_project, shoal):
    (fixit_project / "pyproject.toml").write_text(textwrap.dedent("""\
        [tool.shoal]
        plugins = ["lint/rules.py"]
        [tool.shoal.options.NoLongName]
        limit = 10
        """))
    run = shoal("check", "--no-cache", "--workers", "0", "--format", "json", "a.py")
    assert [code for _, code in _findings(run) if code == "NoLongName"] == []


def test_a_fixit_fix_is_a_shoal_fix(fixit_project, shoal):
    from analyzer.rules import check_source

    rule = next(r for r in FIXIT_RULES if r.CODE == "NoRedundantFString")
    (diag,) = check_source('x = f"plain"\n', [rule])
    assert diag.fix is not None and diag.fix.applicability == "safe"
    from analyzer.rules._examples import apply_fixes

    assert apply_fixes('x = f"plain"\n', [diag]) == 'x = "plain"\n'


def test_fixit_rules_from_a_local_file_run_in_forked_workers(fixit_project):
    run = run_subprocess("check", "--no-cache", "--workers", "2", "--format", "json", "a.py",
                         cwd=fixit_project)
    assert run.code == 1, run.err
    codes = {d["code"] for d in json.loads(run.out)}
    assert {"NoLongName", "NoRedundantFString", "NoInheritFromObject"} <= codes
    assert "SH900" not in codes


def test_a_fixit_rule_is_selected_by_its_name(fixit_project, shoal):
    run = shoal("check", "--no-cache", "--workers", "0", "--format", "json", "--select",
                "NoInheritFromObject", "a.py")
    assert _findings(run) == [(5, "NoInheritFromObject")]


def test_a_noqa_naming_only_a_fixit_rule_keeps_other_findings(fixit_project, shoal):
    (fixit_project / "b.py").write_text('import os  # noqa: NoRedundantFString\n')
    run = shoal("check", "--no-cache", "--workers", "0", "--format", "json", "b.py")
    assert _findings(run) == [(1, "F401")]
