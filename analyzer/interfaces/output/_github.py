"""``--format github``: workflow commands that GitHub Actions turns into annotations."""
from __future__ import annotations

from analyzer.interfaces.output._base import (
    Formatter,
    OutputOptions,
    escape_surrogates,
    shown_path,
)
from analyzer.interfaces.output._cells import span
from analyzer.interfaces.output._report import Report


def escape_data(text: str) -> str:
    """Escape a command's message (the runner's ``escapeData``: %, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (``escapeProperty``: the data set plus ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubFormatter(Formatter):
    """``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=CODE::message``."""

    name = "github"

    def render(self, report: Report, options: OutputOptions) -> str:
        """One command per diagnostic; nothing else (the runner would echo it)."""
        out = []
        for d in report.diagnostics:
            line, column, end_line, end_column = span(d, options.cwd)
            properties = ",".join((
                f"file={escape_property(escape_surrogates(shown_path(d.path, options.cwd)))}",
                f"line={line}",
                f"col={column}",
                f"endLine={end_line}",
                f"endColumn={end_column}",
                f"title={escape_property(d.code)}",
            ))
            out.append(f"::error {properties}::{escape_data(escape_surrogates(d.message))}\n")
        return "".join(out)
