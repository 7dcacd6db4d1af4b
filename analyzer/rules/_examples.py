"""Rule examples: the VALID/INVALID snippets every rule carries, and a harness that runs them.

The examples are the rule's executable documentation (``shoal rule CODE`` shows them) and its
first tests. :func:`run_examples` checks them all and returns what went wrong as readable
strings; :func:`run_example` checks one, so a test suite can give each example its own id::

    @pytest.mark.parametrize(("rule", "example"), [...], ids=...)
    def test_example(rule, example):
        assert run_example(rule, example) == []

Example code is dedented (:func:`textwrap.dedent`) before it is checked, and so is
``expected_fix``, so examples can be written as indented triple-quoted strings.
"""
from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from analyzer.core import apply_edits
from analyzer.rules._cases import Invalid, Valid

__all__ = ["Invalid", "Valid", "apply_fixes", "run_example", "run_examples"]

if TYPE_CHECKING:
    from analyzer.core import Diagnostic
    from analyzer.rules._lint_rule import LintRule


def apply_fixes(source: str, diagnostics: list[Diagnostic]) -> str:
    """``source`` with the edits of every diagnostic's fix applied (fixes must not overlap).

    Equal fixes count once, as in fix mode: the findings of one statement share its fix.
    """
    fixes = dict.fromkeys(d.fix for d in diagnostics if d.fix is not None)
    edits = [edit for fix in fixes for edit in fix.edits]
    return apply_edits(source, edits)


def run_example(rule: type[LintRule], example: Valid | Invalid) -> list[str]:
    """Check one example of ``rule``; return the problems found (empty when it passes)."""
    from analyzer.rules._runner import check_source

    code = textwrap.dedent(example.code)
    label = f"{rule.CODE} {type(example).__name__} example {code!r}"
    try:
        diags = check_source(code, [rule])
    except SyntaxError as exc:
        return [f"{label}: does not parse: {exc}"]
    internal = [d for d in diags if d.code != rule.CODE]
    if internal:
        return [f"{label}: {d.code} {d.message}" for d in internal]
    if isinstance(example, Valid):
        return [f"{label}: unexpected finding at {d.line}:{d.column}: {d.message}" for d in diags]
    if not diags:
        return [f"{label}: expected a finding, got none"]
    problems = []
    first = diags[0]
    if example.line is not None and first.line != example.line:
        problems.append(f"{label}: expected line {example.line}, got {first.line}")
    if example.column is not None and first.column != example.column:
        problems.append(f"{label}: expected column {example.column}, got {first.column}")
    if example.message is not None and first.message != example.message:
        problems.append(f"{label}: expected message {example.message!r}, got {first.message!r}")
    if example.expected_fix is not None:
        if all(d.fix is None for d in diags):
            problems.append(f"{label}: expected a fix, got none")
        else:
            expected = textwrap.dedent(example.expected_fix)
            try:
                fixed = apply_fixes(code, diags)
            except ValueError as exc:
                problems.append(f"{label}: fixes cannot be applied: {exc}")
            else:
                if fixed != expected:
                    problems.append(f"{label}: expected fix {expected!r}, got {fixed!r}")
    return problems


def run_examples(rule: type[LintRule]) -> list[str]:
    """Check every VALID and INVALID example of ``rule``; empty when all pass."""
    problems: list[str] = []
    examples: list[Valid | Invalid] = [*rule.VALID, *rule.INVALID]
    for example in examples:
        problems.extend(run_example(rule, example))
    return problems
