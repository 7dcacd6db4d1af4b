"""DaskPool: the map_reduce contract on a dask.distributed cluster, for pure jobs.

dask is an optional extra (``shoal[distributed]``): nothing here imports it until a
``DaskPool`` is created, so ``import parallel`` stays cheap and works without it.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import CancelledError
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from parallel import _call, _process
from parallel._errors import JobError, JobTimeout, PoolFailure, WorkerDied

if TYPE_CHECKING:
    from distributed import Client, Future, LocalCluster

#: seconds a connection to a running scheduler may take before :class:`SchedulerUnreachable`
CONNECT_TIMEOUT = 5.0
#: buckets submitted and not yet collected, per worker thread of the cluster
IN_FLIGHT_PER_THREAD = 2
#: dask's connect timeout inside a LocalCluster (its default, 30 s, is meant for networks)
LOCAL_CONNECT_TIMEOUT = "10s"
#: how many times dask reschedules a bucket whose worker died before :class:`WorkerDied`
LOST_TASK_RETRIES = 1
#: how many times a bucket whose finished result died with its worker is run again
LOST_RESULT_RETRIES = 2


class SchedulerUnreachable(ConnectionError):
    """The dask scheduler at ``address`` could not be reached within ``connect_timeout``."""

    def __init__(self, address: str, seconds: float, reason: str) -> None:
        super().__init__(
            f"cannot reach the dask scheduler at {address} within connect_timeout={seconds:g}s "
            f"({reason}); check the address and that a scheduler runs there, or raise "
            "connect_timeout for a slow network"
        )
        #: the scheduler address that was tried
        self.address = address
        #: the ``connect_timeout`` that ran out, in seconds
        self.seconds = seconds


#: In a dask worker, the data shared with the running task (token -> bytes); see
#: :meth:`DaskPool.share`.  Thread-local: a worker with several threads runs several tasks.
_SHARED = threading.local()


def shared_data(token: str) -> bytes:
    """In a job running on a :class:`DaskPool`: the bytes shared under ``token`` by
    :meth:`DaskPool.share` (the same object for every bucket a worker runs)."""
    data = getattr(_SHARED, "data", None) or {}
    try:
        return data[token]
    except KeyError:
        raise KeyError(
            f"no data shared under {token!r}: only a job running on the DaskPool that "
            "shared it (and before unshare) can read it"
        ) from None


def run_payload(payload: bytes, shared: dict[str, bytes] | None = None) -> bytes:
    """In a dask worker: run one pickled ``(job, bucket)`` and pickle the reply.

    The reply has the fork pool's format (``_process.failure_reply``), so a job error, a heap
    error and an unpicklable result end the same way on both pools.  The bucket travels as
    one pickle, made by cloudpickle so that a module registered with
    ``cloudpickle.register_pickle_by_value`` reaches workers that cannot import it; the job
    goes by reference and dask never walks the items looking for tasks.  ``shared`` is the
    data of :meth:`DaskPool.share`, resolved by dask on this worker.
    """
    _SHARED.data = shared
    try:
        job, bucket = pickle.loads(payload)
        return pickle.dumps(("ok", job(bucket)), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:
        return _process.failure_reply(exc)
    finally:
        _SHARED.data = None


@dataclass
class Traffic:
    """Bytes a :class:`DaskPool` moved since it was created: the cost of going remote."""

    #: pickled buckets sent to workers (jobs, items, and their retries)
    payload_bytes: int = 0
    #: pickled replies fetched from workers
    reply_bytes: int = 0
    #: shared data times the number of workers it was broadcast to
    shared_bytes: int = 0
    #: buckets submitted
    buckets: int = 0


class DaskPool:
    """``map_reduce`` over a dask.distributed cluster, with the contract of ``WorkerPool``.

    Usage::

        with DaskPool(workers=2) as pool:                 # a LocalCluster of 2 processes
            total = pool.map_reduce(count_lines, paths, merge=add, neutral=0)
        with DaskPool("tcp://scheduler:8786") as pool:    # a running cluster
            ...

    Jobs must be **pure**: the shared heap does not span machines, so a job gets everything
    it needs in its bucket and returns everything it produced; ``parallel.should_stop()`` is
    always False in a dask worker.  The job's module must be importable on the workers (it
    is pickled by reference).  A LocalCluster starts threads in this process, so create any
    ``WorkerPool`` before a ``DaskPool``.

    Where the contract differs from ``WorkerPool``:

    - A bucket whose worker process dies is rescheduled by dask; :class:`WorkerDied` comes
      once it has killed ``lost_task_retries + 1`` workers (on a running scheduler, that
      scheduler's ``distributed.scheduler.allowed-failures`` counts instead).  dask does not
      report how the worker died: ``exitcode`` and ``signal`` are None, ``pid`` is the last
      worker's.  dask counts a death against every bucket on the dead worker, so a bucket
      that failed so while it shared the cluster with others is re-run alone (after the
      running buckets end, before any new one starts) and blamed only if it kills again.
    - A running dask task cannot be killed, so ``interrupt`` and ``job_timeout`` are
      best-effort: no new bucket is submitted, the running ones are cancelled and their late
      results discarded (their items are ``unfinished``), and :class:`Cancelled` or
      :class:`JobTimeout` is raised at once; but each such task keeps its worker's thread
      until it returns, and a later call waits for that thread.  ``job_timeout`` is counted
      from the bucket's submission; ``JobTimeout.pid`` is the worker's pid if the scheduler
      still knows it, else 0.

    - Data every bucket needs (a run's context, a heap snapshot) is not put in each bucket:
      :meth:`share` broadcasts it once per worker and jobs read it with
      ``parallel.shared_data(token)``.  If every worker holding it dies, the pool broadcasts
      it again and re-runs the buckets dask cancelled for want of it (a bucket that ran
      beside others is re-run alone first, as after a worker death).
    - :attr:`traffic` counts the bytes shipped (buckets, replies, shared data).

    Everything else is the same: buckets (``parallel.make_buckets`` over the cluster's
    thread count), ``merge`` in completion order, ``progress``, ``on_failure`` splitting a
    failed bucket into one-item buckets, :class:`JobError` with the remote traceback, heap
    errors as their own class, and ``items``/``accumulator``/``unfinished`` on every failure.
    At most two buckets per worker thread are in flight (one running, one waiting), so the
    costliest buckets start first and a stopped call abandons little.

    :param address: a scheduler address (``tcp://host:8786``) to connect to, or None to start
        a LocalCluster of worker processes with one thread each and no memory limit (the
        limit would count the heap mapped in a worker).
    :param workers: the LocalCluster's number of worker processes; ignored with an address.
    :param job_timeout: seconds a bucket may take before :class:`JobTimeout`; None waits.
    :param connect_timeout: seconds to reach a running scheduler before
        :class:`SchedulerUnreachable`.
    :param lost_task_retries: how many times the LocalCluster's scheduler reschedules a bucket
        whose worker died (dask's ``allowed-failures``).
    :raises SchedulerUnreachable: ``address`` did not answer within ``connect_timeout``.
    :raises ImportError: dask.distributed is not installed.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        workers: int = 2,
        job_timeout: float | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        lost_task_retries: int = LOST_TASK_RETRIES,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be 1 or more for a LocalCluster, got {workers}")
        if job_timeout is not None and job_timeout <= 0:
            raise ValueError(f"job_timeout must be positive or None, got {job_timeout}")
        if connect_timeout <= 0:
            raise ValueError(f"connect_timeout must be positive, got {connect_timeout}")
        if lost_task_retries < 0:
            raise ValueError(f"lost_task_retries must be 0 or more, got {lost_task_retries}")
        distributed = _import_distributed()
        from distributed.utils import LoopRunner

        self.address = address
        self.workers = workers
        self.job_timeout = job_timeout
        self.connect_timeout = connect_timeout
        self.lost_task_retries = lost_task_retries
        self._closed = False
        self._in_call = False
        self._cluster: LocalCluster | None = None
        self._client: Client | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._config: Any = None
        self._shared: dict[str, _Shared] = {}
        #: bytes moved so far (see :class:`Traffic`)
        self.traffic = Traffic()
        # One event loop thread for the cluster and the client, owned (and joined) by the pool.
        self._runner: LoopRunner = LoopRunner()
        self._runner.start()
        try:
            if address is None:
                self._start_local(distributed)
            else:
                self._connect(distributed, address)
        except BaseException:
            self.close()
            raise

    # -- lifecycle ---------------------------------------------------------------------------

    def _start_local(self, distributed: Any) -> None:
        import dask

        # Worker scratch files go to a directory the pool removes, not to a shared /tmp one.
        self._scratch = tempfile.TemporaryDirectory(prefix="shoal-dask-")
        # A LocalCluster closes for good a worker that has been gone for lost-worker-timeout
        # (15 s), read when the worker goes: if a job keeps killing workers, one may be
        # restarting by its nanny at that moment, and the cluster would end with no worker
        # at all and the call would wait forever.  The nannies restart workers themselves,
        # so the pool keeps that timeout out of reach for as long as it is open (a global
        # setting: dask reads it on its event loop thread).  Likewise dask retries a refused
        # connection for comm.timeouts.connect (30 s), which stalls a call that fetches a
        # result from a worker killed a moment before; on 127.0.0.1 a connection that is
        # not made in a few seconds will not be made.
        self._config = dask.config.set({
            "distributed.deploy.lost-worker-timeout": "3650 days",
            "distributed.comm.timeouts.connect": LOCAL_CONNECT_TIMEOUT,
        })
        with dask.config.set({"distributed.scheduler.allowed-failures": self.lost_task_retries}):
            self._cluster = distributed.LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                # 0 is no limit: a limit would count the shared heap mapped in each worker.
                memory_limit=0,
                host="127.0.0.1",
                scheduler_port=0,
                # The scheduler's HTTP server starts whatever the dashboard setting; port 0
                # keeps it from warning about a busy 8787.
                dashboard_address="127.0.0.1:0",
                scheduler_kwargs={"dashboard": False},
                local_directory=self._scratch.name,
                silence_logs=logging.CRITICAL,
                loop=self._runner.loop,
            )
        self._client = distributed.Client(
            self._cluster, loop=self._runner.loop, set_as_default=False
        )

    def _connect(self, distributed: Any, address: str) -> None:
        # Built in two steps so a client whose start failed can still be released: dask's
        # Client.close() returns early for it and would leave its hold on the event loop,
        # whose thread would then never stop.
        client = distributed.Client.__new__(distributed.Client)
        try:
            client.__init__(
                address, loop=self._runner.loop, timeout=self.connect_timeout,
                set_as_default=False,
            )
        except (OSError, TimeoutError) as exc:
            _release_failed_client(client)
            raise SchedulerUnreachable(address, self.connect_timeout, str(exc)) from exc
        except BaseException:
            _release_failed_client(client)
            raise
        self._client = client

    @property
    def client(self) -> Client:
        """The ``distributed.Client`` the pool submits through."""
        if self._client is None:
            raise ValueError("the DaskPool is closed")
        return self._client

    @property
    def pids(self) -> list[int]:
        """The pids of the cluster's current worker processes."""
        return sorted(self.client.run(os.getpid).values())

    def nthreads(self) -> int:
        """The number of worker threads in the cluster now (at least 1)."""
        return max(1, sum(self.client.nthreads().values()))

    def share(self, data: bytes) -> str:
        """Ship ``data`` to every worker once; returns the token a job reads it by.

        Every bucket of later calls on this pool can read it with
        ``parallel.shared_data(token)`` until :meth:`unshare`: dask broadcasts it now and
        hands each task the copy already on its worker (a worker that joins later fetches
        it once, on its first task).  The pool keeps ``data``: if the workers holding it
        die, it is broadcast again under the same token.
        """
        if self._closed:
            raise ValueError("share on a closed DaskPool")
        token = f"shoal-shared-{uuid.uuid4().hex}"
        self._shared[token] = _Shared(data, self._scatter(data))
        return token

    def unshare(self, token: str) -> None:
        """Release the data of :meth:`share` (the workers drop it); idempotent."""
        shared = self._shared.pop(token, None)
        if shared is not None and self._client is not None:
            shared.future.release()

    def _scatter(self, data: bytes) -> Future:
        n_workers = max(1, len(self.client.nthreads()))
        self.traffic.shared_bytes += len(data) * n_workers
        return self.client.scatter(data, broadcast=True, hash=False)

    def _reshare(self) -> None:
        """Broadcast all shared data again, under the same tokens.

        Called when dask cancelled tasks for lost inputs: every copy of some shared data died
        with its workers. All of it is sent again, not only the futures already marked lost:
        the client may learn of the loss after the cancellation, and a bucket re-run against
        a stale future would be cancelled again (and, after a few times, blamed).
        """
        for shared in self._shared.values():
            shared.future.release()
            shared.future = self._scatter(shared.data)

    def close(self) -> None:
        """Disconnect; with a LocalCluster, stop its workers and scheduler too; idempotent.

        A running scheduler is never shut down: only this pool's client leaves it.
        """
        if self._closed:
            return
        self._closed = True
        self._shared.clear()
        try:
            if self._client is not None:
                self._client.close()
        finally:
            self._client = None
            try:
                if self._cluster is not None:
                    self._cluster.close()
            finally:
                self._cluster = None
                self._runner.stop()
                _join_offload_thread()
                if self._config is not None:
                    self._config.__exit__(None, None, None)
                    self._config = None
                if self._scratch is not None:
                    self._scratch.cleanup()
                    self._scratch = None

    def __enter__(self) -> DaskPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "closed" if self._closed else (self.address or f"local workers={self.workers}")
        return f"<DaskPool {where}>"

    # -- calls -------------------------------------------------------------------------------

    def map_reduce(
        self,
        job: Callable[[list[Any]], Any],
        items: Iterable[Any],
        *,
        merge: Callable[[Any, Any], Any],
        neutral: Any,
        bucket_size: int | None = None,
        cost: Callable[[Any], float] | None = None,
        progress: Callable[[int, int], None] | None = None,
        interrupt: Callable[[], bool] | None = None,
        on_failure: Callable[[Any, BaseException], None] | None = None,
    ) -> Any:
        """Run ``job`` over buckets of ``items`` on the cluster and fold the results with ``merge``.

        The parameters, the result and the failures are those of ``WorkerPool.map_reduce``,
        with the differences listed on :class:`DaskPool`.

        :raises JobError: a job raised (a heap error arrives as its own class instead).
        :raises WorkerDied: a bucket killed its worker on every attempt dask gave it.
        :raises JobTimeout: a bucket ran past ``job_timeout`` (its task was abandoned).
        :raises Cancelled: ``interrupt`` returned true (running tasks were abandoned).
        """
        if self._closed:
            raise ValueError("map_reduce on a closed DaskPool")
        if self._in_call:
            raise ValueError("map_reduce is not reentrant: a call is already running on this pool")
        _call.check_job(job)
        self._in_call = True
        try:
            run = _DaskCall(
                self, job, list(items), merge, neutral, bucket_size, cost, progress, interrupt,
                on_failure,
            )
            return run.run()
        finally:
            self._in_call = False


class _Shared:
    """Data shared with the workers: the bytes (to share again) and their dask future."""

    __slots__ = ("data", "future")

    def __init__(self, data: bytes, future: Future) -> None:
        self.data = data
        self.future = future


class _Submitted:
    """A bucket submitted to the cluster."""

    __slots__ = ("future", "bucket", "deadline", "shared")

    def __init__(self, future: Future, bucket: list[Any], deadline: float | None) -> None:
        self.future = future
        self.bucket = bucket
        self.deadline = deadline
        #: another bucket was in flight beside it at some point: a worker it was on may have
        #: been killed by that other bucket
        self.shared = False


class _DaskCall(_call.Call):
    """One map_reduce call on a DaskPool: the fork pool's bookkeeping, dask's transport."""

    def __init__(self, pool: DaskPool, job: Callable[[list[Any]], Any], items: list[Any],
                 merge: Callable[[Any, Any], Any], neutral: Any, bucket_size: int | None,
                 cost: Callable[[Any], float] | None,
                 progress: Callable[[int, int], None] | None,
                 interrupt: Callable[[], bool] | None,
                 on_failure: Callable[[Any, BaseException], None] | None) -> None:
        self.dask_pool = pool
        self.client = pool.client
        nthreads = pool.nthreads()
        # One bucket running and one waiting per thread: a worker does not idle while the
        # master round-trips through the scheduler, and a stopped call abandons little.
        self.window = IN_FLIGHT_PER_THREAD * nthreads
        # Call only reads `workers` from its pool, to size the buckets: the thread count.
        super().__init__(
            SimpleNamespace(workers=nthreads),  # type: ignore[arg-type]
            job, items, merge, neutral, bucket_size, cost, progress, interrupt, on_failure,
        )
        self.prefix = f"shoal-bucket-{uuid.uuid4().hex}"
        self.n_submitted = 0
        self.running: dict[str, _Submitted] = {}
        #: buckets whose workers died while they shared them: each is re-run alone before
        #: it is blamed, since dask counts a death against every task on the dead worker
        self.suspects: deque[list[Any]] = deque()
        #: id(bucket) -> how many times its finished result was lost with its worker
        self.lost_results: dict[int, int] = {}

    def run(self) -> Any:
        """Run the call to its end."""
        import dask

        self._report()
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
        return self._finish()

    def _loop(self) -> None:
        from distributed import wait

        while True:
            if self.interrupt is not None and not self.cancelled and self.interrupt():
                self.cancelled = True
                self._abandon_running()
                return
            if self.suspects:
                if not self.running and self.failure is None:
                    self._submit(self.suspects.popleft())
            else:
                while len(self.running) < self.window and self.pending and self.failure is None:
                    self._submit(self.pending.popleft())
            if not self.running:
                return
            futures = [s.future for s in self.running.values()]
            try:
                done = wait(futures, timeout=self._wait_seconds(), return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = None
            except CancelledError as exc:
                # dask cancels a task whose input died with its workers ("lost
                # dependencies"): the shared data, when every worker holding it was killed.
                self._recover_cancelled(exc)
                continue
            if done is not None:
                if any(future.status == "cancelled" for future in done.done):
                    # The pool cancels only what it has taken out of `running`: these were
                    # cancelled by dask, for an input lost with its workers (or by a
                    # scheduler restart). wait() does not always raise for it.
                    self._recover_cancelled(None)
                for future in done.done:
                    sub = self.running.pop(future.key, None)
                    if sub is not None:
                        self._collect(sub.future, sub.bucket, sub.shared)
            self._expire()

    def _wait_seconds(self) -> float | None:
        timeout = _call.INTERRUPT_POLL_SECONDS if self.interrupt is not None else None
        deadlines = [s.deadline for s in self.running.values() if s.deadline is not None]
        if deadlines:
            left = max(0.0, min(deadlines) - time.monotonic())
            timeout = left if timeout is None else min(timeout, left)
        return timeout

    def _submit(self, bucket: list[Any]) -> None:
        import cloudpickle

        payload = cloudpickle.dumps((self.job, bucket), protocol=pickle.HIGHEST_PROTOCOL)
        key = f"{self.prefix}-{self.n_submitted}"
        self.n_submitted += 1
        traffic = self.dask_pool.traffic
        traffic.payload_bytes += len(payload)
        traffic.buckets += 1
        shared = {token: sh.future for token, sh in self.dask_pool._shared.items()} or None
        # retries=0: run_payload catches every job exception, so a task only errs when dask
        # itself failed; a lost worker is retried by the scheduler's allowed-failures instead.
        future = self.client.submit(run_payload, payload, shared, key=key, pure=False,
                                    retries=0)
        deadline = None
        if self.dask_pool.job_timeout is not None:
            deadline = time.monotonic() + self.dask_pool.job_timeout
        sub = _Submitted(future, bucket, deadline)
        for other in self.running.values():
            other.shared = sub.shared = True
        self.running[key] = sub

    def _collect(self, future: Future, bucket: list[Any], shared: bool) -> None:
        if future.status == "finished":
            try:
                data = future.result()
            except Exception as exc:
                # It ran, but the worker holding the result died before the master fetched
                # it (dask then cancels or reschedules the key): run the bucket again.
                self._refetch(bucket, shared, exc)
                return
            self.dask_pool.traffic.reply_bytes += len(data)
            try:
                reply = pickle.loads(data)
            except Exception as exc:
                self._failed(bucket, JobError(
                    type(exc).__name__, f"the reply could not be unpickled: {exc}",
                    traceback.format_exc(), bucket,
                ))
                return
            self._reply(bucket, reply)
            return
        if future.status == "lost":
            # It ran, but its worker died before the master fetched the result: run it again.
            self._refetch(bucket, shared, None)
            return
        if future.status == "error":
            error = _task_failure(future, bucket)
            if isinstance(error, WorkerDied) and shared and self.failure is None:
                self.suspects.append(bucket)
                return
            self._failed(bucket, error)
            return
        # Cancelled from outside (another client, a scheduler restart): its result is lost.
        self._failed(bucket, JobError(
            "distributed.CancelledError", f"dask cancelled the task {future.key!r}", "", bucket
        ))

    def _recover_cancelled(self, error: BaseException | None) -> None:
        """Share again what was lost and run the cancelled buckets again."""
        self.dask_pool._reshare()
        for key, sub in list(self.running.items()):
            if sub.future.status == "cancelled":
                del self.running[key]
                self._refetch(sub.bucket, sub.shared, error)

    def _refetch(self, bucket: list[Any], shared: bool, error: BaseException | None) -> None:
        """Run again a bucket whose input or result was lost with its workers.

        A bucket that shared the cluster with others may have lost them to another bucket's
        doing: it is re-run alone, as a suspect.  One that ran alone is re-run a bounded
        number of times, then blamed (each loss is a worker gone).
        """
        if shared and self.failure is None:
            self.suspects.append(bucket)
            return
        lost = self.lost_results.get(id(bucket), 0) + 1
        self.lost_results[id(bucket)] = lost
        if lost <= LOST_RESULT_RETRIES:
            self.pending.appendleft(bucket)
            return
        self._failed(bucket, _worker_died(
            0, bucket,
            f"a bucket of {len(bucket)} items lost its input or its result with its dask "
            f"worker {lost} times ({type(error).__name__ if error else 'the key was lost'}): "
            "workers keep dying while it runs (check its memory use; the worker's log says "
            "why it ended)",
        ))

    def _reply(self, bucket: list[Any], reply: tuple[Any, ...]) -> None:
        if reply[0] == "ok":
            self._succeeded(bucket, reply[1])
        elif reply[0] == "exc":
            exc, text = reply[1], reply[2]
            exc.remote_traceback = text
            if hasattr(exc, "add_note"):  # Python >= 3.11: shown under an uncaught traceback
                exc.add_note(f"--- traceback in the worker ---\n{text.rstrip()}")
            self._failed(bucket, exc)
        else:
            _, exc_type, message, text = reply
            self._failed(bucket, JobError(exc_type, message, text, bucket))

    def _unfinished(self) -> list[Any]:
        return super()._unfinished() + [item for bucket in self.suspects for item in bucket]

    def _expire(self) -> None:
        timeout = self.dask_pool.job_timeout
        if timeout is None:
            return
        now = time.monotonic()
        late = [s for s in self.running.values() if s.deadline is not None and s.deadline <= now]
        for sub in late:
            address, pid = self._worker_of(sub.future.key)
            self._forget(sub)
            error = JobTimeout(pid, timeout, sub.bucket)
            error.args = (
                f"a bucket of {len(sub.bucket)} items ran past job_timeout={timeout:g}s on dask "
                f"worker {address or '(unknown)'} (pid {pid or 'unknown'}); dask cannot stop a "
                "running task, so it keeps that worker's thread until it returns and its result "
                "is discarded (raise job_timeout, or lower bucket_size, if the job is just slow)",
            )
            self._failed(sub.bucket, error)

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
        del self.running[sub.future.key]
        self.client.cancel([sub.future])

    def _abandon_running(self) -> None:
        """Cancel every running bucket; their items are unfinished."""
        subs = list(self.running.values())
        self.running.clear()
        for sub in subs:
            self.discarded.extend(sub.bucket)
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
    died.exitcode = None  # type: ignore[assignment]
    died.signal = None
    died.args = (message,)
    return died


def _join_offload_thread() -> None:
    """Join distributed's module-global "Dask-Offload" thread, leaving a fresh executor.

    distributed creates it on first use and never joins it; a thread left running would
    stop every later ``WorkerPool`` from forking.  The executor is swapped before the old
    one is shut down, so an offload from elsewhere still runs (in a new thread).  An
    in-process dask Worker keeps a reference to the executor: then it is left alone.
    """
    from concurrent.futures import ThreadPoolExecutor

    from distributed import Worker, utils

    if len(Worker._instances):
        return
    old = utils._offload_executor
    utils._offload_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="Dask-Offload")
    old.shutdown(wait=True)


def _release_failed_client(client: Any) -> None:
    """Release what a Client whose start failed still holds (its share of the event loop)."""
    try:
        client.close()
    finally:
        runner = getattr(client, "_loop_runner", None)
        if runner is not None:
            runner.stop()


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(
            "DaskPool needs dask.distributed: install it with pip install 'shoal[distributed]'"
        ) from exc
    return distributed
