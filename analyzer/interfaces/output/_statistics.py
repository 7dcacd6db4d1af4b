"""``--statistics``: one line per code, ``count<TAB>code<TAB>[*] name``, as ruff prints it."""
from __future__ import annotations

from analyzer.interfaces.output._base import Formatter, OutputOptions
from analyzer.interfaces.output._report import Report


class StatisticsFormatter(Formatter):
    """Counts per code, most frequent first (ties by code), then the summary."""

    name = "statistics"

    def render(self, report: Report, options: OutputOptions) -> str:
        """The table; the ``[*]`` marker means at least one finding of the code is fixable."""
        counts = report.counts()
        fixable = {
            d.code for d in report.diagnostics
            if d.fix is not None and d.fix.applicability == "safe"
        }
        names: dict[str, str] = {}
        for d in report.diagnostics:
            names.setdefault(d.code, report.rule_name(d))
        rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        count_width = max((len(str(n)) for _, n in rows), default=1)
        code_width = max((len(code) for code, _ in rows), default=1)
        lines = [
            f"{n:>{count_width}}\t{code:<{code_width}}\t"
            f"{'[*]' if code in fixable else '[ ]'} {names[code]}"
            for code, n in rows
        ]
        if options.count:
            lines.append(str(len(report.diagnostics)))
        elif not options.quiet:
            lines.extend(report.summary())
        return "".join(line + "\n" for line in lines)
