"""Call sites of imported names: the calls project rules check against signatures.

The walk keeps a candidate for every call whose callee's first component is imported at
module level; once every scope is complete, candidates shadowed by a local binding go.
"""
from __future__ import annotations

import ast

from analyzer.model._facts import Attribute, Call
from analyzer.model._scope import Scope, binds_locally
from analyzer.model._state import Columns
from analyzer.model._syntax import dotted

#: A call the walk met: the node, the scope it is in, its dotted callee.
Candidate = tuple[ast.Call, Scope, str]
#: An attribute chain the walk met: the node, its scope, its dotted name.
AttributeCandidate = tuple[ast.Attribute, Scope, str]


def imported_callee(call: ast.Call, imported: set[str]) -> str | None:
    """The dotted callee of ``call`` when its first component is one of ``imported``."""
    callee = dotted(call.func)
    if callee is not None and callee.split(".", 1)[0] in imported:
        return callee
    return None


def call_records(candidates: list[Candidate], columns: Columns) -> list[Call]:
    """The candidates no local binding shadows, as :class:`Call` records in source order."""
    calls = [
        _record(node, callee, columns)
        for node, scope, callee in candidates
        if not binds_locally(scope, callee.split(".", 1)[0])
    ]
    calls.sort(key=lambda c: (c.line, c.column))
    return calls


def _record(node: ast.Call, callee: str, columns: Columns) -> Call:
    line = node.lineno
    end_line = node.end_lineno or line
    keywords = tuple(k.arg for k in node.keywords if k.arg is not None)
    return Call(
        callee=callee,
        line=line,
        column=columns.column(line, node.col_offset),
        end_line=end_line,
        end_column=columns.column(end_line, node.end_col_offset or node.col_offset),
        positional=sum(1 for a in node.args if not isinstance(a, ast.Starred)),
        keywords=keywords,
        star_args=any(isinstance(a, ast.Starred) for a in node.args),
        star_kwargs=len(keywords) != len(node.keywords),
    )


def attribute_records(candidates: list[AttributeCandidate], columns: Columns) -> list[Attribute]:
    """The attribute chains no local binding shadows, in source order."""
    out = []
    for node, scope, name in candidates:
        if binds_locally(scope, name.split(".", 1)[0]):
            continue
        line = node.lineno
        end_line = node.end_lineno or line
        out.append(Attribute(
            name, line, columns.column(line, node.col_offset), end_line,
            columns.column(end_line, node.end_col_offset or node.col_offset),
            type(node.ctx) is not ast.Load))
    out.sort(key=lambda a: (a.line, a.column))
    return out
