"""Interface digests: what changes them, what does not, and the keys a change fires."""
from __future__ import annotations

import pytest
from project_support import facts_of

from analyzer.model import (
    changed_keys,
    dep_id,
    interface_digests,
    module_key,
    star_key,
    symbol_key,
    unknown_facts,
)

BASE = """\
import os
from .util import helper
__all__ = ["f", "C"]

def f(a, b=1):
    return a + b

class C(Base):
    def __init__(self, x):
        self.x = x

def g(*args):
    pass

VALUE = 3
"""


def diff(before: str, after: str) -> set[str]:
    """Names (and "*"/"") whose digest differs between two versions of one module."""
    old = interface_digests(facts_of(before, "pkg/m.py"))
    new = interface_digests(facts_of(after, "pkg/m.py"))
    return {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}


EDITS = [
    ("body only", "return a + b", "return b + a * 2", set()),
    ("comment and blank lines", "import os\n", "# hello\n\n\nimport os\n", set()),
    ("value of a variable", "VALUE = 3", "VALUE = 4", set()),
    ("annotation", "def f(a, b=1):", "def f(a: int, b: int = 2) -> int:", set()),
    ("init body", "self.x = x", "self.x = x * 2", set()),
    ("parameter added", "def f(a, b=1):", "def f(a, b=1, c=2):", {"f"}),
    ("default removed", "def f(a, b=1):", "def f(a, b):", {"f"}),
    ("decorator added", "def f(a, b=1):", "@cache\ndef f(a, b=1):", {"f"}),
    ("star args added", "def f(a, b=1):", "def f(a, *rest, b=1):", {"f"}),
    ("kwargs added", "def g(*args):", "def g(*args, **kw):", {"g"}),
    ("constructor changed", "def __init__(self, x):", "def __init__(self, x, y):", {"C"}),
    ("class base changed", "class C(Base):", "class C(Other):", {"C"}),
    ("method added", "        self.x = x\n", "        self.x = x\n    def m(self): pass\n", {"C"}),
    ("re-export source changed", "from .util import helper", "from .other import helper",
     {"helper", "ref[pkg.util]", "ref[pkg.other]"}),
    # SH005's references: a new reference into a module is an entry of its own
    ("reference added in a body", "return a + b", "return a + os.sep", {"ref[os]"}),
    ("__all__ changed", '__all__ = ["f", "C"]', '__all__ = ["f", "C", "g"]', {"*"}),
    ("public name added", "VALUE = 3", "VALUE = 3\nNEW = 1", {"NEW"}),
    ("private name added", "VALUE = 3", "VALUE = 3\n_hidden = 1", {"_hidden"}),
    ("star import added", "import os\n", "import os\nfrom .x import *\n", {"*", "", "ref[pkg.x]"}),
    ("__getattr__ added", "VALUE = 3", "VALUE = 3\ndef __getattr__(n): pass", {"__getattr__", ""}),
    ("rebound", "VALUE = 3", "VALUE = 3\nVALUE = 4", {"VALUE"}),
    ("namespace written", "VALUE = 3", "VALUE = 3\nglobals()['X'] = 1", {""}),
]


@pytest.mark.parametrize(("what", "old", "new", "expected"), EDITS, ids=[e[0] for e in EDITS])
def test_digest_changes(what: str, old: str, new: str, expected: set[str]) -> None:
    assert old in BASE
    assert diff(BASE, BASE.replace(old, new, 1)) == expected


def test_public_set_change_without_all_changes_star() -> None:
    assert diff("a = 1", "a = 1\nb = 2") == {"b", "*"}
    assert diff("a = 1", "a = 1\n_b = 2") == {"_b"}


def test_every_export_has_a_digest_and_positions_are_excluded() -> None:
    facts = facts_of(BASE)
    digests = interface_digests(facts)
    assert set(digests) == {e.name for e in facts.exports} | {"*", ""}
    assert interface_digests(facts_of("\n\n" + BASE)) == digests


def test_unknown_module_changes_module_digest() -> None:
    old = interface_digests(facts_of("def f(): pass", "m.py"))
    new = interface_digests(unknown_facts("m", "m.py", False))
    assert changed_keys("m", old, new) == {"m", "m:f", "m:*"}


def test_changed_keys() -> None:
    old = {"f": "1", "g": "2", "*": "3", "": "4"}
    assert changed_keys("p.m", old, {**old, "f": "9", "h": "5"}) == {"p.m:f", "p.m:h"}
    assert changed_keys("p.m", old, {**old, "*": "0"}) == {"p.m:*"}
    assert changed_keys("p.m", old, None) == {"p.m", "p.m:f", "p.m:g", "p.m:*"}
    assert changed_keys("p.m", None, {"": "1"}) == {"p.m"}
    assert changed_keys("p.m", None, None) == set()
    # A module that appears or vanishes names each entry as a changed one does, brackets too.
    every = {"": "1", "*": "2", "f": "3", "sys.modules[]": "4", "content[]": "5",
             "fact[owners]": "6", "ref[q.t:T]": "7"}
    assert changed_keys("p.m", None, every) == {"p.m"} | changed_keys("p.m", {}, every)
    assert changed_keys("p.m", every, None) == changed_keys("p.m", None, every)


def test_dep_ids() -> None:
    assert module_key("a.b") == "a.b"
    assert symbol_key("a.b", "x") == "a.b:x"
    assert star_key("a.b") == "a.b:*"
    ids = {dep_id(k) for k in ("a", "a:x", "a:*", "a.x")}
    assert len(ids) == 4 and all(0 < i < 2**32 for i in ids)
    assert dep_id("a:x") == dep_id("a:x")
    # Pinned: ids are stored in caches and shared heaps, they must not drift across runs.
    assert dep_id("pkg.mod:name") == int.from_bytes(
        __import__("hashlib").blake2b(b"pkg.mod:name", digest_size=4).digest(), "little"
    )


def test_batched_dep_ids_are_dep_id() -> None:
    """The view's batched hashing gives each key the id the readers recorded it under."""
    from analyzer.model._depids import dep_ids

    keys = ["a", "a:x", "a:*", "pkg.mod:name", "caf\udce9.mod", ""]
    assert dep_ids(keys) == [dep_id(k) for k in keys]
    assert dep_ids([]) == []
