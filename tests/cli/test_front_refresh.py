"""A view record whose project files moved because a check ran since
(``analyzer.interfaces._front_refresh``): the first query after that check is answered at
the front door, from the view of the cache's new generation (made from the kept one and
what changed), exactly as a check from scratch would answer it; anything else that moved
still takes the long way."""
from __future__ import annotations

import os

import pytest

from tests.cli.helpers import write_tree

FILES = {
    "pkg/__init__.py": "",
    "pkg/a.py": "import os\n\n\ndef helper(x):\n    return x\n",
    "pkg/b.py": "from pkg.a import helper\nimport sys\n\nhelper(1)\n",
    "pkg/c.py": "def other():\n    pass\n",
    ".gitignore": "*.tmp\n",
}
W = ("--workers", "0")


@pytest.fixture
def tree(project):
    os.mkdir(project / ".git")
    os.mkdir(project / ".shoal_cache")  # else the first run moves the root's mtime
    write_tree(project, FILES)
    return project


@pytest.fixture
def long_way(monkeypatch):
    """The runs that took the long way (``_cli.main``); files written by the test are
    seconds old at most, so the racy window is closed (its own tests are the front door's)."""
    import analyzer.engine as engine
    import analyzer.engine._changes as changes
    import analyzer.interfaces._cli as cli

    monkeypatch.setattr(changes, "RACY_WINDOW_NS", 0)
    monkeypatch.setattr(engine, "RACY_WINDOW_NS", 0)
    real = cli.main
    calls: list[object] = []

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(cli, "main", counted)
    return calls


def _edit(root, name, text):
    (root / "pkg" / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("first, then, name, text", [
    # a signature change: its reader is rechecked and reads another key
    (("deps", "pkg.a:helper"), ("deps", "pkg.a:helper", "--output-format", "json"),
     "a.py", "import os\n\n\ndef helper(x, y):\n    return x\n"),
    # a new import of a name: a new reader of pkg.c
    (("deps", "pkg.a"), ("deps", "pkg.c", "--transitive"),
     "b.py", "from pkg.a import helper\nfrom pkg.c import other\n\nhelper(1)\nother()\n"),
    # an import cycle appears
    (("graph",), ("graph", "--output-format", "json"),
     "a.py", "import pkg.b\n\n\ndef helper(x):\n    return x\n"),
], ids=["signature", "new-reader", "cycle"])
def test_the_first_query_after_a_check_is_answered_at_the_front_door(
        tree, shoal, long_way, monkeypatch, first, then, name, text):
    import analyzer.engine._insight_delta as delta

    shoal(*first, *W)  # the long way: the view and its record
    assert len(long_way) == 1
    _edit(tree, name, text)
    shoal("check", *W, "-q")
    assert len(long_way) == 2
    made: list[str] = []
    real = delta.updated_view
    monkeypatch.setattr(delta, "updated_view", lambda *a, **k: made.append("") or real(*a, **k))
    with monkeypatch.context() as patch:
        # The snapshot's version is the index's: the package metadata is not read.
        patch.setattr("heap_native._heap._shoal_version", lambda: pytest.fail("metadata"))
        answer = shoal(*then, *W)
    assert len(long_way) == 2, "took the long way although only the project's files moved"
    assert made, "the view was not made from the kept one"
    fresh = shoal(*then, *W, "--no-cache")
    assert (answer.code, answer.out, answer.err) == (fresh.code, fresh.out, "")
    assert answer.out.strip()
    assert len(long_way) == 3  # the run with --no-cache
    # The record now names the new generation: the first query again reads its view as is.
    again = shoal(*first, *W)
    assert len(long_way) == 3 and len(made) == 1
    expected = shoal(*first, *W, "--no-cache")
    assert (again.code, again.out, again.err) == (expected.code, expected.out, "")


def test_an_edit_no_check_has_seen_takes_the_long_way(tree, shoal, long_way):
    shoal("deps", "pkg.a:helper", *W)
    _edit(tree, "a.py", "def helper(x, y):\n    return x\n")
    shoal("deps", "pkg.a", *W)
    assert len(long_way) == 2, "answered from a cache that does not hold the edit"


def test_a_check_of_another_configuration_takes_the_long_way(tree, shoal, long_way):
    shoal("deps", "pkg.a:helper", *W)
    _edit(tree, "a.py", "def helper(x, y):\n    return x\n")
    shoal("check", *W, "-q", "--select", "F401")  # another cache key: ours is stale
    shoal("deps", "pkg.a", *W)
    assert len(long_way) == 3


def test_a_file_added_with_the_check_takes_the_long_way(tree, shoal, long_way):
    shoal("deps", "pkg.a:helper", *W)
    _edit(tree, "d.py", "from pkg.a import helper\n")
    shoal("check", *W, "-q")
    answer = shoal("deps", "pkg.a:helper", "--output-format", "json", *W)
    assert len(long_way) == 3
    assert '"pkg.d"' in answer.out


def test_a_check_of_part_of_the_project_takes_the_long_way(tree, shoal, long_way):
    # Its index marks the other files unreported: not the project a query discovers.
    first = shoal("deps", "pkg.a:helper", "--output-format", "json", *W)
    _edit(tree, "c.py", "def other(y):\n    pass\n")
    shoal("check", "pkg/c.py", *W, "-q")
    again = shoal("deps", "pkg.a:helper", "--output-format", "json", *W)
    assert len(long_way) == 3
    assert again.out == first.out


def test_a_second_set_of_options_reads_the_view_the_first_made(tree, shoal, long_way,
                                                                monkeypatch):
    import analyzer.engine._insight_delta as delta

    shoal("deps", "pkg.a:helper", *W)
    shoal("graph", *W)  # another view record, of the same view
    _edit(tree, "b.py", "import pkg.c\nfrom pkg.a import helper\n\nhelper(1)\n")
    shoal("check", *W, "-q")
    made: list[str] = []
    real = delta.updated_view
    monkeypatch.setattr(delta, "updated_view", lambda *a, **k: made.append("") or real(*a, **k))
    deps = shoal("deps", "pkg.c", *W)
    graph = shoal("graph", "--output-format", "json", *W)
    assert len(long_way) == 3 and len(made) == 1, "the view was made twice"
    assert '"to": "pkg.c"' in graph.out and "pkg.b" in deps.out
    assert graph.out == shoal("graph", "--output-format", "json", *W, "--no-cache").out
