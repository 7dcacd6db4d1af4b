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


def fail_on_flagged(bucket):
    """Items are ``(i, fails)``: a bucket holding a flagged item raises."""
    flagged = [i for i, fails in bucket if fails]
    if flagged:
        raise ValueError(f"flagged items {flagged}")
    return [i for i, _ in bucket]


def flagged_items(n_items, bucket_size, failing_buckets):
    """``(i, fails)`` for ``range(n_items)``: every item of the given buckets is flagged."""
    return [(i, i // bucket_size in failing_buckets) for i in range(n_items)]


def assert_each_item_once(error, n_items, bucket_size, failing_buckets):
    """Several buckets failed: every item is in exactly one place, the failure's bucket is
    one of them, and the others (run, failed, discarded) are unfinished, never merged."""
    failed = [i for i, _ in error.items]
    unfinished = [i for i, _ in error.unfinished]
    assert sorted(error.accumulator + failed + unfinished) == list(range(n_items))
    buckets = [list(range(b * bucket_size, (b + 1) * bucket_size)) for b in failing_buckets]
    assert failed in buckets
    for bucket in buckets:
        if bucket != failed:
            assert set(bucket) <= set(unfinished)
        assert not set(bucket) & set(error.accumulator)


class StuckClock:
    """A pool's deadline clock for a timeout test (set over ``parallel._ledger.clock``).

    It stands still, so no healthy bucket can run out of time however loaded the machine,
    and jumps past every deadline set so far only when the stuck job has said it is stuck
    (one more byte in ``stuck_path``) and ``progress`` has seen every item that can end
    before that jump (``done_before_jump[k]`` for the k-th jump).
    """

    def __init__(self, stuck_path, done_before_jump):
        self.stuck_path = stuck_path
        self.plan = list(done_before_jump)
        self.jumps = 0
        self.done = 0

    def progress(self, done, total):
        self.done = done

    def _stuck(self):
        try:
            return os.path.getsize(self.stuck_path)
        except FileNotFoundError:
            return 0

    def __call__(self):
        if (self.jumps < len(self.plan) and self._stuck() > self.jumps
                and self.done >= self.plan[self.jumps]):
            self.jumps += 1
        return self.jumps * 1e9


def say_stuck(path):
    """Tell a :class:`StuckClock` that a job is stuck (one byte per time)."""
    with open(path, "ab") as f:
        f.write(b"x")


def hang_when_marked(bucket):
    """Items are ``(path or None, i)``: on a marked item say so, then wait to be killed."""
    for path, _ in bucket:
        if path is not None:
            say_stuck(path)
            signal.pause()  # SIGINT is ignored in workers: only the master's SIGKILL ends it
    return [i for _, i in bucket]
