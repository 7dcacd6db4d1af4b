"""``WorkerPool.wake``: a running call looks at its interrupt at once, not at its next poll."""

import os
import select
import threading
import time

import pytest

import parallel._ledger
from parallel import Cancelled, WorkerPool, should_stop

#: how long the job waits for the stop flag before it gives up and returns normally
PATIENCE = 20.0


def announce_then_wait(bucket):
    """Tell the test through its FIFO that the job runs, wait for the stop flag, and write
    down whether it came (the reply of a stopped job is discarded)."""
    fifo, outcome = bucket[0]
    with open(fifo, "wb") as pipe:
        pipe.write(b"x")
    give_up = time.monotonic() + PATIENCE
    while not should_stop() and time.monotonic() < give_up:
        select.select([], [], [], 0.01)
    with open(outcome, "w") as out:
        out.write("stopped" if should_stop() else "gave up")
    return [fifo]


def extend(part, acc):
    acc.extend(part)
    return acc


def test_wake_makes_the_call_see_its_interrupt_without_a_poll(tmp_path, monkeypatch):
    # No poll at all: only the wake can make the call look at its interrupt.
    monkeypatch.setattr(parallel._ledger, "INTERRUPT_POLL_SECONDS", None)
    fifo, outcome = str(tmp_path / "started"), tmp_path / "outcome"
    os.mkfifo(fifo)
    asked = threading.Event()

    with WorkerPool(workers=1) as pool:
        def edit_arrives():
            with open(fifo, "rb") as pipe:  # blocks until the job has started
                pipe.read(1)
            asked.set()
            pool.wake()

        thread = threading.Thread(target=edit_arrives)
        thread.start()
        try:
            with pytest.raises(Cancelled):
                pool.map_reduce(announce_then_wait, [(fifo, str(outcome))], merge=extend,
                                neutral=[], interrupt=asked.is_set)
        finally:
            thread.join()
        assert outcome.read_text() == "stopped"
        assert pool.map_reduce(extend_job, [1, 2], merge=extend, neutral=[]) == [1, 2]


def extend_job(bucket):
    return list(bucket)


def test_wake_between_calls_and_after_close_is_harmless():
    pool = WorkerPool(workers=1)
    pool.wake()
    assert pool.map_reduce(extend_job, [3], merge=extend, neutral=[],
                           interrupt=lambda: False) == [3]
    pool.close()
    pool.wake()
