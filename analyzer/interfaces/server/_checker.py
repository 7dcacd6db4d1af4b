"""The checker thread: debounced rechecks of the session, then what to publish.

Edits (from the protocol thread) and file events (from watchdog) land in one inbox; the
checker waits for quiet, hands the session the open buffers as its overlay and rechecks. A
buffer edit after :data:`DEBOUNCE` seconds of quiet waits :data:`FIRST_WAIT` only (the rest
of its burst); one that follows another event sooner, and a file event, wait for
:data:`DEBOUNCE` seconds of quiet. A newer edit cancels a running recheck through the pool's
interrupt, which the edit wakes (``Session.wake``) rather than leave to the pool's next poll
(the session commits only on completion); one cancelled :data:`MAX_CANCELS` times
in a row runs to the end, so a fast typist still sees findings.
"""
from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from typing import Any

from analyzer.interfaces._watch import MAX_CANCELS, _Inbox
from analyzer.interfaces.server._documents import Buffer, Documents, overlays

__all__ = ["DEBOUNCE", "FIRST_WAIT", "Checker"]

#: Seconds of quiet before a burst of edits is rechecked (editors already batch keystrokes).
DEBOUNCE = 0.015
#: Seconds an edit that came after :data:`DEBOUNCE` of quiet waits for the rest of its burst
#: (an editor sends the changes of one action, several files' included, back to back): a
#: keystroke is not kept waiting for a burst that is not coming.
FIRST_WAIT = 0.003


class Checker:
    """Runs every check of the session in one thread; see the module doc.

    :param publish: called after each completed update with the buffers it checked and
        the session's ``Recheck`` (None after a whole check: compare everything).
    :param replan: a fresh plan (configuration changed); raises ValueError when unusable.
    :param progress: ``progress(stage, done, total)`` for the first check.
    :param error: shows a message to the user (a failed update; the server goes on).
    :param warm: the session was resumed from the cache: the first update is a recheck
        (the open buffers, edits since), not a whole check.
    """

    def __init__(self, session: Any, documents: Documents,
                 publish: Callable[[dict[str, Buffer], Any], None],
                 replan: Callable[[], Any] | None = None,
                 progress: Callable[[str, int, int], None] | None = None,
                 error: Callable[[str], None] | None = None, warm: bool = False) -> None:
        self.session = session
        self.documents = documents
        self.publish = publish
        self.replan = replan
        self.progress = progress
        self.error = error or (lambda message: None)
        # A file event (the watcher's) during an update cancels it at once, as an edit does.
        self.inbox = _Inbox(wake=lambda: self.session.wake())
        self.stopping = False
        self.idle = threading.Event()
        self.checked_once = threading.Event()
        self.cancels = 0
        self.warm = warm
        #: when the latest event is a buffer edit that came after quiet: its time
        self._first_at: float | None = None
        self.clock = time.monotonic
        self.thread = threading.Thread(target=self._run, name="shoal-checker", daemon=True)

    def start(self) -> None:
        """Start the thread: the first check, then rechecks as edits arrive."""
        self.thread.start()

    def stop(self) -> None:
        """Cancel the running update and end the thread."""
        self.stopping = True
        self.inbox.event.set()
        self.session.wake()
        if self.thread.is_alive():
            self.thread.join()

    def edited(self, *paths: str, typed: bool = False) -> None:
        """``paths`` changed (a buffer, or a file on disk); ``typed``: a buffer's text, which
        is checked after :data:`FIRST_WAIT` when it comes after quiet."""
        # One lock with the checker's idle test: a pull request never sees "idle" between
        # an edit's arrival and the update that covers it.
        with self.inbox.lock:
            now = self.clock()
            self.idle.clear()
            self.inbox.paths.update(paths)
            self._first_at = now if typed and now - self.inbox.last >= DEBOUNCE else None
            self.inbox.last = now
            self.inbox.event.set()
        self.session.wake()

    def _interrupt(self) -> bool:
        return self.stopping or (self.cancels < MAX_CANCELS and self.inbox.event.is_set())

    def _run(self) -> None:
        from parallel import Cancelled

        pending: set[str] = set()
        first = True
        frozen = False
        while not self.stopping:
            if not first and not pending:
                with self.inbox.lock:
                    if not self.inbox.event.is_set():
                        self.idle.set()
                self._warm()
                self.inbox.event.wait()
                if self.stopping:
                    break
            self._quiet()
            paths, lost = self.inbox.take()
            pending |= paths
            buffers = self.documents.snapshot()
            self.session.overlays = overlays(buffers)
            delta = None
            try:
                if first and self.warm:
                    self.session.recheck(None, interrupt=lambda: self.stopping)
                elif first:
                    self.session.check(progress=self.progress, interrupt=lambda: self.stopping)
                else:
                    delta = self._update(None if lost else pending)
            except Cancelled:
                self.cancels += 1
                continue
            except Exception as exc:  # a failed update must not take the server down
                self.error(f"shoal: the check failed: {type(exc).__name__}: {exc}")
                pending = set()
                continue
            if first and self.progress is not None:
                self.progress("done", 1, 1)
            first = False
            pending = set()
            self.cancels = 0
            self.checked_once.set()
            self.publish(buffers, delta)
            _freeze_survivors(full=not frozen)
            frozen = True
        self.idle.set()

    def _warm(self) -> None:
        """Idle: the workers decode the facts a recheck will read (``engine._warm``), as in
        ``shoal watch``, until an edit or the end cancels it; the findings are final
        meanwhile, so the checker stays idle for the pull requests."""
        from analyzer.engine import warm_idle

        try:
            warm_idle(self.session, lambda: self.stopping or self.inbox.event.is_set())
        except Exception as exc:  # only speed is lost: the server goes on
            self.error(f"shoal: warming the workers failed: {type(exc).__name__}: {exc}")

    def _left(self) -> float:
        """Seconds to wait yet before the next update starts (none when <= 0)."""
        with self.inbox.lock:
            last = self.inbox.last
            # a file event (the watcher's) moves `last` on: the full debounce again
            wait = FIRST_WAIT if self._first_at == last else DEBOUNCE
            return last + wait - self.clock()

    def _quiet(self) -> None:
        while not self.stopping:
            left = self._left()
            if left <= 0:
                return
            time.sleep(left)

    def _update(self, paths: set[str] | None) -> Any:
        """A recheck of ``paths`` (its ``Recheck``), or a rebuild (None) when they hold the
        configuration."""
        session = self.session
        if paths is not None and session.config_changed(paths) and self.replan is not None:
            try:
                plan = self.replan()
            except ValueError as exc:  # a broken configuration: say so, keep the old one
                self.error(f"shoal: configuration error: {exc}")
                paths = paths - {p for p in paths if session.config_changed([p])}
            else:
                session.rebuild(plan, interrupt=self._interrupt)
                return None
        return session.recheck(paths, interrupt=self._interrupt)


def _freeze_survivors(full: bool) -> None:
    """Take what an update left alive out of the cyclic collector's reach (``gc.freeze``).

    The session's state holds no reference cycles (an update leaves no cyclic garbage), yet
    a full collection walks every object of it: 90 to 200 ms on the standard library, at
    whatever edit the allocation count happened to trigger it. Frozen objects are still
    freed by their reference counts when an update replaces them; the young generations
    are collected first (all of them after the first check: the cycles of startup), so
    cyclic garbage is not frozen with them.
    """
    gc.collect() if full else gc.collect(1)
    gc.freeze()
