"""A one-shot check parses heavy files alone and replaces grown workers, forks no more workers
than a call has items, and runs a small phase 2 of built-in rules in the master: the findings
stay those of a check in one process."""
from __future__ import annotations

import os
from pathlib import Path

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


def test_phase_1_leaves_each_buckets_last_tree_to_be_freed_after_the_reply(tmp_path,
                                                                          monkeypatch):
    """What a worker's bucket holds (``parallel.hold_until_replied``), seen in this process
    by giving the hold a list: the tree and lines of the last file of each bucket."""
    import ast

    import parallel._process as process
    from analyzer.rules import SourceLines

    write(tmp_path, FILES)
    held: list[object] = []
    monkeypatch.setattr(process, "_held", held)
    run_check(make_plan(tmp_path, workers=0))
    assert held
    assert all(isinstance(tree, ast.Module) and isinstance(lines, SourceLines)
               for tree, lines in held)


def test_no_collection_in_a_worker_walks_the_tree_it_holds_until_the_reply(tmp_path):
    """The last file of a bucket is held until the reply is sent; the collector stays
    paused until then, so no collection walks its tree (40,000 tracked objects and more):
    the worker collects once, after freeing it. Seen from a collector callback that the
    worker inherits."""
    import gc

    names = 20_000
    write(tmp_path, {"pyproject.toml": "[tool.shoal]\n",
                     "big.py": "import os\nx = [" + ", ".join(f"n{i}" for i in range(names))
                     + "]\n", **{f"small{i}.py": "y = 1\n" for i in range(3)}})
    log = tmp_path / "walked"
    master = os.getpid()

    def walked(phase: str, info: dict) -> None:
        if phase == "start" and os.getpid() != master:
            count = sum(len(gc.get_objects(g)) for g in range(info["generation"] + 1))
            with open(log, "a", encoding="ascii") as handle:
                handle.write(f"{info['generation']} {count}\n")

    gc.callbacks.append(walked)
    try:
        result = run_check(make_plan(tmp_path, workers=1))
    finally:
        gc.callbacks.remove(walked)
    assert [d.code for d in result.diagnostics] == ["F401"]
    collections = [tuple(map(int, line.split())) for line in log.read_text().splitlines()]
    assert any(generation == 2 for generation, _ in collections)  # the one after a reply
    assert max(count for _, count in collections) < names


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


#: a third-party project rule: reports, on each module, the pid of the process that ran it
PID_RULE = '''\
import os

from analyzer.rules import ProjectRule


class WhereAmI(ProjectRule):
    """Reports the process that checked the module."""

    CODE = "X970"
    NAME = "where-am-i"
    MESSAGE = "checked here"

    def check(self, facts, index):
        self.report(1, 0, f"pid {os.getpid()}")
'''


def _phase2_pids(tmp_path, monkeypatch) -> Path:
    """A spy on phase 2's job: a directory where the process that checks a module leaves a
    file named ``PID-MODULE``."""
    import functools

    import analyzer.engine._jobs as jobs

    seen = tmp_path.parent / f"{tmp_path.name}-phase2-pids"
    seen.mkdir()
    real = jobs.phase2_job

    @functools.wraps(real)  # pickled by its name: the workers, forked after this, run it too
    def spy(bucket):
        for _key, task in bucket:
            (seen / f"{os.getpid()}-{task.module}").touch()
        return real(bucket)

    monkeypatch.setattr(jobs, "phase2_job", spy)
    return seen


@pytest.mark.parametrize("limit, in_master", [(5, True), (4, False), (0, False)])
def test_a_small_phase_2_of_built_in_rules_runs_in_the_master(tmp_path, monkeypatch, limit,
                                                              in_master):
    import analyzer.engine._session as session

    write(tmp_path, FILES)  # five modules for phase 2: pkg/d.py does not parse
    alone = run_check(make_plan(tmp_path, workers=0)).diagnostics
    seen = _phase2_pids(tmp_path, monkeypatch)
    monkeypatch.setattr(session, "PHASE2_IN_MASTER_MODULES", limit)
    assert run_check(make_plan(tmp_path, workers=2)).diagnostics == alone
    pids = {int(p.name.split("-")[0]) for p in seen.iterdir()}
    assert pids and (pids == {os.getpid()}) is in_master
    if not in_master:
        assert os.getpid() not in pids


def test_only_the_largest_project_of_a_run_keeps_its_phase_2_in_the_master(tmp_path,
                                                                            monkeypatch):
    """It is checked last: what the master decodes stays in its heap, under any later
    check's workers. The findings come merged as ever."""
    from analyzer.interfaces._projects import check_projects

    large, small = tmp_path / "large", tmp_path / "small"
    write(large, {"pyproject.toml": "[tool.shoal]\n", "one.py": "from two import nope\n",
                  "two.py": "x = 1\n", "five.py": "z = 1\n"})
    write(small, {"pyproject.toml": "[tool.shoal]\n", "three.py": "from four import nope\n",
                  "four.py": "y = 1\n"})
    seen = _phase2_pids(tmp_path, monkeypatch)
    result = check_projects([make_plan(large, workers=2), make_plan(small, workers=2)])
    assert [(Path(d.path).name, d.code) for d in result.diagnostics] == [
        ("one.py", "F401"), ("one.py", "SH001"), ("three.py", "F401"), ("three.py", "SH001")]
    where = {p.name.split("-", 1)[1]: int(p.name.split("-")[0]) for p in seen.iterdir()}
    assert set(where) == {"one", "two", "five", "three", "four"}
    assert os.getpid() not in (where["three"], where["four"])
    assert where["one"] == where["two"] == where["five"] == os.getpid()


def test_a_third_party_project_rule_runs_in_workers_however_small_the_phase(tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.shoal]\nplugins = ["where.py"]\n',
                     "where.py": PID_RULE, "a.py": "x = 1\n", "b.py": "y = 2\n"})
    found = run_check(make_plan(tmp_path, workers=2, select="X970")).diagnostics
    pids = {int(d.message.split()[-1]) for d in found}
    assert len(found) == 3 and pids and os.getpid() not in pids


def test_the_master_forgets_the_facts_its_phase_2_decoded(tmp_path):
    """Before the session closes: the cache is written from it, and the memo is not needed."""
    import analyzer.engine._jobs as jobs
    from analyzer.engine import Session

    write(tmp_path, FILES)
    with Session(make_plan(tmp_path, workers=2), one_shot=True) as session:
        session.check()
        assert session.state.diagnostics
        assert not jobs._INDEXES and not jobs._CONTEXTS


def test_a_one_shot_call_forks_no_more_workers_than_it_has_items(tmp_path, monkeypatch):
    """A warm check of one changed file forks one worker, not one per core."""
    import analyzer.engine._call_pool as call_pool
    from analyzer.engine._call_pool import CallScopedPool

    # Renewals are other tests' subject: a fork of a large test process can count as grown.
    monkeypatch.setattr(call_pool, "RENEW_ABOVE", 1 << 40)
    forks = _counting_forks(monkeypatch)
    pool = CallScopedPool(workers=2)
    for items, forked in (([1], 1), ([1, 2, 3], 2), ([], 0)):
        forks.clear()
        doubled = pool.map_reduce(_doubled, items, merge=lambda part, acc: acc + part,
                                  neutral=[])
        assert sorted(doubled) == [2 * i for i in items]
        assert len(forks) == forked, (items, forks)


def _doubled(items: list[int]) -> list[int]:
    return [2 * i for i in items]


def _counting_forks(monkeypatch) -> list[int]:
    """The pids this process forks from now on (the test's ``os.fork`` is counted)."""
    forks: list[int] = []
    real = os.fork

    def fork() -> int:
        pid = real()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return forks


@pytest.mark.parametrize("keep_workers, forked", [(False, 4), (True, 1)])
def test_a_grown_worker_is_replaced_only_where_the_call_asks(monkeypatch, keep_workers, forked):
    """Every worker counts as grown (a limit of 0): one worker, four buckets of one item."""
    import analyzer.engine._call_pool as call_pool

    monkeypatch.setattr(call_pool, "RENEW_ABOVE", 0)
    forks = _counting_forks(monkeypatch)
    doubled = call_pool.CallScopedPool(workers=1).map_reduce(
        _doubled, [1, 2, 3, 4], merge=lambda part, acc: acc + part, neutral=[], bucket_size=1,
        keep_workers=keep_workers)
    assert sorted(doubled) == [2, 4, 6, 8]
    assert len(forks) == forked


@pytest.mark.parametrize("heavy_run, forked", [(False, 4), (True, 2)])
def test_a_heavy_run_replaces_the_worker_after_the_last_heavy_item_only(monkeypatch, heavy_run,
                                                                       forked):
    """Three heavy items and a light one on one kept worker: a fresh fork after each heavy
    item, or one after the last of them."""
    import analyzer.engine._call_pool as call_pool

    forks = _counting_forks(monkeypatch)
    doubled = call_pool.CallScopedPool(workers=1).map_reduce(
        _doubled, [1, 2, 3, 4], merge=lambda part, acc: acc + part, neutral=[], bucket_size=1,
        heavy=lambda item: item != 4, keep_workers=True, heavy_run=heavy_run)
    assert sorted(doubled) == [2, 4, 6, 8]
    assert len(forks) == forked


@pytest.mark.parametrize("run_above, cached, phase1_pool", [
    (11, False, ("heavy-run", None)), (12, False, ("heavy", None)),
    (11, True, ("heavy-run", None)), (12, True, ("heavy", 0))])
def test_a_one_shot_check_keeps_its_light_phase_1_workers(tmp_path, monkeypatch, run_above,
                                                          cached, phase1_pool):
    """Phase 1 keeps workers that grew (they keep nothing from one file to the next) and, on
    more files than the threshold, runs its heavy files in one worker, replaced after the
    last; below it, a check that writes a cache, whose master holds the interface digests at
    the end of phase 1, replaces a grown one. Phase 2's keep the index memo, so a grown one
    is replaced. Three files are heavy, and every worker counts as grown (a limit of 0)."""
    import analyzer.engine._call_pool as call_pool
    import analyzer.engine._phases as phases
    import analyzer.engine._session as session
    from parallel import WorkerPool

    write(tmp_path, {"pyproject.toml": "[tool.shoal]\n",
                     **{f"m{i}.py": f"import m{(i + 1) % 12}\n" + "#" * 60 * (i % 4 == 0)
                        for i in range(12)}})
    monkeypatch.setattr(phases, "HEAVY_FILE_BYTES", 60)
    monkeypatch.setattr(phases, "HEAVY_RUN_FILES", run_above)
    monkeypatch.setattr(session, "PHASE2_IN_MASTER_MODULES", 0)
    monkeypatch.setattr(call_pool, "RENEW_ABOVE", 0)
    pools: list[tuple[str | None, int | None]] = []
    real_init = WorkerPool.__init__

    def init(self, *args, **kwargs):
        pools.append((kwargs.get("renew"), kwargs.get("renew_above")))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(WorkerPool, "__init__", init)
    alone = run_check(make_plan(tmp_path, workers=0)).diagnostics
    pools.clear()
    cache = tmp_path / "cache" if cached else None
    assert run_check(make_plan(tmp_path, workers=2, cache_dir=cache)).diagnostics == alone
    assert pools == [phase1_pool, ("heavy", 0)]  # phase 1 on the 12 files, then phase 2
