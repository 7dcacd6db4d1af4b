"""A worker's decoded facts, kept from one update to the next.

A facts key names a module's content (``facts_key``), so the value under it never changes
while the facts' recipe does not: the extractors that run and the rule settings. The heap
table's own cache is dropped whenever the master removes an entry, which every update does,
so without this each update unpickled again every module its project rules read (a hub's
hundred readers read hundreds of modules: most of a signature change's recheck).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analyzer.engine._tasks import facts_key

__all__ = ["FactsCache"]


class FactsCache:
    """Decoded facts by facts key, valid for one recipe (see the module doc)."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._recipe: Any = None
        #: values decoded (``load`` called) in this process: what a warm-up saves is seen here
        self.loads = 0

    def adopt(self, recipe: Any, live: Mapping[str, tuple[str, str]]) -> None:
        """Start serving a run whose facts are made by ``recipe`` (compared by equality),
        over the modules ``live`` (module -> digest, path); forget values another recipe
        made, and superseded ones once they outnumber the live."""
        if recipe != self._recipe:
            self._values = {}
            self._recipe = recipe
        elif len(self._values) > 2 * len(live) + 64:
            # Superseded contents pile up in a long session: keep the live ones only. Not
            # a fresh start: the next hub edit would decode its readers' facts again, what
            # the idle warm-up (``_warm``) took off a recheck.
            values = self._values
            self._values = {key: value for module, (digest, path) in live.items()
                            if (value := values.get(key := facts_key(module, digest, path)))
                            is not None}

    @property
    def active(self) -> bool:
        """Whether a run was adopted (until then, nothing is cached)."""
        return self._recipe is not None

    @property
    def held(self) -> int:
        """How many decoded values are kept."""
        return len(self._values)

    def get(self, key: str, load: Any) -> Any:
        """The value under ``key``: cached, else ``load(key)`` (kept unless None)."""
        value = self._values.get(key)
        if value is None:
            self.loads += 1
            value = load(key)
            if value is not None:
                self._values[key] = value
        return value

    def clear(self) -> None:
        """Forget everything (a new heap)."""
        self._values = {}
        self._recipe = None
