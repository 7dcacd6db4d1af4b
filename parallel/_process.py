"""What runs inside the forked processes: child setup, the worker loop and the zygote loop.

Nothing here may return into the caller's stack after a fork: every child ends in
``os._exit`` so no ``finally`` block, atexit handler or buffered file of the master runs twice.
"""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import signal
import socket
import struct
import sys
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

from parallel import _stopflag, _wire

_PR_SET_PDEATHSIG = 1

#: zygote requests and replies: one SOCK_SEQPACKET datagram each; a request's number is the
#: new worker's counter slot (SPAWN), the pid to reap (REAP), or the size of the pickled
#: hook that follows in a datagram of its own (REBIND, with the new heap's descriptor)
ZYGOTE_REQUEST = struct.Struct("!ci")
ZYGOTE_REPLY = struct.Struct("!i")
SPAWN = b"S"
REAP = b"R"
REBIND = b"B"

#: exit status of a child whose setup failed (its parent died before it could arm PDEATHSIG)
EXIT_ORPHANED = 75
#: exit status of a child whose own loop crashed (a bug in parallel, not in a job)
EXIT_INTERNAL_ERROR = 70


def run_child(body: Callable[[], Any]) -> NoReturn:
    """Run ``body`` in a freshly forked child and leave with ``os._exit``, whatever happens."""
    code = EXIT_INTERNAL_ERROR
    try:
        body()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else EXIT_INTERNAL_ERROR
    except BaseException:
        try:
            traceback.print_exc()
        except BaseException:
            pass
    finally:
        os._exit(code)


def setup_child(keep_fds: set[int], parent_pid: int, page: Any, heap: Any) -> None:
    """Turn a just-forked process into a well-behaved child of ``parent_pid``."""
    # The master decides what Ctrl-C means; a worker that died of it would look like a crash.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The master's SIGTERM handler raises SystemExit, which here would unwind into its stack.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        signal.set_wakeup_fd(-1)
    except ValueError:
        pass
    _die_with_parent(parent_pid)
    # Objects inherited from the master stay untouched: collecting them would run their
    # finalizers here (closing descriptors by number, flushing the master's files) and would
    # copy their pages for nothing.
    gc.freeze()
    # The master may have paused its collector around the call that forked us; a worker
    # runs many jobs and collects as any process does.
    gc.enable()
    _close_fds(keep_fds)
    _stopflag.use_page(page)
    if heap is not None:
        attach = getattr(heap, "attach_stop_flag", None)
        if attach is None:
            import heap_native  # a lower layer: its flag hook is module-wide, per process

            attach = heap_native.attach_stop_flag
        attach(page)


def _die_with_parent(parent_pid: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    # The parent may have died between fork and prctl: the signal would then never come.
    if os.getppid() != parent_pid:
        os._exit(EXIT_ORPHANED)


def _close_fds(keep_fds: set[int]) -> None:
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    keep = {0, 1, 2} | keep_fds
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass  # the directory's own descriptor, already gone


def heap_error_types() -> tuple[type[BaseException], ...]:
    """Exception classes that cross the pipe as themselves (the heap's errors)."""
    heap_native = sys.modules.get("heap_native")
    found = getattr(heap_native, "HeapError", None) if heap_native is not None else None
    return (found,) if isinstance(found, type) else ()


def _qualified_name(cls: type) -> str:
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def failure_reply(exc: BaseException) -> bytes:
    """The pickled reply for a job that raised ``exc`` (call from inside the except block)."""
    text = traceback.format_exc()
    # Looked up now, not at fork: the job's own import may be what loaded heap_native.
    passthrough = heap_error_types()
    if passthrough and isinstance(exc, passthrough):
        try:
            return pickle.dumps(("exc", exc, text), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            pass  # an unpicklable heap error still arrives, as a JobError
    return pickle.dumps(
        ("err", _qualified_name(type(exc)), str(exc), text), protocol=pickle.HIGHEST_PROTOCOL
    )


#: what the running bucket's job holds until its reply is sent (:func:`hold_until_replied`);
#: None outside a worker's bucket
_held: list[Any] | None = None


def hold_until_replied(obj: Any) -> None:
    """Keep ``obj`` alive until the running bucket's reply is sent, and free it after; a
    no-op outside a pool's worker (in this process or on dask it is freed as usual).

    For the last large structure a job builds, a parsed tree above all: the master no
    longer waits while it is freed, and a worker replaced after the bucket never frees it,
    its memory going back with the process.
    """
    if _held is not None:
        _held.append(obj)


#: the running bucket's job paused the collector until its reply is sent
#: (:func:`pause_collector_until_replied`)
_job_paused_collector = False


def pause_collector_until_replied() -> None:
    """Pause the cyclic collector from now until the running bucket's reply is sent and what
    it held is freed, then collect once (``collect_between_jobs``); a no-op outside a pool's
    worker, or where the collector is paused already.

    For a job's tail, from before it builds what it hands to :func:`hold_until_replied`:
    allocations since the last young collection count the whole held structure, so the
    first one after it (pickling the reply) would walk a parsed tree to free nothing.
    """
    global _job_paused_collector
    if _held is not None and gc.isenabled():
        gc.disable()
        _job_paused_collector = True


def worker_loop(sock: socket.socket, slot: int | None = None) -> None:
    """Run buckets from ``sock`` until the master closes it; ``tick()`` bumps counter ``slot``.

    A message is ``(job, bucket, last)``: ``last`` when the master replaces this worker
    after the bucket; it then exits as soon as the reply is sent, without freeing what the
    job held or collecting.
    """
    global _held
    _stopflag.use_slot(slot)
    held: list[Any] = []
    while True:
        data = _wire.recv_bytes(sock)
        if data is None:
            return
        last = False
        try:
            if _stopflag.should_stop():
                # A bucket the master sent ahead of a call it is now stopping: it
                # discards every reply, so the job is not run.
                reply = pickle.dumps(("ok", None), protocol=pickle.HIGHEST_PROTOCOL)
            else:
                job, bucket, last = pickle.loads(data)
                _held = held
                try:
                    reply = pickle.dumps(("ok", job(bucket)), protocol=pickle.HIGHEST_PROTOCOL)
                finally:
                    _held = None
        except BaseException as exc:
            reply = failure_reply(exc)
        try:
            _wire.send_bytes(sock, reply)
        except OSError:
            return  # the master is gone or closed us while we worked
        if last:
            # The master replaces this worker now: leave at once, freeing nothing (returning
            # from this frame would free what the job held) and collecting nothing.
            os._exit(0)
        held.clear()
        collect_between_jobs()
        _resume_collector()


def _resume_collector() -> None:
    """Undo the running job's :func:`pause_collector_until_replied`, if it paused."""
    global _job_paused_collector
    if _job_paused_collector:
        _job_paused_collector = False
        gc.enable()


def collect_between_jobs() -> None:
    """Collect what the last job left and freeze the survivors (``gc.freeze``), after its
    reply is sent: off the master's critical path.

    A worker keeps what its jobs decode (facts, contexts, indexes) across calls. Left to the
    collector, that grows the oldest generation until a full collection in the middle of a
    job walks all of it: 12 to 200 ms, on whichever edit's bucket it happens to fall. Frozen,
    it is walked never again, so a collection costs what the current job allocated; it is
    still freed by reference counting when a later job drops it. Only what a job keeps and
    a later one turns into cyclic garbage stays (the kept data is acyclic: facts, contexts).

    Then the C heap's free pages go back to the system (:func:`trim_malloc`): a job that
    parsed a large file leaves tens of MiB free there, which glibc keeps otherwise.
    """
    gc.collect()
    gc.freeze()
    trim_malloc()


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return None  # not glibc: nothing to trim this way


_MALLOC_TRIM = _malloc_trim()


def trim_malloc() -> None:
    """Return the C heap's free pages to the system (``malloc_trim(0)``, where the C library
    has it). glibc keeps the free memory of its main heap, in which ``ast.parse`` builds a
    large file's C tree (25 MiB for a 300 KB file), unless the top of the heap is free; the
    pages stay counted in the process's RSS and PSS until they are used again. A call costs
    well under a millisecond; the next job faults in the pages it needs again."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def zygote_loop(ctrl: socket.socket, page: Any, heap: Any, heap_fd: int | None) -> None:
    """Fork replacement workers on request and reap them; exit when the master closes ``ctrl``."""
    children: set[int] = set()
    me = os.getpid()
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(ctrl, ZYGOTE_REQUEST.size, 1)
        except OSError:
            break
        if not msg:
            break
        command, pid = ZYGOTE_REQUEST.unpack(msg)
        if command == SPAWN:
            worker_fd = fds[0]
            child = os.fork()
            if child == 0:
                ctrl.detach()

                def body(fd: int = worker_fd, slot: int = pid, mapped: Any = heap,
                         mapped_fd: int | None = heap_fd) -> None:
                    keep = {fd} if mapped_fd is None else {fd, mapped_fd}
                    setup_child(keep, me, page, mapped)
                    worker_loop(socket.socket(fileno=fd), slot)

                run_child(body)
            os.close(worker_fd)
            children.add(child)
            ctrl.send(ZYGOTE_REPLY.pack(child))
        elif command == REBIND:
            try:
                hook = pickle.loads(ctrl.recv(max(pid, 1))) if pid else None
                heap, heap_fd = _rebound(heap, fds[0], hook)
                code = 0
            except Exception:  # the master replaces no worker then: it says why
                traceback.print_exc()
                code = 1
            finally:
                os.close(fds[0])
            ctrl.send(ZYGOTE_REPLY.pack(code))
        elif command == REAP:
            try:
                _, status = os.waitpid(pid, 0)
                code = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                code = -signal.SIGKILL  # a worker of a zygote this one replaced: died with it
            children.discard(pid)
            ctrl.send(ZYGOTE_REPLY.pack(code))
        else:
            for fd in fds:
                os.close(fd)
    for child in children:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(child, 0)


def _rebound(old: Any, fd: int, hook: Callable[[Any], None] | None) -> tuple[Any, int]:
    """In the zygote: map the heap behind ``fd`` for the workers it forks from now on, run
    ``hook`` on it (the master's own record of its heap, as a fork of the master would now
    find it), and unmap ``old``; the new heap and the descriptor its workers keep."""
    if old is not None:
        attach = type(old).attach
    else:
        import heap_native  # a lower layer

        attach = heap_native.SharedHeap.attach
    heap = attach(fd)  # a duplicate of fd, which the caller closes
    if hook is not None:
        hook(heap)
    if old is not None:
        old.close()
    return heap, heap.fileno()
