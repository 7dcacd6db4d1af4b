"""DaskCall against scripted futures: a task dask cancelled is run again, never blamed.

A future's status is written by the client's event loop thread while the call reads it, so
a task first seen "finished" may read "cancelled" a moment later (its result died with its
worker, and so did every copy of the shared data needed to compute it again).  These tests
script that sequence, which a real cluster produces only now and then.
"""

import contextlib
import pickle

import distributed
import pytest
from distributed.client import FutureCancelledError

from parallel._dask_call import DaskCall
from parallel._dask_share import SharedStore, Traffic
from parallel._ledger import Ledger
from tests.parallel.pool_jobs import extend

SHARED = b"the run's context"


class ScriptedFuture:
    """A future whose status reads follow ``statuses`` (the last one repeats)."""

    def __init__(self, key, statuses, data=None):
        self.key = key
        self.statuses = list(statuses)
        self.data = data
        self.released = False

    @property
    def status(self):
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    def result(self):
        if self.statuses[0] == "cancelled" or self.data is None:
            raise FutureCancelledError(self.key, "lost dependencies")
        return self.data

    def release(self):
        self.released = True


class ScriptedClient:
    """Hands out the scripted futures in order and records scatters and submissions."""

    def __init__(self, script):
        self.script = list(script)
        self.scattered = []
        self.submitted = []

    def nthreads(self):
        return {"tcp://w1": 1, "tcp://w2": 1}

    def scatter(self, data, broadcast, hash, timeout):
        self.scattered.append(data)
        return ScriptedFuture(f"shared-{len(self.scattered)}", ["finished"], data)

    def submit(self, fn, payload, shared, key, pure, retries):
        self.submitted.append((key, shared))
        statuses = self.script.pop(0)
        reply = pickle.dumps(("ok", pickle.loads(payload)[1]))
        return ScriptedFuture(key, statuses, reply)

    def cancel(self, futures):
        raise AssertionError("the call cancelled a task it still tracks")

    def as_current(self):
        return contextlib.nullcontext()


def make_call(client, items, bucket_size):
    traffic = Traffic()
    store = SharedStore(traffic)
    token = store.add(client, SHARED)
    ledger = Ledger(items, 2, bucket_size, None, extend, [], None, None)
    call = DaskCall(client, 2, None, traffic, store, list, ledger, None)
    return call, ledger, token


@pytest.mark.parametrize("shared", [False, True], ids=["ran-alone", "ran-beside-others"])
@pytest.mark.parametrize("seen", ["cancelled", "finished"],
                         ids=["seen-cancelled", "cancelled-after-it-was-seen-finished"])
def test_a_task_dask_cancelled_is_run_again_with_the_data_shared_again(shared, seen):
    client = ScriptedClient([["cancelled"], ["finished"]])
    call, ledger, _ = make_call(client, [1, 2, 3], bucket_size=3)
    call._start_due()
    [sub] = call.running.values()
    sub.shared = shared
    del call.running[sub.key]
    call._collect(sub, seen)
    assert ledger.failure is None
    # Beside others it might have been another bucket's doing: it runs again alone.
    assert list(ledger.alone if shared else ledger.pending) == [[1, 2, 3]]
    assert client.scattered == [SHARED]
    call._start_due()
    # The data went out again before the bucket did, and the bucket uses the new copy.
    assert client.scattered == [SHARED, SHARED]
    (_, first), (_, again) = client.submitted
    assert first != again


def test_a_status_that_turns_cancelled_between_two_reads_is_not_blamed(monkeypatch):
    # The first task reads "finished", then "cancelled" for good; its rerun finishes.
    client = ScriptedClient([["finished", "cancelled"], ["finished"]])
    call, ledger, _ = make_call(client, [1, 2, 3], bucket_size=3)
    monkeypatch.setattr(distributed, "wait", lambda futures, timeout, return_when: None)
    assert call.run() == [1, 2, 3]
    assert len(client.submitted) == 2
    assert ledger.done == 3
