"""`shoal check --timings`: every selected rule and the phases, summed over workers, on
stderr after the findings; the findings themselves unchanged."""
from __future__ import annotations

import json
import re
from typing import Literal

import pytest

from analyzer.rules import LintRule, RuleContext, run_module_rules
from tests.cli.helpers import write_tree

MODULES: dict[str, str | bytes] = {
    "pkg/__init__.py": "",
    "pkg/a.py": "import os\n\ndef f(x):\n    return x == None\n",
    "pkg/b.py": "from pkg.a import f, missing\n\nprint(f(1))\n",
    "pkg/c.py": "class C:\n    def m(self, y=[]):\n        return y\n",
}
ROW = re.compile(r"^\s*(\d+\.\d{4})\s+\d+\.\d%\s+(module rule|project rule|phase)\s+(.+)$")
WORKER_PHASES = {"read", "parse", "facts", "noqa scan", "module rules: ast walk"}


def table(err: str) -> dict[tuple[str, str], float]:
    """(kind, rule code or phase name) -> seconds, from the --timings table."""
    assert "Timings (seconds, summed over workers):" in err, err
    rows = {}
    for line in err.splitlines():
        match = ROW.match(line)
        if match:
            seconds, kind, what = match.groups()
            name = what.split()[0] if kind != "phase" else what
            rows[(kind, name)] = float(seconds)
    return rows


@pytest.mark.parametrize("workers", ["0", "2"])
def test_two_selected_codes_list_those_rules_and_the_phases(project, shoal, workers):
    write_tree(project, MODULES)
    run = shoal("check", "--workers", workers, "--no-progress", "--select", "F401,SH001",
                "--timings")
    assert run.code == 1
    rows = table(run.err)
    rules = {(kind, name) for kind, name in rows if kind != "phase"}
    assert rules == {("module rule", "F401"), ("project rule", "SH001")}
    phases = {name for kind, name in rows if kind == "phase"}
    assert WORKER_PHASES | {"merge and commit (master)", "project rules: load facts"} <= phases
    assert all(seconds >= 0 for seconds in rows.values())
    # Sorted, most expensive first.
    listed = [float(m.group(1)) for m in map(ROW.match, run.err.splitlines()) if m]
    assert listed == sorted(listed, reverse=True)


@pytest.mark.parametrize("workers", ["0", "2"])
def test_every_selected_rule_is_listed(project, shoal, workers):
    write_tree(project, MODULES)
    run = shoal("check", "--workers", workers, "--no-progress", "--timings")
    listed = {name for kind, name in table(run.err) if kind != "phase"}
    settings = shoal("check", "--show-settings")
    selected = set(json.loads(settings.out)["selected"])
    rules = json.loads(shoal("rules", "--output-format", "json").out)
    runnable = {r["code"] for r in rules if r["kind"] in ("module", "project")}
    assert listed == selected & runnable
    assert {"F401", "E711", "B006", "SH001"} <= listed


def test_findings_are_the_same_with_and_without_timings(project, shoal):
    write_tree(project, MODULES)
    plain = shoal("check", "--workers", "2", "--no-progress", "--output-format", "json")
    timed = shoal("check", "--workers", "2", "--no-progress", "--output-format", "json",
                  "--timings")
    assert (timed.code, timed.out) == (plain.code, plain.out)
    assert "Timings" not in plain.err and "Timings" in timed.err


def test_timings_run_cold_even_with_a_warm_cache(project, shoal):
    write_tree(project, MODULES)
    shoal("check", "--workers", "0", "--no-progress")  # fills the cache
    run = shoal("check", "--workers", "0", "--no-progress", "--select", "F401", "--timings")
    assert table(run.err)[("module rule", "F401")] > 0
    assert table(run.err)[("phase", "parse")] > 0


def _rules(tree: Literal["ast", "cst"]) -> list[type[LintRule]]:
    class Slow(LintRule):
        """Visits every name."""

        TREE = tree
        CODE = "X901"
        NAME = "visits-names"
        MESSAGE = "a name"

        def visit_Name(self, node) -> None:
            self.report(node)

    class Broken(LintRule):
        """Raises on the first call."""

        TREE = tree
        CODE = "X902"
        NAME = "raises"
        MESSAGE = "never"

        def visit_Call(self, node) -> None:
            raise ValueError("boom")

    return [Slow, Broken]


@pytest.mark.parametrize(("tree", "phases"), [
    ("ast", {"module rules: ast walk"}),
    ("cst", {"module rules: libcst parse", "module rules: libcst walk",
             "module rules: libcst positions"}),
])
def test_timed_runner_keeps_findings_and_failure_handling(tree, phases, monkeypatch):
    import ast
    import itertools
    import types

    import analyzer.rules._rule_timing as rule_timing

    # A clock that advances one second per reading: each timed call costs exactly 1.
    ticks = itertools.count()
    monkeypatch.setattr(rule_timing, "time",
                        types.SimpleNamespace(perf_counter=lambda: float(next(ticks))))
    source = "print(a, b)\nprint(c)\n"
    context = RuleContext(path="m.py", module="m", is_package=False, source=source)
    untimed = run_module_rules(context, _rules(tree), ast.parse(source))
    timings: dict[str, float] = {}
    timed = run_module_rules(context, _rules(tree), ast.parse(source), timings=timings)
    assert timed == untimed
    assert [d.code for d in timed].count("X901") == 5
    # The failing rule is reported once (SH900) and unbound, as without timings.
    assert [d.code for d in timed].count("SH900") == 1
    assert "X902 (raises) failed on m.py in visit_Call(Call" in next(
        d.message for d in timed if d.code == "SH900")
    assert set(timings) == {"rule:X901", "rule:X902"} | phases
    # Every visit was timed: five names, one call (which raised, and was timed all the same).
    assert 5 <= timings["rule:X901"] < 6 and 1 <= timings["rule:X902"] < 2
    assert all(value >= 0 for value in timings.values())


@pytest.mark.parametrize("flag", [["--fix"], ["--diff"], ["--scheduler", "local"]])
def test_timings_refuse_what_they_cannot_measure(project, shoal, flag):
    write_tree(project, MODULES)
    run = shoal("check", "--workers", "0", "--timings", *flag)
    assert run.code == 2
    assert run.err.startswith("shoal: error: --timings works with a plain check")
    assert run.err.count("\n") == 1 and run.out == ""
    assert (project / "pkg" / "a.py").read_text() == MODULES["pkg/a.py"]
