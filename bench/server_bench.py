"""``shoal server`` in an editor's shoes, on a copy of the standard library (issue 14).

A small JSON-RPC client of its own drives the server over stdio: it opens a leaf module and
a hub module, waits for the first check, then measures didChange → publishDiagnostics for
(a) body-only edits of the leaf and (b) signature changes of a function the hub exports to
many modules (made keyword-only and back, so every positional caller gains or loses SH002).
Each latency includes the server's debounce. It also reads the PSS of the server's process
tree after the first check. ``ruff server`` is measured the same way when installed (it
checks the edited file only: there is no cross-module work to wait for).

Usage: ``python bench/server_bench.py [--edits 20] [--workers 2] [--no-ruff] [--keep]``.
The tree is the whole stdlib minus ``site-packages`` (its test suite included).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cold_bench import tree_pss_kib  # noqa: E402  (this directory)

LEAF = ("colorsys.py", "def rgb_to_yiq(r, g, b):\n", "def rgb_to_yiq(r, g, b):\n    _bench = {i}\n")
HUB = ("test/support/import_helper.py",
       "def import_module(name, deprecated=False, *, required_on=()):",
       "def import_module(*, name, deprecated=False, required_on=()):")
#: After the hub file's own publish, this long without another publish ends a batch.
SETTLE = 0.3
TIMEOUT = 600.0


def copy_stdlib(dest: Path) -> Path:
    """The stdlib without site-packages and bytecode, with an empty ``[tool.shoal]``."""
    src = Path(sysconfig.get_paths()["stdlib"])
    ignore = shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc")
    shutil.copytree(src, dest / "lib", ignore=ignore, symlinks=True)
    (dest / "lib" / "pyproject.toml").write_text("[tool.shoal]\n", encoding="utf-8")
    return dest / "lib"


def uri(path: Path) -> str:
    """The ``file:`` URI of ``path``."""
    return "file://" + quote(str(path.resolve()))


class Client:
    """A language server subprocess and the notifications it sent, timestamped on receipt."""

    def __init__(self, cmd: list[str], root: Path) -> None:
        self.root = root
        self.log = open(root.parent / f"{Path(cmd[0]).name}-stderr.log", "wb")
        self.proc = subprocess.Popen(cmd, cwd=root, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log)
        self.cond = threading.Condition()
        self.published: list[tuple[float, str, int | None, int]] = []
        self.responses: dict[int, dict[str, Any]] = {}
        self.progress_done = threading.Event()
        self.write_lock = threading.Lock()
        self.next_id = 0
        self.versions: dict[str, int] = {}
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        with self.write_lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()

    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                elif line in (b"\r\n", b"\n") and length is not None:
                    break
            message = json.loads(stream.read(length))
            now = time.perf_counter()
            method = message.get("method")
            if method == "textDocument/publishDiagnostics":
                p = message["params"]
                with self.cond:
                    self.published.append((now, p["uri"], p.get("version"),
                                           len(p["diagnostics"])))
                    self.cond.notify_all()
            elif method == "$/progress":
                if message["params"].get("value", {}).get("kind") == "end":
                    self.progress_done.set()
            elif method is not None and "id" in message:
                self._answer(message)
            elif "id" in message:
                with self.cond:
                    self.responses[message["id"]] = message
                    self.cond.notify_all()

    def _answer(self, message: dict[str, Any]) -> None:
        # Requests from the server: settings get empty objects, the rest a null result.
        result: Any = None
        if message["method"] == "workspace/configuration":
            result = [{} for _ in message["params"].get("items", [])]
        self._send({"id": message["id"], "result": result})

    def request(self, method: str, params: Any) -> dict[str, Any]:
        """Send a request and wait for its response."""
        self.next_id += 1
        msg_id = self.next_id
        self._send({"id": msg_id, "method": method, "params": params})
        with self.cond:
            if not self.cond.wait_for(lambda: msg_id in self.responses, TIMEOUT):
                raise TimeoutError(method)
            return self.responses.pop(msg_id)

    def notify(self, method: str, params: Any) -> None:
        """Send a notification."""
        self._send({"method": method, "params": params})

    def initialize(self) -> None:
        """The handshake, offering work-done progress (the first check reports it)."""
        self.request("initialize", {
            "processId": os.getpid(), "rootUri": uri(self.root),
            "workspaceFolders": [{"uri": uri(self.root), "name": "lib"}],
            "capabilities": {"window": {"workDoneProgress": True},
                             "textDocument": {"publishDiagnostics": {"versionSupport": True}}}})
        self.notify("initialized", {})

    def open(self, path: Path) -> None:
        """didOpen with the file's text."""
        u = uri(path)
        self.versions[u] = 1
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": u, "languageId": "python", "version": 1,
            "text": path.read_text(encoding="utf-8")}})

    def mark(self) -> int:
        """The number of notifications seen so far (the start of a wait)."""
        with self.cond:
            return len(self.published)

    def wait_publish(self, u: str, since: int, version: int | None = None) -> float:
        """The receipt time of the first publish of ``u`` after ``since`` (at ``version``)."""
        def found() -> float | None:
            for t, pu, v, _ in self.published[since:]:
                if pu == u and (version is None or v is None or v >= version):
                    return t
            return None

        with self.cond:
            if not self.cond.wait_for(lambda: found() is not None, TIMEOUT):
                raise TimeoutError(f"no diagnostics for {u}")
            return found()  # type: ignore[return-value]

    def settle(self, since: int) -> tuple[float, int]:
        """Wait until no publish arrived for :data:`SETTLE` s; (last receipt, files published)."""
        with self.cond:
            while True:
                count = len(self.published)
                self.cond.wait(SETTLE)
                if len(self.published) == count:
                    batch = self.published[since:]
                    return (max(t for t, *_ in batch), len({b[1] for b in batch}))

    def change(self, path: Path, text: str) -> tuple[int, float]:
        """A whole-document didChange; (the mark before it, the send time)."""
        u = uri(path)
        self.versions[u] += 1
        since = self.mark()
        start = time.perf_counter()
        self.notify("textDocument/didChange", {
            "textDocument": {"uri": u, "version": self.versions[u]},
            "contentChanges": [{"text": text}]})
        return since, start

    def close(self) -> None:
        """shutdown, exit, and wait for the process."""
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(60)
        except (OSError, TimeoutError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def shoal_cmd(*args: str, source: str | None = None) -> list[str]:
    """The console script (``python -m`` would put the stdlib copy first on sys.path), or
    shoal imported from ``source``, a snapshot of its packages."""
    if source is not None:
        boot = (f"import sys; sys.path.insert(0, {source!r}); "
                "from analyzer.interfaces import main; sys.exit(main())")
        return [sys.executable, "-I", "-c", boot, *args]
    script = Path(sys.executable).parent / "shoal"
    return [str(script), *args] if script.exists() else [sys.executable, "-I", "-m",
                                                         "analyzer", *args]


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def measure(client: Client, root: Path, edits: int, cross: bool) -> dict[str, Any]:
    """First check, PSS, then the leaf and hub edit series."""
    out: dict[str, Any] = {}
    leaf, hub = root / LEAF[0], root / HUB[0]
    start = time.perf_counter()
    client.initialize()
    since = client.mark()
    client.open(leaf)
    client.open(hub)
    client.wait_publish(uri(leaf), since)
    client.wait_publish(uri(hub), since)
    if cross:
        client.progress_done.wait(TIMEOUT)
    out["first"] = time.perf_counter() - start
    client.settle(since)
    out["pss"] = tree_pss_kib(client.proc.pid) / 1024
    latest = {u: n for _, u, _, n in client.published}
    out["findings"], out["files"] = sum(latest.values()), sum(1 for n in latest.values() if n)
    base = leaf.read_text(encoding="utf-8")
    times = []
    for i in range(edits):
        since, t0 = client.change(leaf, base.replace(LEAF[1], LEAF[2].format(i=i), 1))
        times.append(client.wait_publish(uri(leaf), since, client.versions[uri(leaf)]) - t0)
    out["leaf"] = [t * 1000 for t in times]
    text = hub.read_text(encoding="utf-8")
    assert HUB[1] in text, "the hub's signature moved; update HUB"
    own, last, files = [], [], []
    for i in range(edits):
        new = text.replace(HUB[1], HUB[2], 1) if i % 2 == 0 else text
        since, t0 = client.change(hub, new)
        own.append((client.wait_publish(uri(hub), since, client.versions[uri(hub)]) - t0) * 1000)
        end, n = client.settle(since)
        last.append((end - t0) * 1000)
        files.append(n)
    out["hub"], out["hub_all"], out["hub_files"] = own, last, files
    return out


def warm_start(cmd: list[str], root: Path) -> float:
    """Seconds from spawning the server to the leaf's first diagnostics, from the cache the
    previous server wrote on exit."""
    start = time.perf_counter()
    client = Client(cmd, root)
    try:
        client.initialize()
        since = client.mark()
        client.open(root / LEAF[0])
        return client.wait_publish(uri(root / LEAF[0]), since) - start
    finally:
        client.close()


def machine_speed(root: Path, files: int = 300) -> float:
    """CPU seconds one process takes to ``ast.parse`` the first ``files`` files of ``root``
    (sorted): the same figure from two runs says whether the machine ran at one speed (a
    shared host's may vary by a factor of several from one hour to the next)."""
    import ast

    sources = [p.read_bytes() for p in sorted(root.rglob("*.py"))[:files]]
    start = time.process_time()
    for source in sources:
        try:
            ast.parse(source)
        except (SyntaxError, ValueError):
            pass
    return time.process_time() - start


def row(name: str, ms: list[float]) -> str:
    """``p50 / p95`` of ``ms`` in a table cell."""
    return f"{statistics.median(ms):.0f} / {pct(ms, 0.95):.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-ruff", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--shoal-from", metavar="DIR",
                        help="run shoal from a snapshot of its packages (a source tree being "
                             "edited changes the build digest, which voids the warm cache)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="shoal-server-bench-"))
    results: dict[str, dict[str, Any]] = {}
    warm = speed = float("nan")
    try:
        root = copy_stdlib(tmp)
        files = sum(1 for _ in root.rglob("*.py"))
        speed = machine_speed(root)
        cmd = shoal_cmd("server", "--workers", str(args.workers), source=args.shoal_from)
        client = Client(cmd, root)
        try:
            results["shoal server"] = measure(client, root, args.edits, cross=True)
        finally:
            client.close()  # writes the cache: the next start is warm
        warm = warm_start(cmd, root)
        ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
        if not args.no_ruff and os.path.exists(ruff):
            client = Client([ruff, "server"], root)
            try:
                results["ruff server"] = measure(client, root, args.edits, cross=False)
            finally:
                client.close()
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{files} files, {args.edits} edits per series, shoal with {args.workers} workers; "
          "latencies in ms from didChange sent to publishDiagnostics received (p50 / p95); "
          f"machine speed: ast.parse of 300 of the files took {speed:.2f} CPU-s")
    print("| server | first check s | PSS MiB | (a) leaf body edit | (b) hub signature, "
          "its file | (b) hub, last caller published | files published per hub edit |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} ({r['findings']} findings in {r['files']} files) | "
              f"{r['first']:.2f} | {r['pss']:.0f} | {row('', r['leaf'])} | "
              f"{row('', r['hub'])} | {row('', r['hub_all'])} | "
              f"{min(r['hub_files'])}–{max(r['hub_files'])} |")
    print(f"shoal server, warm start (cache written by the run above): first diagnostics "
          f"{warm:.2f} s after spawning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
