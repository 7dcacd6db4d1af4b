"""Jobs and merges shared by the pool tests (module level: workers, forked or dask, find
them by reference)."""

import os
import signal

POISON = 13


def add(part, acc):
    return acc + part


def extend(part, acc):
    acc.extend(part)
    return acc


def total(bucket):
    return sum(bucket)


def fail_on_poison(bucket):
    if POISON in bucket:
        raise ValueError(f"poisoned by {POISON}")
    return list(bucket)


def kill_on_poison(bucket):
    if POISON in bucket:
        os.kill(os.getpid(), signal.SIGKILL)
    return list(bucket)


def unpicklable_result(bucket):
    return lambda: None


def assert_partition(error, items, n_items=30):
    """Every item is in exactly one place: merged, the failed bucket, or unfinished."""
    assert sorted(error.accumulator + error.items + error.unfinished) == list(range(n_items))
    assert error.items == items
