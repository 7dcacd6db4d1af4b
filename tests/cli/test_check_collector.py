"""`shoal check` leaves the cyclic collector off from its last project's check on: the process
ends with the output, and a collection then would walk everything the check left alive."""
from __future__ import annotations

import gc

import pytest

from analyzer.interfaces._projects import check_projects
from tests.incremental.support import make_plan


@pytest.fixture
def two_projects(tmp_path):
    plans = []
    for name in ("one", "two"):
        root = tmp_path / name
        root.mkdir()
        (root / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
        (root / "mod.py").write_text("import os\n", encoding="utf-8")
        plans.append(make_plan(root))
    return plans


@pytest.fixture
def collections():
    """The collector's passes while a test runs, with the collector on at its start."""
    seen: list[int] = []

    def note(phase, info):
        if phase == "start":
            seen.append(info["generation"])

    was = gc.isenabled()
    gc.enable()
    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)
        if was:
            gc.enable()
        else:
            gc.disable()


def test_the_collector_runs_between_projects_and_stays_off_after_the_last(two_projects,
                                                                          collections):
    result = check_projects(two_projects, then_exit=True)
    assert [d.code for d in result.diagnostics] == ["F401", "F401"]
    # After the first project's check the collector is back: the young objects it left
    # set off a pass before the second one starts.
    assert collections
    assert not gc.isenabled()
    after = len(collections)
    [object() for _ in range(10_000)]
    _ = [[i] for i in range(10_000)]  # allocations that would set off a pass
    assert len(collections) == after


def test_without_then_exit_the_collector_is_left_as_found(two_projects, collections):
    check_projects(two_projects)
    assert gc.isenabled()
    _ = [[i] for i in range(10_000)]
    assert collections  # it ran after the checks, as a library caller's process expects
