"""``--output-format pylint``: ``path:line: [CODE] message``, the form pylint's parsers (and
ruff's ``pylint`` format) read."""
from __future__ import annotations

from analyzer.interfaces.output._base import (
    Formatter,
    OutputOptions,
    escape_path,
    escape_surrogates,
    shown_path,
)
from analyzer.interfaces.output._cells import span
from analyzer.interfaces.output._report import Report


class PylintFormatter(Formatter):
    """One line per finding, no summary."""

    name = "pylint"

    def render(self, report: Report, options: OutputOptions) -> str:
        """``path:line: [CODE] message`` lines (in a notebook, the line within its cell)."""
        return "".join(
            f"{escape_path(shown_path(d.path, options.cwd))}:{span(d, options.cwd)[0]}: "
            f"[{d.code}] {escape_surrogates(d.message)}\n"
            for d in report.diagnostics)
