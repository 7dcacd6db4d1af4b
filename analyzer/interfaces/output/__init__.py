"""Rendering a run's report: one formatter interface, one table of formats.

Usage: build a :class:`Report` from the kept diagnostics, then
``write_report(report, fmt="text", stream=sys.stdout, options=OutputOptions(cwd=os.getcwd()))``;
``report.exit_code(exit_zero=...)`` is the process's exit code.
"""
from __future__ import annotations

from typing import TextIO

from analyzer.interfaces.output._base import (
    Formatter,
    OutputOptions,
    end_of,
    should_color,
    shown_path,
)
from analyzer.interfaces.output._github import GithubFormatter, escape_data, escape_property
from analyzer.interfaces.output._json import JsonFormatter, diagnostic_to_json, fix_to_json
from analyzer.interfaces.output._report import Report, RuleInfo
from analyzer.interfaces.output._sarif import SarifFormatter, sarif_log
from analyzer.interfaces.output._statistics import StatisticsFormatter
from analyzer.interfaces.output._text import TextFormatter

__all__ = [
    "FORMATS",
    "Formatter",
    "OutputOptions",
    "Report",
    "RuleInfo",
    "diagnostic_to_json",
    "end_of",
    "escape_data",
    "escape_property",
    "fix_to_json",
    "get_formatter",
    "render",
    "sarif_log",
    "should_color",
    "shown_path",
    "write_report",
]

#: ``--format`` value -> formatter. ``statistics`` is what ``--statistics`` selects.
FORMATS: dict[str, Formatter] = {
    f.name: f
    for f in (
        TextFormatter(), JsonFormatter(), SarifFormatter(), GithubFormatter(),
        StatisticsFormatter(),
    )
}


def get_formatter(name: str) -> Formatter:
    """The formatter for a ``--format`` value; :class:`ValueError` naming the choices."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(
            f"unknown output format {name!r} (choose from {', '.join(sorted(FORMATS))})"
        ) from None


def render(report: Report, fmt: str, options: OutputOptions, *, statistics: bool = False) -> str:
    """The text of the output: ``--statistics`` replaces the listing in the text format only
    (machine formats always carry every diagnostic)."""
    if statistics and fmt == "text":
        fmt = "statistics"
    return get_formatter(fmt).render(report, options)


def write_report(
    report: Report, fmt: str, stream: TextIO, options: OutputOptions, *, statistics: bool = False
) -> None:
    """Render and write in one call (the only place output is written)."""
    stream.write(render(report, fmt, options, statistics=statistics))
    stream.flush()
