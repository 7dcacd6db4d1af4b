"""A worker's decoded facts across updates: served while the recipe holds, never across
recipes, bounded in a long session."""
from __future__ import annotations

import pytest

from analyzer.engine._facts_cache import FactsCache

TEN = {f"m{i}": ("1", f"/m{i}.py") for i in range(10)}


class Loads:
    """A loader that counts its calls and returns a fresh value per call."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, key: str) -> object:
        self.calls.append(key)
        return None if key.startswith("absent") else [key, len(self.calls)]


def test_a_value_is_loaded_once_per_recipe():
    cache, load = FactsCache(), Loads()
    assert not cache.active
    cache.adopt(("rules", 1), live=TEN)
    first = cache.get("m:1:/m.py", load)
    assert cache.get("m:1:/m.py", load) is first
    cache.adopt(("rules", 1), live=TEN)  # the next update, same recipe: still served
    assert cache.get("m:1:/m.py", load) is first
    cache.adopt(("rules", 2), live=TEN)  # another recipe (extractors, settings): loaded again
    assert cache.get("m:1:/m.py", load) is not first
    assert load.calls == ["m:1:/m.py", "m:1:/m.py"]


def test_absent_values_are_not_remembered():
    cache, load = FactsCache(), Loads()
    cache.adopt("r", live={"m": ("1", "/m.py")})
    assert cache.get("absent:1", load) is None and cache.get("absent:1", load) is None
    assert load.calls == ["absent:1", "absent:1"]


def test_superseded_values_do_not_pile_up_and_live_ones_stay():
    cache, load = FactsCache(), Loads()
    live = {"a": ("1", "/a.py"), "b": ("1", "/b.py")}
    cache.adopt("r", live=live)
    kept = [cache.get(f"{m}:1:/{m}.py", load) for m in live]  # warm: every live module
    for n in range(200):  # a long session of edits of another module: each content once
        cache.get(f"m:{n}:/m.py", load)
        cache.adopt("r", live=live)
        assert len(cache._values) <= 2 * 2 + 64
    # Trimmed more than once, the live modules' facts were never decoded again.
    assert [cache.get(f"{m}:1:/{m}.py", load) for m in live] == kept
    assert len(load.calls) == 2 + 200
    cache.clear()
    assert not cache.active


def test_the_master_decodes_a_bounded_number_of_facts_at_once():
    # A cold check reads every module's facts for their digests: decoded all together they
    # were the master's peak memory.
    from analyzer.engine import _invalidation

    batches: list[int] = []

    class Table:
        def get_many(self, keys):
            batches.append(len(keys))
            return [None] * len(keys)

    names = [f"m{i}" for i in range(3 * _invalidation.LOAD_CHUNK + 5)]
    modules = {m: ("digest", f"/{m}.py") for m in names}
    got = list(_invalidation._summarized(Table(), names, modules, {}))
    assert [m for m, _ in got] == names
    assert max(batches) <= _invalidation.LOAD_CHUNK and sum(batches) == len(names)


def test_the_workers_summaries_are_not_read_again_from_the_table():
    from analyzer.engine import _invalidation
    from analyzer.engine._tasks import facts_key

    asked: list[str] = []

    class Table:
        def get_many(self, keys):
            asked.extend(keys)
            return [None] * len(keys)

    names = [f"m{i}" for i in range(6)]
    modules = {m: ("digest", f"/{m}.py") for m in names}
    given = {facts_key(m, *modules[m]): ({"x": m}, None) for m in names[::2]}
    got = dict(_invalidation._summarized(Table(), names, modules, given))
    assert list(got) == names
    assert asked == [facts_key(m, *modules[m]) for m in names[1::2]]
    assert got["m2"] == ({"x": "m2"}, None) and got["m3"] is None


@pytest.mark.parametrize("workers", [0, 2])
def test_a_cold_check_s_master_decodes_no_facts_for_the_digests(tmp_path, monkeypatch, workers):
    from analyzer.engine import Session, _invalidation
    from tests.incremental.support import make_plan, write

    write(tmp_path, {"pyproject.toml": "[tool.shoal]\n", "pkg/__init__.py": "",
                     "pkg/a.py": "from pkg.b import f\nf(1)\n", "pkg/b.py": "def f(x): pass\n",
                     "pkg/c.py": "def (\n"})
    made: list[str] = []
    real = _invalidation.module_summary
    monkeypatch.setattr(_invalidation, "module_summary",
                        lambda facts: made.append(facts.module) or real(facts))
    with Session(make_plan(tmp_path, workers=workers), one_shot=True) as session:
        session.check()
        assert set(session.state.interfaces) == {"pkg", "pkg.a", "pkg.b", "pkg.c"}
        assert session.state.imports["pkg.a"].imports
    assert made == []  # every summary came with its file's result


def test_a_one_shot_session_keeps_no_decoded_facts(tmp_path):
    # A one-shot check has no next update: its workers (here, with workers=0, this process)
    # keep only what the project index memoizes, not every module's facts twice over.
    import analyzer.engine._jobs as jobs
    from analyzer.engine import Session
    from analyzer.engine._tasks import FACTS_TABLE
    from tests.incremental.support import make_plan, write

    write(tmp_path, {"pyproject.toml": "[tool.shoal]\n", "pkg/__init__.py": "",
                     "pkg/a.py": "from pkg.b import f\nf(1)\n", "pkg/b.py": "def f(x): pass\n"})
    for one_shot in (False, True):
        with Session(make_plan(tmp_path), one_shot=one_shot) as session:
            session.check()
            table = session.heap.table(FACTS_TABLE)
            assert jobs._FACTS.active is not one_shot
            assert bool(table._cache) is not one_shot
            assert bool(jobs._FACTS._values) is not one_shot
