"""What a DaskPool ships to its workers besides buckets: shared data, and the bytes it all costs.

The master side (:class:`SharedStore`: share, unshare, share again after the workers holding
it died) and the worker side (:func:`run_payload` hands a task the data, :func:`shared_data`
reads it) meet here.  Nothing here imports dask: the store is handed the client.
"""

from __future__ import annotations

import pickle
import threading
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from parallel import _process

if TYPE_CHECKING:
    from distributed import Client, Future

#: seconds to wait for a running worker to share data with: after a job killed workers,
#: their nannies may still be starting the replacements (a client's own timeout, 5 or 10 s,
#: is too short for that on a loaded machine)
SCATTER_TIMEOUT = 120.0


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


class _Shared:
    """Data shared with the workers: the bytes (to share again) and their dask future."""

    __slots__ = ("data", "future")

    def __init__(self, data: bytes, future: Future) -> None:
        self.data = data
        self.future = future


class SharedStore:
    """The master's side of :meth:`DaskPool.share`: the data, kept to be broadcast again."""

    def __init__(self, traffic: Traffic) -> None:
        self.traffic = traffic
        self._shared: dict[str, _Shared] = {}

    def add(self, client: Client, data: bytes) -> str:
        """Broadcast ``data`` to every worker; the token a job reads it by."""
        token = f"shoal-shared-{uuid.uuid4().hex}"
        self._shared[token] = _Shared(data, self._scatter(client, data))
        return token

    def remove(self, token: str, client: Client | None) -> None:
        """Release the data shared under ``token`` (the workers drop it); idempotent."""
        shared = self._shared.pop(token, None)
        if shared is not None and client is not None:
            shared.future.release()

    def futures(self) -> dict[str, Any] | None:
        """What a task is submitted with so that dask hands it the data: token -> future."""
        return {token: shared.future for token, shared in self._shared.items()} or None

    def reshare(self, client: Client) -> None:
        """Broadcast all shared data again, under the same tokens.

        Called when dask cancelled tasks for lost inputs: every copy of some shared data died
        with its workers. All of it is sent again, not only the futures already marked lost:
        the client may learn of the loss after the cancellation, and a bucket re-run against
        a stale future would be cancelled again (and, after a few times, blamed).
        """
        for shared in self._shared.values():
            shared.future.release()
            shared.future = self._scatter(client, shared.data)

    def clear(self) -> None:
        """Forget everything (the pool is closing: its client takes the futures with it)."""
        self._shared.clear()

    def _scatter(self, client: Client, data: bytes) -> Future:
        n_workers = max(1, len(client.nthreads()))
        self.traffic.shared_bytes += len(data) * n_workers
        return client.scatter(data, broadcast=True, hash=False, timeout=SCATTER_TIMEOUT)
