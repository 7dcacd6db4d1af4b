"""``--timings`` on the workers' side: phase laps, project rules timed one by one, and the
record a timed job appends to its results for the master to sum (``_phases``).

Nothing here runs unless the run context asks for timings: the untimed jobs take the same
paths as before, with one ``if`` per file or module.
"""
from __future__ import annotations

import ast
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analyzer.rules import Diagnostic

if TYPE_CHECKING:
    from analyzer.model import ModuleFacts, ProjectIndex
    from analyzer.rules import ProjectRule, RuleSettings

__all__ = ["JobTimings", "Laps", "timed_project_rules"]


@dataclass(frozen=True, slots=True)
class JobTimings:
    """What a timed job appends to its results: rule key or phase name -> seconds."""

    seconds: dict[str, float]


class Laps:
    """Adds the time between two marks to the phase named at the second one."""

    __slots__ = ("last", "timings")

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter() if timings is not None else 0.0

    def lap(self, key: str) -> None:
        if self.timings is not None:
            now = time.perf_counter()
            self.timings[key] = self.timings.get(key, 0.0) + now - self.last
            self.last = now

    def restart(self) -> None:
        """Mark without adding: the time since was counted by someone else (the runner)."""
        if self.timings is not None:
            self.last = time.perf_counter()


def timed_project_rules(facts: ModuleFacts, reader: ProjectIndex,
                         rules: Sequence[type[ProjectRule]], display: str,
                         tree: Callable[[], ast.Module],
                         timings: dict[str, float],
                         settings: RuleSettings | None = None) -> list[Diagnostic]:
    """The project rules one at a time, each timed under ``rule:CODE``; the tree a rule asks
    for is loaded (or parsed again) once, its time kept apart. The findings come in the untimed run's order."""
    from analyzer.rules import run_project_rules

    parsed: list[ast.Module] = []

    def parse_once() -> ast.Module:
        if not parsed:
            start = time.perf_counter()
            parsed.append(tree())
            timings["project rules: load tree"] = (
                timings.get("project rules: load tree", 0.0) + time.perf_counter() - start)
        return parsed[0]

    diags: list[Diagnostic] = []
    for rule in rules:
        key = f"rule:{rule.CODE}"
        before = timings.get("project rules: load tree", 0.0)
        start = time.perf_counter()
        diags.extend(run_project_rules(facts, reader, (rule,), path=display, tree=parse_once,
                                       settings=settings))
        parse = timings.get("project rules: load tree", 0.0) - before
        timings[key] = timings.get(key, 0.0) + time.perf_counter() - start - parse
    return diags
