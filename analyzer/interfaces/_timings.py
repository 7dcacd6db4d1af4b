"""``shoal check --timings``: the table of what each rule and each phase cost.

The workers time every rule's own methods and each phase of their jobs (the runner's timed
path, ``analyzer.engine._timing``); the master sums them over workers and projects and adds
its own phases. The table lists every selected rule, even one that found nothing to visit,
then the phases, most expensive first, on stderr after the findings.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TextIO

__all__ = ["print_timings", "timing_rows"]


def timing_rows(timings: Mapping[str, float], plans: Sequence[Any]) -> list[tuple[str, str, float]]:
    """(kind, name, seconds) for every selected rule and every timed phase, slowest first."""
    rules: dict[str, tuple[str, str]] = {}  # key -> (kind, label)
    for plan in plans:
        for kind in ("module", "project"):
            for cls in plan.registry.classes(plan.selected, kind):
                rules[f"rule:{cls.CODE}"] = (f"{kind} rule", f"{cls.CODE} {cls.NAME}")
    rows = [(kind, label, timings.get(key, 0.0)) for key, (kind, label) in rules.items()]
    for key, seconds in timings.items():
        if key.startswith("rule:"):
            if key not in rules:  # a rule that ran but is not in the selection (SH900's kin)
                rows.append(("rule", key[5:], seconds))
        else:
            rows.append(("phase", key, seconds))
    rows.sort(key=lambda row: (-row[2], row[0], row[1]))
    return rows


def print_timings(timings: Mapping[str, float], plans: Sequence[Any], stream: TextIO) -> None:
    """Write the table to ``stream``."""
    rows = timing_rows(timings, plans)
    total = sum(seconds for _, _, seconds in rows) or 1e-12
    kind_width = max((len(kind) for kind, _, _ in rows), default=5)
    lines = ["", "Timings (seconds, summed over workers):",
             f"{'seconds':>10}  {'share':>6}  {'kind':<{kind_width}}  rule or phase"]
    for kind, label, seconds in rows:
        lines.append(f"{seconds:>10.4f}  {seconds / total:>6.1%}  {kind:<{kind_width}}  {label}")
    lines.append(f"{sum(s for _, _, s in rows):>10.4f}  {1:>6.1%}  {'':<{kind_width}}  total")
    stream.write("\n".join(lines) + "\n")
    stream.flush()
