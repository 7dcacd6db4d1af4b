"""One map_reduce call on a DaskPool: buckets as dask tasks, and what dask does to them.

The transport only: submitting within a window, reading each task's end, re-running what a
dead worker took with it, abandoning late tasks.  What each outcome means for the call is the
:class:`~parallel._ledger.Ledger`'s, as on the fork pool.

A future's status is written by the client's event loop thread while this one reads it: a
task seen "finished" can be "lost" and then "cancelled" a moment later (its result died
with its worker, and so did every copy of the shared data it needs to be recomputed).  So
each task's end is decided on one reading of its status, and a cancellation is never
blamed on the bucket: the pool cancels only tasks it has stopped tracking, so a tracked task
that is cancelled was cancelled by dask, for an input lost with its workers.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import pickle
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import CancelledError
from typing import TYPE_CHECKING, Any

from parallel import _ledger
from parallel._dask_share import SharedStore, Traffic, run_payload
from parallel._errors import JobError, JobTimeout, PoolFailure, WorkerDied
from parallel._ledger import Ledger

#: What a dask wait that timed out raises: one class from Python 3.11, three before it
#: (asyncio's and concurrent.futures' own TimeoutError were not the builtin one on 3.10).
WAIT_TIMEOUTS = (TimeoutError, asyncio.TimeoutError, concurrent.futures.TimeoutError)

if TYPE_CHECKING:
    from distributed import Client, Future

#: buckets submitted and not yet collected, per worker thread of the cluster
IN_FLIGHT_PER_THREAD = 2
#: how many times a bucket whose input or result died with its worker is run again alone
LOST_RESULT_RETRIES = 2


class _Submitted:
    """A bucket submitted to the cluster."""

    __slots__ = ("key", "future", "bucket", "deadline", "shared")

    def __init__(self, key: str, future: Future, bucket: list[Any],
                 deadline: float | None) -> None:
        self.key = key
        self.future = future
        self.bucket = bucket
        self.deadline = deadline
        #: another bucket was in flight beside it at some point: a worker it was on may have
        #: been killed by that other bucket
        self.shared = False


class DaskCall:
    """The transport of one map_reduce call on a cluster; ``run()`` returns or raises."""

    def __init__(self, client: Client, nthreads: int, job_timeout: float | None,
                 traffic: Traffic, store: SharedStore, job: Callable[[list[Any]], Any],
                 ledger: Ledger, interrupt: Callable[[], bool] | None) -> None:
        self.client = client
        self.job_timeout = job_timeout
        self.traffic = traffic
        self.store = store
        self.job = job
        self.ledger = ledger
        self.interrupt = interrupt
        # One bucket running and one waiting per thread: a worker does not idle while the
        # master round-trips through the scheduler, and a stopped call abandons little.
        self.window = IN_FLIGHT_PER_THREAD * nthreads
        self.prefix = f"shoal-bucket-{uuid.uuid4().hex}"
        self.n_submitted = 0
        self.running: dict[str, _Submitted] = {}
        #: id(bucket) -> how many times its input or result was lost while it ran alone
        self.lost_results: dict[int, int] = {}
        #: dask cancelled a task for want of an input: share the data again before submitting
        self.reshare_due = False

    def run(self) -> Any:
        """Run the call to its end."""
        import dask

        self.ledger.report()
        try:
            # A bucket carries the data its job needs by design (sources, facts): dask's
            # warning is meant for graphs that embed data by accident.
            with dask.config.set(
                {"distributed.admin.large-graph-warning-threshold": "1 PiB"}
            ), self.client.as_current():  # distributed.wait() looks for the current client
                self._loop()
        except BaseException:
            # Ctrl-C, or an exception from merge/progress/on_failure/interrupt.
            self._abandon_running()
            raise
        return self.ledger.finish()

    def _loop(self) -> None:
        from distributed import wait

        ledger = self.ledger
        while True:
            if self.interrupt is not None and not ledger.cancelled and self.interrupt():
                ledger.cancel()
                self._abandon_running()
                return
            self._start_due()
            if not self.running:
                return
            futures = [s.future for s in self.running.values()]
            timeout = _ledger.wait_seconds(self.interrupt is not None,
                                           (s.deadline for s in self.running.values()))
            try:
                wait(futures, timeout=timeout, return_when="FIRST_COMPLETED")
            except WAIT_TIMEOUTS:
                pass
            except CancelledError:
                pass  # wait() raises for a cancelled task: read below like any other end
            # One reading per task; wait()'s own done set was read at another moment.
            ended = [(sub, status) for sub in list(self.running.values())
                     if (status := sub.future.status) != "pending"]
            for sub, status in ended:
                del self.running[sub.key]
                self._collect(sub, status)
            self._expire()

    def _start_due(self) -> None:
        ledger = self.ledger
        if ledger.alone:
            # A suspect runs with nothing beside it, so a death during it is its own doing.
            if not self.running and (bucket := ledger.next_alone()) is not None:
                self._submit(bucket)
            return
        while len(self.running) < self.window and (bucket := ledger.next_bucket()) is not None:
            self._submit(bucket)

    def _submit(self, bucket: list[Any]) -> None:
        import cloudpickle

        if self.reshare_due:
            self.store.reshare(self.client)
            self.reshare_due = False
        payload = cloudpickle.dumps((self.job, bucket), protocol=pickle.HIGHEST_PROTOCOL)
        key = f"{self.prefix}-{self.n_submitted}"
        self.n_submitted += 1
        self.traffic.payload_bytes += len(payload)
        self.traffic.buckets += 1
        # retries=0: run_payload catches every job exception, so a task only errs when dask
        # itself failed; a lost worker is retried by the scheduler's allowed-failures instead.
        future = self.client.submit(run_payload, payload, self.store.futures(), key=key,
                                    pure=False, retries=0)
        sub = _Submitted(key, future, bucket, _ledger.deadline(self.job_timeout))
        for other in self.running.values():
            other.shared = sub.shared = True
        self.running[key] = sub

    def _collect(self, sub: _Submitted, status: str | None) -> None:
        """Account for a task that ended with ``status`` (read once, by the caller)."""
        future, bucket = sub.future, sub.bucket
        if status == "finished":
            try:
                data = future.result()
            except CancelledError as exc:
                # It ran, but its result died with its worker and dask could not compute it
                # again for want of an input: share again and run the bucket again.
                self.reshare_due = True
                self._refetch(sub, exc)
                return
            except Exception as exc:
                # It ran, but the worker holding the result died before the master fetched it.
                self._refetch(sub, exc)
                return
            self.traffic.reply_bytes += len(data)
            self.ledger.settle(bucket, data)
        elif status == "lost":
            # It ran, but its worker died before the master fetched the result: run it again.
            self._refetch(sub, None)
        elif status == "error":
            error = _task_failure(future, bucket)
            if isinstance(error, WorkerDied) and sub.shared and not self.ledger.stopping:
                self.ledger.isolate(bucket)
                return
            self.ledger.failed(bucket, error)
        else:
            # "cancelled": not by this pool, which forgets a task before cancelling it, but by
            # dask, for an input (the shared data) lost with its workers.
            self.reshare_due = True
            self._refetch(sub, None)

    def _refetch(self, sub: _Submitted, error: BaseException | None) -> None:
        """Run again a bucket whose input or result was lost with its workers.

        A bucket that shared the cluster with others may have lost them to another bucket's
        doing: it is re-run alone, as a suspect.  One that ran alone is re-run a bounded
        number of times, then blamed (each loss is a worker gone).
        """
        bucket = sub.bucket
        if sub.shared and not self.ledger.stopping:
            self.ledger.isolate(bucket)
            return
        lost = self.lost_results.get(id(bucket), 0) + 1
        self.lost_results[id(bucket)] = lost
        if lost <= LOST_RESULT_RETRIES:
            self.ledger.requeue(bucket)
            return
        self.ledger.failed(bucket, _worker_died(
            0, bucket,
            f"a bucket of {len(bucket)} items lost its input or its result with its dask "
            f"worker {lost} times ({type(error).__name__ if error else 'the key was lost'}): "
            "workers keep dying while it runs (check its memory use; the worker's log says "
            "why it ended)",
        ))

    def _expire(self) -> None:
        timeout = self.job_timeout
        if timeout is None:
            return
        for sub in [s for s in self.running.values() if _ledger.is_past(s.deadline)]:
            address, pid = self._worker_of(sub.key)
            self._forget(sub)
            error = JobTimeout(pid, timeout, sub.bucket)
            error.args = (
                f"a bucket of {len(sub.bucket)} items ran past job_timeout={timeout:g}s on dask "
                f"worker {address or '(unknown)'} (pid {pid or 'unknown'}); dask cannot stop a "
                "running task, so it keeps that worker's thread until it returns and its result "
                "is discarded (raise job_timeout, or lower bucket_size, if the job is just slow)",
            )
            self.ledger.failed(sub.bucket, error)

    def _worker_of(self, key: str) -> tuple[str | None, int]:
        """The address and pid of the worker running ``key``, as far as the scheduler knows."""
        try:
            for address, keys in self.client.processing().items():
                if key in keys:
                    info = self.client.scheduler_info()["workers"].get(address, {})
                    return address, int(info.get("pid") or 0)
        except Exception:
            pass  # only the message's detail is lost
        return None, 0

    def _forget(self, sub: _Submitted) -> None:
        """Cancel a running bucket's task: a late result is discarded by dask itself."""
        del self.running[sub.key]
        self.client.cancel([sub.future])

    def _abandon_running(self) -> None:
        """Cancel every running bucket; their items are unfinished."""
        subs = list(self.running.values())
        self.running.clear()
        for sub in subs:
            self.ledger.discard(sub.bucket)
        if subs:
            self.client.cancel([sub.future for sub in subs])


def _task_failure(future: Future, bucket: list[Any]) -> PoolFailure:
    """The failure for a task that erred in dask itself (run_payload catches job errors)."""
    from distributed import KilledWorker

    exc = future.exception()
    if isinstance(exc, KilledWorker):
        worker = exc.last_worker
        pid = int(getattr(worker, "pid", 0) or 0)
        return _worker_died(
            pid, bucket,
            f"a bucket of {len(bucket)} items killed {exc.allowed_failures + 1} dask worker(s); "
            f"the last was {getattr(worker, 'address', '?')} (pid {pid or 'unknown'}). dask does "
            "not report how a worker ended: a signal, os._exit or an OOM kill (check the job's "
            "memory use) all look like this; the worker's log says which",
        )
    text = "".join(traceback.format_tb(future.traceback())) if future.traceback() else ""
    cls = type(exc)
    name = cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    return JobError(name, str(exc), text, bucket)


def _worker_died(pid: int, bucket: list[Any], message: str) -> WorkerDied:
    """WorkerDied for a dask worker: dask does not tell how the process ended."""
    died = WorkerDied(pid, 0, bucket)
    died.exitcode = None  # type: ignore[assignment]  # dask does not say how it ended
    died.signal = None
    died.args = (message,)
    return died
