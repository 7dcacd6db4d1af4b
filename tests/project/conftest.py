"""Fixtures of the project tests: in-memory multi-module projects."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from project_support import Project, build_project


@pytest.fixture
def project() -> Callable[[dict[str, str]], Project]:
    """Build a project from ``{"pkg/__init__.py": source, ...}``."""
    return build_project
