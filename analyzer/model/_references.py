"""What the index answers for ``ProjectIndex.references``: the names other modules reference
in a module, gathered from their facts (docs/contracts.md §3; SH005 reads it)."""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from analyzer.model._facts import ModuleFacts

__all__ = ["referenced_names"]


def referenced_names(module: str, names: Collection[str],
                     facts_of: Callable[[str], ModuleFacts | None],
                     referrers: Mapping[str, Sequence[str]] | None) -> frozenset[str]:
    """The union of the other project modules' ``references`` into ``module``; only the
    modules ``referrers`` lists for it are read (without the map: every module)."""
    candidates = names if referrers is None else referrers.get(module, ())
    found: set[str] = set()
    for other in sorted(candidates):
        # A stale referrer (gone, or no longer referencing) costs a load and adds nothing.
        facts = facts_of(other) if other != module and other in names else None
        if facts is None:
            continue
        for target, referenced in facts.references:
            if target == module:
                found.update(referenced)
                break
    return frozenset(found)
