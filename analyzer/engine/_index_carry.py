"""A worker's project-index memo, carried from one update to the next (issue 16: a hub's
recheck resolves again only what its edit moved).

Each update's phase 2 builds a new project index over the update's context. Its memo of
lookups starts from the one the worker's last index left, minus what read a module whose
entry (content digest, path) moved in between (``_ctx_live.LiveContext.take_moved``); a
change of the module names, of the facts' recipe, or moves the worker cannot name start
an empty memo (``analyzer.model._index_memo``).
"""
from __future__ import annotations

from typing import Any

from analyzer.model import IndexMemo

__all__ = ["IndexCarry"]


class IndexCarry:
    """The memo a worker's next project index starts from (see the module doc)."""

    def __init__(self) -> None:
        self._memo: IndexMemo | None = None
        self._names: frozenset[str] | None = None
        self._recipe: Any = None

    def memo(self, names: frozenset[str], moved: set[str] | None, recipe: Any) -> IndexMemo:
        """The memo for an index over ``names``, whose modules ``moved`` (None: unknown)
        since the last call, with facts made by ``recipe`` (compared by equality)."""
        memo = self._memo
        # A module name with a colon would pass for a symbol's key, which
        # ``IndexMemo.remember`` does not note: start afresh when one moves.
        if memo is None or moved is None or recipe != self._recipe \
                or (names is not self._names and names != self._names) \
                or any(":" in module for module in moved):
            memo = IndexMemo.kept()
        else:
            memo.forget(moved)
        self._memo, self._names, self._recipe = memo, names, recipe
        return memo

    def clear(self) -> None:
        """Forget the memo (a new heap)."""
        self._memo = self._names = self._recipe = None
