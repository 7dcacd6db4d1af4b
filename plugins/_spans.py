"""The statements of a tree around the lines that hold some text (not a rule module).

A rule whose every finding sits on a rare token it can search for in the text (a ``;``, the
name ``__debug__``) need not visit every statement of every file: a statement spanning none
of the lines that hold the token holds no finding. For a common token (``%``, ``format``)
this does not pay: walking the statements around it in Python cost more than the one
traversal's calls it saved (callgrind, 149 stdlib files, F50x and F52x so: +4.4%).
"""
from __future__ import annotations

import ast
from bisect import bisect_left
from collections.abc import Collection, Iterator

from analyzer.rules import RuleContext

__all__ = ["lines_with", "spans", "statements_spanning"]


def lines_with(context: RuleContext, word: str) -> set[int]:
    """The 1-based lines of ``context``'s source on which ``word`` occurs."""
    text = context.source
    at = text.find(word)
    lines: set[int] = set()
    if at >= 0 and "\r" in text:
        # \r and \r\n end lines too: SourceLines counts them as the tokenizer does.
        while at >= 0:
            lines.add(context.lines.position(at)[0])
            at = text.find(word, at + len(word))
        return lines
    line, last = 1, 0
    while at >= 0:
        line += text.count("\n", last, at)  # counted in C, from the previous occurrence
        last = at
        lines.add(line)
        at = text.find(word, at + len(word))
    return lines


def spans(stmt: ast.stmt, lines: list[int]) -> bool:
    """Whether ``stmt``'s lines take in one of ``lines`` (sorted)."""
    at = bisect_left(lines, stmt.lineno)
    return at < len(lines) and lines[at] <= (stmt.end_lineno or stmt.lineno)


def statements_spanning(body: list[ast.stmt], lines: Collection[int]) -> Iterator[ast.stmt]:
    """The statements under ``body`` whose lines take in one of ``lines``, in the order the
    ast walk visits them (before their blocks, field by field). A statement spanning none
    holds none that does: its blocks are not looked at."""
    return _spanning(body, sorted(lines))


def _spanning(body: list[ast.stmt], lines: list[int]) -> Iterator[ast.stmt]:
    for stmt in body:
        if not spans(stmt, lines):
            continue
        yield stmt
        for name in stmt._fields:
            value = getattr(stmt, name, None)
            if value.__class__ is not list or not value:
                continue
            for item in value:
                if isinstance(item, ast.stmt):
                    yield from _spanning([item], lines)
                elif isinstance(item, (ast.ExceptHandler, ast.match_case)):
                    yield from _spanning(item.body, lines)
