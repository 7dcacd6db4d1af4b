"""Heap hygiene over a long session: 2,000 edits and the heap and dependency table stay
bounded (superseded entries removed, edges replaced, compaction past the threshold)."""
from __future__ import annotations

import pytest
from support import write

from analyzer.engine._hygiene import MIN_WASTE_BYTES

HUB = "def f({params}): pass\nclass C:\n    def __init__(self{extra}): pass\nV = {n}\n"


@pytest.mark.slow
def test_two_thousand_edits_keep_the_heap_bounded(engine):
    files = {"hub.py": HUB.format(params="x", extra="", n=0)}
    for i in range(8):
        files[f"r{i}.py"] = f"from hub import f, C, V\nf(1)\nC()\nx{i} = V\n"
    e = engine(files)
    session = e.session
    root = e.root
    baseline = None
    peak_used = 0
    for n in range(2000):
        params = ("x", "x, y", "*a", "x=1")[n % 4]
        edits = {"hub.py": HUB.format(params=params, extra=", a" * (n % 2), n=n)}
        if n % 50 == 25:
            edits["extra.py"] = "from hub import V\n"
        elif n % 50 == 26:
            edits["extra.py"] = None
        session.recheck(write(root, edits))
        stats = session.heap.stats()
        peak_used = max(peak_used, stats.used_bytes)
        if n == 99:
            baseline = stats
    e.verify()
    final = session.heap.stats()
    assert baseline is not None
    # The same tree shape holds the same entries and edges after 1,900 more edits.
    assert final.live_slots == baseline.live_slots
    assert final.dep_edges == baseline.dep_edges <= 8 * 16
    assert final.live_bytes < 2 * baseline.live_bytes
    # Waste is reclaimed once it passes the threshold: used bytes never run away.
    assert peak_used < 2 * MIN_WASTE_BYTES + 4 * baseline.live_bytes
    assert final.used_slots < final.hash_capacity // 2


def test_sweep_and_readers_follow_the_update_as_their_plain_models_do(engine):
    # The sweep looks only at files whose state changed, and the readers map moves only the
    # rechecked and vanished modules; the plain models look at every file and reader. Edits,
    # a deletion, a rename and a module that becomes a package (same text, another path and
    # key) must agree.
    from analyzer.engine._hygiene import referenced, superseded
    from analyzer.model import dep_id

    e = engine({"a.py": "import b\n", "b.py": "X = 1\n", "c.py": "Y = 2\n", "d.py": "Z = 3\n"})
    steps = [
        {"b.py": "X = 2\n"},
        {"c.py": None},
        {"d.py": None, "moved.py": "Z = 3\n"},
        {"a.py": "import b\n"},  # rewritten, same bytes: nothing superseded
        {"moved.py": None, "moved/__init__.py": "Z = 3\n"},
    ]
    dropped = 0
    for edits in steps:
        old = e.session.state
        e.edit(edits)
        new = e.session.state
        assert superseded(old, new) == referenced(old) - referenced(new)
        model: dict[int, set[str]] = {}
        for rid, mods in old.readers.items():
            kept = {m for m in mods if m in new.modules and m not in e.last.modules_rechecked}
            if kept:
                model[rid] = kept
        for m in new.project.keys() & e.last.modules_rechecked:
            model.setdefault(dep_id(m), set()).add(m)
        assert new.readers == model and new.readers
        dropped += len(superseded(old, new))
    assert dropped == 4
