"""Rendering a run's report: one formatter interface, one table of formats.

Usage: build a :class:`Report` from the kept diagnostics, then
``write_report(report, fmt="concise", stream=sys.stdout, options=OutputOptions(cwd=os.getcwd()))``;
``report.exit_code(exit_zero=...)`` is the process's exit code. One module per format, each
registered in :data:`FORMATS` below.
"""
from __future__ import annotations

from typing import TextIO

from analyzer.interfaces._front import write_text
from analyzer.interfaces.output._azure import AzureFormatter
from analyzer.interfaces.output._base import (
    Formatter,
    OutputOptions,
    end_of,
    escape_path,
    escape_surrogates,
    should_color,
    shown_path,
)
from analyzer.interfaces.output._cells import remember_cells
from analyzer.interfaces.output._full import FullFormatter
from analyzer.interfaces.output._github import GithubFormatter, escape_data, escape_property
from analyzer.interfaces.output._gitlab import GitlabFormatter
from analyzer.interfaces.output._grouped import GroupedFormatter
from analyzer.interfaces.output._json import JsonFormatter, diagnostic_to_json, fix_to_json
from analyzer.interfaces.output._json_lines import JsonLinesFormatter
from analyzer.interfaces.output._junit import JunitFormatter
from analyzer.interfaces.output._pylint import PylintFormatter
from analyzer.interfaces.output._rdjson import RdjsonFormatter
from analyzer.interfaces.output._report import Report, RuleInfo
from analyzer.interfaces.output._rule_docs import (
    plain_text,
    rule_doc,
    rule_help_uri,
    rule_summary,
)
from analyzer.interfaces.output._sarif import SarifFormatter, sarif_log
from analyzer.interfaces.output._statistics import (
    StatisticsFormatter,
    StatisticsJsonFormatter,
    statistics_rows,
)
from analyzer.interfaces.output._text import TextFormatter

__all__ = [
    "ALIASES",
    "CHECK_FORMATS",
    "FORMATS",
    "STATISTICS_FORMATS",
    "Formatter",
    "OutputOptions",
    "Report",
    "RuleInfo",
    "diagnostic_to_json",
    "end_of",
    "escape_data",
    "escape_path",
    "remember_cells",
    "escape_surrogates",
    "escape_property",
    "fix_to_json",
    "get_formatter",
    "plain_text",
    "render",
    "resolve_format",
    "rule_doc",
    "rule_help_uri",
    "rule_summary",
    "sarif_log",
    "should_color",
    "shown_path",
    "statistics_rows",
    "write_report",
    "write_text",
]

#: ``--output-format`` value -> formatter. ``statistics`` and ``statistics-json`` are what
#: ``--statistics`` selects.
FORMATS: dict[str, Formatter] = {
    f.name: f
    for f in (
        TextFormatter(), FullFormatter(), JsonFormatter(), SarifFormatter(), GithubFormatter(),
        GitlabFormatter(), JunitFormatter(), GroupedFormatter(), JsonLinesFormatter(),
        PylintFormatter(), AzureFormatter(), RdjsonFormatter(), StatisticsFormatter(),
        StatisticsJsonFormatter(),
    )
}
#: Older names still accepted: ``--format text`` is ``concise``.
ALIASES = {"text": "concise"}
#: What ``shoal check --output-format`` offers, in its help's order.
CHECK_FORMATS = ("concise", "full", "json", "json-lines", "grouped", "sarif", "github",
                 "gitlab", "junit", "pylint", "azure", "rdjson")
#: ``--output-format`` -> what ``--statistics`` prints with it (ruff refuses the others too).
STATISTICS_FORMATS = {"concise": "statistics", "full": "statistics", "grouped": "statistics",
                      "json": "statistics-json"}


def get_formatter(name: str) -> Formatter:
    """The formatter for an ``--output-format`` value; :class:`ValueError` naming the choices."""
    try:
        return FORMATS[ALIASES.get(name, name)]
    except KeyError:
        raise ValueError(
            f"unknown output format {name!r} (choose from {', '.join(sorted(FORMATS))})"
        ) from None


def resolve_format(name: str | None, stream: TextIO, *, to_file: bool = False) -> str:
    """The format a run uses: the one asked for (aliases resolved), else ``full`` when the
    output is a terminal and ``concise`` otherwise (a pipe, a file), as ruff users expect of
    a human-facing default that stays greppable in scripts."""
    if name is not None:
        return ALIASES.get(name, name)
    isatty = getattr(stream, "isatty", None)
    return "full" if not to_file and isatty is not None and isatty() else "concise"


def render(report: Report, fmt: str, options: OutputOptions, *, statistics: bool = False) -> str:
    """The text of the output; ``--statistics`` replaces the listing (a table for
    ``concise``/``full``, an array for ``json``; :class:`ValueError` for the other formats)."""
    fmt = ALIASES.get(fmt, fmt)
    if statistics:
        if fmt not in STATISTICS_FORMATS:
            raise ValueError(f"--statistics does not work with --output-format {fmt}")
        fmt = STATISTICS_FORMATS[fmt]
    return get_formatter(fmt).render(report, options)


def write_report(
    report: Report, fmt: str, stream: TextIO, options: OutputOptions, *, statistics: bool = False
) -> None:
    """Render and write in one call."""
    write_text(stream, render(report, fmt, options, statistics=statistics))
