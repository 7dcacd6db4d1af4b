"""The heap unit tests once under valgrind memcheck, against the debug build of the extension."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import heap_native

REPO = Path(heap_native.__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent

_BUILD = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("_build", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.ffibuilder.compile(tmpdir=sys.argv[2])
"""


@pytest.mark.valgrind
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_heap_unit_tests_under_valgrind(tmp_path: Path) -> None:
    """test_ops.py runs clean under memcheck with the bounds-checked debug build."""
    # A copy of the package whose extension is the debug build, first on sys.path.
    package = tmp_path / "heap_native"
    shutil.copytree(REPO / "heap_native", package, ignore=shutil.ignore_patterns("*.so", "_native.c"))
    env = dict(os.environ, SHOAL_HEAP_DEBUG="1")
    subprocess.run(
        [sys.executable, "-c", _BUILD, str(package / "_build.py"), str(tmp_path)],
        cwd=tmp_path, env=env, check=True, capture_output=True,
    )
    # No plugin autoload: importing pytest-lsp, asyncio and the rest under memcheck cost more
    # than the heap tests themselves, and test_ops.py needs none of them.
    env.update(PYTHONPATH=str(tmp_path), PYTHONMALLOC="malloc", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    where = subprocess.run(
        [sys.executable, "-c", "import heap_native._native as n; print(n.__file__)"],
        cwd=tmp_path, env=env, check=True, capture_output=True, text=True,
    )
    assert where.stdout.startswith(str(tmp_path)), where.stdout
    run = subprocess.run(
        [
            "valgrind", "--error-exitcode=99", "--tool=memcheck", "--quiet",
            f"--suppressions={HERE / 'valgrind-python.supp'}",
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
            "-W", "ignore", "--rootdir", str(HERE), str(HERE / "test_ops.py"),
        ],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert " passed" in run.stdout
