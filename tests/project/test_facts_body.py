"""The facts body a check extracts: only the fields its project rules declare reading
(``ProjectRule.READS_BODY``), with the calls when the facts outlive the check (its key
records read them), every field when one of the rules does not say; a field left out raises
when read, and the interface digests do without the references left out."""
from __future__ import annotations

import ast
import itertools
import pickle
import textwrap
from pathlib import Path

import pytest

from analyzer.engine import run_check
from analyzer.engine._jobs import facts_body
from analyzer.engine._tasks import RunContext
from analyzer.model import ModuleFacts, NotExtracted, extract_facts
from analyzer.model._digests import interface_digests
from analyzer.model._facts import BODY_FIELDS, FieldNotExtracted
from analyzer.rules import ProjectRule, RuleSettings, SourceLines
from plugins.dead_code import UnusedDefinition
from plugins.project_rules import CallSignatureMismatch, ImportMissingName, MissingModuleAttribute
from tests.incremental.support import make_plan, write

SOURCE = textwrap.dedent("""\
    import os
    import json as j
    from pkg import helper

    __all__ = ["run"]

    def run(path):
        helper(path, 2)
        getattr(os, "sep")
        return j.dumps(os.path.join(path, "x")), "used_name"

    def used_name():
        return run("a")

    def only_named_through_itself():
        import m as itself
        return itself.only_named_through_itself
    """)


def facts(body: frozenset[str] | None) -> ModuleFacts:
    return extract_facts(ast.parse(SOURCE), module="m", path="m.py", is_package=False,
                         lines=SourceLines(SOURCE), body=body)


SUBSETS = [frozenset(c) for n in range(len(BODY_FIELDS) + 1)
           for c in itertools.combinations(BODY_FIELDS, n)]


@pytest.mark.parametrize("body", SUBSETS, ids=lambda b: "+".join(sorted(b)) or "none")
def test_each_field_asked_for_is_the_full_extractions_and_the_others_are_left_out(body):
    full = facts(None)
    assert all(getattr(full, name) for name in BODY_FIELDS)  # the sample has every field
    # A use seen only as a reference of the module to itself: ``uses`` needs the references.
    assert "only_named_through_itself" in full.uses
    lean = facts(body)
    for name in BODY_FIELDS:
        if name in body:
            assert getattr(lean, name) == getattr(full, name), name
        else:
            assert isinstance(getattr(lean, name), NotExtracted), name
    # The head does not depend on the body asked for.
    assert (lean.exports, lean.imports, lean.all_names, lean.dynamic_namespace) == \
        (full.exports, full.imports, full.all_names, full.dynamic_namespace)


def test_reading_a_field_left_out_raises_and_names_the_declaration():
    lean = pickle.loads(pickle.dumps(facts(frozenset({"calls"}))))  # as phase 2 reads it
    assert lean == facts(frozenset({"calls"})) and hash(lean) == hash(facts(frozenset({"calls"})))
    assert lean != facts(frozenset({"calls", "uses"}))
    assert lean.calls == facts(None).calls
    for read in (bool, len, list, lambda field: "x" in field, lambda field: field[0]):
        with pytest.raises(FieldNotExtracted, match=r"ModuleFacts\.uses .*READS_BODY"):
            read(lean.uses)


def _context(rules: tuple[type[ProjectRule], ...], *, kept: bool) -> RunContext:
    return RunContext((), rules, RuleSettings(), key_records=kept, interface_digests=kept)


class _Silent(ProjectRule):
    CODE, NAME, MESSAGE = "X900", "silent", "m"

    def check(self, facts, index):
        pass


class _References(ProjectRule):
    CODE, NAME, MESSAGE = "X903", "references", "m"
    READS_REFERENCES = True
    READS_BODY = frozenset()

    def check(self, facts, index):
        pass


def test_the_body_is_what_the_rules_declare_and_the_key_records_read():
    assert facts_body(_context((ImportMissingName, CallSignatureMismatch), kept=False)) == \
        frozenset({"calls"})
    assert facts_body(_context((CallSignatureMismatch, MissingModuleAttribute, UnusedDefinition),
                               kept=False)) == frozenset(BODY_FIELDS)
    assert facts_body(_context((), kept=False)) == frozenset()
    # A rule that does not say may read anything.
    assert facts_body(_context((CallSignatureMismatch, _Silent), kept=False)) is None
    assert facts_body(_context((CallSignatureMismatch, _Silent), kept=True)) is None
    # Facts kept after the check (a cache, a session) add the calls their key records read.
    assert facts_body(_context((ImportMissingName,), kept=True)) == frozenset({"calls"})
    assert facts_body(_context((MissingModuleAttribute,), kept=True)) == \
        frozenset({"attributes", "calls"})
    # Digests without key records (a check without a cache whose rules read them) add none.
    assert facts_body(RunContext((), (ImportMissingName,), RuleSettings(), key_records=False,
                                 interface_digests=True)) == frozenset()
    # index.references reads the other modules' references, declared or not.
    assert facts_body(_context((_References,), kept=False)) == frozenset({"references"})


def test_the_digests_leave_out_the_references_only_when_they_were_not_extracted():
    whole = interface_digests(facts(None))
    refs = {key for key in whole if key.startswith("ref[")}
    assert refs  # the sample references names in other modules
    assert interface_digests(facts(frozenset({"references"}))) == whole
    lean = interface_digests(facts(frozenset({"calls"})))
    assert lean == {key: value for key, value in whole.items() if key not in refs}


RULES = '''\
from analyzer.rules import ProjectRule

class Counts(ProjectRule):
    """Says how many of each body field its module has: declares nothing, so reads all."""
    CODE, NAME, MESSAGE = "X901", "counts", "m"

    def check(self, facts, index):
        fields = ("calls", "attributes", "references", "uses")
        self.report(1, 1, " ".join(f"{name}={len(getattr(facts, name))}" for name in fields))

class Undeclared(ProjectRule):
    """Reads the calls and declares reading nothing."""
    CODE, NAME, MESSAGE = "X902", "undeclared", "m"
    READS_BODY = frozenset()

    def check(self, facts, index):
        for call in facts.calls:
            self.report(call.line, call.column, "a call")

class UsesUndeclared(ProjectRule):
    """Reads the uses and declares reading the calls."""
    CODE, NAME, MESSAGE = "X904", "uses-undeclared", "m"
    READS_BODY = frozenset({"calls"})

    def check(self, facts, index):
        self.report(1, 1, f"uses={len(facts.uses)}")
'''


def _run(root: Path, select: str, cache: Path | None) -> list[tuple[str, int, str, str]]:
    result = run_check(make_plan(root, workers=2, select=select, cache_dir=cache))
    return [(Path(d.path).name, d.line, d.code, d.message) for d in result.diagnostics]


def _project(root: Path) -> None:
    write(root, {"pyproject.toml": '[tool.shoal]\nplugins = ["rules.py"]\n', "rules.py": RULES,
                 "m.py": SOURCE, "pkg/__init__.py": "def helper(a, b):\n    pass\n"})


def test_a_rule_that_does_not_declare_reads_every_field_in_a_check_without_a_cache(tmp_path):
    _project(tmp_path)
    uncached = _run(tmp_path, "X901,SH002", None)
    assert ("m.py", 1, "X901", "calls=3 attributes=2 references=4 uses=3") in uncached
    assert uncached == _run(tmp_path, "X901,SH002", tmp_path / "cache")


def test_a_rule_reading_a_field_it_did_not_declare_fails_without_a_cache(tmp_path):
    """An SH900 on each module, with or without calls: the failure is per module, and the
    run goes on. With a cache the calls are extracted for the key records, and the same rule
    works."""
    _project(tmp_path)
    (tmp_path / "n.py").write_text("import os\nos.getcwd()\n", encoding="utf-8")
    failures = [d for d in _run(tmp_path, "X902", None) if d[2] == "SH900"]
    assert sorted(d[0] for d in failures) == ["__init__.py", "m.py", "n.py", "rules.py"]
    assert all("READS_BODY" in d[3] for d in failures)
    cached = _run(tmp_path, "X902", tmp_path / "cache")
    assert sorted((d[0], d[2]) for d in cached) == [("m.py", "X902")] * 3 + [("n.py", "X902")]


def test_with_a_cache_too_a_field_no_rule_declares_is_left_out(tmp_path):
    """The facts a cache keeps serve only checks of the same rules: a field none of them
    declares is not extracted there either, and reading it fails the same way."""
    _project(tmp_path)
    for cache in (None, tmp_path / "cache", tmp_path / "cache"):  # cold, cold cached, warm
        found = _run(tmp_path, "X904", cache)
        assert sorted(d[0] for d in found if d[2] == "SH900") == \
            ["__init__.py", "m.py", "rules.py"], cache
        assert not [d for d in found if d[2] == "X904"]
