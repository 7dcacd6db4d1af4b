"""One map_reduce call: dispatching buckets, collecting replies, and every way it can end."""

from __future__ import annotations

import contextlib
import pickle
import selectors
import time
import traceback
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from parallel import _stopflag, _wire
from parallel._buckets import make_buckets
from parallel._errors import Cancelled, JobError, JobTimeout, PoolFailure, WorkerDied
from parallel._process import heap_error_types

if TYPE_CHECKING:
    from parallel._pool import Worker, WorkerPool

#: seconds between two polls of ``interrupt`` while the master waits for replies
INTERRUPT_POLL_SECONDS = 0.05


def check_job(job: Callable[..., Any]) -> None:
    """Refuse a job that cannot be pickled by reference (a lambda, a closure, a method)."""
    try:
        pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        raise TypeError(
            f"job {job!r} cannot be sent to a worker: it must be a module-level function "
            f"(it is pickled by reference), not a lambda or a closure ({exc})"
        ) from None


class _Running:
    """A bucket in a worker."""

    __slots__ = ("worker", "bucket", "deadline")

    def __init__(self, worker: Worker, bucket: list[Any], deadline: float | None) -> None:
        self.worker = worker
        self.bucket = bucket
        self.deadline = deadline


class Call:
    """The state of one map_reduce call; ``run()`` returns the accumulator or raises."""

    def __init__(
        self,
        pool: WorkerPool,
        job: Callable[[list[Any]], Any],
        items: list[Any],
        merge: Callable[[Any, Any], Any],
        neutral: Any,
        bucket_size: int | None,
        cost: Callable[[Any], float] | None,
        progress: Callable[[int, int], None] | None,
        interrupt: Callable[[], bool] | None,
        on_failure: Callable[[Any, BaseException], None] | None,
    ) -> None:
        self.pool = pool
        self.job = job
        self.merge = merge
        self.acc = neutral
        self.progress = progress
        self.interrupt = interrupt
        self.on_failure = on_failure
        self.total = len(items)
        self.done = 0
        self.pending: deque[list[Any]] = deque(
            make_buckets(items, pool.workers, bucket_size, cost)
        )
        #: the first failure, raised once the running buckets are drained
        self.failure: PoolFailure | None = None
        #: items run but not merged (later failures, discarded replies)
        self.discarded: list[Any] = []
        self.cancelled = False

    # -- bookkeeping shared by both modes ----------------------------------------------------

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total)

    def _succeeded(self, bucket: list[Any], result: Any) -> None:
        self.acc = self.merge(result, self.acc)
        self.done += len(bucket)
        self._report()

    def _failed(self, bucket: list[Any], error: PoolFailure | BaseException) -> None:
        """A bucket failed: split it, hand its one item to on_failure, or stop the call."""
        if self.on_failure is not None:
            if len(bucket) > 1:
                self.pending.extendleft([item] for item in reversed(bucket))
                return
            _annotate(error, bucket, self.acc, [])
            self.on_failure(bucket[0], error)
            self.done += 1
            self._report()
            return
        if self.failure is None:
            _annotate(error, bucket, None, [])
            self.failure = error  # type: ignore[assignment]
        else:
            self.discarded.extend(bucket)

    def _unfinished(self) -> list[Any]:
        return self.discarded + [item for bucket in self.pending for item in bucket]

    def _finish(self) -> Any:
        if self.failure is not None:
            self.failure.accumulator = self.acc
            self.failure.unfinished = self._unfinished()
            raise self.failure
        if self.cancelled:
            stop = Cancelled()
            stop.accumulator = self.acc
            stop.unfinished = self._unfinished()
            raise stop
        return self.acc

    def run(self) -> Any:
        """Run the call to its end."""
        self._report()
        if self.pool.workers == 0:
            return self._run_in_process()
        return self._run_in_workers()

    # -- workers=0 ---------------------------------------------------------------------------

    def _run_in_process(self) -> Any:
        _stopflag.use_page(self.pool.page)
        try:
            while self.pending and self.failure is None:
                if self.interrupt is not None and self.interrupt():
                    self.cancelled = True
                    break
                bucket = self.pending.popleft()
                try:
                    result = self.job(bucket)
                except Exception as exc:
                    self._failed(bucket, _local_failure(exc, bucket))
                    continue
                self._succeeded(bucket, result)
        finally:
            _stopflag.use_page(None)
        return self._finish()

    # -- workers > 0 -------------------------------------------------------------------------

    def _run_in_workers(self) -> Any:
        self.idle: list[Worker] = self.pool.idle_workers()
        self.running: dict[int, _Running] = {}
        #: a worker whose stream was cut mid-message by an exception: only killing it is safe
        self.torn: Worker | None = None
        self.torn_bucket: list[Any] = []
        self.selector = selectors.DefaultSelector()
        try:
            self._loop()
        except BaseException:
            # Ctrl-C, SIGTERM, or an exception from merge/progress/on_failure/interrupt:
            # stop the running buckets the same way a cancellation does, then let it go on.
            self._stop_running()
            raise
        finally:
            self.selector.close()
        return self._finish()

    def _loop(self) -> None:
        while True:
            if self.interrupt is not None and not self.cancelled and self.interrupt():
                self.cancelled = True
                self._stop_running()
                return
            while self.idle and self.pending and self.failure is None:
                self._dispatch(self.idle.pop(), self.pending.popleft())
            if not self.running:
                if self.pending and self.failure is None:
                    raise RuntimeError(
                        f"no worker left to run {len(self._unfinished())} items: the zygote "
                        f"(pid {self.pool.zygote_pid}) died, so dead workers cannot be replaced; "
                        "close this pool and create a new one"
                    )
                return
            for key, _events in self.selector.select(self._wait_seconds()):
                self._collect(self.running[key.fd])
            self._expire()

    def _wait_seconds(self) -> float | None:
        timeout = INTERRUPT_POLL_SECONDS if self.interrupt is not None else None
        deadlines = [r.deadline for r in self.running.values() if r.deadline is not None]
        if deadlines:
            left = max(0.0, min(deadlines) - time.monotonic())
            timeout = left if timeout is None else min(timeout, left)
        return timeout

    def _dispatch(self, worker: Worker, bucket: list[Any]) -> None:
        message = pickle.dumps((self.job, bucket), protocol=pickle.HIGHEST_PROTOCOL)
        self.torn_bucket = bucket
        while True:
            self.torn = worker
            try:
                _wire.send_bytes(worker.sock, message)
            except OSError:
                # It died while idle (killed from outside): not this bucket's fault.
                self.torn = None
                fresh, _ = self.pool.replace(worker)
                if fresh is None:
                    self.pending.appendleft(bucket)
                    return
                worker = fresh
                continue
            self.torn = None
            break
        deadline = None
        if self.pool.job_timeout is not None:
            deadline = time.monotonic() + self.pool.job_timeout
        self.running[worker.sock.fileno()] = _Running(worker, bucket, deadline)
        self.selector.register(worker.sock, selectors.EVENT_READ)

    def _release(self, run: _Running) -> None:
        # A Ctrl-C can land in _dispatch between recording the run and registering its
        # socket: then there is nothing to unregister, and the run must still be released.
        with contextlib.suppress(KeyError):
            self.selector.unregister(run.worker.sock)
        del self.running[run.worker.sock.fileno()]

    def _read_reply(self, run: _Running) -> bytes | None:
        self.torn = run.worker
        data = _wire.recv_bytes(run.worker.sock)
        self.torn = None
        return data

    def _collect(self, run: _Running) -> None:
        data = self._read_reply(run)
        self._release(run)
        if data is None:
            fresh, exitcode = self.pool.replace(run.worker)
            if fresh is not None:
                self.idle.append(fresh)
            self._failed(run.bucket, WorkerDied(run.worker.pid, exitcode, run.bucket))
            return
        self.idle.append(run.worker)
        try:
            reply = pickle.loads(data)
        except Exception as exc:
            error = JobError(type(exc).__name__, f"the reply could not be unpickled: {exc}",
                             traceback.format_exc(), run.bucket)
            self._failed(run.bucket, error)
            return
        if reply[0] == "ok":
            self._succeeded(run.bucket, reply[1])
        elif reply[0] == "exc":
            exc, text = reply[1], reply[2]
            exc.remote_traceback = text
            if hasattr(exc, "add_note"):  # Python >= 3.11: shown under an uncaught traceback
                exc.add_note(f"--- traceback in the worker ---\n{text.rstrip()}")
            self._failed(run.bucket, exc)
        else:
            _, exc_type, message, text = reply
            self._failed(run.bucket, JobError(exc_type, message, text, run.bucket))

    def _expire(self) -> None:
        timeout = self.pool.job_timeout
        if timeout is None:
            return
        now = time.monotonic()
        for run in [r for r in self.running.values() if r.deadline is not None and r.deadline <= now]:
            self._release(run)
            fresh, _ = self.pool.replace(run.worker, kill=True)
            if fresh is not None:
                self.idle.append(fresh)
            self._failed(run.bucket, JobTimeout(run.worker.pid, timeout, run.bucket))

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
                    self.discarded.extend(self.torn_bucket)
                    self.pool.replace(self.torn, kill=True)
                self.torn = None
            deadline = time.monotonic() + self.pool.stop_timeout
            while self.running:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                for key, _events in self.selector.select(left):
                    run = self.running[key.fd]
                    data = self._read_reply(run)
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
        self._release(run)
        self.discarded.extend(run.bucket)
        if kill or dead:
            fresh, _ = self.pool.replace(run.worker, kill=kill)
            if fresh is not None:
                self.idle.append(fresh)
        else:
            self.idle.append(run.worker)


def _annotate(error: BaseException, items: list[Any], acc: Any, unfinished: list[Any]) -> None:
    error.items = items  # type: ignore[attr-defined]
    error.accumulator = acc  # type: ignore[attr-defined]
    error.unfinished = unfinished  # type: ignore[attr-defined]


def _local_failure(exc: Exception, bucket: list[Any]) -> BaseException:
    """The exception a workers=0 call raises for ``exc``: the same classes as with workers."""
    text = traceback.format_exc()
    passthrough = heap_error_types()
    if passthrough and isinstance(exc, passthrough):
        exc.remote_traceback = text  # type: ignore[attr-defined]
        return exc
    cls = type(exc)
    name = cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    return JobError(name, str(exc), text, bucket)
