"""Diagnostics pickle as a constructor call on every field (the warm cache reads tens of
thousands of them per run): the round trip must keep every field, the fix and its edits."""
from __future__ import annotations

import copy
import dataclasses
import pickle

from analyzer.core import Diagnostic, Edit, Fix


def _sample() -> Diagnostic:
    fix = Fix("unsafe", "remove it", (Edit("", 1, 1, 1, 8), Edit("x", 2, 3, 2, 4)))
    return Diagnostic("pkg/mod.py", 3, 5, "F401", "`os` imported but unused", 3, 14,
                      "unused-import", fix)


def test_round_trip_keeps_every_field() -> None:
    original = _sample()
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        copied = pickle.loads(pickle.dumps(original, protocol=protocol))
        # ``fix`` is not compared by ``==``: compare every field one by one.
        for f in dataclasses.fields(Diagnostic):
            assert getattr(copied, f.name) == getattr(original, f.name), f.name
        assert copied.fix is not None and copied.fix.edits == original.fix.edits  # type: ignore[union-attr]


def test_copy_and_defaults() -> None:
    plain = Diagnostic("a.py", 1, 1, "E999", "boom")
    assert pickle.loads(pickle.dumps(plain)).fix is None
    assert copy.deepcopy(_sample()).fix == _sample().fix
