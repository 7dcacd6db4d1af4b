"""The workers' facts warmed while a session waits (``engine._warm``): a session started
from the cache holds no decoded facts until it is idle, then every worker holds every
module's, the first hub edit decodes only the hub's new facts, and every recheck still
matches a cold check; the warm-up yields to the first event."""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from support import cold, make_plan, project, write

from analyzer.engine import _warm, open_session, run_check
from analyzer.engine._warm import facts_held
from analyzer.interfaces._watch import Watcher
from parallel import Cancelled

READERS = 12
FILES = {
    "hub.py": "def f(x):\n    return x\n",
    **{f"r{i}.py": f"from hub import f\nf({i})\n" for i in range(READERS)},
    **{f"leaf{i}.py": "def g():\n    return 1\n" for i in range(5)},
}
HUB_EDIT = {"hub.py": "def f(x, y):\n    return x\n"}


@pytest.fixture(params=["check", "session"])
def from_cache(request: pytest.FixtureRequest, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A 2-worker session on ``FILES`` started from a cache that a one-shot ``shoal check``
    wrote (its phase-2 context keeps no facts) or a resident session."""
    root = project(tmp_path / "proj", FILES)
    monkeypatch.chdir(root)
    cache = tmp_path / "cache"
    if request.param == "check":
        run_check(make_plan(root, workers=2, cache_dir=cache))
    else:
        first, save = open_session(make_plan(root, workers=2, cache_dir=cache))
        save(first)
        first.close()
    session, _ = open_session(make_plan(root, workers=2, cache_dir=cache))
    yield root, session
    session.close()


def test_idle_workers_decode_every_module_and_the_hub_edit_only_its_own(from_cache) -> None:
    root, session = from_cache
    modules = len(session.state.modules)
    # Started from the cache: no phase 2 ran, so no worker decoded anything.
    assert [held for held, _ in facts_held(session.pool).values()] == [0, 0]
    assert session.warm() == 2 * modules
    held = facts_held(session.pool)
    assert [n for n, _ in held.values()] == [modules, modules]
    assert session.warm() is None  # nothing due: both workers are warm
    write(root, HUB_EDIT)
    report = session.recheck([root / "hub.py"])
    assert len(report.modules_rechecked) == READERS + 1
    after = facts_held(session.pool)
    # Each worker decodes at most the hub's new facts (without the warm-up: every reader's).
    assert all(after[pid][1] - loads <= 1 for pid, (_, loads) in held.items())
    assert session.state.diagnostics == cold(root)


def test_a_cancelled_warm_up_commits_nothing_and_goes_on_later(from_cache) -> None:
    root, session = from_cache
    with pytest.raises(Cancelled):
        session.warm(interrupt=lambda: True)
    assert session.warmth.warm == set()
    write(root, HUB_EDIT)
    session.recheck([root / "hub.py"])  # right after the start, warm-up cancelled
    assert session.state.diagnostics == cold(root)
    assert session.warm() is not None
    assert session.warmth.warm == set(session.pool.pids)
    write(root, FILES)
    session.recheck([root / "hub.py"])
    assert session.state.diagnostics == cold(root)


def test_a_replaced_worker_is_warmed_at_the_next_idle_moment(from_cache) -> None:
    _, session = from_cache
    session.warm()
    old = session.pool.pids
    pool = session.pool
    worker = pool._workers[0]
    fresh, _ = pool.replace(worker, kill=True)
    assert fresh is not None
    assert session.warm() == len(session.state.modules)  # the new one's only, not both's
    assert session.warmth.warm >= set(pool.pids) and set(pool.pids) != set(old)


def test_a_worker_decodes_no_more_than_its_budget(from_cache, monkeypatch) -> None:
    _, session = from_cache
    monkeypatch.setattr(_warm, "WARM_BUDGET", 1)  # any first value spends it
    assert session.warm() == 2  # one facts object per worker, then the budget is spent
    assert [n for n, _ in facts_held(session.pool).values()] == [1, 1]
    assert session.warmth.warm == set(session.pool.pids)  # done: not tried again


def test_past_the_limit_the_modules_read_most_are_warmed(from_cache, monkeypatch) -> None:
    root, session = from_cache
    # The hub is imported by every reader, each reader imports; the leaves neither.
    assert _warm.ranked(session.state.imports)[0] == "hub"
    assert _warm.ranked(session.state.imports)[-5:] == [f"leaf{i}" for i in range(5)]
    monkeypatch.setattr(_warm, "WARM_LIMIT", READERS + 1)
    assert session.warm() == 2 * (READERS + 1)
    held = facts_held(session.pool)
    assert [n for n, _ in held.values()] == [READERS + 1] * 2
    write(root, HUB_EDIT)
    session.recheck([root / "hub.py"])
    after = facts_held(session.pool)
    assert all(after[pid][1] - loads <= 1 for pid, (_, loads) in held.items())
    assert session.state.diagnostics == cold(root)


class _Idle:
    """A session stand-in: an edit arrives while it warms; its recheck is cancelled too
    (which ends the loop: the stop is set by then)."""

    plan = SimpleNamespace(registry=[])

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.seen: list[bool] = []
        self.rechecked: list[set[str] | None] = []
        self.watcher: Watcher | None = None

    def warm(self, *, interrupt: Callable[[], bool]) -> None:
        assert self.watcher is not None
        self.seen.append(interrupt())
        self.watcher.inbox.put("/elsewhere/x.py")
        self.seen.append(interrupt())
        raise Cancelled()

    def config_changed(self, paths: object) -> bool:
        return False

    def recheck(self, paths: set[str] | None, *, interrupt: object) -> None:
        self.rechecked.append(paths)
        self.stop.set()
        raise Cancelled()

    def wake(self) -> None:
        pass


def test_the_watch_warms_while_idle_and_an_event_cancels_it(tmp_path: Path) -> None:
    stop = threading.Event()
    session = _Idle(stop)
    watcher = Watcher(session, [tmp_path])
    session.watcher = watcher
    watcher.run(stop=stop)
    # The warm-up saw no event, then the edit; the edit was rechecked next.
    assert session.seen == [False, True]
    assert session.rechecked == [{"/elsewhere/x.py"}]
