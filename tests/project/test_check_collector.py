"""A one-shot check ages what it leaves alive into the collector's oldest generation: its
objects are not walked by the first collections after it."""
from __future__ import annotations

import gc

from analyzer.engine import run_check
from tests.incremental.support import make_plan


def _project(tmp_path):
    for number in range(20):
        (tmp_path / f"mod{number}.py").write_text("import os\nclass C:\n    pass\n",
                                                  encoding="utf-8")
    return make_plan(tmp_path)


def test_what_a_check_leaves_alive_is_in_the_oldest_generation(tmp_path):
    plan = _project(tmp_path)
    assert gc.isenabled()
    result = run_check(plan)
    young = gc.get_objects(generation=0)
    assert gc.isenabled()
    assert len(result.diagnostics) == 20
    # A handful of objects made since the check returned, not the thousands it left alive.
    assert len(young) < 200, len(young)
    assert any(obj is result for obj in gc.get_objects(generation=2))

