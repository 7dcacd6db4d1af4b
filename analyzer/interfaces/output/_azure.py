"""``--output-format azure``: Azure Pipelines logging commands, which the pipeline turns into
the run's errors (ruff's ``azure`` format)."""
from __future__ import annotations

from analyzer.interfaces.output._base import (
    Formatter,
    OutputOptions,
    escape_surrogates,
    shown_path,
)
from analyzer.interfaces.output._cells import span
from analyzer.interfaces.output._report import Report


def escape_message(text: str) -> str:
    """A logging command's message, escaped as the agent unescapes it (``%AZP25`` first)."""
    return text.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def escape_value(text: str) -> str:
    """A property value: the message's escapes, and ``;`` and ``]``, which end one."""
    return escape_message(text).replace(";", "%3B").replace("]", "%5D")


class AzureFormatter(Formatter):
    """``##vso[task.logissue type=error;sourcepath=…;linenumber=…;columnnumber=…;code=…;]…``."""

    name = "azure"

    def render(self, report: Report, options: OutputOptions) -> str:
        """One command per finding; nothing else."""
        out = []
        for d in report.diagnostics:
            line, column, _, _ = span(d, options.cwd)
            path = escape_value(escape_surrogates(shown_path(d.path, options.cwd)))
            out.append(f"##vso[task.logissue type=error;sourcepath={path};linenumber={line};"
                       f"columnnumber={column};code={escape_value(d.code)};]"
                       f"{escape_message(escape_surrogates(d.message))}\n")
        return "".join(out)
