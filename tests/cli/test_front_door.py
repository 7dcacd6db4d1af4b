"""The front door (``analyzer.interfaces._front``): a command run again with nothing changed
prints its kept answer from a front record, without taking the long way (parsing options,
loading rules, discovering, reading the cache); anything its answer was made from that moved
sends it the long way, which answers afresh."""
from __future__ import annotations

import os
import shutil

import pytest

from tests.cli.helpers import write_tree

FILES = {
    "pkg/__init__.py": "",
    "pkg/a.py": "import os\n\n\ndef helper(x):\n    return x\n",
    "pkg/b.py": "from pkg.a import helper\nimport sys\n\nhelper(1)\n",
    ".gitignore": "*.tmp\n",
    "pkg/.gitignore": "*.tmp\n",
}
COMMANDS = [("check", "--workers", "0"), ("check", "--workers", "0", "-q"),
            ("deps", "pkg.a:helper", "--workers", "0"), ("graph", "--workers", "0")]


@pytest.fixture
def tree(project):
    os.mkdir(project / ".git")  # a git work tree: .gitignore files count
    # Made by a first run, it moves the root's mtime: a first run's record is never valid.
    os.mkdir(project / ".shoal_cache")
    write_tree(project, FILES)
    return project


@pytest.fixture
def long_way(monkeypatch):
    """Count the runs that took the long way (``_cli.main``); ``refuse()`` makes one fail."""
    import analyzer.engine as engine
    import analyzer.engine._changes as changes
    import analyzer.interfaces._cli as cli

    # Files written by the test are seconds old at most: with the racy window the long way
    # would (rightly) never vouch for them; the window's own test is below.
    monkeypatch.setattr(changes, "RACY_WINDOW_NS", 0)
    monkeypatch.setattr(engine, "RACY_WINDOW_NS", 0)
    real = cli.main
    calls = []

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    def refuse() -> None:
        def fail(*args, **kwargs):
            raise AssertionError("took the long way although a front record should answer")
        monkeypatch.setattr(cli, "main", fail)

    monkeypatch.setattr(cli, "main", counted)
    counted.calls = calls
    counted.refuse = refuse
    return counted


def _records(root):
    return sorted((root / ".shoal_cache" / "front").glob("*"))


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_the_same_command_again_is_answered_at_the_front_door(tree, shoal, long_way, args):
    first = shoal(*args)
    assert _records(tree), "the long way kept no front record"
    long_way.refuse()
    again = shoal(*args)
    assert (again.code, again.out, again.err) == (first.code, first.out, "")
    assert first.out.strip()


def _edit_content(root):
    with open(root / "pkg" / "b.py", "a", encoding="utf-8") as f:
        f.write("import json\n")


def _add_file(root):
    (root / "pkg" / "c.py").write_text("import re\n", encoding="utf-8")


def _delete_file(root):
    (root / "pkg" / "b.py").unlink()


def _rename_file(root):
    os.rename(root / "pkg" / "b.py", root / "pkg" / "c.py")


def _configure(root):
    (root / "pyproject.toml").write_text('[tool.shoal]\nignore = ["F401"]\n', encoding="utf-8")


def _gitignore(root):
    # Edited in place: the directory's mtime does not move, the file's stat does.
    with open(root / ".gitignore", "a", encoding="utf-8") as f:
        f.write("pkg/b.py\n")


def _nested_gitignore(root):
    with open(root / "pkg" / ".gitignore", "a", encoding="utf-8") as f:
        f.write("b.py\n")


def _new_directory(root):
    os.mkdir(root / "pkg" / "sub")
    (root / "pkg" / "sub" / "__init__.py").write_text("import abc\n", encoding="utf-8")


EDITS = [_edit_content, _add_file, _delete_file, _rename_file, _configure, _gitignore,
         _nested_gitignore, _new_directory]


@pytest.mark.parametrize("edit", EDITS, ids=lambda f: f.__name__.strip("_"))
def test_anything_the_answer_was_made_from_moving_takes_the_long_way(tree, shoal, long_way,
                                                                     edit):
    args = ("check", "--workers", "0")
    before = shoal(*args)
    assert shoal(*args).out == before.out
    assert len(long_way.calls) == 1, "the record was not valid before the edit"
    edit(tree)
    after = shoal(*args)
    assert len(long_way.calls) == 2, "answered at the front door after an edit"
    fresh = shoal(*args, "--no-cache")
    assert (after.code, after.out) == (fresh.code, fresh.out)
    assert after.out != before.out


@pytest.mark.parametrize("where", ["", "sub/"])
def test_named_files_outside_any_project_are_answered_at_the_front_door(tmp_path, monkeypatch,
                                                                        shoal, long_way, where):
    # Files named outside any project (no configuration, no .git): the index is those files,
    # no directory is walked, and the record stands on the files (and the markers) alone. In
    # a subdirectory, the cache (and the record) lies in it, not in the working directory.
    monkeypatch.chdir(tmp_path)
    os.makedirs(tmp_path / where / ".shoal_cache")
    write_tree(tmp_path, {f"{where}a.py": "import os\n",
                          f"{where}b.py": "from a import nope\nimport sys\n"})
    args = ("check", "--workers", "0", f"{where}a.py", f"{where}b.py")
    first = shoal(*args)
    assert first.code == 1 and "F401" in first.out
    assert shoal(*args).out == first.out
    assert len(long_way.calls) == 1, "the named files' answer kept no valid record"
    (tmp_path / where / "c.py").write_text("import re\n", encoding="utf-8")  # not named
    assert shoal(*args).out == first.out and len(long_way.calls) == 1
    assert shoal(*args, "--no-cache").out == first.out  # the long way agrees (call 2)
    with open(tmp_path / where / "b.py", "a", encoding="utf-8") as f:
        f.write("import json\n")
    after = shoal(*args)
    assert len(long_way.calls) == 3 and after.out != first.out
    _configure(tmp_path)
    configured = shoal(*args)
    assert len(long_way.calls) == 4 and "F401" not in configured.out


def test_a_deleted_directory_takes_the_long_way(tree, shoal, long_way):
    _new_directory(tree)
    before = shoal("check", "--workers", "0")
    assert shoal("check", "--workers", "0").out == before.out
    assert len(long_way.calls) == 1
    shutil.rmtree(tree / "pkg" / "sub")
    after = shoal("check", "--workers", "0")
    assert len(long_way.calls) == 2
    assert "pkg/sub" in before.out and "pkg/sub" not in after.out


def test_each_invocation_has_its_own_record(tree, shoal, long_way, monkeypatch):
    shoal("check", "--workers", "0")
    shoal("check", "--workers", "0", "--exit-zero")
    # The environment shoal reads is part of the invocation.
    monkeypatch.setenv("NO_COLOR", "1")
    shoal("check", "--workers", "0")
    assert len(long_way.calls) == 3
    assert len(_records(tree)) == 3
    long_way.refuse()
    assert shoal("check", "--workers", "0").code == 1
    monkeypatch.delenv("NO_COLOR")
    assert shoal("check", "--workers", "0", "--exit-zero").code == 0


def test_a_damaged_or_foreign_record_is_not_read(tree, shoal, long_way):
    first = shoal("check", "--workers", "0")
    (record,) = _records(tree)
    data = record.read_bytes()
    assert shoal("check", "--workers", "0").out == first.out
    assert len(long_way.calls) == 1
    record.write_bytes(data[:-5])  # truncated: its checksum no longer matches
    assert shoal("check", "--workers", "0").out == first.out
    assert len(long_way.calls) == 2
    os.chmod(record, 0o666)  # another user could have written it
    assert shoal("check", "--workers", "0").out == first.out
    assert len(long_way.calls) == 3


def test_an_answer_that_came_with_a_warning_keeps_no_record(tree, shoal, long_way):
    (tree / "pyproject.toml").write_text("[tool.shoal]\n[tool.shoal.options.F401]\nbogus = 1\n",
                                         encoding="utf-8")
    for _ in range(2):
        run = shoal("check", "--workers", "0")
        assert "never reads option 'bogus'" in run.err  # the front door would drop it
    assert _records(tree) == []


def test_an_answer_written_to_a_file_keeps_no_record(tree, shoal, long_way):
    shoal("check", "--workers", "0", "--output-file", "out.txt")
    shoal("check", "--workers", "0", "--output-file", "out.txt")
    assert _records(tree) == []


def test_files_changed_within_the_racy_window_keep_no_record(tree, shoal):
    # The real window: every file of this tree was written an instant ago, so a later edit
    # within the same clock tick would leave its stat unchanged; no record may vouch for it.
    shoal("check", "--workers", "0")
    shoal("check", "--workers", "0")
    assert _records(tree) == []


def test_only_the_newest_records_are_kept(tree, shoal, long_way, monkeypatch):
    monkeypatch.setattr("analyzer.interfaces._front_write.MAX_RECORDS", 2)
    for extra in ([], ["-q"], ["--exit-zero"]):
        shoal("check", "--workers", "0", *extra)
    assert len(_records(tree)) == 2


def test_a_file_read_within_the_racy_window_keeps_no_record(tree, shoal, monkeypatch):
    # Only the files' own guard is left: the directories, configuration and build may vouch.
    monkeypatch.setattr("analyzer.engine.RACY_WINDOW_NS", 0)
    shoal("check", "--workers", "0")
    shoal("check", "--workers", "0")
    assert _records(tree) == []
    monkeypatch.setattr("analyzer.engine._changes.RACY_WINDOW_NS", 0)
    shoal("check", "--workers", "0")
    assert _records(tree), "no record even once the files vouch"


@pytest.fixture
def view_only(monkeypatch):
    """Make the long way and the answer records fail: what runs after this was answered from
    a view record (a query of the same options, not asked before)."""
    import analyzer.interfaces._cli as cli

    def arm() -> None:
        def fail(*args, **kwargs):
            raise AssertionError("took the long way although the view record should answer")
        monkeypatch.setattr(cli, "main", fail)
        monkeypatch.setattr("analyzer.interfaces.front_answer", lambda argv: None)
    return arm


@pytest.mark.parametrize("first, then", [
    (("deps", "pkg.a:helper"), ("deps", "pkg.a")),
    (("deps", "pkg.a:helper"), ("deps", "pkg.b", "--direction", "dependencies",
                                "--output-format", "json")),
    (("graph",), ("graph", "pkg.a", "--output-format", "mermaid")),
    (("graph",), ("graph", "--package-level", "--output-format", "json")),
], ids=["deps-module", "deps-json", "graph-filter", "graph-packages"])
def test_a_new_query_is_answered_from_the_view_record(tree, shoal, long_way, view_only,
                                                       monkeypatch, first, then):
    import analyzer.interfaces._front_view as front_view

    shoal(*first, "--workers", "0")
    with monkeypatch.context() as patch:  # the long way: what the view must answer
        patch.setattr(front_view, "view_answer", lambda argv: None)
        expected = shoal(*then, "--workers", "0")
    assert len(long_way.calls) == 2
    view_only()
    again = shoal(*then, "--workers", "0")
    assert (again.code, again.out, again.err) == (expected.code, expected.out, "")
    assert again.out.strip()


def test_a_query_error_from_the_view_is_the_long_ways(tree, shoal, long_way, view_only,
                                                      monkeypatch):
    import analyzer.interfaces._front_view as front_view

    shoal("deps", "pkg.a:helper", "--workers", "0")
    with monkeypatch.context() as patch:
        patch.setattr(front_view, "view_answer", lambda argv: None)
        expected = shoal("deps", "pkg.nope", "--workers", "0")
    view_only()
    again = shoal("deps", "pkg.nope", "--workers", "0")
    assert (again.code, again.err) == (expected.code, expected.err) == (2, expected.err)
    assert "no module 'pkg.nope'" in again.err


def test_other_options_or_a_moved_file_make_no_view_answer(tree, shoal, long_way):
    shoal("deps", "pkg.a:helper", "--workers", "0")
    shoal("deps", "pkg.a", "--workers", "0", "--select", "SH001")  # another view
    assert len(long_way.calls) == 2
    shoal("deps", "pkg.b", "--workers", "0")  # the first view answers
    assert len(long_way.calls) == 2
    _add_file(tree)
    shoal("deps", "pkg.c", "--workers", "0")
    assert len(long_way.calls) == 3, "answered from a view whose files moved"


@pytest.mark.parametrize("argv", [
    ["deps", "pkg.a"], ["-v", "deps", "pkg.a:helper", "--transitive", "--select", "SH,F"],
    ["deps", "x", "--direction", "dependencies", "--output-format", "json", "--workers", "2"],
    ["graph"], ["graph", "pkg", "lib", "--package-level", "--output-format", "mermaid",
                "--config", "c.toml", "--no-cache"],
])
def test_the_view_doors_parser_reads_a_query_as_the_long_way_does(argv):
    from analyzer.interfaces._parser import build_parser

    assert vars(build_parser(only="insight").parse_args(argv)) == vars(
        build_parser().parse_args(argv))


def test_an_absent_build_output_is_answered_at_the_front_door_until_it_is_built(
        tree, shoal, long_way):
    # .gitignore names pkg/_version.py (setuptools-scm): a module before it exists, whose
    # folder's mtime witnesses its creation.
    with open(tree / ".gitignore", "a", encoding="utf-8") as f:
        f.write("pkg/_version.py\n")
    (tree / "pkg" / "c.py").write_text("from pkg._version import version\nprint(version)\n")
    args = ("check", "--workers", "0")
    before = shoal(*args)
    assert "_version" not in before.out
    assert shoal(*args).out == before.out
    assert len(long_way.calls) == 1, "an absent build output kept the front door shut"
    (tree / "pkg" / "_version.py").write_text("version = '1'\n")
    after = shoal(*args)
    assert len(long_way.calls) == 2, "answered at the front door after the build"
    assert after.out == before.out  # still no finding about it


def test_a_meson_build_edit_takes_the_long_way(tree, shoal, long_way):
    # An edit of a file keeps its folder's mtime: the record reads the meson.build files
    # themselves, since what they name may be a build output (Discovery.outputs).
    (tree / "pkg" / "meson.build").write_text("py.install_sources(['a.py'])\n")
    (tree / "pkg" / "c.py").write_text("from pkg import _made\nprint(_made)\n")
    args = ("check", "--workers", "0")
    before = shoal(*args)
    assert "_made" in before.out
    assert shoal(*args).out == before.out
    assert len(long_way.calls) == 1, "the record was not valid before the edit"
    (tree / "pkg" / "meson.build").write_text("py.extension_module('_made', 'made.c')\n")
    after = shoal(*args)
    assert len(long_way.calls) == 2, "answered at the front door after the edit"
    assert "_made" not in after.out


def test_a_nested_or_extended_ruff_file_edit_takes_the_long_way(tree, shoal, long_way):
    # A nested ruff file and the file it extends are read by the run: edited in place, they
    # keep every folder's mtime, so the record reads their content too.
    (tree / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    nested = [p for p in tree.rglob("*.py") if p.parent != tree][0].parent
    (nested / "ruff.toml").write_text('extend = "base.toml"\n')
    (nested / "base.toml").write_text("[lint]\nextend-ignore = ['E501']\n")
    args = ("check", "--workers", "0")
    before = shoal(*args)
    assert shoal(*args).out == before.out
    assert len(long_way.calls) == 1, "the record was not valid before the edit"
    (nested / "base.toml").write_text("[lint]\nextend-ignore = ['F', 'E']\n")
    after = shoal(*args)
    assert len(long_way.calls) == 2, "answered at the front door after the edit"
    assert after.out != before.out


@pytest.mark.parametrize("name", ["ruff.toml", ".ruff.toml"])
def test_a_ruff_configuration_edit_takes_the_long_way(tree, shoal, long_way, name):
    # No [tool.shoal]: the project's ruff file lends its settings. Edited in place, it keeps
    # the root's mtime: the record reads its content.
    (tree / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tree / name).write_text("[lint]\nextend-ignore = ['E501']\n")
    args = ("check", "--workers", "0")
    before = shoal(*args)
    assert "F401" in before.out
    assert shoal(*args).out == before.out
    assert len(long_way.calls) == 1, "the record was not valid before the edit"
    (tree / name).write_text("[lint]\nextend-ignore = ['F401']\n")
    after = shoal(*args)
    assert len(long_way.calls) == 2, "answered at the front door after the edit"
    assert "F401" not in after.out
