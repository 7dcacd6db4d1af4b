"""``hold_until_replied``: what a job holds is freed after its bucket's reply, before the
worker's next bucket; never in a worker replaced after the bucket; at once outside a worker."""

import os

from parallel import WorkerPool, hold_until_replied


class _Marker:
    """Leaves a file named after it when it is freed."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __del__(self) -> None:
        open(self.path, "a").close()


def hold_or_look(bucket):
    """``hold``: one marker held, one dropped in the job; ``look``: the files there now."""
    out = []
    for where, item in bucket:
        if item == "hold":
            hold_until_replied(_Marker(os.path.join(where, f"held-{os.getpid()}")))
            _Marker(os.path.join(where, f"dropped-{os.getpid()}"))
            out.append((item, os.getpid(), []))
        else:
            out.append((item, os.getpid(), sorted(os.listdir(where))))
    return out


def _extend(part, acc):
    acc.extend(part)
    return acc


def _run(tmp_path, items, **pool):
    where = str(tmp_path)
    with WorkerPool(**pool) as p:
        return p.map_reduce(hold_or_look, [(where, i) for i in items], merge=_extend,
                            neutral=[], bucket_size=1)


def test_a_kept_worker_frees_what_its_job_held_before_its_next_bucket(tmp_path):
    (_, pid, _), (_, same, seen) = sorted(_run(tmp_path, ["hold", "look"], workers=1))
    assert same == pid
    assert seen == [f"dropped-{pid}", f"held-{pid}"]


def test_a_worker_replaced_after_its_bucket_never_frees_what_its_job_held(tmp_path):
    (_, pid, _), (_, other, seen) = sorted(_run(tmp_path, ["hold", "look"], workers=1,
                                                 renew="every"))
    assert other != pid
    assert seen == [f"dropped-{pid}"]
    assert not (tmp_path / f"held-{pid}").exists()


def test_outside_a_worker_holding_frees_at_once(tmp_path):
    ((_, pid, _),) = _run(tmp_path, ["hold"], workers=0)
    assert pid == os.getpid()
    assert sorted(os.listdir(tmp_path)) == [f"dropped-{pid}", f"held-{pid}"]
