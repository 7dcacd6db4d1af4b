"""``--format json``: the contract's list of objects, keys in a fixed order (docs/contracts.md)."""
from __future__ import annotations

import json
from typing import Any

from analyzer.interfaces.output._base import (
    Formatter,
    OutputOptions,
    escape_surrogates,
    shown_path,
)
from analyzer.interfaces.output._cells import cell_bounds, span
from analyzer.interfaces.output._report import Report
from analyzer.rules import Diagnostic, Fix


def fix_to_json(fix: Fix | None) -> dict[str, Any] | None:
    """``null`` or ``{"applicability", "message", "edits": [...]}`` with 1-based positions."""
    if fix is None:
        return None
    return {
        "applicability": fix.applicability,
        "message": fix.message,
        "edits": [
            {
                "content": edit.content,
                "location": {"line": edit.line, "column": edit.column},
                "end_location": {"line": edit.end_line, "column": edit.end_column},
            }
            for edit in fix.edits
        ],
    }


def diagnostic_to_json(d: Diagnostic, report: Report, cwd: str) -> dict[str, Any]:
    """One diagnostic as the JSON contract shapes it (dicts keep insertion order)."""
    line, column, end_line, end_column = span(d, cwd)
    item: dict[str, Any] = {
        # JSON quotes a newline itself; a byte that is not UTF-8 it cannot carry.
        "path": escape_surrogates(shown_path(d.path, cwd)),
    }
    bounds = cell_bounds(d, cwd)
    if bounds is not None:
        item["cell"] = bounds[0]  # a notebook's: the lines are the cell's (ruff's "cell")
    item.update({
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "code": d.code,
        "name": report.rule_name(d),
        "message": escape_surrogates(d.message),
        "fix": fix_to_json(d.fix),
    })
    return item


class JsonFormatter(Formatter):
    """A JSON array, sorted like every output, indented for humans, UTF-8 kept readable."""

    name = "json"

    def render(self, report: Report, options: OutputOptions) -> str:
        """The array (``[]`` when clean)."""
        items = [diagnostic_to_json(d, report, options.cwd) for d in report.diagnostics]
        return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
