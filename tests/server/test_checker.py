"""When the checker thread rechecks: a buffer edit after quiet at once (after FIRST_WAIT), a
burst and a file event after DEBOUNCE of quiet; what an update leaves alive is frozen, and
its cyclic garbage collected first."""
from __future__ import annotations

import gc
import threading
import weakref
from typing import Any

import pytest

from analyzer.interfaces.server._checker import DEBOUNCE, FIRST_WAIT, Checker
from analyzer.interfaces.server._documents import Documents


class _Session:
    """What the checker calls; each recheck leaves cyclic garbage and one object alive."""

    def __init__(self) -> None:
        self.overlays: dict[str, bytes] = {}
        self.rechecked = threading.Event()
        self.garbage: Any = None
        self.kept: Any = None
        self.woken = 0

    def wake(self) -> None:
        self.woken += 1

    def check(self, **kwargs: Any) -> None:
        pass

    def config_changed(self, paths: Any) -> bool:
        return False

    def recheck(self, paths: Any, interrupt: Any = None) -> None:
        cycle = _Node()
        cycle.me = cycle
        self.garbage = weakref.ref(cycle)
        self.kept = _Node()
        self.rechecked.set()


class _Node:
    me: Any = None


def _checker(now: list[float]) -> Checker:
    checker = Checker(_Session(), Documents(), lambda buffers, delta: None)
    checker.clock = lambda: now[0]
    return checker


def test_an_edit_after_quiet_waits_first_wait_and_a_burst_debounce():
    now = [1000.0]
    checker = _checker(now)
    checker.edited("/p/a.py", typed=True)
    assert checker._left() == pytest.approx(FIRST_WAIT)
    now[0] += FIRST_WAIT / 2  # the rest of its burst: the quiet starts again, and is longer
    checker.edited("/p/b.py", typed=True)
    assert checker._left() == pytest.approx(DEBOUNCE)
    now[0] += 2 * DEBOUNCE  # quiet again: the next edit is a new burst's first
    checker.edited("/p/a.py", typed=True)
    assert checker._left() == pytest.approx(FIRST_WAIT)


def test_a_file_event_waits_for_debounce_and_so_does_an_edit_after_it():
    now = [1000.0]
    checker = _checker(now)
    checker.edited("/p/a.py")  # a save, a watched file: not a buffer's text
    assert checker._left() == pytest.approx(DEBOUNCE)
    now[0] += DEBOUNCE / 2
    checker.edited("/p/a.py", typed=True)
    assert checker._left() == pytest.approx(DEBOUNCE)
    now[0] += 2 * DEBOUNCE
    checker.edited("/p/a.py", typed=True)
    checker.inbox.put("/p/c.py")  # the watcher's event after it: the full debounce
    assert checker._left() > FIRST_WAIT


def test_an_edit_and_a_file_event_wake_the_running_update():
    checker = _checker([1000.0])
    checker.edited("/p/a.py", typed=True)
    assert checker.session.woken == 1  # a cancelled update is seen at once, not polled
    checker.inbox.put("/p/b.py")  # the watcher's event
    assert checker.session.woken == 2


def test_an_update_freezes_what_it_left_alive_and_collects_its_cycles_first():
    checker = Checker(_Session(), Documents(), lambda buffers, delta: None)
    checker.start()
    try:
        assert checker.checked_once.wait(30) and checker.idle.wait(30)
        gc.unfreeze()
        checker.edited("/p/a.py", typed=True)
        assert checker.session.rechecked.wait(30)
        assert checker.idle.wait(30)  # set after the update's publish and freeze
        session = checker.session
        assert session.garbage() is None  # collected, not frozen
        assert gc.get_freeze_count() > 0
        assert not any(o is session.kept for o in gc.get_objects())  # frozen: no generation
    finally:
        checker.stop()
        gc.unfreeze()


class _Warming(_Session):
    """A session whose idle warm-up holds its workers until released, then reads the
    interrupt: as ``Session.warm`` does between two modules."""

    def __init__(self) -> None:
        super().__init__()
        self.warming = threading.Event()
        self.release = threading.Event()
        self.seen: list[bool] = []

    def warm(self, *, interrupt: Any) -> None:
        from parallel import Cancelled

        self.warming.set()
        self.release.wait(30)
        self.seen.append(interrupt())
        if self.seen[-1]:
            raise Cancelled()


def test_the_idle_server_warms_its_workers_and_an_edit_cancels_it():
    checker = Checker(_Warming(), Documents(), lambda buffers, delta: None)
    session = checker.session
    checker.start()
    try:
        assert checker.checked_once.wait(30) and session.warming.wait(30)
        assert checker.idle.is_set()  # the findings are final while it warms
        session.warming.clear()
        checker.edited("/p/a.py", typed=True)
        session.release.set()
        assert session.rechecked.wait(30)  # the cancelled warm-up did not stop the update
        assert session.warming.wait(30)  # idle again: the warm-up goes on
        assert session.seen[0] is True
    finally:
        checker.stop()
        gc.unfreeze()
