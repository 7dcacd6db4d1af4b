"""A parallel sum with map_reduce: hack_parallel-example's main.ml on shoal's parallel core.

Run it with ``python examples/parallel_sum.py [N]``; it prints ``Sum: <1 + 2 + ... + N>``.
"""

from __future__ import annotations

import sys

from parallel import WorkerPool


def sum_bucket(bucket: list[int]) -> int:
    """The job: runs in a worker over one bucket (a module-level function, pickled by name)."""
    return sum(bucket)


def add(bucket_sum: int, total: int) -> int:
    """The merge: runs in the master, once per bucket, in completion order."""
    return total + bucket_sum


def main(n: int = 10) -> int:
    """Sum 1..n with two workers."""
    # Create the pool first: it forks now, before anything could start a thread.
    with WorkerPool(workers=2) as pool:
        return pool.map_reduce(sum_bucket, range(1, n + 1), merge=add, neutral=0)


if __name__ == "__main__":
    print(f"Sum: {main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)}")
