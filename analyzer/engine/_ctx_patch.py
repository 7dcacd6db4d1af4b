"""Phase 2's run context, stored as a patch against a base (issue 16: a recheck's cost
follows what changed).

Phase 2's context names every module's facts (module -> content digest and path), so a
whole context per update is a pickle of the project, written by the master and decoded by
every worker. Instead the master stores a whole context once, the base, and then each
update's context as the entries that differ from it (``RunContext.base``,
``RunContext.dropped``); a worker decodes the base once and applies the patch
(``_tasks.patched``). The patch holds every module touched since the base, so it grows with
the edits of a session: past :func:`patch_limit` modules a whole context becomes the base
again.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from analyzer.engine._phases import Dispatch
from analyzer.engine._tasks import RunContext

__all__ = ["ContextBase", "patch_limit", "store_phase2"]


@dataclass(frozen=True)
class ContextBase:
    """A whole phase-2 context in the heap, and the modules whose entry moved since."""

    key: str
    #: the base's modules: a copy, never mutated
    modules: dict[str, tuple[str, str]]
    #: the modules whose entry may differ from the base's (changed, appeared or gone)
    touched: frozenset[str] = frozenset()


def patch_limit(modules: int) -> int:
    """How many touched modules a patch may name before a new base is cheaper to carry."""
    # A base costs a pickle of every module; a patch costs its own entries on every update.
    return 64 + modules // 32


def store_phase2(dispatch: Dispatch, ctx: RunContext, base: ContextBase | None,
                 moved: Iterable[str], added: set[str]) -> tuple[str, ContextBase]:
    """Store ``ctx`` (whole) as a patch against ``base`` when there is one and the patch
    stays small; else as a new base. ``moved``: the modules whose entry this update may
    have changed. Returns the key the jobs read and the base in force after."""
    touched = base.touched.union(moved) if base is not None else frozenset()
    if base is None or len(touched) > patch_limit(len(ctx.modules)):
        key = dispatch.store_context("phase2", ctx, added)
        return key, ContextBase(key, dict(ctx.modules))
    modules = ctx.modules
    before = base.modules
    # Sorted: the key is a digest of the pickle, which must not follow set order.
    changed = {m: modules[m] for m in sorted(touched) if m in modules
               and before.get(m) != modules[m]}
    dropped = tuple(sorted(m for m in touched if m not in modules and m in before))
    patch = replace(ctx, modules=changed, base=base.key, dropped=dropped)
    return dispatch.store_context("phase2", patch, added), ContextBase(base.key, before,
                                                                       touched)
