"""A worker's phase-2 context, the base it patches kept in place (issue 16: a recheck's cost
follows what changed, not the project).

The master stores each update's context as a patch of a base (``_ctx_patch``). Resolving a
patch by copying the base's maps and writing the patch over the copy costs a copy of every
module's entry per update; instead the worker keeps one copy of the base's maps and, per
patch, takes back the entries the last patch wrote and writes the new ones: the cost of the
two patches. The set of module names (what the project index is built on) is the base's
while no patch adds or drops a module.

Only the latest resolved context reads the maps: a worker runs one phase-2 context at a
time and drops the last one when a new one comes (``_jobs._context``).

Since the patches pass through here in the order the worker runs them, this is also where
the worker learns which modules' entries moved between two of its contexts
(:meth:`LiveContext.take_moved`): its project index's memo forgets what read them and keeps
the rest (``_index_memo``).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from analyzer.engine._tasks import PATCHED_FIELDS, RunContext

__all__ = ["LiveContext"]

_ABSENT: Any = object()


class LiveContext:
    """The resolved patches of one base at a time, written over one copy of its maps."""

    def __init__(self) -> None:
        self._base_key = ""
        #: field -> the base's map with the current patch written in (None: the field is None)
        self._maps: dict[str, dict[str, Any] | None] = {}
        #: field -> what the current patch overwrote (``_ABSENT``: the key was not there)
        self._undo: dict[str, dict[str, Any]] = {}
        self._base_names: frozenset[str] = frozenset()
        self._names: frozenset[str] = frozenset()
        self._resolved: RunContext | None = None
        #: modules whose entry moved since the last take_moved (None: not known)
        self._moved: set[str] | None = None

    def adopt(self, ctx: RunContext, key: str) -> None:
        """Take the whole context ``ctx``, stored under ``key``, as the one the worker runs
        now and as the base of the patches to come (a whole context is a new base)."""
        before = self._maps.get("modules")
        self._start(key, ctx)
        after = self._maps["modules"]
        if before is None or after is None:
            self._moved = None
        else:
            # Once per base: a pass over the project's modules.
            self._note({m for m in before.keys() | after.keys() if before.get(m) != after.get(m)})
        self._resolved = ctx

    def take_moved(self) -> set[str] | None:
        """The modules whose entry (digest, path) differs between the context current at
        the last call and the current one (None: not known; the first call answers None)."""
        moved, self._moved = self._moved, set()
        return moved

    def _note(self, moved: set[str]) -> None:
        if self._moved is not None:
            self._moved |= moved

    def _start(self, base_key: str, base: RunContext) -> None:
        self._base_key = base_key
        self._maps = {name: None if (m := getattr(base, name)) is None else dict(m)
                      for name in PATCHED_FIELDS}
        self._undo = {name: {} for name in PATCHED_FIELDS}
        self._base_names = self._names = frozenset(base.modules)

    def resolve(self, ctx: RunContext, base_key: str, base: RunContext) -> RunContext:
        """The whole context the patch ``ctx`` (of the base ``base``, stored under
        ``base_key``) stands for; the one resolved before it must no longer be read."""
        if base_key != self._base_key:
            self.adopt(base, base_key)
        whole: dict[str, Any] = {}
        reshaped = False
        for name in PATCHED_FIELDS:
            live, diff = self._maps[name], getattr(ctx, name)
            if live is None or diff is None:
                whole[name] = diff  # referrers: None when no selected rule reads them
                continue
            if name == "modules":
                # What the last patch wrote and what this one writes is all that can move.
                written = {key: live.get(key, _ABSENT) for key in
                           (*self._undo[name], *diff, *ctx.dropped.get(name, ()))}
            for key, value in self._undo[name].items():
                if value is _ABSENT:
                    del live[key]
                else:
                    live[key] = value
            undo: dict[str, Any] = {}
            for key, value in diff.items():
                undo.setdefault(key, live.get(key, _ABSENT))
                live[key] = value
            for key in ctx.dropped.get(name, ()):
                if key in live:
                    undo.setdefault(key, live.pop(key))
            self._undo[name] = undo
            if name == "modules":
                reshaped = any(value is _ABSENT or key not in live
                               for key, value in undo.items())
                self._note({key for key, value in written.items()
                            if live.get(key, _ABSENT) != value})
            whole[name] = live
        self._names = frozenset(self._maps["modules"] or ()) if reshaped else self._base_names
        self._resolved = replace(ctx, base="", dropped={}, **whole)
        return self._resolved

    def names(self, ctx: RunContext) -> frozenset[str]:
        """The module names of ``ctx``: kept, when it is the last context resolved here."""
        if ctx is self._resolved:
            return self._names
        return frozenset(ctx.modules)

    def clear(self) -> None:
        """Forget the base (a new heap)."""
        self.__init__()  # type: ignore[misc]  # the same fresh state
