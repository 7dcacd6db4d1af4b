"""Fixtures for the heap tests: small heaps that are always closed."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from heap_native import SharedHeap


@pytest.fixture
def heap() -> Iterator[SharedHeap]:
    """A small heap with room for every ordinary test."""
    with SharedHeap(heap_size="8M", hash_slots=1024, dep_slots=1024) as h:
        yield h
        h.verify()


@pytest.fixture
def make_heap() -> Iterator[Callable[..., SharedHeap]]:
    """Factory for heaps of chosen (tiny) sizes, all closed after the test."""
    made: list[SharedHeap] = []

    def make(**sizes: int | str) -> SharedHeap:
        h = SharedHeap(**sizes)
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()
