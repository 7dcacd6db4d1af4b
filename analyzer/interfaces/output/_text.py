"""``--output-format concise`` (``--format text``): ``path:line:col: CODE [*] message`` lines,
then ruff's summary."""
from __future__ import annotations

from analyzer.interfaces.output._base import (
    Formatter,
    OutputOptions,
    escape_path,
    escape_surrogates,
    shown_path,
)
from analyzer.interfaces.output._cells import location
from analyzer.interfaces.output._report import Report
from analyzer.rules import Diagnostic

BOLD, RED, CYAN, RESET = "\x1b[1m", "\x1b[31m", "\x1b[36m", "\x1b[0m"


def headline(d: Diagnostic, options: OutputOptions) -> str:
    """``path:line:col: CODE [*] message`` (``path:cell N:line:col: …`` in a notebook): the
    concise line, and the first line of ``full``."""
    path = escape_path(shown_path(d.path, options.cwd))
    message = escape_surrogates(d.message)
    fixable = d.fix is not None and d.fix.applicability == "safe"
    if options.color:
        marker = f"{CYAN}[*]{RESET} " if fixable else ""
        return (f"{BOLD}{path}{RESET}:{location(d, options.cwd)}: {BOLD}{RED}{d.code}{RESET} "
                f"{marker}{message}")
    marker = "[*] " if fixable else ""
    return f"{path}:{location(d, options.cwd)}: {d.code} {marker}{message}"


def closing(report: Report, options: OutputOptions) -> list[str]:
    """The lines after the findings: the count (``--count``), nothing (``--quiet``) or the
    summary."""
    if options.count:
        return [str(len(report.diagnostics))]
    return [] if options.quiet else report.summary()


class TextFormatter(Formatter):
    """The concise, clickable form (1-based line and character column, as flake8 and ruff)."""

    name = "concise"

    def render(self, report: Report, options: OutputOptions) -> str:
        """One line per diagnostic, then the summary (or the count)."""
        lines = [headline(d, options) for d in report.diagnostics]
        lines.extend(closing(report, options))
        return "".join(line + "\n" for line in lines)
