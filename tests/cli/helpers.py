"""Helpers to build small projects on disk and run `shoal` on them."""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    """The outcome of one `shoal` invocation."""

    code: int
    out: str
    err: str

    def json(self) -> list[dict]:
        """The JSON output, parsed."""
        return json.loads(self.out)

    def codes(self) -> list[tuple[str, int, str]]:
        """(path, line, code) of each JSON finding."""
        return [(d["path"], d["line"], d["code"]) for d in self.json()]


def write_tree(root: Path, files: dict[str, str | bytes]) -> None:
    """Create ``files`` (relative path -> text or bytes) under ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


def reap(proc: subprocess.Popen[bytes]) -> None:
    """Kill ``proc`` if it still runs, wait for it and close its output pipe (a test's
    teardown: no process and no open pipe outlives the test)."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def project_codes(root: Path, *args: str, cached: bool = False) -> list[tuple[str, int, str]]:
    """(path, line, code) of the cross-module findings (``--select SH``) of `shoal check`
    on ``root``, cold unless ``cached``, sorted; the run must end 0 or 1."""
    cache = () if cached else ("--no-cache",)
    run = run_subprocess("check", *cache, "--select", "SH", "--output-format", "json",
                         *args, cwd=root)
    assert run.code in (0, 1), run.err
    return sorted(run.codes())


def run_subprocess(*args: str, cwd: Path, stdin: bytes | None = None) -> Run:
    """Run `shoal ARGS` as a separate process (real stdin/stdout, real exit code)."""
    proc = subprocess.run([sys.executable, "-m", "analyzer", *args], cwd=cwd, input=stdin,
                          capture_output=True, timeout=120)
    return Run(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


class LiveOutput:
    """A running process's output (stdout and stderr on one pipe), read line by line as it
    is written: a test waits for the line that shows a state, never for a while."""

    def __init__(self, proc: subprocess.Popen[bytes], deadline: float) -> None:
        assert proc.stdout is not None, "start the process with stdout=PIPE"
        self.proc = proc
        self.deadline = deadline
        self.lines: list[str] = []
        self._fd = proc.stdout.fileno()
        self._pending = b""
        self._eof = False

    @property
    def text(self) -> str:
        """Every line read so far."""
        return "".join(line + "\n" for line in self.lines)

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        """Read lines until ``condition()`` holds (it is tested before each line); fail with
        the output so far if the process ends or ``deadline`` seconds pass first."""
        end = time.monotonic() + self.deadline
        while not condition():
            if not self._read_line(end):
                raise AssertionError(f"the process ended before {what}; its output:\n"
                                     f"{self.text}")

    def wait_for_line(self, fragment: str, what: str | None = None, *, count: int = 1) -> None:
        """Read until ``count`` lines hold ``fragment``."""
        self.wait_for(lambda: sum(fragment in line for line in self.lines) >= count,
                      what or repr(fragment))

    def finish(self) -> int:
        """Read to the end of the output, then reap the process; its exit code."""
        end = time.monotonic() + self.deadline
        while self._read_line(end):
            pass
        return self.proc.wait(timeout=self.deadline)

    def _read_line(self, end: float) -> bool:
        """One more line into ``lines``; False at the end of the output."""
        while b"\n" not in self._pending and not self._eof:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out; the output so far:\n{self.text}")
            ready, _, _ = select.select([self._fd], [], [], left)
            if ready:
                chunk = os.read(self._fd, 65536)
                self._eof = not chunk
                self._pending += chunk
        if not self._pending:
            return False
        line, sep, rest = self._pending.partition(b"\n")
        self._pending = rest
        self.lines.append(line.decode(errors="replace"))
        return True
