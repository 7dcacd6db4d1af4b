"""A busy worker gets its next bucket before its last reply is handled (sent ahead), so it
never waits for the master between two buckets; near the end of a call it does not."""

import os
import select

from parallel import WorkerPool

#: how long a merge waits for the next bucket to start before it notes that it did not
PATIENCE = 20.0


def announce(bucket):
    """Write the bucket's item into the test's FIFO (its read end is open: no block)."""
    fifo, item = bucket[0]
    fd = os.open(fifo, os.O_WRONLY)
    try:
        os.write(fd, b"%d\n" % item)
    finally:
        os.close(fd)
    return [item]


class _Merge:
    """Merging the first reply waits until the worker has started the second bucket."""

    def __init__(self, read_fd: int) -> None:
        self.read_fd = read_fd
        self.started_meanwhile: bool | None = None

    def __call__(self, part, acc):
        if self.started_meanwhile is None:
            seen = b""
            # The first bucket's line is in the pipe already; the second's must join it.
            while b"1\n" not in seen and select.select([self.read_fd], [], [], PATIENCE)[0]:
                seen += os.read(self.read_fd, 4096)
            self.started_meanwhile = b"1\n" in seen
        acc.extend(part)
        return acc


def test_the_next_bucket_runs_while_the_master_merges_the_last(tmp_path):
    fifo = str(tmp_path / "started")
    os.mkfifo(fifo)
    read_fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    # A writer held open here: the jobs' closing their ends is no end of file to the merge.
    keep_fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    try:
        merge = _Merge(read_fd)
        with WorkerPool(workers=1) as pool:
            result = pool.map_reduce(announce, [(fifo, i) for i in range(4)], merge=merge,
                                     neutral=[], bucket_size=1)
        assert sorted(result) == [0, 1, 2, 3]
        assert merge.started_meanwhile
    finally:
        os.close(keep_fd)
        os.close(read_fd)


def wait_for_stop_or_hang(bucket):
    """The first bucket announces itself and waits for the stop flag; any other hangs, so
    only a worker that skips it under the raised flag can answer in time."""
    from parallel import should_stop

    marker, item = bucket[0]
    if item == 0:
        open(marker, "w").close()
        while not should_stop():
            select.select([], [], [], 0.01)
    else:
        select.select([], [], [])
    return [item]


def test_a_bucket_sent_ahead_is_skipped_when_the_call_is_cancelled(tmp_path):
    from parallel import Cancelled

    marker = str(tmp_path / "started")
    items = [(marker, i) for i in range(4)]
    with WorkerPool(workers=1, stop_timeout=30.0) as pool:
        before = pool.pids
        try:
            pool.map_reduce(wait_for_stop_or_hang, items, merge=lambda p, a: a + p,
                            neutral=[], bucket_size=1, interrupt=lambda: os.path.exists(marker))
        except Cancelled as stop:
            assert sorted(i for _, i in stop.unfinished) == [0, 1, 2, 3]
        else:
            raise AssertionError("not cancelled")
        assert pool.pids == before  # it answered both: not killed as stuck
