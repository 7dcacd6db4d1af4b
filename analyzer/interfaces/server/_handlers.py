"""The LSP methods shoal answers, registered on a :class:`ShoalLanguageServer`."""
from __future__ import annotations

import asyncio
import json
from typing import Any

from lsprotocol import types

from analyzer.interfaces.server._documents import Buffer, path_to_uri, uri_to_path

__all__ = ["register", "stop_watching"]

#: Seconds a pull request waits for the pending update before it answers with what it has.
PULL_WAIT = 30.0


def _buffer(ls: Any, uri: str) -> Buffer | None:
    path = uri_to_path(uri)
    if path is None:
        return None
    doc = ls.workspace.get_text_document(uri)
    return Buffer(uri, path, doc.source, doc.version)


def register(ls: Any) -> None:
    """Declare every feature on ``ls`` (before ``start_io``)."""
    from analyzer.interfaces.server import _actions, _commands

    @ls.feature(types.INITIALIZE)
    def initialize(ls: Any, params: types.InitializeParams) -> None:
        ls.loop = asyncio.get_running_loop()
        encoding = str(ls.workspace.position_encoding or "utf-16")
        ls.encoding = encoding
        ls.published.encoding = encoding

    @ls.feature(types.INITIALIZED)
    def initialized(ls: Any, params: types.InitializedParams) -> None:
        ls.checker.progress = _progress(ls)
        # Watching first: a file changed while the first check runs is queued for the update
        # after it. Started after, a small project's first findings could be published
        # before the observer watched, and an edit made on seeing them was never seen.
        _start_watching(ls)
        ls.checker.start()

    @ls.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: Any, params: types.DidOpenTextDocumentParams) -> None:
        _edited(ls, _buffer(ls, params.text_document.uri))

    @ls.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: Any, params: types.DidChangeTextDocumentParams) -> None:
        _edited(ls, _buffer(ls, params.text_document.uri))

    @ls.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: Any, params: types.DidSaveTextDocumentParams) -> None:
        _saved(ls, params.text_document.uri)  # a pyproject.toml saved from the editor reloads

    @ls.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: Any, params: types.DidCloseTextDocumentParams) -> None:
        _closed(ls, params.text_document.uri)

    # A notebook (LSP 3.17's notebook documents): checked as the joined code cells of what
    # the editor holds, its findings published on its cells (``_publish``).
    @ls.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: Any, params: types.DidOpenNotebookDocumentParams) -> None:
        _edited(ls, notebook_buffer(ls, params.notebook_document.uri))

    @ls.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: Any, params: types.DidChangeNotebookDocumentParams) -> None:
        _edited(ls, notebook_buffer(ls, params.notebook_document.uri))

    @ls.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: Any, params: types.DidSaveNotebookDocumentParams) -> None:
        _saved(ls, params.notebook_document.uri)

    @ls.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: Any, params: types.DidCloseNotebookDocumentParams) -> None:
        _closed(ls, params.notebook_document.uri)

    @ls.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: Any, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [p for p in (uri_to_path(c.uri) for c in params.changes) if p]
        if paths:
            ls.checker.edited(*paths)

    @ls.feature(types.TEXT_DOCUMENT_DIAGNOSTIC,
                types.DiagnosticOptions(inter_file_dependencies=True, workspace_diagnostics=True,
                                        identifier="shoal"))
    async def pull(ls: Any, params: types.DocumentDiagnosticParams
                   ) -> types.FullDocumentDiagnosticReport:
        await _settled(ls)
        path = uri_to_path(params.text_document.uri)
        if path is None:  # not a file: a notebook's cell, or nothing shoal checks
            return types.FullDocumentDiagnosticReport(
                items=ls.published.cell_lsp(params.text_document.uri))
        return types.FullDocumentDiagnosticReport(items=ls.published.lsp(path))

    @ls.feature(types.WORKSPACE_DIAGNOSTIC)
    async def pull_workspace(ls: Any, params: types.WorkspaceDiagnosticParams
                             ) -> types.WorkspaceDiagnosticReport:
        await _settled(ls)
        items: list[Any] = []
        for path in sorted(ls.published.current):
            buffer = ls.documents.get(path)
            items.append(types.WorkspaceFullDocumentDiagnosticReport(
                uri=path_to_uri(path), items=ls.published.lsp(path),
                version=buffer.version if buffer is not None else None))
        return types.WorkspaceDiagnosticReport(items=items)

    @ls.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, _actions.FIX_ALL]))
    async def code_action(ls: Any, params: types.CodeActionParams
                          ) -> list[types.CodeAction]:
        await _settled(ls)
        return _actions.code_actions(ls, params)

    @ls.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: Any, params: types.HoverParams) -> types.Hover | None:
        return _actions.hover(ls, params)

    @ls.command(_commands.FIX_ALL_COMMAND)
    async def fix_all(ls: Any, *args: Any) -> dict[str, Any]:
        await _settled(ls)
        return await _commands.execute_fix_all(ls)


def _edited(ls: Any, buffer: Buffer | None) -> None:
    """An open buffer, a file's or a notebook's, now holds what the editor typed."""
    if buffer is not None:
        ls.documents.put(buffer)
        ls.checker.edited(buffer.path, typed=True)


def _saved(ls: Any, uri: str) -> None:
    """A file or notebook saved: the disk's copy is what the next update reads."""
    path = uri_to_path(uri)
    if path is not None:
        ls.checker.edited(path)


def _closed(ls: Any, uri: str) -> None:
    """A file or notebook closed: its buffer goes, the disk's copy counts again."""
    path = uri_to_path(uri)
    if path is not None:
        ls.documents.close(path)
        ls.checker.edited(path)


def notebook_buffer(ls: Any, uri: str) -> Buffer | None:
    """The open notebook ``uri`` as a buffer: the notebook's JSON made of the cells the
    editor holds (their kinds, their texts), and the cells' URIs."""
    path = uri_to_path(uri)
    notebook = ls.workspace.get_notebook_document(notebook_uri=uri)
    if path is None or notebook is None:
        return None
    cells = []
    for cell in notebook.cells:
        doc = ls.workspace.get_text_document(cell.document)
        kind = "code" if cell.kind == types.NotebookCellKind.Code else "markdown"
        cells.append((cell.document, doc.source, kind))
    document = {"cells": [{"cell_type": kind, "source": text} for _, text, kind in cells],
                "metadata": notebook.metadata or {}}
    return Buffer(uri, path, json.dumps(document), notebook.version,
                  cells=tuple((cell_uri, text) for cell_uri, text, _ in cells))


async def _settled(ls: Any) -> None:
    """Wait (without blocking the loop) until the checker has nothing pending."""
    checker = ls.checker
    waited = 0.0
    while waited < PULL_WAIT and not (checker.idle.is_set() and checker.checked_once.is_set()):
        await asyncio.sleep(0.005)
        waited += 0.005


def _progress(ls: Any) -> Any:
    """``$/progress`` for the first check when the client supports work-done progress."""
    window = ls.client_capabilities.window
    if window is None or not window.work_done_progress:
        return None
    token = "shoal-first-check"
    state = {"begun": False, "last": -1}

    def begin() -> None:
        ls.work_done_progress.create(token)
        ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(
            title="shoal", message="checking the project", percentage=0))

    def report(stage: str, done: int, total: int) -> None:
        if stage == "done":
            if state["begun"]:
                ls.from_thread(ls.work_done_progress.end, token, types.WorkDoneProgressEnd())
            return
        if not state["begun"]:
            state["begun"] = True
            ls.from_thread(begin)
        pct = int(100 * done / total) if total else 100
        if pct != state["last"]:
            state["last"] = pct
            ls.from_thread(ls.work_done_progress.report, token, types.WorkDoneProgressReport(
                message=f"{stage} {done}/{total}", percentage=pct))

    return report


def _start_watching(ls: Any) -> None:
    """watchdog on the project, as ``shoal watch`` does, feeding the checker's inbox."""
    from analyzer.interfaces._watch import Watcher

    watcher = Watcher(ls.checker.session, list(ls.watched_roots), excludes=ls.excludes)
    watcher.inbox = ls.checker.inbox
    watcher._log_handler.inbox = ls.checker.inbox
    try:
        watcher.start()
    except OSError as exc:  # out of inotify watches: the client's watched-files still work
        ls.show_error(f"shoal: cannot watch the project's files: {exc}")
        return
    ls.watcher = watcher


def stop_watching(ls: Any) -> None:
    """Stop the file observer, if it runs."""
    watcher = getattr(ls, "watcher", None)
    if watcher is not None:
        watcher.stop()
