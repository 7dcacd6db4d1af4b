"""Helpers to build small projects on disk and run `shoal` on them."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
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


def run_subprocess(*args: str, cwd: Path, stdin: bytes | None = None) -> Run:
    """Run `shoal ARGS` as a separate process (real stdin/stdout, real exit code)."""
    proc = subprocess.run([sys.executable, "-m", "analyzer", *args], cwd=cwd, input=stdin,
                          capture_output=True, timeout=120)
    return Run(proc.returncode, proc.stdout.decode(), proc.stderr.decode())
