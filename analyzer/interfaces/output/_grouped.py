"""``--output-format grouped``: the findings under their file's name, ``line:col CODE
message`` each, then the summary (ruff's ``grouped``)."""
from __future__ import annotations

from itertools import groupby

from analyzer.interfaces.output._base import (
    Formatter,
    OutputOptions,
    escape_path,
    escape_surrogates,
    shown_path,
)
from analyzer.interfaces.output._cells import location
from analyzer.interfaces.output._report import Report
from analyzer.interfaces.output._text import closing


class GroupedFormatter(Formatter):
    """A block per file: its name, its findings indented with their places aligned, a
    blank line; then ruff's summary (or the count)."""

    name = "grouped"

    def render(self, report: Report, options: OutputOptions) -> str:
        """The blocks, in output order."""
        lines = []
        for path, group in groupby(report.diagnostics, key=lambda d: d.path):
            found = list(group)
            places = [location(d, options.cwd) for d in found]
            width = max(map(len, places))
            lines.append(f"{escape_path(shown_path(path, options.cwd))}:")
            for d, place in zip(found, places, strict=True):
                fixable = d.fix is not None and d.fix.applicability == "safe"
                lines.append(f"  {place.ljust(width)} {d.code} {'[*] ' if fixable else ''}"
                             f"{escape_surrogates(d.message)}")
            lines.append("")
        lines.extend(closing(report, options))
        return "".join(line + "\n" for line in lines)
