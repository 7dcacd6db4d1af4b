"""What the tests of the C loops share: the standard library's files, and a memcheck run."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

STDLIB = Path(sysconfig.get_paths()["stdlib"])
#: Every module of the running interpreter's standard library, relative to it.
STDLIB_FILES = sorted(str(p.relative_to(STDLIB)) for p in STDLIB.rglob("*.py")
                      if "site-packages" not in p.parts)
_SUPPRESSIONS = Path(__file__).resolve().parent / "heap" / "valgrind-python.supp"


def run_memcheck(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -c script args`` under valgrind memcheck (errors exit 99); skips the test
    where valgrind is not installed."""
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed")
    return subprocess.run(
        ["valgrind", "--error-exitcode=99", "--tool=memcheck", "--quiet", "--leak-check=no",
         f"--suppressions={_SUPPRESSIONS}", sys.executable, "-c", script, *args],
        env=dict(os.environ, PYTHONMALLOC="malloc"), capture_output=True, text=True, timeout=300,
    )
