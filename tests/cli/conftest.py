"""Fixtures for the CLI tests: a project directory (the `shoal` runner is suite-wide)."""
from __future__ import annotations

import pytest


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A directory with a `[tool.shoal]` pyproject, made the working directory."""
    (tmp_path / "pyproject.toml").write_text("[tool.shoal]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path
