"""Helpers for driving ``shoal server`` with a real LSP client (pytest-lsp) over stdio."""
from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient, make_test_lsp_client

#: Bound on each wait for the server (never reached when it works; CI machines are slow).
TIMEOUT = 60.0


def uri(path: Path) -> str:
    """The file URI the server uses for ``path``."""
    from analyzer.interfaces.server._documents import path_to_uri

    return path_to_uri(str(path))


def write_project(root: Path, files: dict[str, str]) -> Path:
    """A small project: ``pyproject.toml`` with ``[tool.shoal]`` and ``files``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[tool.shoal]\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _children(pid: int) -> set[int]:
    """Every descendant of ``pid`` (the pool's workers and zygote)."""
    out: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = (task / "children").read_text().split()
            except OSError:
                continue
            for kid in map(int, kids):
                if kid not in out:
                    out.add(kid)
                    todo.append(kid)
    return out


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"


async def all_gone(pids: set[int]) -> set[int]:
    """Wait (bounded) for ``pids`` to end; the ones still alive."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while any(alive(p) for p in pids) and loop.time() < deadline:
        await asyncio.sleep(0.02)
    return {p for p in pids if alive(p)}


class Session:
    """A client connected to a running ``shoal server``, and what it saw."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.versions: dict[str, int] = {}

    @property
    def pid(self) -> int:
        return self.client._server.pid  # type: ignore[union-attr]

    def processes(self) -> set[int]:
        """The server and every process under it."""
        return {self.pid} | _children(self.pid)

    def open(self, path: Path, text: str | None = None) -> None:
        text = path.read_text(encoding="utf-8") if text is None else text
        self.versions[uri(path)] = 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri(path), "python", 1, text)))

    def replace_all(self, path: Path, text: str) -> None:
        """A full-text change of an open buffer."""
        u = uri(path)
        self.versions[u] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(self.versions[u], u),
            [types.TextDocumentContentChangeWholeDocument(text)]))

    def edit(self, path: Path, rng: types.Range, text: str) -> None:
        """An incremental change of an open buffer."""
        u = uri(path)
        self.versions[u] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(self.versions[u], u),
            [types.TextDocumentContentChangePartial(range=rng, text=text)]))

    async def diagnostics(self, path: Path | str,
                          until: Callable[[list[types.Diagnostic]], bool]
                          ) -> list[types.Diagnostic]:
        """The published diagnostics of ``path`` (or of the document URI ``path``: a
        notebook's cell) once ``until`` holds for them."""
        u = path if isinstance(path, str) else uri(path)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        while True:
            found = list(self.client.diagnostics.get(u, []))
            if u in self.client.diagnostics and until(found):
                return found
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"no matching diagnostics for {path}: {found}")
            try:
                await asyncio.wait_for(self.client.wait_for_notification(
                    types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), left)
            except asyncio.TimeoutError:
                pass


def codes(diags: list[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diags)


@asynccontextmanager
async def serve(root: Path, *args: str, capabilities: types.ClientCapabilities | None = None,
                options: Any = None, shutdown: bool = True) -> AsyncIterator[Session]:
    """Start ``shoal server`` for ``root``, initialize, yield; shut down and check that the
    server and all its workers are gone."""
    client = make_test_lsp_client()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    await client.start_io(sys.executable, "-m", "analyzer", "server", "--workers", "2", *args,
                          env=env)
    session = Session(client, root)
    procs: set[int] = set()
    try:
        await asyncio.wait_for(client.initialize_session(types.InitializeParams(
            capabilities=capabilities or types.ClientCapabilities(),
            root_uri=uri(root), initialization_options=options)), TIMEOUT)
        procs = session.processes()
        yield session
        procs |= session.processes()
        if shutdown:
            await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
            # `exit` sent: let it finish its way out (the cache is written then)
            await asyncio.wait_for(client._server.wait(), TIMEOUT)  # type: ignore[union-attr]
    finally:
        if client._server is not None and client._server.returncode is None and shutdown:
            client._server.kill()
        await client.stop()
    if shutdown:
        assert await all_gone(procs) == set(), "server processes left behind"
