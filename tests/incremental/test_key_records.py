"""The heap's key records (``engine._insight_keys``): phase 1 leaves each module's nameable
keys beside its facts, the view of ``shoal deps`` names the dependency table with them, and
they follow their facts through edits, deletions and renames."""
from __future__ import annotations

from dataclasses import fields

import pytest

from analyzer.engine._hygiene import referenced
from analyzer.engine._insight import build_insight
from analyzer.engine._insight_keys import drop_key_records, read_key_records

FILES = {
    "pkg/__init__.py": "from .core import run\n__all__ = ['run']\n",
    "pkg/core.py": "import os.path\nfrom pkg import util as u\n\ndef run(x):\n"
                   "    return u.helper(x) + os.path.join('a', 'b')\n",
    "pkg/util.py": "def helper(x):\n    return x\n",
    "star.py": "from pkg.util import *\nhelper(1)\n",
    "app.py": "import pkg.core\nfrom pkg import run\npkg.core.run(1)\nrun(2)\n",
    # ``pkg.sub:leaf`` is named by this call alone (no import names it).
    "pkg/sub/__init__.py": "",
    "pkg/sub/leaf.py": "def go():\n    pass\n",
    "deep.py": "import pkg.sub\npkg.sub.leaf.go(1)\n",
}


def _view(session):
    insight = build_insight(session.state, session.heap, "test")
    return {f.name: getattr(insight, f.name) for f in fields(insight) if f.name != "_lazy"}


def test_the_view_from_key_records_is_the_view_from_the_facts(engine):
    e = engine(FILES)
    from_records = _view(e.session)
    assert from_records["key_readers"], "the project rules read nothing: the test is empty"
    assert from_records["with_all"] == frozenset({"pkg"})
    # Every edge the rules recorded is named: by an import, a call or a module's own keys.
    assert from_records["unnamed_edges"] == 0
    readers = {key: {m for rid in ids for m in from_records["readers"][rid]}
               for key, ids in from_records["key_readers"].items()}
    assert readers["pkg.sub:leaf"] == {"deep"} and readers["pkg.util:helper"] == {"pkg.core"}
    # Without the records the view reads every module's facts, as it did before them.
    drop_key_records(e.session.heap, referenced(e.session.state))
    assert _view(e.session) == from_records


def test_records_follow_their_facts_through_edits_deletions_and_renames(engine):
    e = engine(FILES)
    heap = e.session.heap
    steps = [
        {"pkg/util.py": "def helper(x, y=0):\n    return x\n"},
        {"star.py": None},
        {"app.py": None, "main.py": FILES["app.py"]},
    ]
    before = referenced(e.session.state)
    for edits in steps:
        e.edit(edits)
        now = referenced(e.session.state)
        assert all(r is not None for r in read_key_records(heap, sorted(now)))
        gone = sorted(before - now)
        assert gone and read_key_records(heap, gone) == [None] * len(gone)
        before = now


@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("key_records", [True, False])
def test_a_session_told_no_one_reads_its_heap_writes_no_records(tmp_path, workers,
                                                                key_records):
    from analyzer.engine import Session
    from analyzer.engine._tasks import facts_key
    from tests.incremental.support import make_plan, write

    write(tmp_path, {"pyproject.toml": "[tool.shoal]\n", **FILES})
    with Session(make_plan(tmp_path, workers=workers), one_shot=True) as session:
        session.outlived = key_records
        session.check()
        keys = [facts_key(m, *entry) for m, entry in session.state.modules.items()]
        records = read_key_records(session.heap, keys)
        facts = session.heap.table("facts").get_many(keys)
    assert len(keys) == 8 and all(f is not None for f in facts)
    assert all((r is not None) is key_records for r in records)


@pytest.mark.parametrize("cached", [True, False])
def test_a_check_writes_records_only_where_its_heap_outlives_it(tmp_path, monkeypatch, cached):
    """With a cache the heap is saved, and a later ``shoal deps`` reads the records; without
    one it goes with the check."""
    from analyzer.engine import Session, run_check
    from tests.incremental.support import make_plan, write

    seen: list[bool] = []
    real = Session.check

    def check(self, *args, **kwargs):
        seen.append(self.outlived)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Session, "check", check)
    write(tmp_path / "p", {"pyproject.toml": "[tool.shoal]\n", **FILES})
    plan = make_plan(tmp_path / "p", cache_dir=tmp_path / "cache" if cached else None)
    assert run_check(plan).diagnostics
    assert seen == [cached]


#: ``unused`` is defined and read nowhere; ``helper`` is read by another module only.
DEFINITIONS = {
    "pyproject.toml": "[tool.shoal]\n",
    "lib.py": "def helper():\n    pass\n\ndef unused():\n    pass\n",
    "app.py": "from lib import helper\nhelper()\n",
}


@pytest.mark.parametrize("select, digests", [("F401,SH001", False), ("SH005", True)])
def test_a_check_without_a_cache_makes_interface_digests_only_for_its_own_rules(
        tmp_path, monkeypatch, select, digests):
    """SH005 reads who references what from them, in this very check; the others do not,
    and without a cache no later update does."""
    import analyzer.engine._jobs as jobs
    from analyzer.engine import run_check
    from tests.incremental.support import make_plan, write

    write(tmp_path / "p", DEFINITIONS)
    cached = run_check(make_plan(tmp_path / "p", select=select, cache_dir=tmp_path / "c"))
    made: list[bool] = []
    real = jobs.module_summary

    def summary(facts, digests=True):
        made.append(digests)
        return real(facts, digests)

    monkeypatch.setattr(jobs, "module_summary", summary)
    uncached = run_check(make_plan(tmp_path / "p", select=select))
    assert made and set(made) == {digests}
    assert uncached.diagnostics == cached.diagnostics
    if select == "SH005":
        assert [(d.path.rsplit("/", 1)[-1], d.line) for d in uncached.diagnostics] == [
            ("lib.py", 4)]


def test_a_check_without_a_cache_makes_interface_digests_for_its_fact_extractors(tmp_path):
    """The modules holding each plugin fact are found from the digests' ``fact[NAME]``
    entries: the README's route rule, two modules declaring one route."""
    from analyzer.engine import run_check
    from tests.incremental.support import make_plan, write
    from tests.incremental.test_invariant import PLUGIN

    route = 'from flask import app\n@app.route("/a")\ndef {}():\n    pass\n'
    write(tmp_path / "p", {"pyproject.toml": '[tool.shoal]\nplugins = ["tools/routes.py"]\n',
                           "tools/routes.py": PLUGIN, "a.py": route.format("f"),
                           "b.py": route.format("g")})
    cached = run_check(make_plan(tmp_path / "p", select="X301", cache_dir=tmp_path / "c"))
    uncached = run_check(make_plan(tmp_path / "p", select="X301"))
    assert uncached.diagnostics == cached.diagnostics
    assert {d.code for d in uncached.diagnostics} == {"X301"}
