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


def test_the_master_pauses_its_collector_for_the_check_and_workers_collect(tmp_path):
    import gc

    from parallel import WorkerPool

    write(tmp_path, FILES)
    seen: list[bool] = []
    assert gc.isenabled()
    result = run_check(make_plan(tmp_path, workers=2),
                       progress=lambda stage, done, total: seen.append(gc.isenabled()))
    assert result.diagnostics and seen and not any(seen)
    assert gc.isenabled()  # restored after the check
    # A worker forked while the master's collector is paused collects all the same.
    gc.disable()
    try:
        with WorkerPool(workers=2, zygote=False) as pool:
            states = pool.map_reduce(_collector_enabled, list(range(4)),
                                     merge=lambda part, acc: acc + part, neutral=[])
    finally:
        gc.enable()
    assert states == [True] * 4


def _collector_enabled(items: list[int]) -> list[bool]:
    import gc

    return [gc.isenabled() for _ in items]
