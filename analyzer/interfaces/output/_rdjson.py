"""``--output-format rdjson``: reviewdog's diagnostic format (``reviewdog -f=rdjson``), which
posts each finding as a review comment and its fix as a suggested change."""
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
from analyzer.interfaces.output._rule_docs import rule_help_uri


def _range(line: int, column: int, end_line: int, end_column: int) -> dict[str, Any]:
    return {"start": {"line": line, "column": column},
            "end": {"line": end_line, "column": end_column}}


class RdjsonFormatter(Formatter):
    """``{"source", "severity", "diagnostics": [...]}``: each finding's path and range, its
    code with the rule's documentation URL, and its fix's edits as suggestions."""

    name = "rdjson"

    def render(self, report: Report, options: OutputOptions) -> str:
        """The one JSON document, indented."""
        from analyzer import __version__

        items = []
        for d in report.diagnostics:
            item: dict[str, Any] = {
                "message": escape_surrogates(d.message),
                "location": {"path": escape_surrogates(shown_path(d.path, options.cwd)),
                             "range": _range(*span(d, options.cwd))},
                "code": {"value": d.code},
            }
            info = report.rules.get(d.code)
            url = rule_help_uri(info) if info is not None else ""
            if url:
                item["code"]["url"] = url
            if d.fix is not None and d.fix.edits and cell_bounds(d, options.cwd) is None:
                # A notebook's edits are on its joined cells' lines, which reviewdog's view
                # of the file does not have: suggestions only where the lines are the file's.
                item["suggestions"] = [
                    {"range": _range(e.line, e.column, e.end_line, e.end_column),
                     "text": e.content} for e in d.fix.edits]
            items.append(item)
        document = {"source": {"name": "shoal", "url": f"https://pypi.org/project/shoal/"
                                                       f"{__version__}/"},
                    "severity": "WARNING", "diagnostics": items}
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
