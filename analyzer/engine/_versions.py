"""The committed state's maps, updated in place by each commit, while an earlier state still
reads as it was (issue 16: a recheck's cost follows what changed, not the project).

An update drafts its maps as an :class:`Overlay`: the committed map, untouched, under the
entries the update changes; a cancelled update just drops it. Its commit (:func:`settle`)
writes those entries into the committed map itself, so the new state holds the very same
dict, and no map is ever copied whole. The state the commit replaces is handed a
:class:`Retired` view instead: the live map under the values the commit overwrote, and under
those of every later commit, chained; reading an old state is slower, and rare (tests, a
caller that kept it), but it reads what it always did.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any, Generic, TypeVar

__all__ = ["ABSENT", "Overlay", "Retired", "applied", "settle"]

K = TypeVar("K")
V = TypeVar("V")


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


#: In a change or an undo record: the key is not in the map.
ABSENT: Any = _Absent()
_MISSING: Any = object()


class Overlay(MutableMapping[K, V], Generic[K, V]):
    """``base`` (never written here) with ``changes`` over it; :data:`ABSENT`: removed."""

    __slots__ = ("base", "changes")

    def __init__(self, base: Mapping[K, V], changes: dict[K, V] | None = None) -> None:
        self.base = base
        self.changes: dict[K, V] = {} if changes is None else changes

    def __getitem__(self, key: K) -> V:
        value = self.changes.get(key, _MISSING)
        if value is _MISSING:
            return self.base[key]
        if value is ABSENT:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        value = self.changes.get(key, _MISSING)  # type: ignore[arg-type]  # any key may be asked
        return key in self.base if value is _MISSING else value is not ABSENT

    def get(self, key: K, default: Any = None) -> Any:
        value = self.changes.get(key, _MISSING)
        if value is _MISSING:
            return self.base.get(key, default)
        return default if value is ABSENT else value

    def __iter__(self) -> Iterator[K]:
        # The order of a copy of ``base`` updated with the changes: kept keys in place,
        # new ones after.
        changes, base = self.changes, self.base
        for key in base:
            if changes.get(key, _MISSING) is not ABSENT:
                yield key
        for key, value in changes.items():
            if value is not ABSENT and key not in base:
                yield key

    def __len__(self) -> int:
        n = len(self.base)
        for key, value in self.changes.items():
            if key in self.base:
                n -= value is ABSENT
            else:
                n += value is not ABSENT
        return n

    def __setitem__(self, key: K, value: V) -> None:
        self.changes[key] = value

    def __delitem__(self, key: K) -> None:
        if key not in self:
            raise KeyError(key)
        self.changes[key] = ABSENT

    def pop(self, key: K, default: Any = None) -> Any:
        """Remove ``key`` (from the overlay; the base stays as it is); its value or ``default``."""
        value = self.get(key, _MISSING)
        if value is _MISSING:
            return default
        self.changes[key] = ABSENT
        return value


class _Undo:
    """The values one commit overwrote (ABSENT: the key was not there), and the next's."""

    __slots__ = ("next", "values")

    def __init__(self, values: dict[Any, Any]) -> None:
        self.values = values
        self.next: _Undo | None = None


class Retired(Mapping[K, V], Generic[K, V]):
    """A replaced state's map: ``live`` under the values every commit since overwrote."""

    __slots__ = ("live", "undo")

    def __init__(self, live: Mapping[K, V], undo: _Undo) -> None:
        self.live = live
        self.undo = undo

    def __getitem__(self, key: K) -> V:
        node: _Undo | None = self.undo
        while node is not None:
            value = node.values.get(key, _MISSING)
            if value is not _MISSING:
                if value is ABSENT:
                    raise KeyError(key)
                return value
            node = node.next
        return self.live[key]

    def _overwritten(self) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        node: _Undo | None = self.undo
        while node is not None:
            for key, value in node.values.items():
                seen.setdefault(key, value)
            node = node.next
        return seen

    def __iter__(self) -> Iterator[K]:
        seen = self._overwritten()
        for key in self.live:
            if seen.get(key, _MISSING) is not ABSENT:
                yield key
        for key, value in seen.items():
            if value is not ABSENT and key not in self.live:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _write(live: dict[Any, Any], changes: Mapping[Any, Any]) -> dict[Any, Any]:
    """Write ``changes`` into ``live``; the values they overwrote (ABSENT: none)."""
    undo: dict[Any, Any] = {}
    for key, after in changes.items():
        before = live.get(key, ABSENT)
        if before is after:
            continue
        undo[key] = before
        if after is ABSENT:
            del live[key]
        else:
            live[key] = after
    return undo


def applied(value: Mapping[K, V]) -> Mapping[K, V]:
    """``value`` as one map: an :class:`Overlay` of a dict no one else reads (a map the
    session keeps for its latest state alone) is written into that dict, which is returned."""
    if isinstance(value, Overlay) and isinstance(value.base, dict):
        _write(value.base, value.changes)
        return value.base
    return value


def settle(old: Any, new: Any, name: str, value: Mapping[Any, Any]) -> None:
    """Give ``new`` its field ``name`` from the update's ``value``: an :class:`Overlay` of
    ``old``'s own map is written into that map, which ``new`` then holds, and ``old`` reads
    its version through a :class:`Retired` view from then on; any other map is ``new``'s as
    it is. (Each state keeps, in ``_undo_tails``, the record older states read through.)"""
    live = getattr(old, name)
    if not isinstance(value, Overlay) or value.base is not live or not isinstance(live, dict):
        # An overlay of anything else is made one map: overlays never pile up.
        setattr(new, name, dict(value) if isinstance(value, Overlay) else value)
        return
    node = _Undo(_write(live, value.changes))
    previous = old.__dict__.get("_undo_tails", {}).get(name)
    if previous is not None:
        previous.next = node
    setattr(old, name, Retired(live, node))
    setattr(new, name, live)
    new.__dict__.setdefault("_undo_tails", {})[name] = node
