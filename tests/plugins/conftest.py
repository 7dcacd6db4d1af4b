"""Fixtures for the plugin tests: a project directory (the `shoal` runner is suite-wide)."""
from __future__ import annotations

import pytest


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty directory made the working directory (tests write their own pyproject)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
