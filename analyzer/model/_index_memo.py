"""What a project index works out about other modules, kept from one update to the next.

An index memoizes each lookup's answer with the dependency keys it read (docs/contracts.md
§3), and the facts and export tables of the modules it loaded. Over one project snapshot
that memo starts empty; a worker of ``shoal watch`` would then resolve a hub's names again
for each recheck of its hundred readers. :class:`IndexMemo` outlives the snapshot: after an
update, :meth:`IndexMemo.forget` drops what read a module whose content changed, and the
rest stays true, because an answer is a function of the facts of the modules its keys
name and of the set of module names (a caller that sees that set change starts afresh).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from analyzer.model._facts import Export, ModuleFacts

__all__ = ["IndexMemo"]


class IndexMemo:
    """Lookup answers, facts and export tables over one set of module names, each dropped
    when a module it read changes (see the module doc)."""

    def __init__(self) -> None:
        #: (module, name) -> (answer, the keys read to find it)
        self.answers: dict[tuple[str, str], tuple[Any, tuple[str, ...]]] = {}
        #: module -> its facts (None: unreadable), as loaded
        self.facts: dict[str, ModuleFacts | None] = {}
        #: module -> its exports by name
        self.exports: dict[str, dict[str, Export]] = {}
        # module -> the answers that read a key of it; None: nothing is ever forgotten (an
        # index of one snapshot), so the bookkeeping is not paid
        self._readers: dict[str, set[tuple[str, str]]] | None = None

    @classmethod
    def kept(cls) -> IndexMemo:
        """A memo that will outlive its snapshot: it notes what each answer read."""
        memo = cls()
        memo._readers = {}
        return memo

    def remember(self, question: tuple[str, str], answer: Any, keys: tuple[str, ...]) -> None:
        """Memoize ``answer`` to ``question`` (module, name), found by reading ``keys``."""
        self.answers[question] = (answer, keys)
        readers = self._readers
        if readers is None:
            return
        # A lookup records the key of every module it reads, the module's name itself
        # (docs/contracts.md §3), beside ``m:name`` and ``m:*``: those add no module.
        for key in keys:
            if ":" in key:
                continue
            found = readers.get(key)
            if found is None:
                readers[key] = {question}
            else:
                found.add(question)

    def forget(self, modules: Iterable[str]) -> None:
        """Drop the facts and exports of ``modules`` and every answer that read one of them."""
        readers = self._readers
        if readers is None:
            raise RuntimeError("this memo does not note what its answers read: use kept()")
        answers = self.answers
        for module in modules:
            self.facts.pop(module, None)
            self.exports.pop(module, None)
            for question in readers.pop(module, ()):
                answers.pop(question, None)
