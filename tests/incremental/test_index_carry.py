"""A worker's project-index memo carried across updates (``_index_carry``): a name the edit
changes is resolved again (two edits in a row, a deletion, a module coming back), every
update matches a cold check, and what the edit did not reach is answered from the memo."""
from __future__ import annotations

import analyzer.engine._jobs as jobs
from analyzer.engine._index_carry import IndexCarry

CALLERS = {
    "hub.py": "def f(x):\n    return x\n",
    "mid.py": "from hub import f\n",
    "a.py": "from hub import f\nf(1)\n",
    "b.py": "from mid import f\nf(1, 2)\n",
    "c.py": "import hub\nhub.f()\n",
    "other.py": "def g(a):\n    return a\n",
    "d.py": "from other import g\nfrom hub import f\ng(1)\nf(2)\n",
}
HUBS = ["def f(x, y):\n    return x\n", "def f():\n    return 0\n"]


def test_a_changed_name_is_resolved_again_in_every_update(engine) -> None:
    # Forked workers: the cold check each edit is compared with runs in this process and
    # leaves their memo alone (with workers=0 it would bind its own heap, clearing it).
    e = engine(dict(CALLERS), workers=2)
    for hub in HUBS:  # two signature changes in a row
        e.edit({"hub.py": hub})
    e.edit({"hub.py": None})  # the module goes: its readers' lookups change outcome
    e.edit({"hub.py": HUBS[0]})  # and comes back
    e.edit({"other.py": "def g():\n    return 0\n", "hub.py": CALLERS["hub.py"]})


def test_what_the_edit_did_not_reach_comes_from_the_memo(engine) -> None:
    e = engine(dict(CALLERS), workers=0)  # the jobs run here: the memo can be looked at
    e.edit({"hub.py": HUBS[0]}, verify=False)
    memo = jobs._CARRY._memo
    assert memo is not None
    kept, hub_f = memo.answers[("other", "g")], memo.answers[("hub", "f")]
    e.edit({"hub.py": HUBS[1]}, verify=False)
    assert jobs._CARRY._memo is memo
    assert memo.answers[("other", "g")] is kept
    assert memo.answers[("hub", "f")] != hub_f
    e.verify()


def test_the_carry_starts_afresh_when_it_cannot_name_what_moved() -> None:
    carry = IndexCarry()
    names = frozenset({"hub", "a"})
    first = carry.memo(names, None, "recipe")
    assert carry.memo(names, {"hub"}, "recipe") is first
    assert carry.memo(names, None, "recipe") is not first
    second = carry.memo(names, set(), "recipe")
    assert carry.memo(frozenset({"hub"}), set(), "recipe") is not second  # a module went
    third = carry.memo(frozenset({"hub"}), set(), "recipe")
    assert carry.memo(frozenset({"hub"}), set(), "other recipe") is not third
    fourth = carry.memo(frozenset({"hub"}), set(), "other recipe")
    assert carry.memo(frozenset({"hub"}), {"a:b"}, "other recipe") is not fourth
