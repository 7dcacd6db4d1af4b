"""The failures a map_reduce call can end with, each carrying the culprit and what was left."""

from __future__ import annotations

import signal
from typing import Any


class PoolFailure(Exception):
    """Base of the failures of a bucket: it carries the bucket and what the call had done.

    Every item of a call ends in exactly one place: merged into ``accumulator``, in ``items``
    (the bucket that failed), or in ``unfinished`` (never run, or run but discarded because
    the call was stopping).  Retrying ``items + unfinished`` therefore completes the call.
    """

    def __init__(self, message: str, items: list[Any] | None = None) -> None:
        super().__init__(message)
        #: the bucket that failed
        self.items: list[Any] = list(items or [])
        #: the accumulator with every bucket merged before the failure
        self.accumulator: Any = None
        #: items that were never run, or whose results were discarded
        self.unfinished: list[Any] = []


class JobError(PoolFailure):
    """A job raised: the exception's type, message and remote traceback text, as received."""

    def __init__(
        self, exc_type: str, exc_message: str, remote_traceback: str, items: list[Any] | None = None
    ) -> None:
        super().__init__(
            f"job raised {exc_type}: {exc_message}\n--- traceback in the worker ---\n"
            f"{remote_traceback.rstrip()}",
            items,
        )
        #: the qualified name of the exception class raised in the worker, e.g. ``"ValueError"``
        self.exc_type = exc_type
        #: ``str()`` of the exception raised in the worker
        self.exc_message = exc_message
        #: the traceback text formatted in the worker
        self.remote_traceback = remote_traceback


class WorkerDied(PoolFailure):
    """A worker process ended while it ran a bucket (signal, ``os._exit``, OOM kill)."""

    def __init__(self, pid: int, exitcode: int, items: list[Any] | None = None) -> None:
        #: the dead worker's pid
        self.pid = pid
        #: ``os.waitstatus_to_exitcode`` of the worker: negative for a signal
        self.exitcode = exitcode
        #: the signal that killed it, or None when it exited
        self.signal: int | None = -exitcode if exitcode < 0 else None
        if self.signal is not None:
            how = f"was killed by signal {_signal_name(self.signal)} ({self.signal})"
            if self.signal == signal.SIGKILL:
                how += " (an OOM kill looks like this too: check the job's memory use)"
        else:
            how = f"exited with status {exitcode}"
        super().__init__(f"worker {pid} {how} while running a bucket of {len(items or [])} items", items)


class JobTimeout(PoolFailure):
    """A bucket ran past ``job_timeout``: its worker was killed and replaced."""

    def __init__(self, pid: int, seconds: float, items: list[Any] | None = None) -> None:
        #: the pid of the worker that was killed
        self.pid = pid
        #: the ``job_timeout`` that was exceeded, in seconds
        self.seconds = seconds
        super().__init__(
            f"a bucket of {len(items or [])} items ran past job_timeout={seconds:g}s in worker "
            f"{pid}; the worker was killed and replaced (raise job_timeout, or lower "
            "bucket_size, if the job is just slow)",
            items,
        )


class Cancelled(BaseException):
    """The call was stopped by its ``interrupt`` callable.

    A ``BaseException`` so that no ``except Exception`` in a job or a rule swallows it.
    """

    def __init__(self, message: str = "map_reduce was cancelled by its interrupt callable") -> None:
        super().__init__(message)
        #: items not merged into ``accumulator``: rerun them to complete the work
        self.unfinished: list[Any] = []
        #: the accumulator with every bucket merged before the stop
        self.accumulator: Any = None
        #: always empty: kept so every way a call ends has the same three attributes
        self.items: list[Any] = []


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
