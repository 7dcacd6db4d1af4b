"""The committed state's maps are written in place by each commit (``_versions``): a draft's
overlay reads as the map it stands for and leaves the committed one as it was until it is
settled; once settled, every earlier state (its maps and its findings) still reads as it
did when it was committed."""
from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from analyzer.engine._versions import Overlay, Retired, settle

KEYS = ["a", "b", "c", "d"]


class _Holder:
    def __init__(self, m: Any) -> None:
        self.m = m


# A step: some edits (key, value; None: remove), then whether the update commits.
steps = st.lists(st.tuples(st.lists(st.tuples(st.sampled_from(KEYS), st.one_of(
    st.none(), st.integers(0, 3))), max_size=4), st.booleans()), min_size=1, max_size=12)


@given(steps)
def test_overlays_settle_in_place_and_earlier_versions_read_as_they_were(
        plan: list[tuple[list[tuple[str, int | None]], bool]]) -> None:
    current = _Holder({"a": 0, "b": 1})
    live = current.m
    history: list[tuple[_Holder, dict[str, int]]] = []
    for edits, commit in plan:
        expected = dict(current.m)
        draft: Overlay[str, int] = Overlay(current.m)
        for key, value in edits:
            if value is None:
                assert draft.pop(key, None) == expected.pop(key, None)
            else:
                draft[key] = expected[key] = value
        assert dict(draft) == expected and len(draft) == len(expected)
        assert sorted(draft) == sorted(expected)
        assert all((k in draft) == (k in expected) for k in KEYS)
        if not commit:
            continue  # a cancelled update: the committed map is as it was
        before = dict(current.m)
        successor = _Holder(None)
        settle(current, successor, "m", draft)
        assert successor.m is live and successor.m == expected  # the same dict, written in
        assert isinstance(current.m, Retired) and dict(current.m) == before
        history.append((current, before))
        current = successor
    for holder, snapshot in history:
        assert dict(holder.m) == snapshot and len(holder.m) == len(snapshot)
        assert all(holder.m.get(k) == snapshot.get(k) for k in KEYS)


def test_an_earlier_state_and_its_findings_read_as_they_were(engine) -> None:
    e = engine({"a.py": "import os\n", "b.py": "from a import os\nx = 1\n",
                "c.py": "def f(a):\n    return a\n", "d.py": "from c import f\nf(1)\n"})
    kept = []
    for edits in ({"a.py": "import os, sys\n"}, {"c.py": "def f():\n    pass\n"},
                  {"a.py": "import os\n"}, {"e.py": "import sys\n"},
                  {"d.py": "from c import f\nf(2)\n"}):
        state = e.session.state
        kept.append((state, {name: dict(getattr(state, name)) for name in
                             ("files", "modules", "interfaces", "imports", "project",
                              "readers")}, list(state.diagnostics)))
        e.edit(edits)
    for state, maps, findings in kept:
        for name, snapshot in maps.items():
            assert dict(getattr(state, name)) == snapshot, name
        assert list(state.diagnostics) == findings and len(state.diagnostics) == len(findings)
