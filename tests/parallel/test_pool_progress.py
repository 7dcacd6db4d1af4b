"""``job_timeout`` counts from a job's last ``tick()``: a bucket that keeps moving may take as
long as it needs, one that stops moving (here SIGSTOPped) is killed, replaced and reported.

Time is simulated: the pool's deadline clock reads a file the job writes, so no healthy
bucket can run out of time however loaded the machine; only once a job has said it is
stalled does the clock move by itself. The job ticks before it advances the time, and at
the end waits (on a FIFO, no sleep) until the master has read the final time, so the
master surely looks at an overdue bucket before its reply can arrive.
"""
from __future__ import annotations

import errno
import os
import select
import signal
from pathlib import Path

import pytest

from parallel import JobTimeout, WorkerPool, _ledger, _pool, tick
from tests.parallel.pool_jobs import extend

TIMEOUT = 1.0
STEP = 0.4 * TIMEOUT  # each item moves the clock less than the timeout, all of them more


def _write_time(path: str, value: float) -> None:
    tmp = f"{path}.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(repr(value))
    os.replace(tmp, path)


def _read_time(path: str) -> float:
    with open(path) as f:
        return float(f.read())


def ticking_job(bucket):
    """Items are ``(dir, i, how)``: ``tick`` moves the clock after a tick; ``stall`` says so
    (then the clock moves by itself) and stops this process. The last ``tick`` item waits
    until the master has read the time it set."""
    done = []
    for root, i, how in bucket:
        clock, stalled = os.path.join(root, "clock"), os.path.join(root, "stalled")
        if how == "stall":
            open(stalled, "w").close()
            os.kill(os.getpid(), signal.SIGSTOP)
        if os.path.exists(stalled):
            os.unlink(stalled)  # moving again: time is the job's once more
        tick()
        _write_time(clock, _read_time(clock) + STEP)
        done.append(i)
    if bucket and bucket[-1][2] == "tick":
        with open(os.path.join(bucket[-1][0], "seen"), "rb") as fifo:  # until the master writes
            fifo.read(1)
    return done


class FileClock:
    """The master's deadline clock: the time the job wrote, plus a step at each look while the
    job says it is stalled; once it reaches ``release``, the job waiting on the FIFO is let
    go."""

    def __init__(self, root: Path, release: float) -> None:
        self.root = root
        self.release = release
        _write_time(str(root / "clock"), 0.0)
        os.mkfifo(root / "seen")

    def __call__(self) -> float:
        now = _read_time(str(self.root / "clock"))
        if (self.root / "stalled").exists():
            now += STEP
            _write_time(str(self.root / "clock"), now)
        if now >= self.release - 1e-9:
            try:
                fd = os.open(self.root / "seen", os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # no reader yet: the next look lets it go
                    raise
            else:
                try:
                    os.write(fd, b"x")
                except BrokenPipeError:
                    pass  # the job read an earlier look's byte and closed its end: let go
                finally:
                    os.close(fd)
        return now


def test_a_bucket_that_ticks_outlives_the_timeout(tmp_path, monkeypatch):
    items = [(str(tmp_path), i, "tick") for i in range(6)]
    monkeypatch.setattr(_ledger, "clock", FileClock(tmp_path, release=6 * STEP))
    with WorkerPool(workers=1, job_timeout=TIMEOUT) as pool:
        out = pool.map_reduce(ticking_job, items, merge=extend, neutral=[], bucket_size=6)
    assert sorted(out) == list(range(6))  # 2.4 timeouts in all, never one without a tick


@pytest.mark.fault
def test_a_bucket_that_stops_ticking_is_killed_and_replaced(tmp_path, monkeypatch):
    items = [(str(tmp_path), 0, "tick"), (str(tmp_path), 1, "stall")]
    monkeypatch.setattr(_ledger, "clock", FileClock(tmp_path, release=float("inf")))
    with WorkerPool(workers=1, job_timeout=TIMEOUT) as pool:
        before = pool.pids
        with pytest.raises(JobTimeout) as info:
            pool.map_reduce(ticking_job, items, merge=extend, neutral=[], bucket_size=2)
        assert info.value.pid == before[0] and pool.pids != before
        assert info.value.items == items
        assert not os.path.exists(f"/proc/{before[0]}")  # killed and reaped, stopped or not


@pytest.mark.fault
def test_on_failure_gets_the_stalled_item_alone(tmp_path, monkeypatch):
    items = [(str(tmp_path), 0, "tick"), (str(tmp_path), 1, "stall")]
    # The bucket stalls; item 0 alone then ends (let go at once), and item 1 alone stalls again.
    monkeypatch.setattr(_ledger, "clock", FileClock(tmp_path, release=0.0))
    failed = []
    with WorkerPool(workers=1, job_timeout=TIMEOUT) as pool:
        out = pool.map_reduce(ticking_job, items, merge=extend, neutral=[], bucket_size=2,
                              on_failure=lambda item, error: failed.append((item, error)))
    assert out == [0]
    [(item, error)] = failed
    assert item == items[1] and isinstance(error, JobTimeout)


def test_tick_outside_a_worker_does_nothing():
    tick()  # the master, no pool: nothing to count, nothing raised
    with WorkerPool(workers=0, job_timeout=TIMEOUT) as pool:
        assert pool.map_reduce(_tick_in_process, [1, 2], merge=extend, neutral=[]) == [1, 2]


def _tick_in_process(bucket):
    tick()
    return list(bucket)


# ---------------------------------------------------------------------------------------
# A stuck zygote


def _stopped(pid: int) -> None:
    os.kill(pid, signal.SIGSTOP)
    _, status = os.waitpid(pid, os.WUNTRACED)  # returns once it has stopped
    assert os.WIFSTOPPED(status)


def _killed(pid: int) -> None:
    pidfd = os.pidfd_open(pid)
    try:
        os.kill(pid, signal.SIGKILL)
        select.select([pidfd], [], [])  # readable once it has exited
    finally:
        os.close(pidfd)


def _sum(bucket):
    return sum(bucket)


@pytest.mark.fault
def test_a_stopped_zygote_is_replaced_when_a_worker_must_be(monkeypatch):
    monkeypatch.setattr(_pool, "ZYGOTE_PATIENCE", 0.5)
    with WorkerPool(workers=1) as pool:
        zygote, worker = pool.zygote_pid, pool.pids[0]
        _stopped(zygote)
        _killed(worker)
        total = pool.map_reduce(_sum, range(10), merge=lambda part, acc: acc + part, neutral=0)
        assert total == 45
        assert pool.zygote_pid not in (None, zygote)
        assert not os.path.exists(f"/proc/{zygote}")  # killed and reaped
        # The new zygote forks replacements as the first did.
        _killed(pool.pids[0])
        assert pool.map_reduce(_sum, range(4), merge=lambda p, a: a + p, neutral=0) == 6


@pytest.mark.fault
def test_close_does_not_wait_forever_for_a_stopped_zygote(monkeypatch):
    monkeypatch.setattr(_pool, "ZYGOTE_PATIENCE", 0.5)
    pool = WorkerPool(workers=1)
    zygote = pool.zygote_pid
    _stopped(zygote)
    pool.close()
    assert not os.path.exists(f"/proc/{zygote}")
