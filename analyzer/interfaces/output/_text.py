"""``--format text``: ``path:line:col: CODE [*] message`` lines, then ruff's summary."""
from __future__ import annotations

from analyzer.interfaces.output._base import Formatter, OutputOptions, shown_path
from analyzer.interfaces.output._report import Report

BOLD, RED, CYAN, RESET = "\x1b[1m", "\x1b[31m", "\x1b[36m", "\x1b[0m"


class TextFormatter(Formatter):
    """The concise, clickable form (1-based line and character column, as flake8 and ruff)."""

    name = "text"

    def render(self, report: Report, options: OutputOptions) -> str:
        """One line per diagnostic, then the summary (or the count)."""
        color = options.color
        lines = []
        for d in report.diagnostics:
            path = shown_path(d.path, options.cwd)
            fixable = d.fix is not None and d.fix.applicability == "safe"
            if color:
                marker = f"{CYAN}[*]{RESET} " if fixable else ""
                lines.append(
                    f"{BOLD}{path}{RESET}:{d.line}:{d.column}: {BOLD}{RED}{d.code}{RESET} "
                    f"{marker}{d.message}"
                )
            else:
                marker = "[*] " if fixable else ""
                lines.append(f"{path}:{d.line}:{d.column}: {d.code} {marker}{d.message}")
        if options.count:
            lines.append(str(len(report.diagnostics)))
        elif not options.quiet:
            lines.extend(report.summary())
        return "".join(line + "\n" for line in lines)
