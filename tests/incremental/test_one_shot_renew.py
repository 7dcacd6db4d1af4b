"""A one-shot check parses heavy files alone and replaces grown workers: the findings stay
those of a check in one process."""
from __future__ import annotations

import pytest

from analyzer.engine import run_check
from tests.incremental.support import make_plan, write

FILES = {
    "pyproject.toml": "[tool.shoal]\n",
    "pkg/__init__.py": "from .a import f\n",
    "pkg/a.py": "import os\ndef f(x): pass\n",
    "pkg/b.py": "from pkg.a import f, nope\nf(1, 2)\n",
    "pkg/c.py": "from pkg import f\nimport sys\nf()\n",
    "pkg/d.py": "from .b import f\ndef (\n",
    "pkg/e.py": "from .c import *\nfrom .missing import x\n",
}


@pytest.mark.parametrize(("heavy", "renew_above"), [(1, None), (10**9, 0), (1, 0)])
def test_heavy_files_and_renewed_workers_change_no_finding(tmp_path, monkeypatch, heavy,
                                                           renew_above):
    import analyzer.engine._call_pool as call_pool
    import analyzer.engine._phases as phases

    write(tmp_path, FILES)
    alone = run_check(make_plan(tmp_path, workers=0)).diagnostics
    assert {d.code for d in alone} >= {"SH001", "SH002", "E999", "F401"}
    monkeypatch.setattr(phases, "HEAVY_FILE_BYTES", heavy)
    if renew_above is not None:
        monkeypatch.setattr(call_pool, "RENEW_ABOVE", renew_above)
    assert run_check(make_plan(tmp_path, workers=2)).diagnostics == alone
