"""``--statistics``: the findings counted per code, as ruff prints them.

With ``concise`` and ``full``: one line per code, ``count<TAB>code<TAB>[*] name`` (the
``[*]``/``[ ]`` column only when some code is fixable), then the summary. With ``json``: an
array of ``{"code", "name", "count", "fixable"}``. Most frequent first, ties by code. A code
is fixable when every one of its findings carries a fix ``--fix`` applies, as ruff judges it.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from analyzer.interfaces.output._base import Formatter, OutputOptions
from analyzer.interfaces.output._report import Report
from analyzer.interfaces.output._text import closing

__all__ = ["Statistic", "StatisticsFormatter", "StatisticsJsonFormatter", "statistics_rows"]


@dataclass(frozen=True, slots=True)
class Statistic:
    """One code's row."""

    code: str
    name: str
    count: int
    fixable: bool


def statistics_rows(report: Report) -> list[Statistic]:
    """The rows, most frequent first (ties by code)."""
    rows: dict[str, list[int]] = {}  # code -> [count, findings with a safe fix]
    names: dict[str, str] = {}
    for d in report.diagnostics:
        row = rows.setdefault(d.code, [0, 0])
        row[0] += 1
        row[1] += d.fix is not None and d.fix.applicability == "safe"
        names.setdefault(d.code, report.rule_name(d))
    return [
        Statistic(code, names[code], count, fixed == count)
        for code, (count, fixed) in sorted(rows.items(), key=lambda item: (-item[1][0], item[0]))
    ]


class StatisticsFormatter(Formatter):
    """``--statistics`` with ``concise`` or ``full``: the table, then the summary."""

    name = "statistics"

    def render(self, report: Report, options: OutputOptions) -> str:
        """The table, then the summary (or the count)."""
        rows = statistics_rows(report)
        count_width = max((len(str(r.count)) for r in rows), default=1)
        code_width = max((len(r.code) for r in rows), default=1)
        any_fixable = any(r.fixable for r in rows)
        lines = []
        for r in rows:
            marker = ("[*] " if r.fixable else "[ ] ") if any_fixable else ""
            lines.append(f"{r.count:>{count_width}}\t{r.code:<{code_width}}\t{marker}{r.name}")
        lines.extend(closing(report, options))
        return "".join(line + "\n" for line in lines)


class StatisticsJsonFormatter(Formatter):
    """``--statistics --output-format json``: the rows as a JSON array (``[]`` when clean)."""

    name = "statistics-json"

    def render(self, report: Report, options: OutputOptions) -> str:
        """The array, indented like every JSON output."""
        rows = [asdict(r) for r in statistics_rows(report)]
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
