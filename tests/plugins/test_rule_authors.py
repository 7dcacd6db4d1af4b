"""What rule authors rely on: Fixit's ``report(..., replacement=)`` in a CST rule, and
``expected_fix`` honoured for multi-file examples."""
from __future__ import annotations

import pytest

from analyzer.testing import add_rule_tests
from tests.cli.helpers import write_tree

CST_RULE = '''
import libcst as cst
from analyzer.rules import LintRule


class NoTrue(LintRule):
    """`True` spelt as 1."""

    CODE = "X301"
    NAME = "one-not-true"
    MESSAGE = "use 1"
    TREE = "cst"
    FIXABLE = True

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "True":
            self.report(node, "use 1", replacement=cst.Integer("1"))
'''


def test_a_cst_rule_may_report_with_fixits_replacement_keyword(project, shoal):
    write_tree(project, {
        "pyproject.toml": '[tool.shoal]\nplugins = ["tools/rules.py"]\n',
        "tools/rules.py": CST_RULE,
        "a.py": "x = True  # é\n",
    })
    run = shoal("check", "--no-cache", "--workers", "0", "--select", "X301", "--fix", "a.py")
    assert run.code == 0, run.out + run.err
    assert (project / "a.py").read_text(encoding="utf-8") == "x = 1  # é\n"


MULTI_FILE_RULE = '''
import ast
from analyzer.rules import Edit, Fix, Invalid, LintRule


class Shout(LintRule):
    """A module-level `x` is renamed `X`."""

    CODE = "X401"
    NAME = "shout"
    MESSAGE = "x should be X"
    TREE = "ast"
    FIXABLE = True
    INVALID = [Invalid("""\\
        # file: app.py
        x = 1
        # file: lib.py
        y = 2
        """, line=1, expected_fix="{expected}")]

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "x":
            self.report(node, fix=Fix("safe", "rename", (Edit("X", 1, 1, 1, 2),)))
'''


@pytest.mark.parametrize(("expected", "passes"), [("X = 1\\n", True), ("Z = 1\\n", False)])
def test_expected_fix_is_checked_for_multi_file_examples(tmp_path, monkeypatch, expected, passes):
    import importlib

    (tmp_path / f"multi_rules_{passes}.py").write_text(MULTI_FILE_RULE.replace("{expected}",
                                                                               expected))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(f"multi_rules_{passes}")
    namespace: dict = {}
    (name,) = add_rule_tests(namespace, [module.Shout])
    if passes:
        namespace[name]()
    else:
        with pytest.raises(AssertionError, match="Z = 1"):
            namespace[name]()
