"""README's rule table is generated from the registry, and says what the rules declare."""
from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.interfaces import main
from analyzer.interfaces._rule_table import BEGIN, END, markdown_table, splice
from analyzer.loading import Registry, rule_info
from analyzer.rules import Invalid, LintRule, RuleClass, check_source
from plugins import builtin_rules

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_table_is_what_the_registry_says():
    current = README.read_text(encoding="utf-8")
    wanted = splice(current, markdown_table(Registry.builtin()))
    assert current == wanted, "README.md's rule table is stale: run python tools/rule_table.py"


def test_every_registered_code_has_its_row():
    table = markdown_table(Registry.builtin())
    for info in Registry.builtin():
        assert f"\n| {info.code} | {info.name} |" in table


class _Sample(LintRule):
    """X1: a rule the table must pick up from the registry, not from a list."""

    CODE = "X1"
    NAME = "sample"
    MESSAGE = "sample"
    TREE = "ast"
    FIXABLE = True
    FIX_APPLICABILITY = "unsafe"
    EQUIVALENT = "ruff X1 | flake8 X1"
    EQUIVALENT_NOTE = "unlike ruff, it says so"


def test_a_rows_cells_come_from_the_rule_class():
    table = markdown_table([rule_info(_Sample)])
    assert "| X1 | sample | A rule the table must pick up from the registry, not from a list. " \
           "| unsafe | ruff X1 \\| flake8 X1 |" in table
    assert "- **X1**: unlike ruff, it says so." in table


def test_splice_replaces_only_the_marked_section():
    document = f"intro\n{BEGIN}\nold\n{END}\noutro\n"
    assert splice(document, "new\n") == f"intro\n{BEGIN}\nnew\n{END}\noutro\n"
    with pytest.raises(ValueError, match="no"):
        splice("no markers\n", "new\n")


def test_shoal_rules_prints_the_table(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["rules", "--output-format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| code | name | what | fix | equivalent |\n")
    assert "| E731 | lambda-assignment |" in out and "| unsafe | pycodestyle E731, ruff E731 |" in out


def _declared(rule: RuleClass) -> str:
    return str(getattr(rule, "FIX_APPLICABILITY", "") or "")


@pytest.mark.parametrize(
    "rule", [r for r in builtin_rules() if _declared(r)], ids=lambda r: r.CODE)
def test_the_declared_applicability_is_what_the_fixes_carry(rule):
    declared = _declared(rule)
    assert rule.FIXABLE and declared.split()[0] in ("safe", "unsafe")
    seen = set()
    for example in rule.INVALID:
        if isinstance(example, Invalid) and example.expected_fix is not None:
            for finding in check_source(example.code, [rule]):
                if finding.fix is not None:
                    seen.add(finding.fix.applicability)
    # The first word is the usual applicability; any other one must be named in the note.
    assert declared.split()[0] in seen
    assert all(kind in declared for kind in seen)

