"""Workers fill a typed heap table in parallel, then read it back in a second parallel phase.

hack_parallel-example's main_with_shared_memory.ml on shoal's core. Run it with
``python examples/heap_table.py [N]``; it prints ``Sum: <1 + 2 + ... + N>``.

The rules of the heap this follows: the master creates the heap *before* the pool forks, so
every worker shares it; during a call, workers only add and read (first writer wins); only
the master removes, collects or clears, and only between calls.
"""

from __future__ import annotations

import sys

from heap_native import HeapTable, SharedHeap
from parallel import WorkerPool

#: The table every process uses. It is set in the master before the pool forks, so each
#: worker inherits it; a job finds it here rather than receiving it through the pipe.
VALUES: HeapTable | None = None


def store(bucket: list[str]) -> int:
    """Phase 1, in a worker: parse each key and store its value in the heap."""
    assert VALUES is not None
    VALUES.add_many((key, int(key)) for key in bucket)
    return len(bucket)


def load_and_sum(bucket: list[str]) -> int:
    """Phase 2, in a worker: read the values back (written by any worker) and sum them."""
    assert VALUES is not None
    return sum(VALUES[key] for key in bucket)


def add(part: int, total: int) -> int:
    """The merge of both phases."""
    return total + part


def main(n: int = 10) -> int:
    """Store 1..n in the heap with two workers, then sum what they stored."""
    global VALUES
    keys = [str(i) for i in range(1, n + 1)]
    with SharedHeap(heap_size="16M", hash_slots=2**16) as heap:
        VALUES = heap.table("values", codec="pickle")
        with WorkerPool(workers=2, heap=heap) as pool:
            stored = pool.map_reduce(store, keys, merge=add, neutral=0)
            assert stored == n
            total = pool.map_reduce(load_and_sum, keys, merge=add, neutral=0)
        VALUES = None
    return total


if __name__ == "__main__":
    print(f"Sum: {main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)}")
