"""Random operation sequences on one SharedHeap against a plain-Python model, in one process.

Tables are tiny so that HeapFull, HashTableFull and DepTableFull happen often; a call that
raises one of them must leave the heap exactly as the model (unchanged), except for batch
calls, which may have stored a prefix and are reconciled pair by pair.
"""

from __future__ import annotations

import collections
import os
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from heap_native import (
    DepTableFull,
    HashTableFull,
    HeapFull,
    HeapRoleError,
    SharedHeap,
)

HEAP_SIZE = 12 * 1024
HASH_SLOTS = 16
DEP_SLOTS = 16

#: How often each full-table path ran, over the whole test (checked at the end).
FULL_EVENTS: collections.Counter[str] = collections.Counter()

KEYS = st.one_of(
    st.sampled_from([b"k%d" % i for i in range(40)]),
    st.binary(min_size=1, max_size=48),
)
VALUES = st.one_of(
    st.binary(max_size=64),
    # Large, cheap-to-generate values fill the heap within a few steps.
    st.builds(lambda n, b: bytes([b]) * n, st.integers(400, 6_000), st.integers(0, 255)),
)
# Few dependencies so chains overlap; a few extreme ids to check the 32-bit packing.
DEP_IDS = st.one_of(st.integers(1, 6), st.sampled_from([2**31, 2**32 - 1]))
DEPENDENT_IDS = st.one_of(st.integers(1, 30), st.sampled_from([2**31, 2**32 - 1]))
EDGES = st.tuples(DEP_IDS, DEPENDENT_IDS)


class HeapMachine(RuleBasedStateMachine):
    """A SharedHeap and its model: ``values`` (first writer wins) and ``edges``."""

    def __init__(self) -> None:
        super().__init__()
        self.heap = SharedHeap(heap_size=HEAP_SIZE, hash_slots=HASH_SLOTS, dep_slots=DEP_SLOTS)
        self.values: dict[bytes, bytes] = {}
        self.edges: set[tuple[int, int]] = set()
        self.tmpdir = tempfile.mkdtemp(prefix="shoal-stateful-")
        self.saves = 0

    def teardown(self) -> None:
        self.heap.close()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    # -- values -------------------------------------------------------------------------

    @rule(key=KEYS, value=VALUES)
    def add(self, key: bytes, value: bytes) -> None:
        try:
            stored = self.heap.add(key, value)
        except (HeapFull, HashTableFull) as exc:
            FULL_EVENTS[type(exc).__name__] += 1
            return  # the model is unchanged; the invariants check the heap agrees
        assert stored == (key not in self.values), (key, stored)
        if stored:
            self.values[key] = value

    @rule(pairs=st.lists(st.tuples(KEYS, VALUES), max_size=6))
    def add_many(self, pairs: list[tuple[bytes, bytes]]) -> None:
        try:
            results = self.heap.add_many(pairs)
        except (HeapFull, HashTableFull) as exc:
            FULL_EVENTS[type(exc).__name__] += 1
            # Some pairs may have gone in before the table filled: each new key now present
            # must hold the value of its first pair in the batch.
            for key, value in pairs:
                if key not in self.values:
                    got = self.heap.get(key)
                    if got is not None:
                        assert got == value, key
                        self.values[key] = value
            return
        assert len(results) == len(pairs)
        for (key, value), stored in zip(pairs, results, strict=True):
            assert stored == (key not in self.values), (key, stored)
            if stored:
                self.values[key] = value

    @rule(key=KEYS)
    def get(self, key: bytes) -> None:
        assert self.heap.get(key) == self.values.get(key)
        assert self.heap.contains(key) == (key in self.values)

    @rule(keys=st.lists(KEYS, max_size=8))
    def get_many(self, keys: list[bytes]) -> None:
        assert self.heap.get_many(keys) == [self.values.get(k) for k in keys]

    @precondition(lambda self: self.values)
    @rule(data=st.data())
    def remove_present(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.values)))
        assert self.heap.remove(key) is True
        del self.values[key]

    @rule(key=KEYS)
    def remove(self, key: bytes) -> None:
        assert self.heap.remove(key) == (key in self.values)
        self.values.pop(key, None)

    @rule()
    def collect(self) -> None:
        assert self.heap.collect() >= 0

    @rule()
    def clear(self) -> None:
        self.heap.clear()
        self.values.clear()
        self.edges.clear()

    # -- dependency edges ---------------------------------------------------------------

    @rule(edge=EDGES)
    def add_dep(self, edge: tuple[int, int]) -> None:
        try:
            self.heap.add_dep(*edge)
        except DepTableFull:
            FULL_EVENTS["DepTableFull"] += 1
            return
        self.edges.add(edge)

    @rule(edges=st.lists(EDGES, max_size=10))
    def add_deps(self, edges: list[tuple[int, int]]) -> None:
        try:
            self.heap.add_deps(edges)
        except DepTableFull:
            FULL_EVENTS["DepTableFull"] += 1
            for dependency, dependent in edges:
                if dependent in self.heap.get_deps(dependency):
                    self.edges.add((dependency, dependent))
            return
        self.edges.update(edges)

    @rule(dependency=DEP_IDS)
    def get_deps(self, dependency: int) -> None:
        got = self.heap.get_deps(dependency)
        assert len(got) == len(set(got)), f"duplicate edge in {got}"
        assert sorted(got) == sorted(b for a, b in self.edges if a == dependency)
        # The batched lookup, on this id and a fixed one (no draw of its own, so the rules'
        # exploration, which must reach every full table, stays as it was).
        ids = [dependency, 1, dependency]
        assert [sorted(g) for g in self.heap.get_deps_many(ids)] == [
            sorted(b for a, b in self.edges if a == i) for i in ids]

    @rule(ids=st.lists(DEPENDENT_IDS, max_size=4))
    def remove_dependents(self, ids: list[int]) -> None:
        self.heap.remove_dependents(ids)
        self.edges = {(a, b) for a, b in self.edges if b not in ids}

    @rule(data=st.data(), extra=st.lists(EDGES, max_size=3))
    def remove_deps(self, data: st.DataObject, extra: list[tuple[int, int]]) -> None:
        # Some present edges (their chains must stay unbroken) and some perhaps absent.
        present = sorted(self.edges)
        named = data.draw(st.lists(st.sampled_from(present), max_size=6)) if present else []
        self.heap.remove_deps(named + extra)
        self.edges -= {*named, *extra}

    @rule()
    def clear_deps(self) -> None:
        self.heap.clear_deps()
        self.edges.clear()

    # -- master-only rules, snapshots -----------------------------------------------------

    @rule(key=KEYS, value=VALUES)
    def master_ops_refused_in_phase(self, key: bytes, value: bytes) -> None:
        epoch = self.heap.epoch
        with self.heap.phase():
            with pytest.raises(HeapRoleError):
                self.heap.remove(key)
            with pytest.raises(HeapRoleError):
                self.heap.collect()
            with pytest.raises(HeapRoleError):
                self.heap.clear_deps()
            with pytest.raises(HeapRoleError):
                self.heap.remove_deps([(1, 1)])
        assert self.heap.epoch == epoch

    @rule()
    def save_and_load(self) -> None:
        self.saves += 1
        path = os.path.join(self.tmpdir, f"snap{self.saves}")
        self.heap.save(path)
        # Same sizes as the saving heap: whatever it held (even a full table) must load.
        loaded = SharedHeap.load(
            path, heap_size=HEAP_SIZE, hash_slots=HASH_SLOTS, dep_slots=DEP_SLOTS
        )
        self.heap.close()
        self.heap = loaded
        os.unlink(path)

    @rule()
    def copy(self) -> None:
        # Into a one-slot dependency table: refused, with nothing made, unless one edge or
        # none is all it holds; then into the same sizes, which always holds everything.
        try:
            tiny = self.heap.copy(dep_slots=1)
        except DepTableFull:
            assert len(self.edges) > 1
        else:
            assert len(self.edges) <= 1
            assert tiny.stats().dep_edges == len(self.edges)
            tiny.close()
        copied = self.heap.copy()
        self.heap.close()
        self.heap = copied

    # -- after every step ---------------------------------------------------------------

    @invariant()
    def heap_agrees_with_model(self) -> None:
        self.heap.verify()
        stats = self.heap.stats()
        assert stats.live_slots == len(self.values), stats
        assert stats.dep_edges == len(self.edges), stats


def test_heap_against_model() -> None:
    """No divergence over random sequences, and every full-table path was taken."""
    FULL_EVENTS.clear()
    run_state_machine_as_test(
        HeapMachine,
        settings=settings(
            max_examples=120,
            stateful_step_count=40,
            deadline=None,
            derandomize=True,  # deterministic, so the coverage check below cannot flake
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
    assert set(FULL_EVENTS) == {"HeapFull", "HashTableFull", "DepTableFull"}, FULL_EVENTS
