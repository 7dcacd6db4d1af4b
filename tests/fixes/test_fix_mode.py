"""`shoal check --fix` and friends end to end: what is applied, what is printed, exit codes."""
from __future__ import annotations

import ast

from analyzer.rules import Edit, Fix, LintRule
from tests.cli.helpers import write_tree

MIXED = (
    "import os, sys\n"
    'x = f"a"\n'
    "if x == None:\n"
    "    pass\n"
    "if x == True:\n"
    "    pass\n"
    "print(sys.argv)\n"
)


class ShortenName(LintRule):
    """X902: a name made of several ``a``; the fix drops one letter (one round per letter)."""

    CODE = "X902"
    NAME = "shorten-name"
    MESSAGE = "name can be shorter"
    FIXABLE = True
    TREE = "ast"

    def visit_Name(self, node: ast.Name) -> None:
        if len(node.id) > 1 and set(node.id) == {"a"}:
            line, column, end_line, end_column = self.context.lines.node_range(node)
            edit = Edit(node.id[:-1], line, column, end_line, end_column)
            self.report(node, fix=Fix("safe", "Drop one letter", (edit,)))


class BreakSyntax(LintRule):
    """X901: ``breakme``; the (wrong) fix replaces it with an open parenthesis."""

    CODE = "X901"
    NAME = "break-syntax"
    MESSAGE = "this fix breaks the file"
    FIXABLE = True
    TREE = "ast"

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "breakme":
            line, column, end_line, end_column = self.context.lines.node_range(node)
            self.report(node, fix=Fix("safe", "Break it", (Edit("(", line, column, end_line,
                                                               end_column),)))


def test_fix_applies_safe_fixes_and_reports_what_remains(project, shoal):
    write_tree(project, {"a.py": MIXED})
    run = shoal("--fix", "a.py")
    assert run.code == 1, run.err
    assert (project / "a.py").read_text() == MIXED.replace("import os, sys", "import sys").replace(
        'f"a"', '"a"')
    lines = run.out.splitlines()
    assert [line.split(": ")[1].split()[0] for line in lines[:2]] == ["E711", "E712"]
    assert "Found 4 errors (2 fixed, 2 remaining)." in lines
    assert any("2 unsafe fixes available" in line for line in lines)


def test_unsafe_fixes_apply_e711_and_e712(project, shoal):
    write_tree(project, {"a.py": MIXED})
    run = shoal("--fix", "--unsafe-fixes", "a.py")
    assert run.code == 0, run.out + run.err
    text = (project / "a.py").read_text()
    assert "if x is None:" in text and "if x is True:" in text and "import sys\n" in text
    assert "Found 4 errors (4 fixed, 0 remaining)." in run.out


def test_diff_prints_a_patch_changes_nothing_and_exits_one(project, shoal):
    write_tree(project, {"a.py": "import os\nx = 1\n"})
    run = shoal("--diff", "a.py")
    assert run.code == 1
    assert run.out == "--- a.py\n+++ a.py\n@@ -1,2 +1 @@\n-import os\n x = 1\n"
    assert "Would fix 1 error." in run.err
    assert (project / "a.py").read_text() == "import os\nx = 1\n"


def test_diff_with_nothing_to_fix_exits_zero(project, shoal):
    write_tree(project, {"a.py": "x = 1\nif x == None:\n    pass\n"})
    run = shoal("--diff", "a.py")
    assert (run.code, run.out) == (0, "")
    unsafe = shoal("--diff", "--unsafe-fixes", "a.py")
    assert unsafe.code == 1 and "+if x is None:" in unsafe.out


def test_fix_only_reports_the_count_and_exit_codes(project, shoal):
    write_tree(project, {"a.py": "import os\nprint(undefined)\n"})
    run = shoal("--fix-only", "a.py")
    assert (run.code, run.out) == (0, "Fixed 1 error.\n")
    assert (project / "a.py").read_text() == "print(undefined)\n"
    write_tree(project, {"b.py": "import os\n"})
    strict = shoal("--fix-only", "--exit-non-zero-on-fix", "b.py")
    assert strict.code == 1 and (project / "b.py").read_text() == ""
    nothing = shoal("--fix-only", "--exit-non-zero-on-fix", "b.py")
    assert (nothing.code, nothing.out) == (0, "")


def test_exit_non_zero_on_fix_with_nothing_remaining(project, shoal):
    write_tree(project, {"a.py": 'x = f"a"\n'})
    assert shoal("--fix", "--exit-non-zero-on-fix", "a.py").code == 1
    assert shoal("--fix", "--exit-non-zero-on-fix", "a.py").code == 0


def test_show_fixes_lists_fixes_per_file(project, shoal):
    write_tree(project, {"a.py": MIXED, "b.py": 'y = f"b"\n'})
    run = shoal("--fix", "--show-fixes", "a.py", "b.py")
    out = run.out
    assert ("Fixed 3 errors:\n- a.py:\n    1 × F401 (unused-import)\n"
            "    1 × F541 (f-string-missing-placeholders)\n- b.py:\n"
            "    1 × F541 (f-string-missing-placeholders)\n") in out


def test_json_format_after_fix_carries_what_remains(project, shoal):
    write_tree(project, {"a.py": MIXED})
    run = shoal("--fix", "--format", "json", "--show-fixes", "a.py")
    assert [d[2] for d in run.codes()] == ["E711", "E712"]
    assert "Fixed 2 errors:" in run.err


def test_fixes_repeat_until_stable(project, shoal, extra_rules):
    extra_rules(ShortenName)
    write_tree(project, {"a.py": "aaaa = 1\n"})
    run = shoal("--fix", "--select", "X902", "a.py")
    assert run.code == 0, run.out + run.err
    assert (project / "a.py").read_text() == "a = 1\n"
    assert "Found 3 errors (3 fixed, 0 remaining)." in run.out


def test_rounds_are_bounded(project, shoal, extra_rules):
    extra_rules(ShortenName)
    write_tree(project, {"a.py": "a" * 15 + " = 1\n"})
    run = shoal("--fix", "--select", "X902", "a.py")
    assert run.code == 1
    assert "did not converge after 10 rounds in a.py" in run.err
    assert (project / "a.py").read_text() == "a" * 5 + " = 1\n"


def test_a_fix_that_breaks_the_syntax_is_never_written(project, shoal, extra_rules):
    extra_rules(BreakSyntax)
    source = 'breakme = 1\nx = f"a"\n'
    write_tree(project, {"a.py": source, "b.py": "breakme = 2\n"})
    run = shoal("--fix", "--select", "X901,F541", "a.py", "b.py")
    assert "the fix for X901 would leave the file unparsable" in run.err
    assert (project / "a.py").read_text() == 'breakme = 1\nx = "a"\n'
    assert (project / "b.py").read_text() == "breakme = 2\n"
    assert run.code == 1  # the X901 findings remain


def test_overlapping_fixes_wait_for_the_next_round(project, shoal):
    # F401 deletes the line, SH100 edits its comment: the second is retried, then gone.
    write_tree(project, {"a.py": "import os  # noqa: F841\nx = 1\n"})
    run = shoal("--fix", "--select", "F401,F841,SH100", "a.py")
    assert run.code == 0, run.out
    assert (project / "a.py").read_text() == "x = 1\n"


def test_fix_with_two_workers(project, shoal):
    files = {f"pkg/m{i}.py": f'import os\nx{i} = f"{i}"\n' for i in range(6)}
    files["pkg/__init__.py"] = ""
    write_tree(project, files)
    run = shoal("--fix", workers="2")
    assert run.code == 0, run.out + run.err
    assert all((project / f"pkg/m{i}.py").read_text() == f'x{i} = "{i}"\n' for i in range(6))
    assert "Found 12 errors (12 fixed, 0 remaining)." in run.out


def test_add_noqa_cannot_be_combined_with_fix(project, shoal):
    write_tree(project, {"a.py": "import os\n"})
    run = shoal("--fix", "--add-noqa", "a.py")
    assert run.code == 2 and "--add-noqa" in run.err
