"""The project index's memo kept across snapshots (``IndexMemo``): what a changed module's
edit can move is looked up again, everything else is answered from the memo, and each
answer equals what a fresh index over the new snapshot gives."""
from __future__ import annotations

import pytest
from project_support import facts_of

from analyzer.model import MISSING, IndexMemo, ModuleFacts, ProjectIndex, Symbol

FILES = {
    "hub.py": "def f(x): pass\ndef g(): pass\n",
    "mid.py": "from hub import f\n",
    "star.py": "from hub import *\n",
    "other.py": "def h(a, b): pass\n",
}
QUESTIONS = [("hub", "f"), ("hub", "g"), ("mid", "f"), ("star", "f"), ("star", "g"),
             ("other", "h"), ("mid", "nope")]


def _facts(files: dict[str, str]) -> dict[str, ModuleFacts]:
    return {path[:-3]: facts_of(source, path) for path, source in files.items()}


def _answers(facts: dict[str, ModuleFacts], memo: IndexMemo | None) -> dict[tuple[str, str], object]:
    recorded: list[str] = []
    index = ProjectIndex(facts.keys(), facts.get, recorded.append, memo=memo)
    out: dict[tuple[str, str], object] = {}
    for module, name in QUESTIONS:
        found = index.lookup(module, name)
        out[(module, name)] = (found.module, found.name, found.export) \
            if isinstance(found, Symbol) else found
    return out


def test_an_edit_forgets_what_read_the_edited_module_and_keeps_the_rest() -> None:
    memo = IndexMemo.kept()
    files = dict(FILES)
    assert _answers(_facts(files), memo) == _answers(_facts(files), None)
    kept = memo.answers[("other", "h")]
    # Two edits of the hub in a row: f changes its signature, then goes.
    for hub in ("def f(x, y): pass\ndef g(): pass\n", "def g(): pass\n"):
        files["hub.py"] = hub
        memo.forget({"hub"})
        assert ("hub", "f") not in memo.answers and ("mid", "f") not in memo.answers
        assert ("star", "g") not in memo.answers  # read through the star import of hub
        got = _answers(_facts(files), memo)
        assert got == _answers(_facts(files), None)
        assert memo.answers[("other", "h")] is kept  # not worked out again
    assert got[("mid", "f")] is not MISSING  # mid's own binding is broken: UNKNOWN
    assert got[("star", "f")] is MISSING


def test_a_memo_of_one_snapshot_cannot_forget() -> None:
    with pytest.raises(RuntimeError):
        IndexMemo().forget({"hub"})


def test_an_index_and_its_memo_are_freed_without_the_cyclic_collector() -> None:
    """A one-shot check pauses the collector: a cycle would keep every decoded fact alive."""
    import gc
    import weakref

    facts = {"a": facts_of("from b import x\n", "a.py"), "b": facts_of("x = 1\n", "b.py")}
    index = ProjectIndex(facts.keys(), facts.get)
    assert isinstance(index.lookup("b", "x"), Symbol)
    shared = weakref.ref(index._shared)
    enabled = gc.isenabled()
    gc.disable()
    try:
        del index
        assert shared() is None
    finally:
        if enabled:
            gc.enable()
