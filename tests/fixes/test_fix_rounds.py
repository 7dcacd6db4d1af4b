"""Fix rounds: fixes touching at one offset wait for the next round; a file edited on disk
during `--fix` is left alone; a conflicting edit set never escapes as a crash (exit 1)."""
from __future__ import annotations

import ast
from pathlib import Path

from analyzer.frontend import SourceFile
from analyzer.interfaces import _fix_mode
from analyzer.interfaces._fix_plan import fix_text
from analyzer.interfaces._fix_write import SourceState
from analyzer.rules import Diagnostic, Edit, Fix, LintRule
from tests.cli.helpers import write_tree


class PrefixA(LintRule):
    """X910: a name without ``a_``; the fix inserts ``a_`` before it."""

    CODE = "X910"
    NAME = "prefix-a"
    MESSAGE = "name lacks a_"
    FIXABLE = True
    TREE = "ast"
    PREFIX = "a_"

    def visit_Name(self, node: ast.Name) -> None:
        if self.PREFIX not in node.id:
            line, column, _, _ = self.context.lines.node_range(node)
            insert = Edit(self.PREFIX, line, column, line, column)
            self.report(node, fix=Fix("safe", f"Insert {self.PREFIX}", (insert,)))


class PrefixB(PrefixA):
    """X911: the same with ``b_``, inserted at the very point X910 inserts."""

    CODE = "X911"
    NAME = "prefix-b"
    MESSAGE = "name lacks b_"
    PREFIX = "b_"


class RenameA(LintRule):
    """X912: the name ``a`` becomes ``c``."""

    CODE = "X912"
    NAME = "rename-a"
    MESSAGE = "a is renamed c"
    FIXABLE = True
    TREE = "ast"

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "a":
            line, column, end_line, end_column = self.context.lines.node_range(node)
            self.report(node, fix=Fix("safe", "Rename", (Edit("c", line, column, end_line,
                                                              end_column),)))


class QualifyAttribute(LintRule):
    """X913: ``NAME.b`` becomes ``NAME.NAME_b``; the edit starts where NAME ends, and its
    content depends on NAME, so applying it in X912's round would use a stale name."""

    CODE = "X913"
    NAME = "qualify-attribute"
    MESSAGE = "qualify b"
    FIXABLE = True
    TREE = "ast"

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "b" and isinstance(node.value, ast.Name):
            lines = self.context.lines
            _, _, line, column = lines.node_range(node.value)
            _, _, end_line, end_column = lines.node_range(node)
            edit = Edit(f".{node.value.id}_b", line, column, end_line, end_column)
            self.report(node, fix=Fix("safe", "Qualify", (edit,)))


class DoubleInsert(LintRule):
    """X914: one fix whose two edits insert at one point (no order is right): never applied."""

    CODE = "X914"
    NAME = "double-insert"
    MESSAGE = "ambiguous fix"
    FIXABLE = True
    TREE = "ast"

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "x":
            line, column, _, _ = self.context.lines.node_range(node)
            edits = (Edit("p", line, column, line, column), Edit("q", line, column, line, column))
            self.report(node, fix=Fix("safe", "Insert twice", edits))


def _state(text: str) -> SourceState:
    file = SourceFile(Path("a.py"), "a.py", "a", False)
    return SourceState(file, text.encode(), "utf-8", "\n", text, text)


def _finding(code: str, *edits: Edit) -> Diagnostic:
    return Diagnostic("a.py", 1, 1, code, "m", 1, 1, "n", fix=Fix("safe", "f", edits))


def test_a_fix_starting_where_the_accepted_one_ends_waits_for_the_next_round():
    first = _finding("X1", Edit("c", 1, 5, 1, 6))
    touching = _finding("X2", Edit(".c_b", 1, 6, 1, 8))
    text, applied = fix_text(_state("x = a.b\n"), [first, touching], unsafe=False, warn=print)
    assert (text, applied) == ("x = c.b\n", [first])


def test_a_second_insertion_at_the_same_point_waits_for_the_next_round():
    first = _finding("X1", Edit("a_", 1, 1, 1, 1))
    same_point = _finding("X2", Edit("b_", 1, 1, 1, 1))
    apart = _finding("X3", Edit("2", 1, 5, 1, 6))
    text, applied = fix_text(_state("x = 1\n"), [first, same_point, apart], unsafe=False,
                             warn=print)
    assert (text, applied) == ("a_x = 2\n", [first, apart])


def test_touching_fixes_end_to_start_both_land_each_on_the_text_it_was_made_for(
        project, shoal, extra_rules):
    extra_rules(RenameA, QualifyAttribute)
    write_tree(project, {"a.py": "x = a.b\n"})
    run = shoal("--fix", "--select", "X912,X913", "a.py")
    assert run.code == 0, run.out + run.err
    # Applied together, X913 would carry the old name: `x = c.a_b`.
    assert (project / "a.py").read_text() == "x = c.c_b\n"
    assert "Found 2 errors (2 fixed, 0 remaining)." in run.out


def test_two_insertions_at_one_point_both_land_in_output_order(project, shoal, extra_rules):
    extra_rules(PrefixA, PrefixB)
    write_tree(project, {"a.py": "value = 1\n"})
    run = shoal("--fix", "--select", "X910,X911", "a.py")
    assert run.code == 0, run.out + run.err
    # X910 first (same position, lower code), then X911 in front of it on round two.
    assert (project / "a.py").read_text() == "b_a_value = 1\n"
    assert "Found 2 errors (2 fixed, 0 remaining)." in run.out


def test_a_file_edited_during_fix_is_left_alone_and_the_run_exits_2(
        project, shoal, monkeypatch):
    write_tree(project, {"a.py": "import os\nx = 1\n", "b.py": "import os\ny = 2\n"})
    fix_project = _fix_mode.fix_project

    def user_saves_meanwhile(*args, **kwargs):
        # After the loop read every file, before anything is written: the race's window.
        outcome = fix_project(*args, **kwargs)
        (project / "a.py").write_text("import os\nx = 'mine'\n")
        return outcome

    monkeypatch.setattr(_fix_mode, "fix_project", user_saves_meanwhile)
    run = shoal("--fix", "a.py", "b.py")
    assert (project / "a.py").read_text() == "import os\nx = 'mine'\n"
    assert (project / "b.py").read_text() == "y = 2\n"
    assert "shoal: error: a.py: changed on disk while shoal was fixing it; left as it is" \
        in run.err
    # The user's F401 remains, and only b.py's fix counts as fixed.
    assert "Found 2 errors (1 fixed, 1 remaining)." in run.out
    # 2, not 1: a file shoal meant to fix was not written (exit_codes.ERROR beats findings).
    assert run.code == 2


def test_a_fix_inserting_twice_at_one_point_is_dropped_with_a_warning(
        project, shoal, extra_rules):
    extra_rules(DoubleInsert)
    write_tree(project, {"a.py": "x = 1\n"})
    run = shoal("--fix-only", "--select", "X914", "a.py")
    assert "the fix for X914 has edits outside the file or conflicting" in run.err
    assert (project / "a.py").read_text() == "x = 1\n"
    assert run.code == 0  # nothing fixed; `--fix-only` does not count what remains


def test_conflicting_noqa_edits_leave_the_file_and_exit_2(project, shoal, monkeypatch):
    write_tree(project, {"a.py": "import os\n"})

    def same_point_twice(text, diagnostics, reason=""):
        return [Edit("  # noqa: A", 1, 10, 1, 10), Edit("  # noqa: B", 1, 10, 1, 10)]

    monkeypatch.setattr(_fix_mode, "_noqa_edits", same_point_twice)
    run = shoal("--add-noqa", "a.py")
    assert run.code == 2
    assert "a.py: the `# noqa` comments to add conflict (two insertions at one point" in run.err
    assert (project / "a.py").read_text() == "import os\n"
