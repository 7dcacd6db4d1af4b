"""Comparison operators and spans in the source text, for the pattern rules (not a rule module).

``ast`` does not record where comparison operators are, so rules that point at or rewrite
one find it in the source text between the two operands, skipping parentheses, comments and
line continuations.
"""
from __future__ import annotations

import ast
from typing import cast

from analyzer.rules import Edit, SourceLines


def end_offset(lines: SourceLines, node: ast.expr) -> int:
    """Offset in the text just after ``node``."""
    # A parsed node always has its end; typeshed allows None for nodes built by hand.
    end_line = cast(int, node.end_lineno)
    return lines.offset(end_line, lines.column(end_line, cast(int, node.end_col_offset)))


def skip_trivia(text: str, pos: int) -> int:
    """First offset at or after ``pos`` that is not blank, a parenthesis, a comment or a ``\\``."""
    size = len(text)
    while pos < size:
        char = text[pos]
        if char in " \t\f\r\n()\\":
            pos += 1
        elif char == "#":
            newline = text.find("\n", pos)
            pos = size if newline < 0 else newline
        else:
            return pos
    return pos


def operator_tokens(lines: SourceLines, left: ast.expr) -> list[tuple[int, int]]:
    """Offsets (start, end) of the token(s) of the comparison operator following ``left``:
    two for ``is not``/``not in``, which a comment may separate, one otherwise."""
    text = lines.text
    start = skip_trivia(text, end_offset(lines, left))
    for first, second in (("is", "not"), ("not", "in")):
        if text.startswith(first, start):
            after = skip_trivia(text, start + len(first))
            if text.startswith(second, after) and not text[after + len(second) :][:1].isidentifier():
                return [(start, start + len(first)), (after, after + len(second))]
            return [(start, start + len(first))]
    end = start
    while end < len(text) and text[end] in "<>=!":
        end += 1
    return [(start, end)]


def replace_operator(lines: SourceLines, tokens: list[tuple[int, int]], new: str) -> tuple[Edit, ...]:
    """Edits turning the operator ``tokens`` into ``new``, keeping any comment between them."""
    start, end = tokens[0][0], tokens[-1][1]
    if len(tokens) == 1 or lines.text[tokens[0][1] : tokens[1][0]].isspace():
        return (span_edit(lines, start, end, new),)
    return (span_edit(lines, *tokens[0], new), span_edit(lines, *tokens[1], ""))


def span_edit(lines: SourceLines, start: int, end: int, content: str) -> Edit:
    """The edit replacing text offsets ``start``..``end`` with ``content``."""
    line, column = lines.position(start)
    end_line, end_column = lines.position(end)
    return Edit(content, line, column, end_line, end_column)
