"""The parallel sum on dask.distributed: the same map_reduce, and data shared once per worker.

Run it with ``python examples/dask_sum.py [N] [SCHEDULER]`` (``pip install "shoal[distributed]"``);
it prints ``Sum: <1 + 2 + ... + N>``. Without a scheduler address it starts a local cluster
of two worker processes.

The numbers travel once: ``share`` broadcasts them to every worker, and the buckets carry
only index ranges. That is how ``shoal check --scheduler`` ships its heap snapshot.
"""

from __future__ import annotations

import array
import sys

from parallel import DaskPool, shared_data


def sum_slices(bucket: list[tuple[str, int, int]]) -> int:
    """The job: sums slices of the shared numbers (module-level: pickled by name)."""
    total = 0
    for token, start, stop in bucket:
        numbers = array.array("q")
        numbers.frombytes(shared_data(token))
        total += sum(numbers[start:stop])
    return total


def add(part: int, total: int) -> int:
    """The merge: runs in the master, once per bucket, in completion order."""
    return total + part


def main(n: int = 10, address: str | None = None) -> int:
    """Sum 1..n on a dask cluster."""
    numbers = array.array("q", range(1, n + 1)).tobytes()
    step = 100
    with DaskPool(address, workers=2) as pool:
        token = pool.share(numbers)
        try:
            slices = [(token, i, min(i + step, n)) for i in range(0, n, step)]
            return pool.map_reduce(sum_slices, slices, merge=add, neutral=0)
        finally:
            pool.unshare(token)


if __name__ == "__main__":
    args = sys.argv[1:]
    print(f"Sum: {main(int(args[0]) if args else 10, args[1] if len(args) > 1 else None)}")
