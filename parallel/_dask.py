"""DaskPool: the map_reduce contract on a dask.distributed cluster, for pure jobs.

dask is an optional extra (``shoal[distributed]``): nothing here imports it until a
``DaskPool`` is created, so ``import parallel`` stays cheap and works without it.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from parallel._dask_call import WAIT_TIMEOUTS, DaskCall
from parallel._dask_share import SharedStore, Traffic
from parallel._ledger import Ledger, check_job

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

#: seconds a connection to a running scheduler may take before :class:`SchedulerUnreachable`
CONNECT_TIMEOUT = 5.0
#: dask's connect timeout inside a LocalCluster (its default, 30 s, is meant for networks)
LOCAL_CONNECT_TIMEOUT = "10s"
#: how many times dask reschedules a bucket whose worker died before :class:`WorkerDied`
LOST_TASK_RETRIES = 1


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
        #: bytes moved so far (see :class:`Traffic`)
        self.traffic = Traffic()
        self._store = SharedStore(self.traffic)
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
        except (OSError, *WAIT_TIMEOUTS) as exc:
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
        return self._store.add(self.client, data)

    def unshare(self, token: str) -> None:
        """Release the data of :meth:`share` (the workers drop it); idempotent."""
        self._store.remove(token, self._client)

    def wake(self) -> None:
        """``WorkerPool.wake``'s place: a dask call looks at its interrupt at its own poll."""

    def close(self) -> None:
        """Disconnect; with a LocalCluster, stop its workers and scheduler too; idempotent.

        A running scheduler is never shut down: only this pool's client leaves it.
        """
        if self._closed:
            return
        self._closed = True
        self._store.clear()
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
        heavy: Callable[[Any], bool] | None = None,
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
        check_job(job)
        self._in_call = True
        try:
            nthreads = self.nthreads()
            ledger = Ledger(list(items), nthreads, bucket_size, cost, merge, neutral, progress,
                            on_failure, heavy)
            run = DaskCall(self.client, nthreads, self.job_timeout, self.traffic, self._store,
                           job, ledger, interrupt)
            return run.run()
        finally:
            self._in_call = False


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
