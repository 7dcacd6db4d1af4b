"""Writers in lockstep: every round, all of them publish at the same instant.

The stress tests race writers over whole batches, where two publications almost never meet at
the very compare-and-swap of one slot. Here a spin barrier releases the forked writers together
each round, and each writer is pinned to a CPU of its own (round robin) so that they really run
at once. The heap's ``lost_cas`` counter proves the race of interest happened: a writer read a
slot EMPTY, lost the CAS on it to another writer, and had to re-read that slot. The loser must
then find the winner's entry (same key: the key is present, stored once) or probe on (another
key: its own key still goes in, further along the chain).
"""
from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Callable
from functools import cache, partial
from typing import TypeVar

import pytest
from heap_fork import collect_child, fork_child

from heap_native import SharedHeap

T = TypeVar("T")

racing = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="racing writers need two CPUs")

#: one barrier byte per cache line, so a party's store does not disturb the others' spinning
_LINE = 64
#: every fourth round of the same-key test adds a batch, racing add_many's runs as well
BATCH = 16


class SpinBarrier:
    """A reusable barrier for forked processes: one byte per party in a shared anonymous map.

    Each party writes its round number (mod 256) to its own byte -- a plain one-byte store, so
    no atomic read-modify-write is needed -- then spins until no party is still at the previous
    round. Parties are never more than one round apart, so the mod-256 values stay distinct.
    Spinning releases everyone within microseconds of each other, closer than waking from a
    semaphore would; the yield lets parties that share a CPU take turns.
    """

    def __init__(self, parties: int) -> None:
        self.parties = parties
        self._cells = mmap.mmap(-1, parties * _LINE)  # MAP_SHARED | MAP_ANONYMOUS: made before fork
        self._round = 0  # each forked party counts in its own copy

    def wait(self, party: int) -> None:
        """Block until every party has called wait for this round."""
        self._round += 1
        previous = (self._round - 1) & 0xFF
        cells = self._cells
        cells[party * _LINE] = self._round & 0xFF
        while any(cells[p * _LINE] == previous for p in range(self.parties)):
            os.sched_yield()

    def close(self) -> None:
        """Unmap the cells (in the master, once every party is done)."""
        self._cells.close()


def pin(party: int) -> None:
    """Keep this process on one CPU, parties spread round robin, so two of them run at once."""
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[party % len(cpus)]})


def entry_size(key: bytes, value: bytes) -> int:
    """Bytes one entry takes: a 16-byte header, key and value, padded to 8."""
    return (16 + len(key) + len(value) + 7) // 8 * 8


def run_writers(writers: int, work: Callable[[int, SpinBarrier], T]) -> list[T]:
    """Fork ``writers`` pinned children running ``work(party, barrier)``; return their results."""
    barrier = SpinBarrier(writers)
    try:

        def child(party: int) -> T:
            pin(party)
            return work(party, barrier)

        children = [fork_child(partial(child, p)) for p in range(writers)]
        return [collect_child(pid, r) for pid, r in children]
    finally:
        barrier.close()


# ---- the same keys, added by every writer at once -------------------------------------------


def round_keys(r: int) -> list[bytes]:
    """The keys every writer adds in round ``r``: one, or a batch every fourth round."""
    return [b"lockstep/%06d/%02d" % (r, j) for j in range(BATCH if r % 4 == 3 else 1)]


def value_of(party: int, key: bytes) -> bytes:
    """A value naming its writer; the same length for every writer, so sizes are predictable."""
    return b"written by %d: " % party + key


def same_keys_writer(heap: SharedHeap, rounds: int, party: int, barrier: SpinBarrier) -> list[bytes]:
    """Add each round's keys as soon as the barrier opens; return the keys this writer stored."""
    won: list[bytes] = []
    for r in range(rounds):
        keys = round_keys(r)
        barrier.wait(party)
        if len(keys) == 1:
            results = [heap.add(keys[0], value_of(party, keys[0]))]
        else:
            results = heap.add_many([(k, value_of(party, k)) for k in keys])
        won.extend(k for k, stored in zip(keys, results, strict=True) if stored)
    return won


@pytest.mark.stress
@racing
@pytest.mark.parametrize(("writers", "rounds"), [(2, 3000), (4, 1500)])
def test_writers_adding_the_same_key_at_once_store_it_once(writers: int, rounds: int) -> None:
    """Every key ends up stored once, by exactly one writer, with that writer's value."""
    assert any(_same_keys_attempt(writers, rounds) for _ in range(ATTEMPTS)), (
        "no writer ever lost the CAS on a slot: the race never happened")


#: Fresh heaps tried until the writers' race shows (a lost CAS): on a loaded machine the
#: pinned writers may take turns through a whole attempt. Every attempt checks everything.
ATTEMPTS = 10


def _same_keys_attempt(writers: int, rounds: int) -> bool:
    """One run of the same-key race, every invariant asserted; whether a CAS was lost."""
    all_keys = [k for r in range(rounds) for k in round_keys(r)]
    with SharedHeap(heap_size="16M", hash_slots=1 << 16, dep_slots=8) as heap:
        with heap.phase():
            results = run_writers(
                writers, lambda party, barrier: same_keys_writer(heap, rounds, party, barrier)
            )
        winner: dict[bytes, int] = {}
        for party, won in enumerate(results):
            for key in won:
                assert key not in winner, f"{key!r} stored by writers {winner[key]} and {party}"
                winner[key] = party
        assert winner.keys() == set(all_keys), "a key no writer stored"
        for key, value in zip(all_keys, heap.get_many(all_keys), strict=True):
            assert value == value_of(winner[key], key), f"{key!r} holds {value!r}"

        heap.verify()
        s = heap.stats()
        assert s.live_slots == s.used_slots == len(all_keys)
        assert s.live_bytes == sum(entry_size(k, value_of(winner[k], k)) for k in all_keys)
        # Nothing failed or was removed: every byte allocated is a winner's entry or a loser's.
        assert s.used_bytes == s.live_bytes + s.wasted_bytes
        return s.lost_cas > 0


# ---- different keys racing for one slot ---------------------------------------------------

HASH_SLOTS = 4096
MAX_COLLIDING_WRITERS = 3
#: homes of successive rounds lie this far apart, so one round's chain never reaches the next
HOME_STEP = MAX_COLLIDING_WRITERS + 1
COLLIDING_ROUNDS = 1000


@cache
def colliding_groups() -> tuple[tuple[bytes, ...], ...]:
    """Per round, MAX_COLLIDING_WRITERS different keys with one home slot (hash mod HASH_SLOTS).

    A round's writers all find that slot EMPTY and race for it; the losers must move on to
    the next slots. The hashes are read back from the heap itself rather than recomputed here:
    an entry's header starts with its key's 64-bit hash (struct entry in shoal_heap.c), and
    add_many lays entries back to back in order.
    """
    by_home: dict[int, list[bytes]] = {}
    candidates = [b"collide/%08d" % i for i in range(60_000)]
    with SharedHeap(heap_size="8M", hash_slots=1 << 17, dep_slots=8) as scratch:
        scratch.add_many([(k, b"") for k in candidates])
        s = scratch.stats()
        region = mmap.mmap(scratch.fileno(), s.region_bytes)
        try:
            pos = s.region_bytes - s.heap_capacity  # the heap is the region's last section
            for key in candidates:
                hash_, klen, _ = struct.unpack_from("<QII", region, pos)
                assert region[pos + 16 : pos + 16 + klen] == key, "entry layout changed"
                by_home.setdefault(hash_ % HASH_SLOTS, []).append(key)
                pos += entry_size(key, b"")
        finally:
            region.close()
    groups = [
        tuple(keys[:MAX_COLLIDING_WRITERS])
        for home, keys in sorted(by_home.items())
        if home % HOME_STEP == 0 and len(keys) >= MAX_COLLIDING_WRITERS
    ]
    assert len(groups) >= COLLIDING_ROUNDS, "too few colliding keys: widen the candidates"
    return tuple(groups[:COLLIDING_ROUNDS])


def colliding_writer(heap: SharedHeap, groups: tuple[tuple[bytes, ...], ...], party: int,
                     barrier: SpinBarrier) -> list[bool]:
    """Each round, add this writer's key of the round's group as the barrier opens."""
    stored = []
    for group in groups:
        key = group[party]
        barrier.wait(party)
        stored.append(heap.add(key, value_of(party, key)))
    return stored


@pytest.mark.stress
@racing
@pytest.mark.parametrize("writers", range(2, MAX_COLLIDING_WRITERS + 1))
def test_writers_racing_for_one_slot_with_different_keys_store_all(writers: int) -> None:
    """The loser of a slot probes on: its own key is stored further along the chain."""
    assert any(_colliding_attempt(writers) for _ in range(ATTEMPTS)), (
        "no writer ever lost the CAS on a slot: the race never happened")


def _colliding_attempt(writers: int) -> bool:
    """One run of the colliding-keys race, every invariant asserted; whether a CAS was lost."""
    groups = colliding_groups()
    with SharedHeap(heap_size="1M", hash_slots=HASH_SLOTS, dep_slots=8) as heap:
        with heap.phase():
            results = run_writers(
                writers, lambda party, barrier: colliding_writer(heap, groups, party, barrier)
            )
        for party, stored in enumerate(results):
            assert all(stored), f"writer {party}: an add of a new key said it was present"
        keys = [(party, group[party]) for group in groups for party in range(writers)]
        values = heap.get_many([key for _, key in keys])
        for (party, key), value in zip(keys, values, strict=True):
            assert value == value_of(party, key), f"{key!r} holds {value!r}"

        heap.verify()
        s = heap.stats()
        assert s.live_slots == s.used_slots == len(keys)
        assert s.wasted_bytes == 0 and s.used_bytes == s.live_bytes
        return s.lost_cas > 0


def test_a_lone_writer_never_loses_a_cas() -> None:
    """The counter counts races only: one process adding a key twice meets no lost CAS."""
    with SharedHeap(heap_size="1M", hash_slots=64, dep_slots=8) as heap:
        assert heap.add(b"k", b"v") and not heap.add(b"k", b"w")
        assert heap.add_many([(b"k", b"x"), (b"j", b"y"), (b"j", b"z")]) == [False, True, False]
        assert heap.stats().lost_cas == 0
