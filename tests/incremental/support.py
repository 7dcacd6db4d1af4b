"""Helpers of the incremental tests: projects on disk, plans, a session that checks itself."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from analyzer.engine import CheckPlan, Recheck, Session, diagnostic_changes, run_check
from analyzer.interfaces import build_parser, prepare
from analyzer.rules import Diagnostic

#: Codes the incremental tests look at: the project rules, cycles, syntax errors, and one
#: module rule (F401, so that noqa and module-rule results ride along).
SELECT = "SH001,SH002,SH003,SH004,E999,F401"
CONFIG = "[tool.shoal]\n"


def write(root: Path, files: Mapping[str, str | None]) -> list[Path]:
    """Create, rewrite (``str``) or delete (``None``) files under ``root``; the paths touched."""
    touched = []
    for rel, text in files.items():
        path = root / rel
        touched.append(path)
        if text is None:
            if path.exists():
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return touched


def make_plan(root: Path, *, workers: int = 0, select: str = SELECT,
              cache_dir: Path | None = None) -> CheckPlan:
    """The plan `shoal check ROOT` would run (no cache unless ``cache_dir``)."""
    argv = ["check", str(root), "--workers", str(workers), "--select", select]
    argv += ["--cache-dir", str(cache_dir)] if cache_dir is not None else ["--no-cache"]
    return prepare(build_parser().parse_args(argv))


def cold(root: Path, *, select: str = SELECT) -> list[Diagnostic]:
    """The diagnostics of a cold check of ``root`` (the oracle)."""
    return run_check(make_plan(root, select=select)).diagnostics


def codes(diagnostics: list[Diagnostic]) -> list[tuple[str, int, str, str]]:
    """(path, line, code, message) of each diagnostic: what assertions read."""
    return [(d.path, d.line, d.code, d.message) for d in diagnostics]


class Engine:
    """A session on ``root`` whose every step is compared with a cold check."""

    def __init__(self, root: Path, *, workers: int = 0, select: str = SELECT) -> None:
        self.root = root
        self.select = select
        self.session = Session(make_plan(root, workers=workers, select=select),
                               replan=lambda: make_plan(root, workers=workers, select=select))
        self.last: Recheck | None = None

    def __enter__(self) -> Engine:
        self.session.open()
        self.session.check()
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.close()

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """The session's current diagnostics."""
        return self.session.state.diagnostics

    def edit(self, files: Mapping[str, str | None], *, verify: bool = True) -> Recheck:
        """Apply the edits, recheck the touched paths, and (by default) assert the invariant."""
        touched = write(self.root, files)
        before = list(self.diagnostics)
        self.last = self.session.recheck(touched)
        if verify:
            self.verify()
            # the update's report: what a watch prints and a server publishes
            expected = diagnostic_changes(before, self.diagnostics)
            assert (self.last.new, self.last.fixed) == expected
        return self.last

    def verify(self) -> None:
        """The invariant: the session's diagnostics equal a cold check's."""
        expected = cold(self.root, select=self.select)
        assert codes(self.diagnostics) == codes(expected)
        assert self.diagnostics == expected


@contextmanager
def chdir(path: Path) -> Iterator[None]:
    """Run the block in ``path`` (display paths are relative to the working directory)."""
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def project(root: Path, files: Mapping[str, str | None]) -> Path:
    """A project directory: a ``[tool.shoal]`` pyproject plus ``files``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    write(root, files)
    return root


def matches_cold_json(root: Path, output: Path, select: str) -> Callable[[], bool]:
    """A wait condition: ``output`` (a watch's ``--format json --output-file``) holds what a
    cold check of ``root`` renders now."""
    from analyzer.interfaces.output import OutputOptions, Report, render

    def matches() -> bool:
        result = run_check(make_plan(root, select=select))
        report = Report(result.diagnostics, result.registry.by_code, result.files_checked)
        expected = render(report, "json", OutputOptions(cwd=os.getcwd(), color=False))
        try:
            return output.read_text(encoding="utf-8") == expected
        except FileNotFoundError:
            return False
    return matches


def json_watch(root: Path, select: str, output: Path, *extra: str) -> subprocess.Popen[bytes]:
    """``shoal watch .`` on ``root`` with 2 workers, writing ``--format json`` to ``output``;
    its stderr merged into the stdout pipe (read it with ``tests.cli.helpers.LiveOutput``)."""
    return subprocess.Popen(
        [sys.executable, "-m", "analyzer", "watch", ".", "--workers", "2", "--select", select,
         "--format", "json", "--output-file", str(output), *extra],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
