"""Phase 2's context stored as a patch against a base (``_ctx_patch``): what a worker
resolves equals the whole context, against a plain model; and a session whose edits cross
the patch limit (a new base) still matches a cold check."""
from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

import analyzer.engine._ctx_patch as ctx_patch
from analyzer.engine._tasks import RunContext, patched
from analyzer.rules import RuleSettings

NAMES = [f"m{i}" for i in range(8)]


class _Store:
    """The two calls ``store_phase2`` makes of a Dispatch, on a plain dict."""

    def __init__(self) -> None:
        self.table: dict[str, RunContext] = {}

    def store_context(self, name: str, ctx: RunContext, added: set[str]) -> str:
        key = f"{name}:{len(self.table)}"
        self.table[key] = ctx
        added.add(key)
        return key

    def resolve(self, key: str) -> RunContext:
        ctx = self.table[key]
        return patched(ctx, self.table[ctx.base]) if ctx.base else ctx


# Each step: module -> digest, or absent (gone, or not yet there).
steps = st.lists(st.dictionaries(st.sampled_from(NAMES), st.sampled_from("abc")),
                 min_size=1, max_size=12)


@given(steps, st.integers(0, 4))
def test_a_resolved_patch_is_the_whole_context(states: list[dict[str, str]], limit: int) -> None:
    store = _Store()
    base: Any = None
    previous: dict[str, tuple[str, str]] = {}
    with mock.patch.object(ctx_patch, "patch_limit", lambda n: limit):
        for step in states:
            modules = {m: (d, f"/{m}.py") for m, d in sorted(step.items())}
            moved = {m for m in modules.keys() | previous.keys()
                     if modules.get(m) != previous.get(m)}
            ctx = RunContext((), (), RuleSettings(), modules)
            key, base = ctx_patch.store_phase2(store, ctx, base, moved, set())  # type: ignore[arg-type]
            stored = store.table[key]
            assert store.resolve(key).modules == modules
            assert base.key == (stored.base or key)
            # A patch never names more than the limit allows.
            assert len(stored.modules) + len(stored.dropped) <= (limit if stored.base else 99)
            previous = modules


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
