"""``shoal server``: the language server (pygls) over the resident session.

Order matters: the main thread reads the client's ``initialize`` itself, prepares the plan
for the root it names and opens the session (the pool forks now, while the process has one
thread); only then does pygls start its reader thread, replaying that first message. Checks
run in the checker thread (``_checker``); notifications go out on the protocol's event loop.
Every way out — ``exit``, stdin closed, the parent gone, SIGTERM — ends in the same
``finally``: the checker stops, the session closes (workers reaped, heap unmapped).
"""
from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import sys
import threading
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcParseError
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from analyzer.interfaces import exit_codes
from analyzer.interfaces.server._checker import Checker
from analyzer.interfaces.server._documents import Buffer, Documents, uri_to_path
from analyzer.interfaces.server._handshake import Replay, read_first
from analyzer.interfaces.server._publish import SCOPES, Notice, Published

__all__ = ["ShoalLanguageServer", "run_server"]

#: Seconds between checks that the client process (``initialize``'s processId) still lives.
PARENT_POLL = 1.0


class _LockedWriter:
    """pygls's writer, one whole message at a time: the event loop writes through it, and
    the checker thread writes diagnostics (:meth:`_Protocol.send_body`)."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        """Write one message (header and body)."""
        with self._lock:
            self._writer.write(data)

    def close(self) -> None:
        """Close the stream (pygls, on ``exit``)."""
        with self._lock:
            self._writer.close()


class _Protocol(LanguageServerProtocol):
    """pygls's protocol, answering a request whose params it cannot read with the JSON-RPC
    error (pygls only logs it, and the client would wait for ever); its writer may be used
    from any thread."""

    def set_writer(self, writer: Any, include_headers: bool = True) -> None:
        """pygls's writer, locked (see :class:`_LockedWriter`)."""
        super().set_writer(_LockedWriter(writer), include_headers)

    def send_body(self, body: bytes) -> None:
        """Write one message already encoded as JSON, from any thread; nothing when the
        stream is gone (the client closed its end, or ``exit`` closed ours)."""
        if self.writer is None:
            return
        header = (f"Content-Length: {len(body)}\r\n"
                  f"Content-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n")
        try:
            self.writer.write(header.encode("ascii") + body)
        except (OSError, ValueError) as exc:
            print(f"shoal: a message to the client was lost: {exc}", file=sys.stderr)

    def structure_message(self, data: Any) -> Any:
        """Decode one message; a request that does not decode gets its error response."""
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "id" in data and "method" in data:
                self._send_response(data["id"], error=types.ResponseError(exc.code, exc.message))
            raise


class ShoalLanguageServer(LanguageServer):
    """pygls's server with shoal's state; the handlers live in ``_handlers``."""

    def __init__(self) -> None:
        from analyzer import __version__

        super().__init__("shoal", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         notebook_document_sync=types.NotebookDocumentSyncOptions(
                             notebook_selector=[types.NotebookDocumentFilterWithCells(
                                 cells=[types.NotebookCellLanguage("python")],
                                 notebook="jupyter-notebook")],
                             save=True),
                         protocol_cls=_Protocol)
        self.documents = Documents()
        self.checker: Checker | None = None
        self.published: Published | None = None
        self._view_plan: Any = None
        self._view: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.encoding = "utf-16"
        #: what watchdog observes (the project root) and skips (``exclude`` globs)
        self.watched_roots: list[Any] = []
        self.excludes: tuple[str, ...] = ()
        self.watcher: Any = None
        #: ``diagnostic-scope`` from the command line or ``initializationOptions``; None:
        #: the project's ``[tool.shoal]`` decides (re-read when the configuration reloads)
        self.scope_override: str | None = None
        #: calls handed to the event loop by :meth:`from_thread` and not run yet
        self._queued = 0
        self._queued_lock = threading.Lock()

    def shutdown(self) -> None:
        """Stop the loop without waiting for the stdin reader thread (it may block forever
        on a client that keeps the pipe open)."""
        if self._stop_event is not None:
            self._stop_event.set()
        if self._thread_pool:
            self._thread_pool.shutdown(wait=False, cancel_futures=True)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """A body that is not JSON gets JSON-RPC's parse error (id null), then pygls's
        message to the user."""
        if isinstance(error, json.JSONDecodeError):
            self.protocol._send_data({"jsonrpc": "2.0", "id": None, "error": {
                "code": JsonRpcParseError.CODE, "message": f"Parse error: {error}"}})
        super().report_server_error(error, source)

    def from_thread(self, fn: Any, *args: Any) -> None:
        """Run ``fn(*args)`` on the protocol's event loop (progress, messages, requests)."""
        if self.loop is not None and not self.loop.is_closed():
            with self._queued_lock:
                self._queued += 1
            try:
                self.loop.call_soon_threadsafe(self._run_queued, fn, args)
            except RuntimeError:  # the loop closed meanwhile
                self._run_queued(lambda: None, ())

    def _run_queued(self, fn: Any, args: tuple[Any, ...]) -> None:
        try:
            fn(*args)
        finally:
            with self._queued_lock:
                self._queued -= 1

    def send_notice(self, notice: Notice) -> None:
        """Write a ``publishDiagnostics`` now, from the checker thread: neither behind the
        conversion of the next files nor behind the event loop's turn. Behind what the
        checker queued on the loop before it (the first check's ``$/progress`` end), when
        some of that is still waiting, so the client sees the two in the order they came."""
        body = notice.body()
        protocol = self.protocol
        assert isinstance(protocol, _Protocol)
        if self._queued:
            self.from_thread(protocol.send_body, body)
        else:
            protocol.send_body(body)

    def publish_changes(self, buffers: dict[str, Buffer], delta: Any = None) -> None:
        """After an update: push the findings of every file whose findings changed
        (``delta``: the update's ``Recheck``, None to compare everything)."""
        assert self.checker is not None and self.published is not None
        session = self.checker.session
        self.published.scope = str(self.scope_override or getattr(
            session.plan.config, "diagnostic_scope", "workspace"))
        visible = None
        view = self._baseline_view(session.plan)
        if view is not None:
            if delta is None:
                visible = view.shown = view.visible(session)
            else:
                delta = copy.copy(delta)  # the session's own Recheck stays as it was
                visible = view.adjust(delta, session)
        self.published.update(session, buffers, delta, visible, send=self.send_notice)

    def _baseline_view(self, plan: Any) -> Any:
        """The ``baseline`` of ``[tool.shoal]`` as a view of the session (None without one),
        read again when the configuration is."""
        from analyzer.interfaces._baseline import BaselineError
        from analyzer.interfaces._baseline_run import watch_view

        if self._view_plan is not plan:
            self._view_plan = plan
            try:
                self._view = watch_view(plan)
            except BaselineError as exc:  # findings are still shown: all of them
                self._view = None
                self.show_error(f"shoal: baseline not used: {exc}")
        return self._view

    def show_error(self, message: str) -> None:
        """A message the user should see, and the log."""
        print(message, file=sys.stderr)
        self.from_thread(self.window_show_message, types.ShowMessageParams(
            types.MessageType.Error, message))


def _root_of(message: dict[str, Any] | None) -> str | None:
    params = (message or {}).get("params") or {}
    if not isinstance(params, dict):
        return None
    folders = params.get("workspaceFolders") or []
    for uri in [params.get("rootUri"), *[f.get("uri") for f in folders if isinstance(f, dict)]]:
        if isinstance(uri, str) and uri_to_path(uri):
            return uri_to_path(uri)
    root = params.get("rootPath")
    return root if isinstance(root, str) else None


def _options_of(message: dict[str, Any] | None) -> dict[str, Any]:
    params = (message or {}).get("params") or {}
    options = params.get("initializationOptions") if isinstance(params, dict) else None
    return options if isinstance(options, dict) else {}


def _apply_options(args: argparse.Namespace, options: dict[str, Any]) -> None:
    """``initializationOptions``: ``select``, ``ignore`` (lists or comma strings), ``config``,
    ``diagnostic-scope``; they override the command line."""
    for key in ("select", "ignore"):
        value = options.get(key)
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            setattr(args, key, [",".join(str(v) for v in value)])
    if isinstance(options.get("config"), str):
        args.config = options["config"]
    scope = options.get("diagnostic-scope", options.get("diagnosticScope"))
    if scope in SCOPES:
        args.diagnostic_scope = scope


def _watch_parent(pid: int, server: ShoalLanguageServer) -> None:
    import signal

    while True:
        threading.Event().wait(PARENT_POLL)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            print(f"shoal: the client (pid {pid}) is gone; stopping", file=sys.stderr)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        except PermissionError:
            pass  # alive, another user's


def _warm(plan: Any, replan: Any) -> tuple[Any, Any]:
    """The session resumed from the project's cache when it holds a valid one (opened, up
    to date with the disk), else None; and the ``save`` that writes it back on exit."""
    from analyzer.engine import warm_session

    try:
        return warm_session(plan, replan=replan)
    except OSError as exc:  # an unwritable cache directory: start cold, save nothing
        print(f"shoal: cache not used: {exc}", file=sys.stderr)
        return None, lambda session: None


def _save(session: Any, save: Any) -> None:
    """Write the cache for the next start; unsaved buffers are first put back to their files
    (a cache holds what is on disk, which ``shoal check`` also reads)."""
    try:
        if session.overlays:
            paths = list(session.overlays)
            session.overlays = {}
            session.recheck(paths)
        save(session)
    except Exception as exc:  # the cache is an optimisation: never fail the exit on it
        print(f"shoal: cache not written: {type(exc).__name__}: {exc}", file=sys.stderr)


def run_server(args: argparse.Namespace) -> int:
    """``shoal server``: serve LSP on stdin/stdout until the client goes; exit code 0 after
    ``shutdown`` then ``exit``, 1 otherwise (the LSP rule)."""
    import signal

    from analyzer.interfaces._prepare import UsageError, prepare
    from analyzer.interfaces.server import _handlers

    stdin = sys.stdin.buffer
    # stdout carries the protocol alone: anything else printed (by shoal, a plugin, a worker
    # writing to fd 1) goes to stderr instead.
    lsp_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    first, message = read_first(stdin)
    if not first:
        return exit_codes.ERROR
    if not getattr(args, "paths", None):
        root = _root_of(message)
        args.paths = [root] if root and os.path.isdir(root) else ["."]
    _apply_options(args, _options_of(message))

    def replan() -> Any:
        try:
            return prepare(args)
        except UsageError as exc:
            raise ValueError(str(exc)) from exc

    from analyzer.engine import CheckError, Session

    try:
        plan = replan()
        session, save = _warm(plan, replan)
        warm = session is not None
        if session is None:
            session = Session(plan, replan=replan).open()
    except (ValueError, CheckError) as exc:
        print(f"shoal: error: {exc}", file=sys.stderr)
        return exit_codes.ERROR
    server = ShoalLanguageServer()
    server.published = Published(plan.registry, "utf-16")
    server.scope_override = getattr(args, "diagnostic_scope", None)
    server.checker = Checker(session, server.documents, server.publish_changes, replan,
                             error=server.show_error, warm=warm)
    server.watched_roots = [plan.discovery.project_root]
    server.excludes = tuple(getattr(plan.config, "excludes", ()) or ())
    _handlers.register(server)
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: Any) -> None:
        raise SystemExit(1)

    signal.signal(signal.SIGTERM, on_term)
    pid = (message or {}).get("params", {}).get("processId") if message else None
    if isinstance(pid, int) and pid > 0:
        threading.Thread(target=_watch_parent, args=(pid, server), name="shoal-parent",
                         daemon=True).start()
    try:
        server.start_io(Replay(first, stdin), lsp_out)  # type: ignore[arg-type]  # readline/read suffice
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            _handlers.stop_watching(server)
            server.checker.stop()
            _save(session, save)
        finally:
            session.close()
            signal.signal(signal.SIGTERM, previous)
    # The LSP rule: 0 after `shutdown` then `exit`, 1 when the client went without `shutdown`.
    code = exit_codes.SUCCESS if server.protocol._shutdown else 1
    sys.stderr.flush()
    try:
        lsp_out.flush()
    except (OSError, ValueError):
        pass  # the client closed its end, or pygls closed ours on `exit`
    # The stdin reader thread may still block in read(): leave without joining it.
    os._exit(code)
