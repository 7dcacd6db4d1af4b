"""A project whose modules record more dependency edges than the table sized from its file
count holds (networkx: 445 per module, the stdlib 22): the master moves to a larger heap
and goes on, the workers following it; the cache and a warm start hold as many edges."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import Engine, codes, cold, make_plan, project

from analyzer.engine._plan import heap_geometry
from tests.edge_heavy import USERS, edge_heavy_files


def edge_heavy(root: Path) -> Path:
    return project(root, edge_heavy_files())


def _initial_dep_slots(root: Path) -> int:
    return heap_geometry(make_plan(root).discovery.files, None)["dep_slots"]


@pytest.mark.parametrize("workers", [0, 2])
def test_a_session_that_outgrows_its_table_moves_to_a_larger_one(tmp_path, monkeypatch,
                                                                   workers) -> None:
    """The check that fills the table commits on a larger heap; later rechecks find every
    reader through its edges there (each step equals a cold check)."""
    root = edge_heavy(tmp_path / "proj")
    monkeypatch.chdir(root)
    sized = _initial_dep_slots(root)
    with Engine(root, workers=workers) as engine:
        stats = engine.session.heap.stats()
        assert stats.dep_edges > sized > 0 and stats.dep_capacity > sized
        engine.verify()
        assert [c for _, _, c, _ in codes(engine.diagnostics) if c.startswith("SH")] == ["SH001"]
        # Every user reads f3_0 through pkg: their edges must bring them all back.
        engine.edit({"pkg/s3.py": "def f3_1():\n    return 1\n"})
        assert len(engine.last.modules_rechecked) > USERS
        engine.edit({"app.py": "from pkg import f0_0\n"})
        assert engine.diagnostics == cold(root)


def test_a_check_and_its_warm_start_from_the_cache(tmp_path) -> None:
    """`shoal check` with its cache: the first run grows its table, the next (after an
    edit, so that it starts from the heap's snapshot) loads it into a table as large
    instead of ignoring the cache as too small."""
    root = edge_heavy(tmp_path / "proj")

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "analyzer", "check", ".",
                               "--output-format", "concise"],
                              cwd=root, capture_output=True, text=True, timeout=120)

    first = check()
    assert first.returncode == 1, first.stderr
    assert "app.py:1:23: SH001" in first.stdout and first.stderr == ""
    (root / "app.py").write_text("from pkg import f0_0, nothere, alsonot\n", encoding="utf-8")
    second = check()
    assert second.returncode == 1 and second.stderr == "", second.stderr
    assert "app.py:1:23: SH001" in second.stdout and "app.py:1:32: SH001" in second.stdout


@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("full", ["heap", "hash table"])
def test_a_session_whose_heap_or_hash_table_fills_moves_to_a_larger_one(
        tmp_path, monkeypatch, workers, full) -> None:
    """Sized too small for its facts (as a watch becomes when thousands of files appear),
    the update is forgotten, the heap moves to one with twice the room and the update runs
    again: no restart, and each step equals a cold check."""
    import analyzer.engine._plan as plan_mod

    root = edge_heavy(tmp_path / "proj")
    monkeypatch.chdir(root)
    if full == "heap":
        monkeypatch.setattr(plan_mod, "MIN_HEAP_BYTES", 64 << 10)
        monkeypatch.setattr(plan_mod, "HEAP_BYTES_PER_SOURCE_BYTE", 0)
    else:  # a table for 64 entries, and each move only doubles it
        monkeypatch.setattr(plan_mod, "hash_slots_for", lambda files: 64)
    sized = heap_geometry(make_plan(root).discovery.files, None)
    with Engine(root, workers=workers) as engine:
        stats = engine.session.heap.stats()
        if full == "heap":
            assert sized["heap_size"] == 64 << 10 < stats.heap_capacity
        else:
            assert sized["hash_slots"] < stats.hash_capacity
        engine.verify()
        engine.edit({"pkg/s3.py": "def f3_1():\n    return 1\n"})
        engine.edit({f"pkg/new{i}.py": "import pkg as p\n\np.f0_0()\n" for i in range(40)})
