"""One map_reduce call on a WorkerPool: buckets over the workers' sockets, or in this process.

Only the transport lives here (dispatch, replies, dead and late workers, stopping the
running buckets); what each outcome means for the call is the :class:`~parallel._ledger.Ledger`'s.
The pool is seen through the :class:`Pool` protocol, so ``_pool`` can import this module
without this module importing ``_pool``.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import selectors
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from parallel import _ledger, _stopflag, _wire
from parallel._errors import JobError, JobTimeout, WorkerDied
from parallel._ledger import Ledger
from parallel._process import heap_error_types


@dataclass
class Worker:
    """The master's handle on one worker process."""

    #: the worker's pid
    pid: int
    #: the master's end of the worker's socket
    sock: socket.socket
    #: True when the zygote forked it (then only the zygote can reap it)
    from_zygote: bool
    #: its progress counter on the pool's shared page (``_stopflag.tick``)
    slot: int = 0
    #: grown past the pool's ``renew_above``: replaced once it has no bucket left
    retiring: bool = False


class Pool(Protocol):
    """What a call needs of its ``WorkerPool``."""

    workers: int
    job_timeout: float | None
    stop_timeout: float
    page: mmap.mmap
    #: readable when someone asks the call to look at its interrupt now (``wake()``)
    wake_fd: int | None
    #: replace a worker after each bucket ("every"), after a heavy one ("heavy"), after the
    #: last heavy one, all run by one worker ("heavy-run"), or never
    renew: str | None
    #: replace a worker whose private memory grew past this many bytes, after its bucket
    renew_above: int | None

    def no_replacement_reason(self) -> str:
        """Why a dead worker cannot be replaced, named when none is left."""

    def idle_workers(self) -> list[Worker]:
        """The workers, all idle, at the start of a call."""

    def replace(self, worker: Worker, kill: bool = False) -> tuple[Worker | None, int]:
        """Reap ``worker`` and fork a fresh one; (the new worker or None, the exit code)."""


class _Running:
    """A bucket in a worker, and the worker's progress counter when last looked at."""

    __slots__ = ("worker", "bucket", "deadline", "ticks", "discard")

    def __init__(self, worker: Worker, bucket: list[Any], deadline: float | None,
                 ticks: int) -> None:
        self.worker = worker
        self.bucket = bucket
        self.deadline = deadline
        self.ticks = ticks
        #: a bucket sent ahead that started after the call failed: its reply is not merged
        self.discard = False


class Call:
    """The transport of one map_reduce call; ``run()`` returns the accumulator or raises."""

    def __init__(self, pool: Pool, job: Callable[[list[Any]], Any], ledger: Ledger,
                 interrupt: Callable[[], bool] | None) -> None:
        self.pool = pool
        self.job = job
        self.ledger = ledger
        self.interrupt = interrupt

    def run(self) -> Any:
        """Run the call to its end."""
        self.ledger.report()
        if self.pool.workers == 0:
            return self._run_in_process()
        return self._run_in_workers()

    def _interrupted(self) -> bool:
        return self.interrupt is not None and not self.ledger.cancelled and self.interrupt()

    # -- workers=0 ---------------------------------------------------------------------------

    def _run_in_process(self) -> Any:
        ledger = self.ledger
        _stopflag.use_page(self.pool.page)
        try:
            # The same stop rule as with workers: after a failure no bucket starts.
            while ledger.due:
                if self._interrupted():
                    ledger.cancel()
                    break
                bucket = ledger.pending.popleft()
                try:
                    result = self.job(bucket)
                except Exception as exc:
                    ledger.failed(bucket, _local_failure(exc, bucket))
                    continue
                ledger.succeeded(bucket, result)
        finally:
            _stopflag.use_page(None)
        return ledger.finish()

    # -- workers > 0 -------------------------------------------------------------------------

    def _run_in_workers(self) -> Any:
        self.idle: list[Worker] = self.pool.idle_workers()
        #: with ``renew="heavy-run"``, the worker that runs the heavy buckets
        self.heavy_pid: int | None = None
        self.running: dict[int, _Running] = {}
        #: the bucket sent to a busy worker behind the one it runs (by socket fd): it starts
        #: as soon as the worker replies, without waiting for this process's turn
        self.ahead: dict[int, list[Any]] = {}
        #: a worker whose stream was cut mid-message by an exception, or whose bucket went out
        #: before the run was recorded: only killing it is safe
        self.torn: Worker | None = None
        self.torn_bucket: list[Any] = []
        self.selector = selectors.DefaultSelector()
        wake_fd = self.pool.wake_fd if self.interrupt is not None else None
        if wake_fd is not None:
            _drain(wake_fd)  # a wake from before this call is not about it
            self.selector.register(wake_fd, selectors.EVENT_READ)
        try:
            self._loop()
        except BaseException:
            # Ctrl-C, SIGTERM, or an exception from merge/progress/on_failure/interrupt:
            # stop the running buckets the same way a cancellation does, then let it go on.
            self._stop_running()
            raise
        finally:
            self.selector.close()
        return self.ledger.finish()

    def _loop(self) -> None:
        ledger = self.ledger
        while True:
            if self._interrupted():
                ledger.cancel()
                self._stop_running()
                return
            self._start_idle()
            self._send_ahead()
            if not self.running:
                if ledger.due:
                    raise RuntimeError(
                        f"no worker left to run {len(ledger.unfinished())} items: "
                        f"{self.pool.no_replacement_reason()}; "
                        "close this pool and create a new one"
                    )
                return
            timeout = _ledger.wait_seconds(self.interrupt is not None,
                                           (r.deadline for r in self.running.values()),
                                           self.pool.job_timeout)
            for key, _events in self.selector.select(timeout):
                run = self.running.get(key.fd)
                if run is None:  # the wake pipe: the loop's top looks at the interrupt
                    _drain(key.fd)
                else:
                    self._collect(run)
            self._expire()

    def _start_idle(self) -> None:
        """Give each idle worker, last idle first, the next bucket it may take."""
        for worker in reversed(list(self.idle)):
            bucket = self.ledger.next_bucket(heavy=self._takes_heavy(worker))
            if bucket is None:
                if not self.ledger.due:
                    return
                continue  # only heavy buckets are queued, and they wait for another worker
            self.idle.remove(worker)
            self._dispatch(worker, bucket)

    def _takes_heavy(self, worker: Worker) -> bool | None:
        """With ``renew="heavy-run"``, whether ``worker`` runs the heavy buckets: the first
        to take one does, until it is replaced; otherwise None (the ledger's rule)."""
        if self.pool.renew != "heavy-run":
            return None
        return self.heavy_pid is None or worker.pid == self.heavy_pid

    def _sent(self, worker: Worker, bucket: list[Any]) -> None:
        """``bucket`` went to ``worker``: with ``renew="heavy-run"``, a heavy one makes it
        the worker of the heavy buckets."""
        if self.pool.renew == "heavy-run" and self.ledger.is_heavy(bucket):
            self.heavy_pid = worker.pid

    def _replace(self, worker: Worker, kill: bool = False) -> tuple[Worker | None, int]:
        """The pool's ``replace``; the heavy buckets then go to whichever worker takes one."""
        if worker.pid == self.heavy_pid:
            self.heavy_pid = None
        return self.pool.replace(worker, kill=kill)

    def _message(self, bucket: list[Any]) -> bytes:
        """What a worker gets for ``bucket``: the job, the bucket, and whether the worker is
        replaced after it (then it frees nothing, see ``hold_until_replied``)."""
        return pickle.dumps((self.job, bucket, self._renews(bucket)),
                            protocol=pickle.HIGHEST_PROTOCOL)

    def _dispatch(self, worker: Worker, bucket: list[Any]) -> None:
        message = self._message(bucket)
        self.torn_bucket = bucket
        while True:
            # Read before the worker can tick for this bucket: any tick after it is progress.
            ticks = _stopflag.ticks(self.pool.page, worker.slot)
            self.torn = worker
            try:
                _wire.send_bytes(worker.sock, message)
            except OSError:
                # It died while idle (killed from outside): not this bucket's fault.
                self.torn = None
                fresh, _ = self._replace(worker)
                if fresh is None:
                    self.ledger.requeue(bucket)
                    return
                worker = fresh
                continue
            break
        # Still torn until the run is recorded: a Ctrl-C landing between the send and the
        # record would otherwise leave a worker busy with a bucket no one waits for, which
        # the next call would take for idle and wait on for ever.
        deadline = _ledger.deadline(self.pool.job_timeout)
        self.running[worker.sock.fileno()] = _Running(worker, bucket, deadline, ticks)
        self.torn = None
        self._sent(worker, bucket)
        self.selector.register(worker.sock, selectors.EVENT_READ)

    def _send_ahead(self) -> None:
        """Queue one more bucket on each busy worker while more are queued than there are
        workers: a worker then never waits for this process between two buckets. Near the
        end, buckets go to whichever worker is free first, so none waits behind another."""
        for fd, run in list(self.running.items()):
            if fd in self.ahead or len(self.ledger.pending) <= self.pool.workers:
                continue
            if run.worker.retiring or self._renews(run.bucket):
                continue  # it is replaced after its bucket: nothing may wait behind it
            bucket = self.ledger.next_bucket(heavy=self._takes_heavy(run.worker))
            if bucket is None:
                continue
            message = self._message(bucket)
            # Noted before it is sent: a stream torn while sending loses it with its worker.
            self.ahead[fd] = bucket
            self._sent(run.worker, bucket)
            self.torn = run.worker
            try:
                _wire.send_bytes(run.worker.sock, message)
            except OSError:
                # It died under its running bucket, which its end of file will report.
                del self.ahead[fd]
                self.ledger.requeue(bucket)
            self.torn = None

    def _promote(self, run: _Running) -> bool:
        """The worker replied to ``run``: its bucket sent ahead, if any, is running now."""
        bucket = self.ahead.pop(run.worker.sock.fileno(), None)
        if bucket is None:
            return False
        run.bucket = bucket
        run.ticks = _stopflag.ticks(self.pool.page, run.worker.slot)
        run.deadline = _ledger.deadline(self.pool.job_timeout)
        return True

    def _release(self, run: _Running) -> list[Any] | None:
        """Forget ``run``'s worker; the bucket sent to it ahead, which never started, if any."""
        # A Ctrl-C can land in _dispatch between recording the run and registering its
        # socket: then there is nothing to unregister, and the run must still be released.
        with contextlib.suppress(KeyError):
            self.selector.unregister(run.worker.sock)
        del self.running[run.worker.sock.fileno()]
        return self.ahead.pop(run.worker.sock.fileno(), None)

    def _read_reply(self, run: _Running) -> bytes | None:
        self.torn = run.worker
        data = _wire.recv_bytes(run.worker.sock)
        self.torn = None
        return data

    def _collect(self, run: _Running) -> None:
        data = self._read_reply(run)
        bucket = run.bucket
        if data is None:
            ahead = self._release(run)
            if ahead is not None:
                self.ledger.requeue(ahead)  # never started: not its fault
            fresh, exitcode = self._replace(run.worker)
            if fresh is not None:
                self.idle.append(fresh)
            self.ledger.failed(bucket, WorkerDied(run.worker.pid, exitcode, bucket))
            return
        discard = run.discard
        renew = run.worker.retiring or self._renews(bucket) or self._grown(run.worker)
        promoted = self._promote(run)
        if not promoted:
            self._release(run)
            if renew:
                self._renew(run.worker)
            else:
                self.idle.append(run.worker)
        elif renew:
            run.worker.retiring = True
        if discard:
            self.ledger.discard(bucket)
        else:
            self.ledger.settle(bucket, data)
        # No bucket starts after a failure: one already queued on the worker runs, unmerged.
        run.discard = promoted and self.ledger.failure is not None

    def _renews(self, bucket: list[Any]) -> bool:
        """Whether the worker that runs ``bucket`` is replaced after it, whatever it grew to."""
        renew = self.pool.renew
        if renew == "heavy-run":
            return self.ledger.is_heavy(bucket) and not self.ledger.heavy_queued()
        return renew == "every" or (renew == "heavy" and self.ledger.is_heavy(bucket))

    def _grown(self, worker: Worker) -> bool:
        """Whether ``worker`` holds more private memory than the pool's ``renew_above``."""
        limit = self.pool.renew_above
        if worker.pid == self.heavy_pid:
            return False  # it holds what the heavy buckets left, by design, until the last
        return limit is not None and private_bytes(worker.pid) > limit

    def _renew(self, worker: Worker) -> None:
        """Put a fresh fork in the place of an idle ``worker``: the memory its jobs left
        (a large tree's freed but fragmented heap) goes back to the system with it."""
        # It replied and waits for its next bucket, holding nothing: a kill loses nothing.
        fresh, _ = self._replace(worker, kill=True)
        if fresh is not None:
            self.idle.append(fresh)

    def _expire(self) -> None:
        timeout = self.pool.job_timeout
        if timeout is None:
            return
        for run in self.running.values():
            # A job that ticked since the last look is moving: its time starts again.
            ticks = _stopflag.ticks(self.pool.page, run.worker.slot)
            if ticks != run.ticks:
                run.ticks, run.deadline = ticks, _ledger.deadline(timeout)
        for run in [r for r in self.running.values() if _ledger.is_past(r.deadline)]:
            ahead = self._release(run)
            if ahead is not None:
                self.ledger.requeue(ahead)
            fresh, _ = self._replace(run.worker, kill=True)
            if fresh is not None:
                self.idle.append(fresh)
            self.ledger.failed(run.bucket, JobTimeout(run.worker.pid, timeout, run.bucket))

    def _stop_running(self) -> None:
        """Raise the stop flag, give running buckets ``stop_timeout`` to reply, kill the rest.

        Every reply is discarded: a job that saw ``should_stop()`` may have returned early.
        """
        page = self.pool.page
        _stopflag.set_flag(page, True)
        try:
            if self.torn is not None:
                run = next((r for r in self.running.values() if r.worker is self.torn), None)
                if run is not None:
                    self._abandon(run, kill=True)
                else:
                    # Torn while sending a bucket: the worker is not in `running` yet.
                    self.ledger.discard(self.torn_bucket)
                    self._replace(self.torn, kill=True)
                self.torn = None
            # The stop's patience is real time, whatever clock job deadlines are read on.
            deadline = time.monotonic() + self.pool.stop_timeout
            while self.running:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                for key, _events in self.selector.select(left):
                    run = self.running.get(key.fd)
                    if run is None:  # the wake pipe: already stopping
                        _drain(key.fd)
                        continue
                    data = self._read_reply(run)
                    if data is not None and run.worker.sock.fileno() in self.ahead:
                        # Its bucket sent ahead still owes a reply (the worker skips
                        # the job under the raised flag): wait for that one too.
                        self.ledger.discard(run.bucket)
                        self._promote(run)
                        continue
                    self._abandon(run, kill=False, dead=data is None)
            for run in list(self.running.values()):
                self._abandon(run, kill=True)
        except BaseException:
            # A second Ctrl-C while waiting: no more patience, but nothing may be left behind.
            for run in list(self.running.values()):
                self._abandon(run, kill=True)
            raise
        finally:
            if not page.closed:
                _stopflag.set_flag(page, False)

    def _abandon(self, run: _Running, kill: bool, dead: bool = False) -> None:
        ahead = self._release(run)
        self.ledger.discard(run.bucket)
        if ahead is not None:
            self.ledger.discard(ahead)
        if kill or dead:
            fresh, _ = self._replace(run.worker, kill=kill)
            if fresh is not None:
                self.idle.append(fresh)
        else:
            self.idle.append(run.worker)


def private_bytes(pid: int) -> int:
    """The memory only process ``pid`` maps (``Private_*`` of its ``smaps_rollup``); 0 where
    ``/proc`` cannot tell."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Private_"):
                    total += int(line.split()[1])
    except (OSError, ValueError):
        return 0
    return total * 1024


def _drain(fd: int) -> None:
    """Empty the wake pipe (non-blocking)."""
    with contextlib.suppress(BlockingIOError):
        while os.read(fd, 4096):
            pass


def _local_failure(exc: Exception, bucket: list[Any]) -> BaseException:
    """The exception a workers=0 call raises for ``exc``: the same classes as with workers."""
    text = traceback.format_exc()
    passthrough = heap_error_types()
    if passthrough and isinstance(exc, passthrough):
        exc.remote_traceback = text  # type: ignore[attr-defined]  # as a worker's reply sets it
        return exc
    cls = type(exc)
    name = cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    return JobError(name, str(exc), text, bucket)
