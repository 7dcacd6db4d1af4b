"""``diagnostic-scope`` from ``[tool.shoal]`` and from ``initializationOptions``."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import codes, serve, uri, write_project

from analyzer.frontend import ConfigError, load_config

FILES = {"a.py": "import os\n", "b.py": "x = 1\n"}


def _project(root: Path, scope: str) -> Path:
    write_project(root, FILES)
    (root / "pyproject.toml").write_text(f'[tool.shoal]\ndiagnostic-scope = "{scope}"\n')
    return root


def test_the_key_is_checked(tmp_path):
    assert load_config(_project(tmp_path / "ok", "open-files") / "pyproject.toml"
                       ).diagnostic_scope == "open-files"
    with pytest.raises(ConfigError, match="diagnostic-scope"):
        load_config(_project(tmp_path / "bad", "everything") / "pyproject.toml")


@pytest.mark.asyncio
async def test_open_files_from_the_project_configuration(tmp_path):
    root = _project(tmp_path, "open-files")
    async with serve(root) as s:
        s.open(root / "b.py")
        await s.diagnostics(root / "b.py", lambda d: d == [])
        # a.py sorts first: had it been published, it would have come with b.py's batch
        assert uri(root / "a.py") not in s.client.diagnostics


@pytest.mark.asyncio
async def test_initialization_options_override_the_project(tmp_path):
    root = _project(tmp_path, "open-files")
    async with serve(root, options={"diagnostic-scope": "workspace"}) as s:
        await s.diagnostics(root / "a.py", lambda d: codes(d) == ["F401"])
