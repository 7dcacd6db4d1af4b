"""One cache per build, not per install: two copies of the same shoal at different paths (a
dev venv and pre-commit's environment) use each other's warm cache; a changed build does not."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import analyzer

PACKAGES = ("analyzer", "parallel", "heap_native", "plugins")
SOURCE = Path(analyzer.__file__).resolve().parent.parent


def _install(where: Path) -> Path:
    """A copy of this shoal's packages under ``where`` (used through ``PYTHONPATH``)."""
    for package in PACKAGES:
        shutil.copytree(SOURCE / package, where / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return where


def _shoal(install: Path, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(install)}
    env.pop("SHOAL_CACHE_DIR", None)
    return subprocess.run(
        [sys.executable, "-c",
         "import sys, analyzer; from analyzer.interfaces import main; "
         "print('from', analyzer.__file__, file=sys.stderr); sys.exit(main(sys.argv[1:]))",
         "check", "--workers", "0", "--output-format", "concise", *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=120)


def test_two_installs_of_one_build_share_the_cache_and_another_build_does_not(tmp_path):
    project = tmp_path / "proj"
    (project / "pkg").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[tool.shoal]\n")
    (project / "pkg/__init__.py").write_text("")
    (project / "pkg/a.py").write_text("import os\n")
    first, second = _install(tmp_path / "venv-a"), _install(tmp_path / "venv-b")

    run = _shoal(first, project)
    assert run.returncode == 1 and f"from {first}" in run.stderr, run.stderr
    run = _shoal(second, project)
    assert run.returncode == 1 and f"from {second}" in run.stderr, run.stderr
    assert "cache ignored" not in run.stderr  # the other install's cache was used
    assert "pkg/a.py:1:1: F401" in run.stdout

    # The control: a build whose content differs does not take that cache.
    changed = _install(tmp_path / "venv-c")
    with open(changed / "plugins" / "__init__.py", "a", encoding="utf-8") as handle:
        handle.write("\n# another build\n")
    run = _shoal(changed, project)
    assert "cache ignored (the cache was written by another shoal build)" in run.stderr
    assert "pkg/a.py:1:1: F401" in run.stdout
