"""The view of a new cache generation made from the previous view and what changed
(``engine._insight_delta``) equals the view built from every module: after edits,
deletions, renames and several updates in a row, in a session and through the cache."""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support import chdir, make_plan, project, write

from analyzer.engine import Session, _cache, cached_check, load_insight
from analyzer.engine import _insight_delta as delta
from analyzer.engine._insight import build_view
from analyzer.engine._insight_delta import infos_from_state, updated_view

FILES = ("a.py", "b.py", "c.py", "pkg/__init__.py", "pkg/m.py", "pkg/sub.py")
TEXTS = (
    "from b import f\nf(1)\n",
    "def f(a):\n    return a\n",
    "def f(a, b=1):\n    pass\n",
    "import pkg.m\nx = pkg.m.g(1)\n",
    "from .m import g\nfrom . import sub\n__all__ = ['g']\n",
    "def g(:\n",
    "def g(x):\n    import a\n    return x\n",
    "from pkg import *\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import c\n",
    "import a\nimport c\n",
    "import b\nfrom pkg.sub import h\nh()\n",
    "def h():\n    pass\n",
    "",
)
START = {f: TEXTS[i % len(TEXTS)] for i, f in enumerate(FILES)}

#: (file, text): written; text None: deleted; ("->", new name): renamed
step = st.one_of(
    st.tuples(st.sampled_from(FILES), st.sampled_from(TEXTS + (None,))),
    st.tuples(st.sampled_from(FILES), st.sampled_from(FILES).map(lambda n: ("->", n))),
)


def _fields(view: Any) -> dict[str, Any]:
    return {f.name: getattr(view, f.name) for f in fields(view)
            if f.name not in ("_lazy", "source", "files", "generation", "checked_at_ns")}


def _apply(root: Path, name: str, change: Any) -> list[Path]:
    if isinstance(change, tuple):  # a rename: the text goes to another name
        source = root / name
        if not source.exists() or change[1] == name:
            return []
        text = source.read_text(encoding="utf-8")
        return write(root, {name: None, change[1]: text})
    return write(root, {name: change})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=5))
@example([("b.py", TEXTS[2])])  # a signature edit: its readers are rechecked
@example([("pkg/m.py", None)])  # a deletion
@example([("pkg/sub.py", ("->", "c.py"))])  # a rename
@example([("b.py", TEXTS[2]), ("b.py", TEXTS[1])])  # two edits in a row
def test_the_view_from_the_last_one_and_what_changed_is_the_built_view(steps) -> None:
    tmp = Path(tempfile.mkdtemp())
    try:
        root = project(tmp / "proj", START)
        with chdir(root):
            session = Session(make_plan(root)).open()
            try:
                session.check()
                view, parts = build_view(session.state, session.heap, "test")
                assert view.key_readers and view.edges, "nothing read: the test is empty"
                for name, change in steps:
                    touched = _apply(root, name, change)
                    if not touched:
                        continue
                    session.recheck(touched)
                    state = session.state
                    view, parts = updated_view(parts, state, session.heap, "", "test",
                                               lambda _p, s=state: infos_from_state(s))
                    built, built_parts = build_view(state, session.heap, "test")
                    assert _fields(view) == _fields(built)
                    assert parts.parts == built_parts.parts
                    assert parts.candidates() == built_parts.candidates()
                    assert parts.keys == built_parts.keys  # in order: bisected
            finally:
                session.close()
    finally:
        shutil.rmtree(tmp)


@pytest.mark.parametrize("edits", [
    [{"b.py": TEXTS[2]}],
    [{"pkg/m.py": None}],
    [{"pkg/sub.py": None, "pkg/other.py": TEXTS[10]}],
    [{"b.py": TEXTS[2]}, {"a.py": TEXTS[8]}],
], ids=["edit", "deletion", "rename", "two-edits"])
def test_a_query_after_a_check_updates_the_kept_view(tmp_path, monkeypatch, edits) -> None:
    root = project(tmp_path / "proj", START)
    cache = tmp_path / "cache"
    monkeypatch.chdir(root)
    cached_check(make_plan(root, cache_dir=cache))
    load_insight(make_plan(root, cache_dir=cache))  # the view the next one is made from
    for edit in edits:
        write(root, edit)
        cached_check(make_plan(root, cache_dir=cache))
    used: list[Any] = []
    real = delta.updated_view

    def spy(*args: Any, **kwargs: Any) -> Any:
        used.append(real(*args, **kwargs))
        return used[-1]

    states: list[Any] = []
    read_state = _cache._Cache.read_state

    def reading(self: Any, index: Any, **kwargs: Any) -> Any:
        states.append(read_state(self, index, **kwargs))
        return states[-1]

    monkeypatch.setattr(delta, "updated_view", spy)
    monkeypatch.setattr(_cache._Cache, "read_state", reading)
    updated = load_insight(make_plan(root, cache_dir=cache))
    assert used and updated.source == "cache", "the view was built, not updated"
    # Only the light part of the state was read (no findings, no file states)...
    assert [(bool(s.modules), s.files, s.interfaces, s.diagnostics) for s in states] == [
        (True, {}, {}, [])]
    # ... and the view kept is the new one alone, beside the parts it was made from.
    kept = {p.name for p in cache.glob("*/insight-*")}
    assert kept == {f"insight-{used[0][1].made_from}.parts",
                    f"insight-{updated.generation}.pickle"}
    updated_parts = used[0][1]
    assert _kept_parts(root, cache).generation == updated_parts.made_from
    for old in cache.glob("*/insight-*"):
        old.unlink()
    built = load_insight(make_plan(root, cache_dir=cache))
    assert built.source == "cache" and len(used) == 1
    assert _fields(updated) == _fields(built)
    assert updated.files == built.files and updated.generation == built.generation
    built_parts = _kept_parts(root, cache)
    assert updated_parts.parts == built_parts.parts and updated_parts.keys == built_parts.keys
    assert updated_parts.candidates() == built_parts.candidates()


def _kept_parts(root: Path, cache: Path) -> Any:
    """The parts kept beside the cache's view."""
    from analyzer.engine import _insight

    plan = make_plan(root, cache_dir=cache)
    kept = _cache._Cache(cache, _cache.cache_key(plan), _cache.build_digest(plan.registry))
    found = _insight._base(kept)
    assert found is not None
    return found


def test_views_are_made_from_older_parts_until_too_many_modules_moved(tmp_path, monkeypatch):
    from analyzer.engine import _insight

    root = project(tmp_path / "proj", START)
    cache = tmp_path / "cache"
    monkeypatch.chdir(root)

    def query_after(edit: dict[str, str | None]) -> Any:
        write(root, edit)
        cached_check(make_plan(root, cache_dir=cache))
        return load_insight(make_plan(root, cache_dir=cache))

    cached_check(make_plan(root, cache_dir=cache))
    first = load_insight(make_plan(root, cache_dir=cache)).generation
    query_after({"b.py": TEXTS[2]})
    second = query_after({"a.py": TEXTS[8]})  # from the first parts again, two changes on
    assert _kept_parts(root, cache).generation == first
    for old in cache.glob("*/insight-*"):
        old.unlink()
    assert _fields(second) == _fields(load_insight(make_plan(root, cache_dir=cache)))
    monkeypatch.setattr(_insight, "KEEP_PARTS_MOVED", 0)  # six modules: none may move
    third = query_after({"c.py": TEXTS[9]})
    assert _kept_parts(root, cache).generation == third.generation
