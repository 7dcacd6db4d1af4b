"""Fixtures for the plugin tests: a project directory and an in-process `shoal` runner."""
from __future__ import annotations

import pytest

from analyzer.cli import main
from tests.cli.helpers import Run


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty directory made the working directory (tests write their own pyproject)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def shoal(capsys):
    """Run `shoal ARGS` in-process and capture what it prints."""

    def run(*args: str) -> Run:
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
