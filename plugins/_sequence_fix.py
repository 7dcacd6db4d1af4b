"""Edits that remove items from a bracketed, comma-separated list: call arguments, dict items.

Found by tokens, not by node positions, so that a parenthesized item (``f((1), 2)``), a
trailing comma and a comment stay well-formed. Used by the unused-format-argument fixes
(F504, F522, F523).
"""
from __future__ import annotations

import ast
import tokenize
from collections.abc import Iterator, Sequence
from typing import cast

from analyzer.rules import Edit, Fix, SourceLines

_OPEN, _CLOSE = "([{", ")]}"
_SKIP = (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)


def _tokens_from(lines: SourceLines, line: int, column: int) -> Iterator[tokenize.TokenInfo]:
    """The tokens from (line, 1-based character column) on, positions made absolute
    (1-based character columns); read lazily, so a caller that stops early reads no further."""
    def readline() -> Iterator[str]:
        yield lines.line(line)[column - 1:]
        number = line + 1
        while text := lines.line(number):
            yield text
            number += 1

    shift = column - 1
    try:
        for tok in tokenize.generate_tokens(readline().__next__):
            (srow, scol), (erow, ecol) = tok.start, tok.end
            yield tok._replace(start=(srow + line - 1, scol + (shift if srow == 1 else 0) + 1),
                               end=(erow + line - 1, ecol + (shift if erow == 1 else 0) + 1))
    except (tokenize.TokenError, IndentationError, StopIteration):
        return


def remove_items(lines: SourceLines, opener: tuple[int, int], count: int,
                 remove: Sequence[int]) -> tuple[Edit, ...] | None:
    """Edits deleting items ``remove`` (indices) of the ``count`` items of the list whose
    opening bracket is at ``opener`` (line, 1-based character column); None when the tokens
    do not show ``count`` items (the fix is then left out)."""
    tokens = _tokens_from(lines, *opener)
    first = next(tokens, None)
    if first is None or first.type != tokenize.OP or first.string not in _OPEN:
        return None
    depth = 0
    starts: list[tuple[int, int]] = []  # first token of each item
    ends: list[tuple[int, int]] = []  # end of each item's last token
    commas: list[tuple[int, int]] = []  # each top-level comma
    close = None
    last_end = None
    for tok in tokens:
        if tok.type in _SKIP:
            continue
        is_op = tok.type == tokenize.OP
        if is_op and tok.string in _CLOSE and depth == 0:
            close = tok.start
            break
        if depth == 0 and is_op and tok.string == ",":
            if last_end is not None:
                ends.append(last_end)
            commas.append(tok.start)
            last_end = None
            continue
        if depth == 0 and last_end is None:
            starts.append(tok.start)
        if is_op and tok.string in _OPEN:
            depth += 1
        elif is_op and tok.string in _CLOSE:
            depth -= 1
        last_end = tok.end
    if last_end is not None:
        ends.append(last_end)
    if close is None or len(starts) != count or len(ends) != count:
        return None
    removed = set(remove)
    kept = [i for i in range(count) if i not in removed]
    if not kept:
        return (Edit("", *first.end, *close),)
    last = kept[-1]
    spans = []
    for i in sorted(removed):
        if i < last:
            spans.append((starts[i], starts[i + 1]))
    after = [i for i in removed if i > last]
    if after:
        spans.append((commas[last], ends[max(after)]))
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for start, end in spans:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(Edit("", *start, *end) for start, end in merged)


def dict_items_fix(lines: SourceLines, node: ast.expr, unused: Sequence[int] | None) -> Fix | None:
    """The safe fix removing the items ``unused`` (indices) of a dict literal, if any."""
    if unused is None or not isinstance(node, ast.Dict):
        return None
    start = (node.lineno, lines.column(node.lineno, node.col_offset))
    edits = remove_items(lines, start, len(node.keys), unused)
    return Fix("safe", "Remove extra named arguments", edits) if edits else None


def arguments_fix(lines: SourceLines, call: ast.Call, unused: Sequence[int] | None) -> Fix | None:
    """The safe fix removing the arguments ``unused`` (indices in positional then keyword
    order) of a call, if any."""
    if unused is None:
        return None
    func = call.func
    line = cast(int, func.end_lineno)
    opener = _first_paren(lines, line, lines.column(line, cast(int, func.end_col_offset)))
    edits = remove_items(lines, opener, len(call.args) + len(call.keywords), unused)
    return Fix("safe", "Remove extra arguments", edits) if edits else None


def _first_paren(lines: SourceLines, line: int, column: int) -> tuple[int, int]:
    # ``(f)(...)``, ``f  (...)``, a line break: the first ``(`` after the function is the call's.
    for tok in _tokens_from(lines, line, column):
        if tok.type == tokenize.OP and tok.string == "(":
            return tok.start
    return line, column
