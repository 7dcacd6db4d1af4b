"""``baseline`` in ``[tool.shoal]`` applies in the editor as it does in ``shoal check``: the
baselined findings are never published, a new one is, and fixing a line then bringing it
back does not resurrect a finding the baseline holds."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import codes, serve, write_project

OLD = "import os\nimport sys\n"


def _project(root: Path) -> Path:
    write_project(root, {"pkg/__init__.py": "", "pkg/a.py": OLD, "pkg/b.py": "import json\n"})
    subprocess.run([sys.executable, "-m", "analyzer", "check", "--no-cache", "--workers", "0",
                    "--write-baseline", "baseline.json", "."], cwd=root, check=True,
                   capture_output=True)
    (root / "pyproject.toml").write_text('[tool.shoal]\nbaseline = "baseline.json"\n')
    return root


@pytest.mark.asyncio
async def test_baselined_findings_stay_hidden_and_new_ones_show(tmp_path):
    root = _project(tmp_path)
    a = root / "pkg" / "a.py"
    async with serve(root) as s:
        s.open(a)
        await s.diagnostics(a, lambda d: d == [])
        # one new unused import, and the old ones a line lower: still the baseline's
        s.replace_all(a, "\n" + OLD + "import re\n")
        got = await s.diagnostics(a, lambda d: codes(d) == ["F401"])
        assert "'re'" in got[0].message
        s.replace_all(a, OLD)  # back as in the baseline: nothing shown again
        await s.diagnostics(a, lambda d: d == [])


@pytest.mark.asyncio
async def test_a_broken_baseline_shows_every_finding_and_says_why(tmp_path):
    root = _project(tmp_path)
    (root / "baseline.json").write_text("{not json")
    a = root / "pkg" / "a.py"
    async with serve(root) as s:
        s.open(a)
        await s.diagnostics(a, lambda d: codes(d) == ["F401", "F401"])
