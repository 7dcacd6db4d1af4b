"""Fixtures of the incremental tests: a project directory made the working directory."""
from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import Engine, project


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Engine]:
    """Open an :class:`Engine` on a project made of ``files`` (closed after the test)."""
    opened: list[Engine] = []

    def make(files: dict[str, str], *, workers: int = 0, select: str | None = None) -> Engine:
        root = project(tmp_path / "proj", files)
        monkeypatch.chdir(root)
        e = Engine(root, workers=workers, **({"select": select} if select else {}))
        opened.append(e.__enter__())
        e.verify()
        return e

    yield make
    for e in opened:
        e.__exit__(None, None, None)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Every ``ast.parse`` in this process (workers=0 runs the jobs here), by file name."""
    seen: Counter[str] = Counter()
    real = ast.parse

    def counting(source, filename="<unknown>", *args, **kwargs):  # type: ignore[no-untyped-def]
        seen[Path(str(filename)).name] += 1
        return real(source, filename, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting)
    yield seen
