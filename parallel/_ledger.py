"""Where every item of one map_reduce call is, and how the call ends: shared by both pools.

A transport (the fork pool's ``_call.Call``, the dask pool's ``_dask_call.DaskCall``) only
moves buckets to workers and replies back.  The :class:`Ledger` decides the rest the same way
for both: which bucket starts next, what a reply or a failure does to the accumulator, when
the call stops taking buckets, and what it returns or raises.  So the promise of
``PoolFailure`` (every item merged, in ``items``, or in ``unfinished``, exactly once) is kept
in one place, whatever carried the buckets.
"""

from __future__ import annotations

import pickle
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from parallel._buckets import make_buckets
from parallel._errors import Cancelled, JobError

#: seconds between two polls of ``interrupt`` while a transport waits for replies
INTERRUPT_POLL_SECONDS = 0.05

#: the clock job deadlines are read on; a module attribute so that a test can drive it and
#: keep healthy buckets clear of the wall clock
clock: Callable[[], float] = time.monotonic


def check_job(job: Callable[..., Any]) -> None:
    """Refuse a job that cannot be pickled by reference (a lambda, a closure, a method)."""
    try:
        pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        raise TypeError(
            f"job {job!r} cannot be sent to a worker: it must be a module-level function "
            f"(it is pickled by reference), not a lambda or a closure ({exc})"
        ) from None


def deadline(timeout: float | None) -> float | None:
    """When a bucket started now runs out of ``timeout`` (None: never)."""
    return None if timeout is None else clock() + timeout


def is_past(when: float | None) -> bool:
    """True when the deadline ``when`` has passed."""
    return when is not None and when <= clock()


#: how many times per ``job_timeout`` a transport looks at its workers' progress counters:
#: a job that ticked is given its time again, so a stall is seen within this share of it
PROGRESS_LOOKS = 4


def wait_seconds(polling: bool, deadlines: Iterable[float | None],
                 job_timeout: float | None = None) -> float | None:
    """How long a transport may block for replies: until the next deadline, no longer than
    one interrupt poll while ``polling``, nor than a share of ``job_timeout`` (to look at the
    progress counters); None blocks until a reply comes."""
    timeout = INTERRUPT_POLL_SECONDS if polling else None
    set_ = [d for d in deadlines if d is not None]
    if set_:
        left = max(0.0, min(set_) - clock())
        timeout = left if timeout is None else min(timeout, left)
        if job_timeout is not None:
            timeout = min(timeout, job_timeout / PROGRESS_LOOKS)
    return timeout


class Ledger:
    """The accounts of one call: queued buckets, the accumulator, and the first failure.

    A bucket taken with :meth:`next_bucket` or :meth:`next_alone` belongs to the transport
    until it hands it back with exactly one of :meth:`succeeded`, :meth:`failed`,
    :meth:`settle`, :meth:`discard`, :meth:`requeue` or :meth:`isolate`.
    """

    def __init__(
        self,
        items: list[Any],
        workers: int,
        bucket_size: int | None,
        cost: Callable[[Any], float] | None,
        merge: Callable[[Any, Any], Any],
        neutral: Any,
        progress: Callable[[int, int], None] | None,
        on_failure: Callable[[Any, BaseException], None] | None,
        heavy: Callable[[Any], bool] | None = None,
    ) -> None:
        self.merge = merge
        self.acc = neutral
        self.progress = progress
        self.on_failure = on_failure
        self.total = len(items)
        #: items merged or handed to on_failure
        self.done = 0
        #: the buckets of the items ``heavy`` picked, by id (each holds one item; kept here,
        #: so no other list can take the id of a finished one)
        self.heavy: dict[int, list[Any]] = {}
        #: the heavy buckets taken and not handed back yet, by id: while one is out, no
        #: other heavy bucket starts
        self.heavy_out: set[int] = set()
        if heavy is not None:
            alone: list[Any] = []
            light: list[Any] = []
            for item in items:
                (alone if heavy(item) else light).append(item)
            if cost is not None:
                alone.sort(key=cost, reverse=True)
            items = light
            self.heavy = {id(b): b for b in ([item] for item in alone)}
        self.pending: deque[list[Any]] = deque(
            [*self.heavy.values(), *make_buckets(items, workers, bucket_size, cost)])
        #: buckets to run again with nothing else in flight (a dask worker died under them)
        self.alone: deque[list[Any]] = deque()
        #: the first failure, raised once the running buckets are drained: a PoolFailure, or
        #: a heap error (which travels as its own class)
        self.failure: BaseException | None = None
        #: the bucket of that failure
        self.failed_items: list[Any] = []
        #: items run but not merged (later failures, replies discarded while stopping)
        self.discarded: list[Any] = []
        self.cancelled = False

    # -- what runs next ----------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        """No bucket may start any more: a bucket failed or the call was cancelled."""
        return self.failure is not None or self.cancelled

    @property
    def due(self) -> bool:
        """A queued bucket may start now."""
        return bool(self.pending) and not self.stopping

    def next_bucket(self, heavy: bool | None = None) -> list[Any] | None:
        """The next queued bucket to start, or None when none is due; while a heavy bucket
        is out, or when ``heavy`` is false, the first light one (None when only heavy ones
        are queued); ``heavy`` true: the next one whatever is out (the caller runs the heavy
        ones one after another)."""
        if not self.due:
            return None
        if heavy or (heavy is None and not self.heavy_out):
            bucket = self.pending.popleft()
        else:
            # By position, not by value: equal lists are not the same bucket.
            index = next((i for i, b in enumerate(self.pending) if id(b) not in self.heavy), -1)
            if index < 0:
                return None
            bucket = self.pending[index]
            del self.pending[index]
        if id(bucket) in self.heavy:
            self.heavy_out.add(id(bucket))
        return bucket

    def heavy_queued(self) -> bool:
        """Whether a heavy bucket is still queued."""
        return any(id(b) in self.heavy for b in self.pending)

    def is_heavy(self, bucket: list[Any]) -> bool:
        """Whether ``bucket`` is one of the heavy items' own buckets."""
        return self.heavy.get(id(bucket)) is bucket

    def _back(self, bucket: list[Any]) -> None:
        """The transport handed ``bucket`` back: a heavy one is no longer out."""
        self.heavy_out.discard(id(bucket))

    def next_alone(self) -> list[Any] | None:
        """The next bucket to re-run alone, or None when none is due."""
        if self.stopping or not self.alone:
            return None
        return self.alone.popleft()

    def requeue(self, bucket: list[Any]) -> None:
        """Put a bucket that did not run (or whose result was lost) first in the queue."""
        self._back(bucket)
        self.pending.appendleft(bucket)

    def isolate(self, bucket: list[Any]) -> None:
        """Queue a bucket to run again with nothing beside it, before any other starts."""
        self._back(bucket)
        self.alone.append(bucket)

    def cancel(self) -> None:
        """``interrupt`` said stop: no bucket starts any more."""
        self.cancelled = True

    # -- what came back ----------------------------------------------------------------------

    def report(self) -> None:
        """Tell ``progress`` how far the call is."""
        if self.progress is not None:
            self.progress(self.done, self.total)

    def succeeded(self, bucket: list[Any], result: Any) -> None:
        """Merge a bucket's result."""
        self._back(bucket)
        self.acc = self.merge(result, self.acc)
        self.done += len(bucket)
        self.report()

    def failed(self, bucket: list[Any], error: BaseException) -> None:
        """A bucket failed: split it, hand its one item to on_failure, or stop the call."""
        self._back(bucket)
        if self.on_failure is not None:
            if len(bucket) > 1:
                self.pending.extendleft([item] for item in reversed(bucket))
                return
            annotate(error, bucket, self.acc, [])
            self.on_failure(bucket[0], error)
            self.done += 1
            self.report()
            return
        if self.failure is None:
            annotate(error, bucket, None, [])
            self.failure, self.failed_items = error, bucket
        else:
            self.discarded.extend(bucket)

    def discard(self, bucket: list[Any]) -> None:
        """A bucket ran, or may have, but its result is not merged: its items are unfinished."""
        self._back(bucket)
        self.discarded.extend(bucket)

    def settle(self, bucket: list[Any], data: bytes) -> None:
        """Account for a worker's pickled reply (``_process``'s format) to ``bucket``."""
        try:
            reply = pickle.loads(data)
        except Exception as exc:
            self.failed(bucket, JobError(type(exc).__name__,
                                         f"the reply could not be unpickled: {exc}",
                                         traceback.format_exc(), bucket))
            return
        if reply[0] == "ok":
            self.succeeded(bucket, reply[1])
        elif reply[0] == "exc":
            error, text = reply[1], reply[2]
            error.remote_traceback = text
            if hasattr(error, "add_note"):  # Python >= 3.11: shown under an uncaught traceback
                error.add_note(f"--- traceback in the worker ---\n{text.rstrip()}")
            self.failed(bucket, error)
        else:
            _, exc_type, message, text = reply
            self.failed(bucket, JobError(exc_type, message, text, bucket))

    # -- the end -----------------------------------------------------------------------------

    def unfinished(self) -> list[Any]:
        """Every item not merged and not in the failed bucket."""
        queued = [item for queue in (self.pending, self.alone) for bucket in queue
                  for item in bucket]
        return self.discarded + queued

    def finish(self) -> Any:
        """The accumulator, or the failure or :class:`Cancelled` with what was left."""
        if self.failure is not None:
            annotate(self.failure, self.failed_items, self.acc, self.unfinished())
            raise self.failure
        if self.cancelled:
            stop = Cancelled()
            stop.accumulator = self.acc
            stop.unfinished = self.unfinished()
            raise stop
        return self.acc


def annotate(error: BaseException, items: list[Any], acc: Any, unfinished: list[Any]) -> None:
    """Give ``error`` the three attributes every way a call ends carries."""
    error.items = items  # type: ignore[attr-defined]  # any exception class may fail a bucket
    error.accumulator = acc  # type: ignore[attr-defined]  # likewise
    error.unfinished = unfinished  # type: ignore[attr-defined]  # likewise
