"""WorkerPool: the pre-forked workers, their zygote, and their lifecycle."""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import selectors
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from types import FrameType
from typing import Any

from parallel import _process, _stopflag
from parallel._call import Call, Worker
from parallel._ledger import Ledger, check_job

#: seconds the zygote may take to answer a request (it forks or reaps one process, which
#: takes milliseconds): past it the zygote is taken for stuck (stopped, or wedged), killed,
#: and forked again when this process can still fork safely
ZYGOTE_PATIENCE = 10.0


class WorkerPool:
    """Long-lived worker processes forked once, and ``map_reduce`` over them.

    Create the pool early: it forks when constructed, and refuses to if the process already
    runs other threads (forking a threaded process can deadlock the child on a lock another
    thread held).  ``workers=0`` forks nothing and runs every call in this process.

    :param workers: number of worker processes; 0 runs the jobs in the master.
    :param heap: a ``heap_native.SharedHeap`` the workers share, or None.
    :param job_timeout: seconds a bucket may run without progress before its worker is
        killed and replaced (:class:`JobTimeout`): counted from its start, or from its job's
        last ``parallel.tick()``; so a job that ticks between items bounds each item, not the
        bucket.  None waits forever.  Not enforced with ``workers=0``.
    :param stop_timeout: seconds running buckets get to stop after the stop flag is raised
        (cancellation, Ctrl-C) before their workers are killed and replaced.
    :param zygote: fork a zygote, which forks the replacement of a dead or stuck worker
        whatever threads this process runs by then. Without one, this process forks a
        replacement itself, which it can only do while it runs no other thread: for a
        process that never starts one (a one-shot ``shoal check``), this saves the zygote's
        memory, a copy of this process at the fork that nobody else keeps sharing once the
        workers and this process have written to their pages.
    :param renew: replace a worker by a fresh fork after each bucket (``"every"``) or after
        each heavy bucket (``"heavy"``, see ``map_reduce``'s ``heavy``), so what its jobs
        left behind goes back to the system: freed memory of a large ``ast.parse`` stays
        mapped, fragmented, in the process that made it. ``"heavy-run"``: one worker runs
        the heavy buckets, one after another, and is replaced after the last: its next
        heavy item reuses what the last one left, instead of each costing a fork and the
        page faults of a fresh process, at the price of that worker staying large until
        then. None keeps the workers.
    :param renew_above: replace a worker after a bucket that left it holding more than this
        many bytes of private memory (``Private_*`` in ``/proc/PID/smaps_rollup``).
    """

    def __init__(
        self,
        workers: int,
        heap: Any = None,
        job_timeout: float | None = None,
        stop_timeout: float = 2.0,
        zygote: bool = True,
        renew: str | None = None,
        renew_above: int | None = None,
    ) -> None:
        if workers < 0:
            raise ValueError(f"workers must be 0 or more, got {workers}")
        if job_timeout is not None and job_timeout <= 0:
            raise ValueError(f"job_timeout must be positive or None, got {job_timeout}")
        self.workers = workers
        self.heap = heap
        self.job_timeout = job_timeout
        self.stop_timeout = stop_timeout
        self.with_zygote = zygote
        if renew not in (None, "heavy", "heavy-run", "every"):
            raise ValueError(
                f"renew must be None, 'heavy', 'heavy-run' or 'every', got {renew!r}")
        self.renew = renew
        self.renew_above = renew_above
        self.page = _stopflag.new_page(slots=workers)
        self._workers: list[Worker] = []
        self._zygote_pid: int | None = None
        self._zygote: socket.socket | None = None
        self._closed = False
        self._in_call = False
        self._old_sigterm: Any = None
        #: the self-pipe :meth:`wake` writes to and a running call's wait also watches (made
        #: after the forks: no worker needs it)
        self.wake_fd: int | None = None
        self._wake_w: int | None = None
        self._wake_lock = threading.Lock()
        if workers > 0:
            try:
                self._fork_all()
                self.wake_fd, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
            except BaseException:
                self.close()
                raise
            self._install_sigterm()

    # -- lifecycle ---------------------------------------------------------------------------

    def _fork_all(self) -> None:
        _refuse_threads()
        heap_fd = self.heap.fileno() if self.heap is not None else None
        # Unflushed output would be inherited and printed again by every child that flushes.
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        master = os.getpid()
        if self.with_zygote:
            self._fork_zygote(master, heap_fd)
        for slot in range(self.workers):
            self._workers.append(self._fork_worker(master, heap_fd, slot))

    def _fork_zygote(self, master: int, heap_fd: int | None) -> None:
        zygote_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            zygote_end.detach()
            self._detach_all()

            def zygote() -> None:
                keep = {child_end.fileno()} if heap_fd is None else {child_end.fileno(), heap_fd}
                _process.setup_child(keep, master, self.page, None)
                _process.zygote_loop(child_end, self.page, self.heap, heap_fd)

            _process.run_child(zygote)
        child_end.close()
        # A stopped or wedged zygote must not hang the master: every request has a limit.
        zygote_end.settimeout(ZYGOTE_PATIENCE)
        self._zygote_pid, self._zygote = pid, zygote_end

    def _zygote_stuck(self) -> None:
        """Kill a zygote that did not answer in time (its workers die with it) and fork a
        new one, unless this process now runs threads (then no worker can be replaced)."""
        pid = self._zygote_pid
        if self._zygote is not None:
            self._zygote.close()
            self._zygote = None
        if pid is not None:
            _kill_and_reap(pid)
            self._zygote_pid = None
        if not self._closed and threading.active_count() == 1 and _native_thread_count() <= 1:
            heap_fd = self.heap.fileno() if self.heap is not None else None
            self._fork_zygote(os.getpid(), heap_fd)

    def _fork_worker(self, master: int, heap_fd: int | None, slot: int) -> Worker:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            mine.detach()
            self._detach_all()

            def worker() -> None:
                keep = {theirs.fileno()} if heap_fd is None else {theirs.fileno(), heap_fd}
                _process.setup_child(keep, master, self.page, self.heap)
                _process.worker_loop(theirs, slot)

            _process.run_child(worker)
        theirs.close()
        return Worker(pid, mine, from_zygote=False, slot=slot)

    def _detach_all(self) -> None:
        """In a child: forget the master's sockets without closing them (the fds are closed
        by number), so no finalizer can later close a reused descriptor number."""
        for w in self._workers:
            w.sock.detach()
        if self._zygote is not None:
            self._zygote.detach()

    def _install_sigterm(self) -> None:
        # A clean exit on SIGTERM: SystemExit unwinds through map_reduce and close().
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            self._old_sigterm = signal.signal(signal.SIGTERM, _exit_on_sigterm)

    def spawn_replacement(self, slot: int = 0) -> Worker:
        """Fork a new worker from the zygote (the master may have threads by now); a zygote
        that does not answer in time is replaced first, when it can be. Without a zygote
        (``zygote=False``) this process forks it, while it runs no other thread."""
        if not self.with_zygote:
            return self._fork_replacement(slot)
        try:
            return self._spawn(slot)
        except TimeoutError:
            stuck = self._zygote_pid
            self._zygote_stuck()
            if self._zygote is None:
                raise RuntimeError(f"the zygote (pid {stuck}) did not answer in "
                                   f"{ZYGOTE_PATIENCE:g} s and cannot be replaced: no "
                                   "replacement worker can be forked") from None
            return self._spawn(slot)

    def _fork_replacement(self, slot: int) -> Worker:
        if self._closed:
            raise RuntimeError("the pool is closed: no replacement worker is forked")
        if threading.active_count() != 1 or _native_thread_count() > 1:
            raise RuntimeError(self.no_replacement_reason())
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        heap_fd = self.heap.fileno() if self.heap is not None else None
        return self._fork_worker(os.getpid(), heap_fd, slot)

    def no_replacement_reason(self) -> str:
        """Why a dead worker cannot be replaced, for the error that says so."""
        if not self.with_zygote:
            return ("this pool has no zygote and this process now runs threads, so it "
                    "cannot fork a replacement worker")
        return f"the zygote (pid {self._zygote_pid}) died, so dead workers cannot be replaced"

    def _spawn(self, slot: int) -> Worker:
        if self._zygote is None:
            raise RuntimeError("the zygote is gone: no replacement worker can be forked")
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            socket.send_fds(
                self._zygote, [_process.ZYGOTE_REQUEST.pack(_process.SPAWN, slot)],
                [theirs.fileno()]
            )
            reply = self._zygote.recv(_process.ZYGOTE_REPLY.size)
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()
        if len(reply) != _process.ZYGOTE_REPLY.size:
            mine.close()
            raise RuntimeError(
                f"the zygote (pid {self._zygote_pid}) died: no replacement worker can be forked"
            )
        (pid,) = _process.ZYGOTE_REPLY.unpack(reply)
        return Worker(pid, mine, from_zygote=True, slot=slot)

    def reap(self, worker: Worker, kill: bool = False) -> int:
        """Wait for ``worker`` to end (killing it first if asked); its exit code, -signal."""
        worker.sock.close()
        if kill:
            try:
                os.kill(worker.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if not worker.from_zygote:
            _, status = os.waitpid(worker.pid, 0)
            return os.waitstatus_to_exitcode(status)
        if self._zygote is None:
            return -signal.SIGKILL  # it died with its zygote
        try:
            self._zygote.send(_process.ZYGOTE_REQUEST.pack(_process.REAP, worker.pid))
            reply = self._zygote.recv(_process.ZYGOTE_REPLY.size)
        except TimeoutError:
            self._zygote_stuck()
            reply = b""
        except OSError:
            reply = b""
        # Without a zygote its children got SIGKILL from PR_SET_PDEATHSIG, and init reaps them.
        return _process.ZYGOTE_REPLY.unpack(reply)[0] if reply else -signal.SIGKILL

    def replace(self, worker: Worker, kill: bool = False) -> tuple[Worker | None, int]:
        """Reap ``worker`` and put a fresh one in its place; (the new worker, the exit code)."""
        exitcode = self.reap(worker, kill=kill)
        index = self._workers.index(worker)
        try:
            fresh = self.spawn_replacement(worker.slot)
        except (OSError, RuntimeError):
            del self._workers[index]
            return None, exitcode
        self._workers[index] = fresh
        return fresh, exitcode

    def idle_workers(self) -> list[Worker]:
        """The workers, all idle between calls; those that died since the last call (killed
        from outside) are replaced first, so their end is not blamed on a bucket."""
        with selectors.DefaultSelector() as selector:
            for worker in self._workers:
                selector.register(worker.sock, selectors.EVENT_READ, worker)
            # An idle worker never writes: a readable socket means end of file.
            dead = [key.data for key, _ in selector.select(0)]
        for worker in dead:
            self.replace(worker)
        return list(self._workers)

    def wake(self) -> None:
        """Make a running ``map_reduce`` call its ``interrupt`` now rather than at its next
        poll; safe from any thread, a no-op between calls and after :meth:`close`."""
        with self._wake_lock:
            if self._wake_w is None:
                return
            try:
                os.write(self._wake_w, b"\0")
            except BlockingIOError:
                pass  # the pipe is full: a wake is already pending

    def rebind(self, heap: Any, hook: Callable[[Any], None] | None = None) -> None:
        """Move the workers to ``heap`` (a new ``SharedHeap`` of this process), between
        calls: each worker is replaced by a fresh one that maps it. ``hook(heap)`` runs in
        the zygote first, on its view of the heap: whatever module state of this process
        names the heap its jobs use, which the zygote holds as it was at its fork (a
        picklable function, such as a module's ``bind`` function)."""
        if self._in_call:
            raise RuntimeError("rebind() inside a map_reduce call")
        if self._closed:
            raise RuntimeError("the pool is closed")
        if self._zygote is not None:
            blob = b"" if hook is None else pickle.dumps(hook)
            socket.send_fds(self._zygote, [_process.ZYGOTE_REQUEST.pack(_process.REBIND,
                                                                        len(blob))],
                            [heap.fileno()])
            if blob:
                self._zygote.send(blob)
            reply = self._zygote.recv(_process.ZYGOTE_REPLY.size)
            if reply != _process.ZYGOTE_REPLY.pack(0):
                raise RuntimeError(f"the zygote (pid {self._zygote_pid}) could not map the "
                                   "new heap: its workers stay on the old one")
        # A replacement forked by this process maps self.heap (_fork_replacement).
        self.heap = heap
        for worker in list(self._workers):
            self.replace(worker, kill=True)

    @property
    def pids(self) -> list[int]:
        """The pids of the current workers."""
        return [w.pid for w in self._workers]

    @property
    def zygote_pid(self) -> int | None:
        """The pid of the zygote, or None with ``workers=0`` or ``zygote=False``."""
        return self._zygote_pid

    def close(self) -> None:
        """Kill and reap every worker and the zygote, and unmap the stop page; idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            for worker in self._workers:
                self.reap(worker, kill=True)
            self._workers.clear()
            if self._zygote is not None:
                self._zygote.close()
                self._zygote = None
            if self._zygote_pid is not None:
                # On end of file it kills and reaps its workers; a stopped one is woken to do
                # so, and one that does not within its patience is killed.
                _wait_or_kill(self._zygote_pid, ZYGOTE_PATIENCE)
                self._zygote_pid = None
        finally:
            with self._wake_lock:
                for fd in (self.wake_fd, self._wake_w):
                    if fd is not None:
                        os.close(fd)
                self.wake_fd = self._wake_w = None
            if self._old_sigterm is not None:
                signal.signal(signal.SIGTERM, self._old_sigterm)
                self._old_sigterm = None
            self.page.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"pids={self.pids}"
        return f"<WorkerPool workers={self.workers} {state}>"

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
        """Run ``job`` over buckets of ``items`` in the workers and fold the results with ``merge``.

        :param job: ``job(bucket: list) -> partial``, a module-level function (it is pickled by
            reference).  Return small data: big results belong in the heap.
        :param merge: ``merge(partial, acc) -> acc``, run in the master in completion order,
            so make it order-independent (or sort at the end).
        :param neutral: the starting accumulator.
        :param bucket_size: items per bucket; default ``1 + n // (workers * 10)``, at most 500.
        :param cost: ``cost(item) -> number``: dispatch the costliest items first, in buckets
            of about equal total cost.
        :param progress: ``progress(done_items, total_items)``, called in the master at the
            start and as buckets complete.
        :param interrupt: polled in the master while it waits; when it returns true the call
            stops and raises :class:`Cancelled`.
        :param on_failure: ``on_failure(item, error)``: a failed bucket is re-run one item per
            bucket and each item that still fails is handed here instead of failing the call.
        :param heavy: ``heavy(item) -> bool``: such an item gets a bucket of its own, these
            buckets start first (costliest first), and no two of them run at the same time,
            so the memory peaks of two heavy items (a large file's tree) never add up.
        :returns: the final accumulator.
        :raises JobError: a job raised (a heap error arrives as its own class instead).
        :raises WorkerDied: a worker died while it ran a bucket; it has been replaced.
        :raises JobTimeout: a bucket ran past ``job_timeout``; its worker has been replaced.
        :raises Cancelled: ``interrupt`` returned true.
        """
        if self._closed:
            raise ValueError("map_reduce on a closed WorkerPool")
        if self._in_call:
            raise ValueError("map_reduce is not reentrant: a call is already running on this pool")
        check_job(job)
        self._in_call = True
        try:
            with self.heap.phase() if self.heap is not None else nullcontext():
                ledger = Ledger(list(items), self.workers, bucket_size, cost, merge, neutral,
                                progress, on_failure, heavy)
                return Call(self, job, ledger, interrupt).run()
        finally:
            self._in_call = False


def _kill_and_reap(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _wait_or_kill(pid: int, patience: float) -> None:
    """Reap child ``pid``, giving it ``patience`` seconds to exit before it is killed."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        _kill_and_reap(pid)
        return
    try:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)
        # A pidfd is readable once the process has exited: a wait with a limit, no polling.
        ready, _, _ = select.select([pidfd], [], [], patience)
    finally:
        os.close(pidfd)
    if not ready:
        _kill_and_reap(pid)
        return
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _refuse_threads() -> None:
    """Forking a threaded process can deadlock the child: refuse, naming the threads."""
    others = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
    n_threads = _native_thread_count()
    # A thread just joined may still be leaving the kernel: give native stragglers a moment.
    for _ in range(50):
        if others or n_threads <= 1:
            break
        time.sleep(0.01)
        n_threads = _native_thread_count()
    if others or n_threads > 1:
        raise RuntimeError(
            f"WorkerPool must fork before any other thread starts, but this process runs "
            f"{max(n_threads, len(others) + 1)} threads (Python threads besides this one: "
            f"{others or 'none; native threads of an extension'}). Create the pool earlier, "
            "before starting watchers, progress bars or thread pools."
        )


def _native_thread_count() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()
