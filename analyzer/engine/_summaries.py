"""A one-shot check's project index keeps facts summaries, not whole facts.

A worker's index loads the facts of every module its modules read (most of the project,
by the end of phase 2) and keeps them for its later readers. Most of that is what only a
module's own check reads (its calls, attribute chains and uses: half the facts), so in a
one-shot check, which has no next update to keep whole facts for, the index keeps the
summaries (``ModuleFacts.summary``) and ``ProjectIndex.resolve`` hands a rule the whole
facts from the heap, the last few kept. ``shoal watch`` keeps whole facts (``_index_carry``).
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from analyzer.model import ModuleFacts

__all__ = ["WHOLE_KEPT", "summaries"]

#: whole facts kept for ``resolve``: the modules a module's rules resolve one after the
#: other, and the hubs (``os``, ``typing``) most of them resolve
WHOLE_KEPT = 16

Loader = Callable[[str], ModuleFacts | None]


def summaries(load: Loader) -> tuple[Loader, Loader]:
    """(summaries, whole facts) loaders over ``load``, for ``ProjectIndex(load, whole=)``."""
    kept: OrderedDict[str, ModuleFacts | None] = OrderedDict()

    def summary(module: str) -> ModuleFacts | None:
        facts = load(module)
        return None if facts is None else facts.summary()

    def whole(module: str) -> ModuleFacts | None:
        if module in kept:
            kept.move_to_end(module)
            return kept[module]
        facts = kept[module] = load(module)
        if len(kept) > WHOLE_KEPT:
            kept.popitem(last=False)
        return facts

    return summary, whole
