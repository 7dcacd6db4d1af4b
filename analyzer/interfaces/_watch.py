"""``shoal watch``: a check, then a recheck of what each batch of edits can affect.

The workers are forked first (the pool refuses to fork a threaded process), then the
watchdog observer starts on the project root. Its thread only records paths and sets an
event; the main thread coalesces a burst over :data:`QUIET_WINDOW` seconds of silence (an
editor's atomic save, a ``git checkout`` of hundreds of files: one recheck) and runs the
recheck. Events arriving during a recheck cancel it through the pool's ``interrupt``; the
next recheck covers both batches, and a recheck cancelled twice in a row runs to the end.
A lost event (the kernel queue overflowed, the observer died) becomes a rescan of every
file by stat and digest, never silent staleness.
"""
from __future__ import annotations

import argparse
import fnmatch
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from analyzer.frontend import (
    CONFIG_FILES,
    EXTENSION_SOURCE_SUFFIXES,
    EXTENSION_SUFFIXES,
    NOTEBOOK_SUFFIX,
    PROTO_SUFFIXES,
    PYTHON_SUFFIXES,
)
from analyzer.interfaces import exit_codes
from analyzer.interfaces._watch_restart import (
    RESTART_CODE,
    PluginChanged,
    SessionOutgrown,
    _drop_bytecode,
    _outgrown,
    plugin_sources,
)
from analyzer.interfaces._watch_screen import Screen, moved_aside, status_line

__all__ = ["MAX_CANCELS", "QUIET_WINDOW", "Watcher", "run_watch", "status_line"]

#: Seconds without a new event before a burst of events is rechecked.
QUIET_WINDOW = 0.05
#: A recheck cancelled this many times in a row runs to completion (no starvation).
MAX_CANCELS = 2
#: Seconds between health checks of the observer while idle.
HEALTH_SECONDS = 1.0

#: Sources, stubs, compiled extensions (a rebuild makes a module appear or disappear),
#: their C and Cython sources, and protobuf sources (what a build makes of them may be
#: imported: ``Discovery.outputs``).
_WATCHED_SUFFIXES = (*PYTHON_SUFFIXES, *EXTENSION_SUFFIXES, *EXTENSION_SOURCE_SUFFIXES,
                     NOTEBOOK_SUFFIX, *PROTO_SUFFIXES)
#: The configuration's files, and ``meson.build``: what it names may be a build output
#: (``Discovery.outputs``).
_WATCHED_NAMES = CONFIG_FILES | {"meson.build"}


class _Inbox:
    """Paths reported by the observer thread, taken by the main thread."""

    def __init__(self, wake: Callable[[], None] | None = None) -> None:
        self.lock = threading.Lock()
        self.event = threading.Event()
        self.paths: set[str] = set()
        self.rescan = False
        self.last = 0.0
        #: called after each event: a running update looks at its interrupt now
        self.wake = wake

    def put(self, *paths: str) -> None:
        with self.lock:
            self.paths.update(paths)
            self.last = time.monotonic()
        self.event.set()
        if self.wake is not None:
            self.wake()

    def lost(self) -> None:
        with self.lock:
            self.rescan = True
            self.last = time.monotonic()
        self.event.set()
        if self.wake is not None:
            self.wake()

    def take(self) -> tuple[set[str], bool]:
        with self.lock:
            paths, rescan = self.paths, self.rescan
            self.paths, self.rescan = set(), False
            self.event.clear()
        return paths, rescan


class _LostEvents(logging.Handler):
    """watchdog reports a kernel queue overflow only in its log: turn that into a rescan."""

    def __init__(self, inbox: _Inbox) -> None:
        super().__init__(logging.WARNING)
        self.inbox = inbox

    def emit(self, record: logging.LogRecord) -> None:
        self.inbox.lost()


class Watcher:
    """The watch loop over an open session; see the module doc.

    :param session: an open, checked ``Session``.
    :param roots: directories to observe (recursively).
    :param excludes: ``exclude`` globs of the configuration (basenames) for the event filter.
    :param out: where the screen is drawn (unless ``screen`` is given); ``err``: messages.
    :param after: called with each completed update's ``Recheck`` (output file, verify),
        before the screen is redrawn; it returns the result to show (``None``: the
        session's).
    :param screen: the :class:`~._watch_screen.Screen` showing the current state.
    :param replan: a fresh plan for the same command line (configuration changes); raises
        ``ValueError`` for a configuration it cannot use.
    """

    def __init__(
        self,
        session: Any,
        roots: list[Path],
        *,
        excludes: tuple[str, ...] = (),
        out: Any = None,
        err: Any = None,
        after: Callable[[Any], Any] | None = None,
        replan: Callable[[], Any] | None = None,
        screen: Screen | None = None,
    ) -> None:
        self.session = session
        self.roots = roots
        self.excludes = excludes
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.after = after
        self.replan = replan
        self.screen = screen or Screen(self.out)
        # An event during a recheck cancels it at once (the pool's wake), not at its next poll.
        self.inbox = _Inbox(wake=lambda: self.session.wake())
        self.observer: Any = None
        self._log_handler = _LostEvents(self.inbox)
        self.cancels = 0

    # -- observer ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the observer thread (the pool must have been forked already)."""
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        inbox, wanted = self.inbox, self.wanted

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:
                if event.event_type in ("opened", "closed_no_write", "closed"):
                    return  # reads (ours included), and a close after a write already seen
                if event.is_directory and event.event_type == "modified":
                    return  # its entries' own events say what changed
                paths = [os.fsdecode(event.src_path)]
                dest = getattr(event, "dest_path", "")
                if dest:
                    paths.append(os.fsdecode(dest))
                keep = [p for p in paths if wanted(p, event.is_directory)]
                if keep:
                    inbox.put(*keep)

        logging.getLogger("watchdog.observers").addHandler(self._log_handler)
        self.observer = Observer()
        for root in self.roots:
            self.observer.schedule(Handler(), os.fspath(root), recursive=True)
        self.observer.start()

    def stop(self) -> None:
        """Stop and join the observer thread."""
        logging.getLogger("watchdog.observers").removeHandler(self._log_handler)
        if self.observer is not None:
            self.observer.stop()
            self.observer.join()
            self.observer = None

    def wanted(self, path: str, is_directory: bool = False) -> bool:
        """Whether an event on ``path`` can matter: a directory, a Python file or
        configuration, outside the excluded directories (the globs discovery prunes)."""
        name = os.path.basename(path)
        if not (is_directory or name.endswith(_WATCHED_SUFFIXES) or name in _WATCHED_NAMES
                or os.path.abspath(path) in self.session.plan.config.files()):
            return False  # (an `extend`ed file may have any name: `configs/base.toml`)
        parts = Path(path).parts
        return not any(fnmatch.fnmatchcase(part, glob.rstrip("/"))
                       for part in parts for glob in self.excludes if "/" not in glob.rstrip("/"))

    def _healthy(self) -> bool:
        observer = self.observer
        return observer is not None and observer.is_alive() and all(
            e.is_alive() for e in observer.emitters)

    # -- loop ---------------------------------------------------------------------------

    def run(self, *, stop: threading.Event | None = None) -> None:
        """Wait for edits and recheck, until ``stop`` is set (or KeyboardInterrupt/SystemExit)."""
        pending: set[str] = set()
        rescan = False
        while stop is None or not stop.is_set():
            if not pending and not rescan:
                self._warm()
                if not self.inbox.event.wait(HEALTH_SECONDS):
                    if not self._healthy():
                        self._restart()
                        rescan = True
                    continue
            self._quiet()
            paths, lost = self.inbox.take()
            pending |= paths
            rescan = rescan or lost
            try:
                self.update(None if rescan else pending)
            except _Cancelled:
                self.cancels += 1
                continue
            pending, rescan = set(), False
            self.cancels = 0

    def _warm(self) -> None:
        """Idle: let the workers decode the facts a recheck will read (``engine._warm``),
        until the first event, which cancels it before its quiet window is over."""
        from analyzer.engine import warm_idle

        warm_idle(self.session, self.inbox.event.is_set)

    def _quiet(self) -> None:
        """Wait until no event arrived for QUIET_WINDOW seconds."""
        while True:
            with self.inbox.lock:
                left = self.inbox.last + QUIET_WINDOW - time.monotonic()
            if left <= 0:
                return
            time.sleep(left)

    def _restart(self) -> None:
        print("shoal: the file observer stopped; restarting it and rescanning", file=self.err)
        try:
            self.stop()
        except Exception:
            self.observer = None
        self.start()

    def _interrupt(self) -> bool:
        return self.cancels < MAX_CANCELS and self.inbox.event.is_set()

    def update(self, paths: set[str] | None) -> Any:
        """One recheck (or rebuild) of ``paths`` (None: rescan everything), then report it."""
        from analyzer.engine import HeapTooSmall
        from parallel import Cancelled

        session = self.session
        edited = paths & plugin_sources(session.plan.registry) if paths is not None else set()
        if edited:
            # Workers were forked with the old plugin module and the master holds it too;
            # only a new process sees the new source (and the cache key, which covers every
            # rule's source file, makes its startup check cold).
            raise PluginChanged(sorted(edited))
        try:
            if paths is not None and session.config_changed(paths):
                if self.replan is None:
                    report = session.check(interrupt=self._interrupt)
                else:
                    try:
                        plan = self.replan()
                    except ValueError as exc:  # a broken config: say so, keep the old one
                        print(f"shoal: error: {exc}", file=self.err)
                        return None
                    sources = plugin_sources(plan.registry)
                    if sources != plugin_sources(session.plan.registry):
                        # The workers cannot import a plugin loaded after they forked.
                        raise PluginChanged(sorted(sources ^ plugin_sources(session.plan.registry)))
                    report = session.rebuild(plan, interrupt=self._interrupt)
            else:
                report = session.recheck(paths, interrupt=self._interrupt)
        except Cancelled:
            raise _Cancelled() from None
        except HeapTooSmall as exc:
            if not exc.sized_by_shoal:
                raise  # the user's heap-size: one line naming it, exit 2
            # The session could not move to a larger heap (engine._heap_moves: the copy or
            # the zygote failed), and this process has threads (the observer) that forbid
            # forking. A new process sizes heap and tables for the project as it is now.
            raise SessionOutgrown(_outgrown(exc)) from None
        if paths is not None and report.files_changed == 0 and not report.rebuilt:
            changed = 0
        else:
            changed = report.files_changed
        # The output file first: whoever sees the status line can read the file it announces.
        shown = self.after(report) if self.after is not None else None
        self.report(report, changed, shown)
        return report

    def report(self, report: Any, changed: int, shown: Any = None) -> None:
        """Redraw the screen: the current findings (``shown``, a result; else the session's),
        then the status line; with ``--verbose`` the change log and heap figures too."""
        result = shown if shown is not None else self.session.result()
        log: list[str] = []
        if self.screen.verbose:
            new, fixed = moved_aside(report.new, report.fixed)
            log = [f"+ {_line(d)}" for d in new] + [f"- {_line(d)}" for d in fixed]
        status = status_line(report, changed, self.session if self.screen.verbose else None)
        self.screen.show(result.diagnostics, result.registry.by_code, status, log)


class _Cancelled(Exception):
    pass


def _line(d: Any) -> str:
    from analyzer.interfaces.output import escape_path, escape_surrogates

    # A file name with a newline or a non-UTF-8 byte stays one valid line (as in `check`).
    return f"{escape_path(d.path)}:{d.line}:{d.column}: {d.code} {escape_surrogates(d.message)}"


def write_output(path: str, fmt: str, result: Any) -> None:
    """Rewrite ``path`` atomically (temp file in the same directory, then rename) with the
    full diagnostics in ``shoal check --format FMT``'s schema and order."""
    from analyzer.interfaces.output import OutputOptions, Report, render

    report = Report(result.diagnostics, result.registry.by_code, result.files_checked)
    text = render(report, fmt, OutputOptions(cwd=os.getcwd(), color=False))
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass  # never created, or its directory is gone
        raise


def run_watch(args: argparse.Namespace, plan: Any) -> int:
    """``shoal watch``: startup check (warm from the cache), then rechecks until Ctrl-C or
    SIGTERM, which exit cleanly (workers gone, heap released, cache written): exit code 0."""
    import signal

    from analyzer.engine import CheckError, open_session, run_check
    from analyzer.interfaces._baseline import BaselineError
    from analyzer.interfaces._baseline_run import watch_view
    from analyzer.interfaces._prepare import UsageError, prepare

    def replan() -> Any:
        try:
            return prepare(args)
        except UsageError as exc:
            raise ValueError(str(exc)) from exc

    previous_term = signal.getsignal(signal.SIGTERM)
    previous_int = signal.getsignal(signal.SIGINT)
    # Ctrl-C stops the watch even when started from a shell that ignores SIGINT (`&`).
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    session = save = watcher = None
    restart = ""
    failed = False
    try:
        opened_at = time.perf_counter()
        try:
            view = watch_view(plan, getattr(args, "baseline", None))  # --baseline / config
        except BaselineError as exc:
            print(f"shoal: error: {exc}", file=sys.stderr)
            return exit_codes.ERROR
        try:
            session, save = open_session(plan, replan=replan)
        except CheckError as exc:
            print(f"shoal: error: {exc}", file=sys.stderr)
            return exit_codes.ERROR
        output_file = getattr(args, "output_file", None)
        fmt = getattr(args, "format", "text")

        def after(report: Any) -> Any:
            result = session.result()
            shown = result if view is None else view.shown_result(report, session, result)
            if getattr(args, "verify", False):
                # Before the output file: whoever waits for it to change (a test, a script)
                # may change the tree next, and the cold check must see the one rechecked.
                fresh = replace(replan(), workers=0, cache_dir=None)
                expected = run_check(fresh).diagnostics
                if expected != result.diagnostics:
                    _divergence(expected, result.diagnostics)
            if output_file:
                try:
                    write_output(output_file, fmt, shown)
                except OSError as exc:
                    # Checked at startup; if its directory went away, say so and keep
                    # watching: the next recheck tries again.
                    print(f"shoal: error: cannot write --output-file {output_file}: "
                          f"{exc.strerror or exc}", file=sys.stderr)
            return shown

        from analyzer.engine import Recheck
        from analyzer.interfaces.output import should_color

        screen = Screen(sys.stdout, color=should_color(getattr(args, "color", "auto"), sys.stdout),
                        verbose=bool(getattr(args, "verbose", False)))

        # The startup line reports the whole startup check, cold or warm from the cache.
        start = Recheck(len(session.state.files), frozenset(session.state.modules),
                        (time.perf_counter() - opened_at) * 1000,
                        list(session.state.diagnostics), [], 0)
        watcher = Watcher(session, [plan.discovery.project_root],
                          excludes=tuple(plan.config.excludes) if hasattr(plan.config, "excludes")
                          else (), after=after, replan=replan, screen=screen)
        # The pool's own SIGTERM handler replaced ours when it forked: put ours back.
        signal.signal(signal.SIGTERM, on_term)
        watcher.start()
        # Edits made while the startup check ran came before the observer: a rescan by
        # stat and digest picks them up before the first output is written.
        caught = session.recheck(None)
        start.new, start.fixed = _startup_diff(session.state.diagnostics)
        start.elapsed_ms += caught.elapsed_ms
        start.modules_rechecked |= caught.modules_rechecked
        watcher.report(start, start.files_changed, after(start))
        print(f"shoal: watching {plan.discovery.project_root} (quiet window "
              f"{QUIET_WINDOW * 1000:.0f} ms); Ctrl-C to stop", file=sys.stderr)
        watcher.run()
    except PluginChanged as changed:
        restart = (f"plugin source changed ({', '.join(changed.args[0])})")
        _drop_bytecode(changed.args[0])
    except SessionOutgrown as outgrown:
        restart = str(outgrown)
    except CheckError as exc:  # the user's own heap-size is too small: say which, exit 2
        print(f"shoal: error: {exc}", file=sys.stderr)
        failed = True
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            if watcher is not None:
                watcher.stop()
            if session is not None and save is not None:
                save(session)
        finally:
            if session is not None:
                session.close()
            signal.signal(signal.SIGTERM, previous_term)
            signal.signal(signal.SIGINT, previous_int)
    if restart:
        print(f"shoal: {restart}; restarting the watch", file=sys.stderr)
        sys.stderr.flush()
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, "-c", RESTART_CODE,
                                  *getattr(args, "argv", sys.argv[1:])])
    print("shoal: watch stopped", file=sys.stderr)
    return exit_codes.ERROR if failed else exit_codes.SUCCESS


def _startup_diff(diagnostics: Iterable[Any]) -> tuple[list[Any], list[Any]]:
    """At startup every current diagnostic is new."""
    return list(diagnostics), []


def _divergence(expected: list[Any], found: list[Any]) -> None:
    from analyzer.engine import diagnostic_changes

    missing, extra = diagnostic_changes(found, expected)
    print(f"shoal: verify: the recheck diverges from a cold check: {len(missing)} missing, "
          f"{len(extra)} extra", file=sys.stderr)
    for d in missing:
        print(f"shoal: verify: missing {_line(d)}", file=sys.stderr)
    for d in extra:
        print(f"shoal: verify: extra {_line(d)}", file=sys.stderr)
