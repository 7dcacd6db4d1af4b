"""Trees in the heap (issue 15, part 3): phase 1 stores the ``ast`` of each module when a
selected project rule needs it, phase 2 and rechecks load it, stale trees are swept, and a
heap without room for them drops trees, never facts.

The rule that needs the tree is a plugin named in the project's configuration, as a user
would write it. It reports the names of the functions its tree holds, so each finding says
which content the tree came from.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from support import codes, project, write

import analyzer.engine._jobs as jobs
import analyzer.engine._trees as trees
from analyzer.engine import Session
from analyzer.engine._hygiene import referenced
from analyzer.interfaces import build_parser, prepare

PLUGIN = '''
import ast

from analyzer.rules import ProjectRule


class FunctionsOfTheTree(ProjectRule):
    """Names the functions of the module's tree (it needs the tree)."""

    CODE = "X950"
    NAME = "functions-of-the-tree"
    MESSAGE = "m"
    NEEDS_TREE = True

    def check(self, facts, index):
        names = sorted(n.name for n in ast.walk(self.context.tree)
                       if isinstance(n, ast.FunctionDef))
        self.report(1, 1, "functions: " + " ".join(names))
'''

FILES = {
    "pyproject.toml": '[tool.shoal]\nplugins = ["lint/tree_rules.py"]\n',
    "lint/tree_rules.py": PLUGIN,
    "lib.py": "def f(a):\n    return a\n\n\ndef g():\n    pass\n",
    "use.py": "from lib import f\n\n\ndef h():\n    return f(1)\n",
    "other.py": "import lib\n\n\ndef k():\n    return lib.g()\n",
}

#: The rule that needs the tree, a project rule that reads other modules, a module rule.
SELECT = "X950,SH001,F401"


@pytest.fixture(autouse=True)
def every_tree_pickled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The files here are small: store their trees, not their source (the default; one test
    routes them to their text)."""
    monkeypatch.setattr(trees, "PARSE_BELOW", 0)


def tree_keys(session: Session) -> set[str]:
    """The facts keys of the session's files that hold a tree in the heap."""
    table = session.heap.table(trees.TREES_TABLE, codec=trees.codec(), cache_size=0)
    return {key for key in referenced(session.state) if table.contains(key)}


def key_of(session: Session, name: str) -> str:
    fs = next(fs for path, fs in session.state.files.items() if path.endswith(name))
    return jobs.facts_key(fs.task.module, fs.digest, fs.task.path)


def messages(session: Session) -> list[tuple[str, str]]:
    return [(Path(d.path).name, d.message) for d in session.state.diagnostics
            if d.code == "X950"]


def test_phase_two_gets_the_stored_tree_and_parses_nothing(engine, parses) -> None:
    e = engine(FILES, select=SELECT)
    session = e.session
    parses.clear()  # the engine compared its first check with a cold one: start over
    session.check()
    # Each module was parsed once, by phase 1; phase 2 loaded every tree.
    assert parses == {"lib.py": 1, "use.py": 1, "other.py": 1, "tree_rules.py": 1}
    for name in ("lib.py", "use.py", "other.py"):
        stored = trees.load_tree(session.heap, key_of(session, name))
        parsed = ast.parse((e.root / name).read_text())
        assert ast.dump(stored, include_attributes=True) == ast.dump(parsed,
                                                                     include_attributes=True)
    assert ("use.py", "functions: h") in messages(session)
    # two checks of four modules (the engine's first, then this one)
    assert session.result().stats["trees"] == {"stored": 8, "dropped": 0, "given_up": False}


def test_a_recheck_loads_the_tree_of_unchanged_content(engine, parses) -> None:
    e = engine(FILES, select=SELECT)
    session = e.session
    # use.py changes on disk behind the session's back: only a parse of the file sees it.
    write(e.root, {"use.py": "from lib import f\n\n\ndef behind_its_back():\n    pass\n"})
    parses.clear()
    # f's signature changes: use.py reads lib:f, so its project rules run again.
    report = session.recheck(write(e.root, {
        "lib.py": "def f(a, b):\n    return a\n\n\ndef g():\n    pass\n"}))
    assert "use" in report.modules_rechecked
    assert parses == {"lib.py": 1}  # phase 1 of the edited file, and nothing else
    assert ("use.py", "functions: h") in messages(session)  # the tree of the facts' content


def test_a_small_file_keeps_its_text_and_is_parsed_from_it(engine, parses,
                                                            monkeypatch) -> None:
    monkeypatch.setattr(trees, "PARSE_BELOW", 500)  # every file here is smaller
    e = engine(FILES, select=SELECT)
    session = e.session
    original = (e.root / "use.py").read_text()
    stored = session.heap.get(session.heap.table(trees.TREES_TABLE, codec=trees.codec(),
                                                 cache_size=0).heap_key(key_of(session, "use.py")))
    assert trees.codec().decode(stored) == original
    write(e.root, {"use.py": "from lib import f\n\n\ndef behind_its_back():\n    pass\n"})
    parses.clear()
    session.recheck(write(e.root, {
        "lib.py": "def f(a, b):\n    return a\n\n\ndef g():\n    pass\n"}))
    # lib.py by phase 1, then both modules from their stored source: never from the disk
    assert parses == {"lib.py": 2, "use.py": 1}
    assert ("use.py", "functions: h") in messages(session)


def test_the_default_rules_store_no_tree(engine) -> None:
    e = engine(FILES, select="SH001,SH002,SH003,SH004,F401")
    assert tree_keys(e.session) == set()
    assert "trees" not in e.session.result().stats


def test_stale_trees_are_swept_on_edit_and_delete(engine) -> None:
    e = engine(FILES, select=SELECT)
    session = e.session
    old_lib, old_other = key_of(session, "lib.py"), key_of(session, "other.py")
    assert tree_keys(session) == referenced(session.state)
    e.edit({"lib.py": "def f(a):\n    return a\n\n\ndef g2():\n    pass\n"})
    e.edit({"other.py": None})
    assert trees.load_tree(session.heap, old_lib) is None
    assert trees.load_tree(session.heap, old_other) is None
    assert tree_keys(session) == referenced(session.state)
    assert key_of(session, "lib.py") != old_lib


def test_a_cancelled_update_takes_its_trees_back(engine) -> None:
    from parallel import Cancelled

    e = engine(FILES, select=SELECT)
    session = e.session
    before = tree_keys(session)
    write(e.root, {"lib.py": "def f(a):\n    return a\n\n\ndef g3():\n    pass\n"})
    calls = []

    def interrupt() -> bool:
        calls.append(1)
        return len(calls) > 1  # after phase 1 stored the new tree

    with pytest.raises(Cancelled):
        session._update([fs.task for fs in session.state.files.values()],
                        {str(e.root / "lib.py")}, interrupt=interrupt)
    new_key = jobs.facts_key("lib", _digest(e.root / "lib.py"), str(e.root / "lib.py"))
    assert trees.load_tree(session.heap, new_key) is None
    assert tree_keys(session) == before


def _digest(path: Path) -> str:
    from analyzer.frontend import content_digest

    return content_digest(path.read_bytes())


# ---------------------------------------------------------------------------------------
# A heap without room for the trees

#: Enough modules for several buckets, each with a finding of every kind selected.
BIG = {f"m{i}.py": "from lib import nope\nimport os\n\n"
       + "".join(f"def fn_{i}_{j}(alpha, beta, *, gamma=1):\n    return alpha + beta\n\n"
                 for j in range(30))
       for i in range(24)}


def _session(root: Path, heap_size: str | None) -> Session:
    argv = ["check", str(root), "--workers", "0", "--select", SELECT, "--no-cache"]
    plan = prepare(build_parser().parse_args(
        argv + (["--heap-size", heap_size] if heap_size else [])))
    return Session(plan).open()


def _findings_with(root: Path, heap_size: str | None) -> tuple[list, dict, Session]:
    session = _session(root, heap_size)
    try:
        session.check()
    except BaseException:
        session.close()
        raise
    return codes(session.state.diagnostics), session.result().stats["trees"], session


@pytest.fixture
def big(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = project(tmp_path / "big", {**FILES, **BIG})
    monkeypatch.chdir(root)
    return root


def _facts_only_bytes(root: Path) -> int:
    """The heap bytes a check of ``root`` uses without trees."""
    plan = prepare(build_parser().parse_args(
        ["check", str(root), "--workers", "0", "--select", "SH001,F401", "--no-cache"]))
    with Session(plan) as session:
        session.check()
        return session.heap.stats().used_bytes


def test_a_heap_without_room_for_trees_drops_them_and_finds_the_same(big) -> None:
    expected, tally, roomy = _findings_with(big, None)
    with_trees = roomy.heap.stats().used_bytes
    roomy.close()
    assert tally["dropped"] == 0 and len([c for c in expected if c[2] == "X950"]) == 28
    # Room for the facts with the headroom to spare, not for every tree as well.
    facts = _facts_only_bytes(big)
    size = facts * 4
    assert size < with_trees
    found, tally, tight = _findings_with(big, f"{size // 1024 + 1}K")
    try:
        assert found == expected
        assert tally["dropped"] > 0 and not tally["given_up"]
        assert len(tree_keys(tight)) == tally["stored"] < 28
    finally:
        tight.close()


def test_trees_that_took_the_facts_room_are_all_dropped(big, monkeypatch) -> None:
    expected, _, roomy = _findings_with(big, None)
    roomy.close()
    # Without headroom the first buckets' trees fill the heap, and a later bucket's facts
    # do not fit: the session drops every tree and runs the update again without them.
    monkeypatch.setattr(trees, "HEADROOM", 0.0)
    size = f"{_facts_only_bytes(big) * 3 // 2 // 1024 + 1}K"
    found, tally, tight = _findings_with(big, size)
    try:
        assert found == expected
        assert tally["given_up"]
        assert tree_keys(tight) == set()
        assert tight.trees.store is False
    finally:
        tight.close()


def test_a_warm_start_loads_the_trees_its_snapshot_kept(tmp_path, monkeypatch, parses) -> None:
    from support import make_plan

    from analyzer.engine import run_check

    root = project(tmp_path / "warm", FILES)
    monkeypatch.chdir(root)
    first = run_check(make_plan(root, select=SELECT, cache_dir=root / ".cache"))
    assert first.stats["cache"] != "hit"
    write(root, {"lib.py": "def f(a, b):\n    return a\n\n\ndef g():\n    pass\n"})
    parses.clear()
    warm = run_check(make_plan(root, select=SELECT, cache_dir=root / ".cache"))
    assert warm.stats["cache"] == "warm"
    # use.py is rechecked (it reads lib:f) from the snapshot's tree; only lib.py is parsed
    assert parses == {"lib.py": 1}
    assert ("use.py", "functions: h") in [(Path(d.path).name, d.message)
                                          for d in warm.diagnostics if d.code == "X950"]
