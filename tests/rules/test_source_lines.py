"""SourceLines: line splitting as the tokenizer does it, byte <-> character columns, offsets."""
from __future__ import annotations

import ast

import pytest

from analyzer.core import apply_edits
from analyzer.rules import Edit, SourceLines

SAMPLE = 'x = "é"; y = 1\r\nz = "😀😀" + w  # ü\rq = 3\n\x0cr = (\n  "日本", s)\n'


def test_lines_split_on_newlines_only_like_the_tokenizer():
    lines = SourceLines(SAMPLE)
    assert lines.line(1) == 'x = "é"; y = 1\r\n'
    assert lines.line(2) == 'z = "😀😀" + w  # ü\r'
    assert lines.line(3) == "q = 3\n"
    assert lines.line(4) == "\x0cr = (\n"  # a form feed does not break a line
    assert len(lines) == 5
    assert lines.line(6) == ""


def test_every_node_range_matches_ast_source_segment():
    lines = SourceLines(SAMPLE)
    checked = 0
    for node in ast.walk(ast.parse(SAMPLE)):
        if isinstance(node, (ast.expr, ast.stmt)):
            expected = ast.get_source_segment(SAMPLE, node)
            assert lines.segment(*lines.node_range(node)) == expected, ast.dump(node)
            checked += 1
    assert checked > 15


def test_column_counts_characters_not_bytes():
    lines = SourceLines(SAMPLE)
    # `w` on line 2 follows two 4-byte emoji: byte offset 17, character column 12.
    w = next(n for n in ast.walk(ast.parse(SAMPLE)) if isinstance(n, ast.Name) and n.id == "w")
    assert w.col_offset == 17
    assert lines.column(2, 17) == 12
    assert lines.byte_offset(2, 12) == 17
    assert lines.column(3, 4) == 5  # ASCII line: the fast path


def test_ascii_file_never_splits_lines():
    lines = SourceLines("a = 1\nb = 2\n")
    assert lines.column(2, 4) == 5
    assert lines._lines is None


@pytest.mark.parametrize("offset", range(len(SAMPLE) + 1))
def test_offset_and_position_round_trip(offset):
    lines = SourceLines(SAMPLE)
    line, column = lines.position(offset)
    assert lines.offset(line, column) == offset


def test_apply_edits_in_any_order_and_rejects_overlaps():
    text = "ab\ncd\n"
    edits = [Edit("Z", 2, 1, 2, 2), Edit("", 1, 1, 1, 2)]
    assert apply_edits(text, edits) == "b\nZd\n"
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits(text, [Edit("x", 1, 1, 1, 3), Edit("y", 1, 2, 1, 3)])


def test_apply_edits_rejects_two_insertions_at_one_point_naming_both():
    # Either order would do, so neither is right: a ValueError, not a TypeError from sorting.
    first, second = Edit("x", 1, 2, 1, 2), Edit("y", 1, 2, 1, 2)
    with pytest.raises(ValueError, match="two insertions at one point") as raised:
        apply_edits("ab\n", [first, second])
    assert repr(first) in str(raised.value) and "content='y'" in str(raised.value)
    with pytest.raises(ValueError):
        apply_edits("ab\n", [first, first])


def test_apply_edits_inserts_where_a_replacement_begins_or_ends():
    replace = Edit("Z", 1, 1, 1, 2)
    for order in ([replace, Edit("<", 1, 1, 1, 1)], [Edit("<", 1, 1, 1, 1), replace]):
        assert apply_edits("ab\n", order) == "<Zb\n"
    assert apply_edits("ab\n", [Edit(">", 1, 2, 1, 2), replace]) == "Z>b\n"
    assert apply_edits("ab\n", [Edit("1", 1, 1, 1, 2), Edit("2", 1, 2, 1, 3)]) == "12\n"


def test_apply_edits_rejects_an_edit_ending_before_it_starts():
    with pytest.raises(ValueError, match="ends before it starts"):
        apply_edits("ab\n", [Edit("x", 1, 3, 1, 1)])
