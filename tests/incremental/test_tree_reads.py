"""Another module's tree through the index (issue 15, part 3): ``index.tree(module)`` records
``content[module]``, which every edit of that module fires, a body-only one included.

The rule is a plugin named in the project's configuration, as a user would write one
(``tests/data/ignored_keyword.py``, X960): a call passing a keyword that the callee takes in
``**kwargs`` and whose body never reads. Only the callee's body says which keys it reads, so
the caller reads the callee module's tree. Every step is compared with a cold check
(``Engine.edit``), and the recheck sets are pinned: the readers of the edited module's
content and nothing else.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from support import codes, json_watch, make_plan, matches_cold_json, project, write

import analyzer.engine._jobs as jobs
import analyzer.engine._tree_reads as tree_reads
import analyzer.engine._trees as trees
from analyzer.engine import Session, run_check
from analyzer.engine._hygiene import referenced
from analyzer.model import content_key, dep_id
from analyzer.testing import add_rule_tests
from tests.data.ignored_keyword import IgnoredKeyword

PLUGIN = (Path(__file__).resolve().parents[1] / "data" / "ignored_keyword.py").read_text()

LIB = 'def draw(x, **options):\n    return options.get("color")\n'
#: The same interface (facts and digests), another body: it reads "colour", not "color".
LIB_BODY_EDITED = 'def draw(x, **options):\n    return options.get("colour")\n'

FILES = {
    "pyproject.toml": '[tool.shoal]\nplugins = ["lint/ignored_keyword.py"]\n',
    "lint/ignored_keyword.py": PLUGIN,
    "lib.py": LIB,
    # two readers of lib's tree: a call with a keyword of draw
    "app.py": 'from lib import draw\n\ndraw(1, colour="red")\ndraw(1, color="red")\n',
    "other.py": "import lib\n\nlib.draw(2, size=3)\n",
    # reads lib:draw (SH001's lookup, X960's too), never lib's tree: no keyword
    "plain.py": "from lib import draw\n\ndraw(3)\n",
    "unrelated.py": "def z():\n    return 1\n",
}

SELECT = "X960,SH001,F401"


@pytest.fixture(autouse=True)
def every_tree_pickled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The files here are small: store their trees, not their source."""
    monkeypatch.setattr(trees, "PARSE_BELOW", 0)


def x960(diagnostics) -> list[tuple[str, int, str]]:
    return [(Path(d.path).name, d.line, d.message) for d in diagnostics if d.code == "X960"]


#: The rule's own VALID/INVALID projects, through the harness as for any plugin rule: the
#: harness's index hands out the example modules' trees.
add_rule_tests(globals(), [IgnoredKeyword])

COLD = [("app.py", 3, "draw() ignores the keyword 'colour'"),
        ("other.py", 3, "draw() ignores the keyword 'size'")]


def test_cold_a_rule_reads_the_callees_body(engine) -> None:
    e = engine(FILES, select=SELECT)
    assert x960(e.diagnostics) == COLD


def test_a_body_only_edit_rechecks_the_readers_of_its_tree_and_no_other(engine) -> None:
    e = engine(FILES, select=SELECT)
    report = e.edit({"lib.py": LIB_BODY_EDITED})
    # plain reads lib:draw, which did not change; app and other read lib's content
    assert report.modules_rechecked == {"lib", "app", "other"}
    assert x960(e.diagnostics) == [("app.py", 4, "draw() ignores the keyword 'color'"),
                                   ("other.py", 3, "draw() ignores the keyword 'size'")]
    # a comment is an edit too: the content is what the readers read
    report = e.edit({"lib.py": "# drawn\n" + LIB_BODY_EDITED})
    assert report.modules_rechecked == {"lib", "app", "other"}


def test_an_edit_elsewhere_rechecks_no_reader(engine) -> None:
    e = engine(FILES, select=SELECT)
    assert e.edit({"unrelated.py": "def z():\n    return 2\n"}).modules_rechecked == {
        "unrelated"}
    # a reader's own edit rechecks it alone: reading lib's tree is no dependency of lib's
    assert e.edit({"app.py": 'from lib import draw\n\ndraw(1, colour="blue")\n'}
                  ).modules_rechecked == {"app"}


def test_deleting_the_read_module_rechecks_its_readers(engine) -> None:
    e = engine(FILES, select=SELECT)
    report = e.edit({"lib.py": None})
    assert {"app", "other"} <= report.modules_rechecked
    assert x960(e.diagnostics) == []
    e.edit({"lib.py": LIB})
    assert x960(e.diagnostics) == COLD


def test_renaming_the_read_module_rechecks_its_readers(engine) -> None:
    e = engine(FILES, select=SELECT)
    # the same bytes under another name: lib is gone, and with it content[lib]
    report = e.edit({"lib.py": None, "draw_lib.py": LIB})
    assert {"app", "other"} <= report.modules_rechecked
    assert x960(e.diagnostics) == []
    # the readers follow the new name: they read draw_lib's tree from now on
    e.edit({"app.py": FILES["app.py"].replace("from lib", "from draw_lib")})
    assert x960(e.diagnostics) == [("app.py", 3, "draw() ignores the keyword 'colour'")]
    report = e.edit({"draw_lib.py": LIB_BODY_EDITED})
    assert report.modules_rechecked == {"draw_lib", "app"}
    # and back: lib appears again (other reads it again), draw_lib goes
    report = e.edit({"draw_lib.py": None, "lib.py": LIB})
    assert {"app", "other"} <= report.modules_rechecked


def test_two_readers_of_one_module_record_its_content_key(engine) -> None:
    e = engine(FILES, select=SELECT)
    readers = e.session.heap.get_deps(dep_id(content_key("lib")))
    assert {m for rid in readers for m in e.session.state.readers[rid]} == {"app", "other"}
    # a module nobody reads the tree of is read by nobody under content[]
    assert e.session.heap.get_deps(dep_id(content_key("unrelated"))) == []


def test_phase_two_loads_every_tree_from_the_heap(engine, parses) -> None:
    e = engine(FILES, select=SELECT)
    parses.clear()
    e.session.check()
    # each module parsed once, by phase 1: the readers got lib's tree from the heap
    assert parses == {"lib.py": 1, "app.py": 1, "other.py": 1, "plain.py": 1,
                      "unrelated.py": 1, "ignored_keyword.py": 1}
    parses.clear()
    e.edit({"app.py": 'from lib import draw\n\ndraw(1, colour="blue")\n'}, verify=False)
    assert parses == {"app.py": 1}


def test_modules_not_reported_keep_their_tree_too(tmp_path, monkeypatch) -> None:
    root = project(tmp_path / "p", FILES)
    monkeypatch.chdir(root)
    plan = make_plan(root, select=SELECT)
    from analyzer.interfaces import build_parser, prepare

    plan = prepare(build_parser().parse_args(
        ["check", "app.py", "--workers", "0", "--select", SELECT, "--no-cache"]))
    with Session(plan) as session:
        session.check()
        assert x960(session.state.diagnostics) == [COLD[0]]
        table = session.heap.table(trees.TREES_TABLE, codec=trees.codec(), cache_size=0)
        stored = {key.split(":")[0] for key in referenced(session.state) if table.contains(key)}
        # lib is not reported, but app reads its tree
        assert {"lib", "app", "other", "unrelated"} <= stored


def test_the_default_rules_store_no_tree_and_need_none(engine) -> None:
    e = engine(FILES, select="SH001,SH002,F401")
    table = e.session.heap.table(trees.TREES_TABLE, codec=trees.codec(), cache_size=0)
    assert not any(table.contains(key) for key in referenced(e.session.state))


# ---------------------------------------------------------------------------------------
# Trees not in the heap: parsed again from the content the facts describe


@pytest.fixture
def no_stored_trees(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every tree as if dropped for room: ``index.tree`` parses the module again."""
    monkeypatch.setattr(tree_reads, "load_tree", lambda heap, key: None)


def test_a_dropped_tree_is_parsed_again_and_finds_the_same(engine, no_stored_trees,
                                                            parses) -> None:
    e = engine(FILES, select=SELECT)  # verified against a cold check
    assert x960(e.diagnostics) == COLD
    parses.clear()
    e.edit({"lib.py": LIB_BODY_EDITED})
    assert parses["lib.py"] >= 2  # phase 1, then each reader's tree parsed again


def test_a_file_changed_since_phase_one_gives_no_tree_until_its_recheck(engine,
                                                                        no_stored_trees) -> None:
    e = engine(FILES, select=SELECT)
    # lib.py changes behind the session's back: its bytes are no longer those of its facts
    write(e.root, {"lib.py": LIB_BODY_EDITED})
    e.edit({"app.py": FILES["app.py"] + "\n"}, verify=False)
    # app is rechecked; lib's file no longer holds the content its facts describe: no tree
    # (neither the old finding nor one of the new bytes, which are not lib's facts yet)
    assert [f for f in x960(e.diagnostics) if f[0] == "app.py"] == []
    # the recheck of lib.py fires content[lib]: app is rechecked with the tree of the new bytes
    e.edit({"lib.py": LIB_BODY_EDITED})
    assert ("app.py", 4, "draw() ignores the keyword 'color'") in x960(e.diagnostics)


def _session(root: Path, select: str, heap_size: str | None = None) -> Session:
    from analyzer.interfaces import build_parser, prepare

    argv = ["check", str(root), "--workers", "0", "--select", select, "--no-cache"]
    return Session(prepare(build_parser().parse_args(
        argv + (["--heap-size", heap_size] if heap_size else [])))).open()


@pytest.mark.parametrize("headroom,factor,outcome", [(trees.HEADROOM, 4, "dropped"),
                                                      (0.0, 1.5, "given_up")])
def test_a_heap_without_room_for_trees_finds_the_same(tmp_path, monkeypatch, headroom,
                                                      factor, outcome) -> None:
    big = {f"m{i}.py": "from lib import draw\n\n"
           + "".join(f"def fn_{j}(alpha, beta):\n    return draw(alpha, colour=beta)\n\n"
                     for j in range(40)) for i in range(20)}
    root = project(tmp_path / "big", {**FILES, **big})
    monkeypatch.chdir(root)
    expected = codes(run_check(make_plan(root, select=SELECT)).diagnostics)
    assert len([c for c in expected if c[2] == "X960"]) == 2 + 20 * 40
    with _session(root, "SH001,F401") as facts_only:  # no tree stored
        facts_only.check()
        facts = facts_only.heap.stats().used_bytes
    monkeypatch.setattr(trees, "HEADROOM", headroom)
    with _session(root, SELECT, f"{int(facts * factor) // 1024 + 1}K") as session:
        session.check()
        assert codes(session.state.diagnostics) == expected
        stats = session.result().stats["trees"]
        # facts are never dropped: trees are, and the readers parse those modules again
        if outcome == "dropped":
            assert stats["dropped"] > 0 and not stats["given_up"], stats
        else:
            assert stats["given_up"], stats


def test_without_reads_trees_the_reads_parse_and_find_the_same(engine, parses) -> None:
    undeclared = PLUGIN.replace("READS_TREES = True", "READS_TREES = False")
    e = engine({**FILES, "lint/ignored_keyword.py": undeclared}, select=SELECT)
    assert x960(e.diagnostics) == COLD
    assert "trees" not in e.session.result().stats  # phase 1 stored none
    parses.clear()
    report = e.edit({"lib.py": LIB_BODY_EDITED})
    assert report.modules_rechecked == {"lib", "app", "other"}
    assert parses["lib.py"] >= 2  # phase 1, then the readers' reads parse it again
    # a buffer is still the content read, not the file
    lib = str(e.root / "lib.py")
    e.session.overlays = {lib: LIB.encode()}
    e.session.recheck([lib])
    assert x960(e.session.state.diagnostics) == COLD


# ---------------------------------------------------------------------------------------
# Editor buffers (the language server's overlays) and the warm cache


def test_a_buffers_text_is_the_content_whose_tree_is_read(engine) -> None:
    e = engine(FILES, select=SELECT)
    session = e.session
    lib = str(e.root / "lib.py")
    session.overlays = {lib: LIB_BODY_EDITED.encode()}
    report = session.recheck([lib])
    assert report.modules_rechecked == {"lib", "app", "other"}
    buffered = [("app.py", 4, "draw() ignores the keyword 'color'"),
                ("other.py", 3, "draw() ignores the keyword 'size'")]
    assert x960(session.state.diagnostics) == buffered
    assert (e.root / "lib.py").read_text() == LIB
    # closing the buffer goes back to the disk: the readers are rechecked again
    session.overlays = {}
    assert session.recheck([lib]).modules_rechecked == {"lib", "app", "other"}
    assert x960(session.state.diagnostics) == COLD


def test_a_buffer_whose_tree_was_dropped_is_parsed_from_the_buffer(engine,
                                                                    no_stored_trees) -> None:
    e = engine(FILES, select=SELECT)
    session = e.session
    lib = str(e.root / "lib.py")
    session.overlays = {lib: LIB_BODY_EDITED.encode()}
    session.recheck([lib])
    # not the file's text (on disk, lib reads "color"): the buffer's
    assert ("app.py", 4, "draw() ignores the keyword 'color'") in x960(
        session.state.diagnostics)


def test_a_warm_run_rechecks_the_readers_of_an_edited_module(tmp_path, monkeypatch,
                                                             parses) -> None:
    root = project(tmp_path / "warm", FILES)
    monkeypatch.chdir(root)
    cache = root / ".cache"
    first = run_check(make_plan(root, select=SELECT, cache_dir=cache))
    assert x960(first.diagnostics) == COLD
    parses.clear()
    hit = run_check(make_plan(root, select=SELECT, cache_dir=cache))
    # nothing changed: answered from the cache's index, no tree loaded nor parsed
    assert hit.stats["cache"] == "hit" and parses == {}
    write(root, {"lib.py": LIB_BODY_EDITED})
    parses.clear()
    warm = run_check(make_plan(root, select=SELECT, cache_dir=cache))
    assert warm.stats["cache"] == "warm"
    assert x960(warm.diagnostics) == [("app.py", 4, "draw() ignores the keyword 'color'"),
                                      ("other.py", 3, "draw() ignores the keyword 'size'")]
    assert parses == {"lib.py": 1}  # the readers' own trees came from the snapshot
    assert codes(warm.diagnostics) == codes(run_check(make_plan(root, select=SELECT)).diagnostics)


# ---------------------------------------------------------------------------------------
# Where no file may be read (a dask worker): the shipped bytes


def test_without_files_the_tree_comes_from_the_shipped_sources(engine, no_stored_trees,
                                                               monkeypatch) -> None:
    e = engine(FILES, select=SELECT)
    session = e.session
    ctx = session.heap.table(jobs.CONTEXT_TABLE)[session.state.ctx_key]
    sources = tree_reads.project_sources(ctx.modules, ctx.contents, jobs._read)
    assert set(sources) >= {"lib", "app", "other", "plain", "unrelated"}

    def no_disk(path: str) -> bytes:
        raise AssertionError(f"{path} read from the disk")

    monkeypatch.setattr(jobs, "_read", no_disk)
    index = jobs.new_project_index(ctx, session.heap, sources)
    assert ast.dump(index.tree("lib")) == ast.dump(ast.parse(LIB))
    assert jobs.new_project_index(ctx, session.heap, {}).tree("lib") is None


# ---------------------------------------------------------------------------------------
# `shoal watch`, as a user runs it


@pytest.mark.slow
def test_shoal_watch_rechecks_the_readers_after_a_body_only_edit(tmp_path, monkeypatch):
    import signal

    from tests.cli.helpers import LiveOutput, reap

    root = project(tmp_path / "proj", FILES)
    output = root / "out.json"
    monkeypatch.chdir(root)

    matches = matches_cold_json(root, output, SELECT)

    proc = json_watch(root, SELECT, output)
    try:
        live = LiveOutput(proc, 60.0)
        live.wait_for(matches, "the startup output")
        assert "ignores the keyword 'colour'" in output.read_text()
        write(root, {"lib.py": LIB_BODY_EDITED})
        live.wait_for(matches, "the recheck after the body-only edit")
        text = output.read_text()
        assert "ignores the keyword 'color'" in text and "'colour'" not in text
        write(root, {"lib.py": None})
        live.wait_for(matches, "the recheck after the deletion")
        assert "X960" not in output.read_text()
        proc.send_signal(signal.SIGINT)
        assert live.finish() == 0
    finally:
        reap(proc)
