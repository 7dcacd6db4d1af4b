"""Phase 2's run context, stored as a patch against a base (issue 16: a recheck's cost
follows what changed).

Phase 2's context names every module's facts (module -> content digest and path), every
writer of ``sys.modules`` and, when a rule reads references, who references whom, so a
whole context per update is a pickle of the project, written by the master and decoded by
every worker. Instead the master stores a whole context once, the base, and then each
update's context as the entries of those maps that differ from it (``RunContext.base``,
``RunContext.dropped``); a worker decodes the base once and applies the patch
(``_tasks.patched``). The patch holds every key touched since the base, so it grows with
the edits of a session: past :func:`patch_limit` keys a whole context becomes the base
again.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, cast

from analyzer.engine._phases import Dispatch
from analyzer.engine._tasks import PATCHED_FIELDS, RunContext

__all__ = ["ContextBase", "patch_limit", "store_phase2"]


@dataclass(frozen=True)
class ContextBase:
    """A whole phase-2 context in the heap, and the keys of its maps moved since."""

    key: str
    #: field -> the base's map (a copy, never mutated; None: the field is None)
    maps: dict[str, dict[str, Any] | None]
    #: field -> the keys whose entry may differ from the base's (changed, new or gone)
    touched: dict[str, frozenset[str]]


def patch_limit(modules: int) -> int:
    """How many touched keys a patch may name before a new base is cheaper to carry."""
    # A base costs a pickle of every module; a patch costs its own entries on every update.
    return 64 + modules // 32


def store_phase2(dispatch: Dispatch, ctx: RunContext, base: ContextBase | None,
                 moved: Mapping[str, Iterable[str] | None],
                 added: set[str]) -> tuple[str, ContextBase]:
    """Store ``ctx`` (whole) as a patch against ``base`` when there is one and the patch
    stays small; else as a new base. ``moved``: field -> the keys of that map this update
    may have changed (None: unknown, a new base). Returns the key the jobs read and the
    base in force after."""
    touched: dict[str, frozenset[str]] = {}
    fits = base is not None
    if base is not None:
        for name in PATCHED_FIELDS:
            keys = moved.get(name, ())
            fits = fits and keys is not None \
                and (base.maps[name] is None) == (getattr(ctx, name) is None)
            touched[name] = base.touched[name].union(keys or ())
        fits = fits and sum(map(len, touched.values())) <= patch_limit(len(ctx.modules))
    if base is None or not fits:
        # Whole: the maps as plain dicts (a draft's may be overlays of the state's), which
        # the base keeps as they are now.
        maps = {name: None if (m := getattr(ctx, name)) is None else dict(m)
                for name in PATCHED_FIELDS}
        key = dispatch.store_context("phase2", replace(ctx, **cast("dict[str, Any]", maps)),
                                     added)
        return key, ContextBase(key, maps, {name: frozenset() for name in PATCHED_FIELDS})
    diffs: dict[str, Any] = {}
    dropped: dict[str, tuple[str, ...]] = {}
    for name in PATCHED_FIELDS:
        now, before = getattr(ctx, name), base.maps[name]
        if now is None or before is None:
            diffs[name] = now
            continue
        # Sorted: the key is a digest of the pickle, which must not follow set order.
        diffs[name] = {k: now[k] for k in sorted(touched[name])
                       if k in now and before.get(k) != now[k]}
        gone = tuple(sorted(k for k in touched[name] if k not in now and k in before))
        if gone:
            dropped[name] = gone
    patch = replace(ctx, base=base.key, dropped=dropped, **diffs)
    return dispatch.store_context("phase2", patch, added), ContextBase(base.key, base.maps,
                                                                       touched)
