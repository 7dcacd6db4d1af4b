"""Phase 2's context stored as a patch against a base (``_ctx_patch``): what a worker
resolves equals the whole context, against a plain model, whether copied from the base
(``patched``) or written over the worker's one copy of it (``_ctx_live``); and a session whose edits cross
the patch limit (a new base) still matches a cold check."""
from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

import analyzer.engine._ctx_patch as ctx_patch
from analyzer.engine._ctx_live import LiveContext
from analyzer.engine._tasks import PATCHED_FIELDS, RunContext, patched
from analyzer.rules import RuleSettings

NAMES = [f"m{i}" for i in range(6)]


class _Store:
    """The two calls ``store_phase2`` makes of a Dispatch, on a plain dict."""

    def __init__(self) -> None:
        self.table: dict[str, RunContext] = {}
        self.live = LiveContext()

    def store_context(self, name: str, ctx: RunContext, added: set[str]) -> str:
        key = f"{name}:{len(self.table)}"
        self.table[key] = ctx
        added.add(key)
        return key

    def resolve(self, key: str) -> RunContext:
        ctx = self.table[key]
        return patched(ctx, self.table[ctx.base]) if ctx.base else ctx

    def resolve_live(self, key: str) -> RunContext:
        ctx = self.table[key]
        if not ctx.base:
            self.live.adopt(ctx, key)  # a whole context, as ``_jobs._context`` takes it
            return ctx
        return self.live.resolve(ctx, ctx.base, self.table[ctx.base])


# Each step: a few edits of the three maps a patch carries (field, key, a value or None for
# gone); referrers may be None (no selected rule reads them) for a whole session.
edits = st.lists(st.tuples(st.sampled_from(PATCHED_FIELDS), st.sampled_from(NAMES),
                           st.sampled_from(("a", "b", None))), min_size=1, max_size=3)


@given(st.lists(edits, min_size=1, max_size=15), st.integers(0, 8), st.booleans())
def test_a_resolved_patch_is_the_whole_context(steps: list[list[tuple[str, str, str | None]]],
                                               limit: int, references: bool) -> None:
    store = _Store()
    base: Any = None
    previous_base = ""
    now: dict[str, dict[str, Any]] = {name: {} for name in PATCHED_FIELDS}
    with mock.patch.object(ctx_patch, "patch_limit", lambda n: limit):
        for step in steps:
            before = {name: dict(m) for name, m in now.items()}
            for name, key, value in step:
                if value is None:
                    now[name].pop(key, None)
                else:
                    now[name][key] = (value, f"/{key}.py") if name == "modules" else (value,)
            moved = {name: {k for k in now[name].keys() | before[name].keys()
                            if now[name].get(k) != before[name].get(k)}
                     for name in PATCHED_FIELDS}
            ctx = RunContext((), (), RuleSettings(), dict(now["modules"]), dict(now["writers"]),
                             referrers=dict(now["referrers"]) if references else None)
            key, base = ctx_patch.store_phase2(store, ctx, base, moved, set())  # type: ignore[arg-type]
            stored = store.table[key]
            for whole in (store.resolve(key), store.resolve_live(key)):
                assert whole.modules == now["modules"] and whole.writers == now["writers"]
                assert whole.referrers == (now["referrers"] if references else None)
            assert store.live.names(whole) == frozenset(now["modules"])
            # What a worker's index memo forgets: every module whose entry moved since the
            # last context (exactly those while the base stands), or all (None) at first.
            took = store.live.take_moved()
            if stored.base and stored.base == previous_base:
                assert took == moved["modules"]
            elif previous_base:
                assert took is not None and took >= moved["modules"]
            else:
                assert took is None
            previous_base = stored.base or key
            assert base.key == (stored.base or key)
            if stored.base:  # a patch never names more than the limit allows
                named = len(stored.modules) + len(stored.writers) + len(stored.referrers or ())
                assert named + sum(map(len, stored.dropped.values())) <= limit


@pytest.mark.parametrize("workers", [0, 2])
def test_edits_past_the_patch_limit_match_a_cold_check(engine, workers: int) -> None:
    files = {f"m{i}.py": f"from hub import f\nf({i})\n" for i in range(6)}
    files["hub.py"] = "def f(x): return x\n"
    with mock.patch.object(ctx_patch, "patch_limit", lambda n: 2):
        e = engine(files, workers=workers)
        for i in range(6):
            e.edit({f"m{i}.py": f"from hub import f\nf({i}, {i})\n"})
            if i == 3:
                e.edit({"hub.py": "def f(x, y=0): return x\n", "m9.py": "import hub\n"})
        e.edit({"m9.py": None, "hub.py": "def f(x): return x\n"})
