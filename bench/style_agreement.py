"""Agreement of shoal's E4/E7 codes with ruff (the reference) and, for information, pycodestyle.

Called by ``bench/agreement_bench.py`` on the same files. ruff runs once on all of them
(``--isolated --ignore-noqa``: its defaults, every finding even where the file says
``# noqa``), pycodestyle through its API, shoal's E4/E7 rules in-process on the ``ast`` of
each file. A finding is compared with ruff's by (path, line, column, code, message); with
pycodestyle's by (path, line, code) only, as its messages and columns are its own.
"""
from __future__ import annotations

import ast
import collections
import json
import shutil
import subprocess
from pathlib import Path

import pycodestyle  # type: ignore[import-untyped]  # pycodestyle ships no type information

from analyzer.rules import LintRule, RuleContext, run_module_rules
from plugins import name_rules, pattern_rules, statement_rules, style_rules

RULES: tuple[type[LintRule], ...] = (
    *statement_rules.RULES, *style_rules.RULES, *name_rules.RULES,
    *(rule for rule in pattern_rules.RULES if rule.CODE.startswith("E7")),
)
CODES = sorted(rule.CODE for rule in RULES)

Finding = tuple[str, int, int, str, str]


def ruff_findings(files: list[Path]) -> set[Finding]:
    """ruff's E4/E7 findings on ``files`` (empty when ruff is not installed)."""
    ruff = shutil.which("ruff")
    if ruff is None:
        return set()
    found: set[Finding] = set()
    for start in range(0, len(files), 500):  # keep the command line short
        run = subprocess.run(
            [ruff, "check", "--isolated", "--ignore-noqa", "--no-cache", "--exit-zero",
             "--output-format", "json", "--select", ",".join(CODES),
             *map(str, files[start:start + 500])],
            capture_output=True, text=True, check=False)
        for item in json.loads(run.stdout or "[]"):
            if item["code"] in CODES:
                found.add((item["filename"], item["location"]["row"],
                           item["location"]["column"], item["code"], item["message"]))
    return found


def pycodestyle_findings(path: Path, lines: list[str]) -> set[tuple[str, int, str]]:
    """pycodestyle's findings of the same codes on one file, as (path, line, code)."""
    style = pycodestyle.StyleGuide(select=CODES, quiet=True)
    checker = pycodestyle.Checker(str(path), lines=lines, options=style.options,
                                  report=pycodestyle.BaseReport(style.options))
    found: set[tuple[str, int, str]] = set()
    original = checker.report.error

    def record(line: int, offset: int, text: str, check: object) -> object:
        found.add((str(path), line, text[:4]))
        return original(line, offset, text, check)

    # The checker binds report.error when it is created: replace its own reference.
    checker.report_error = record
    checker.check_all()
    return found


def report(files: list[Path], show: int) -> None:
    """Print the per-code table and each kind of difference with ``show`` examples."""
    ours: set[Finding] = set()
    style: set[tuple[str, int, str]] = set()
    parsed = []
    for path in files:
        try:
            source = path.read_text(encoding="utf-8")
            tree = ast.parse(source)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        parsed.append(path)
        context = RuleContext(path=str(path), module="", is_package=False, source=source)
        ours.update((str(path), d.line, d.column, d.code, d.message)
                    for d in run_module_rules(context, RULES, tree) if d.code in CODES)
        style |= pycodestyle_findings(path, source.splitlines(keepends=True))
    theirs = ruff_findings(parsed)
    ours_lines = {(p, line, code) for p, line, _, code, _ in ours}
    print(f"\nE4/E7 on {len(parsed)} files: against ruff (path, line, column, code, message) and "
          f"pycodestyle (path, line, code)\n")
    print("| code | ruff | shoal | agree | pycodestyle | shoal ∩ pycodestyle |")
    print("|---|---:|---:|---:|---:|---:|")
    for code in CODES:
        a = {f for f in ours if f[3] == code}
        b = {f for f in theirs if f[3] == code}
        c = {f for f in style if f[2] == code}
        print(f"| {code} | {len(b)} | {len(a)} | {len(a & b)} | {len(c)} | "
              f"{len(c & ours_lines)} |")
    kinds: dict[str, list[Finding]] = collections.defaultdict(list)
    for label, side in (("only shoal", ours - theirs), ("only ruff", theirs - ours)):
        for finding in sorted(side):
            kinds[f"{label} {finding[3]}"].append(finding)
    if kinds:
        print("\n| difference from ruff | count | example |")
        print("|---|---:|---|")
        for kind, where in sorted(kinds.items()):
            for name, line, column, _, message in where[:show]:
                print(f"| {kind} | {len(where)} | `{name}:{line}:{column} {message}` |")
