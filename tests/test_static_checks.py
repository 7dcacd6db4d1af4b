"""The static checks the repository promises: layered imports (import-linter) and mypy.

Both read their configuration from pyproject.toml and run on the four packages, from the
repository root, as a contributor would run them.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_import_layers_are_kept() -> None:
    # The console script sits next to the interpreter in the same environment.
    lint_imports = Path(sys.executable).parent / "lint-imports"
    assert lint_imports.exists(), (
        f"{lint_imports} is missing: install the test extra (pip install -e '.[test]')"
    )
    result = _run([str(lint_imports)])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "BROKEN" not in output, output


@pytest.mark.slow
def test_mypy_is_clean() -> None:
    result = _run([sys.executable, "-m", "mypy"])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert output.startswith("Success"), output
