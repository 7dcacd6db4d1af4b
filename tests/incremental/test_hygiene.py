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
