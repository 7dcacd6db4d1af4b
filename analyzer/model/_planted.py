"""Modules planted in ``sys.modules``: which module names a project's writes may provide.

A module that writes ``sys.modules`` records the constant prefix of each key it writes
(``ModuleFacts.dynamic_modules``, encoded by :func:`analyzer.model._extract_dynamic.key_prefix`).
The index asks :class:`PlantedModules` before it calls a module or a name MISSING: one that
such a write may provide is UNKNOWN instead (docs/contracts.md §3).
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping

from analyzer.model._extract_dynamic import OWN_NAME, PATH_EXTENDED
from analyzer.model._facts import ModuleFacts


def writer_prefixes(writer: str, entries: Iterable[str]) -> tuple[str, ...]:
    """The module-name prefixes ``writer``'s recorded keys cover: a module ``m`` is covered
    when ``(m + ".").startswith(prefix)``. An unreadable key (``""``) covers the writer's
    top-level package; ``__name__`` is the writer. (What is under the writer's own name is
    covered whatever its keys: :meth:`PlantedModules.may_provide` looks above the name.)
    """
    prefixes: set[str] = set()
    for entry in entries:
        if entry == PATH_EXTENDED:
            continue  # no prefix: PlantedModules.may_provide asks the package itself
        if entry == "":
            prefixes.add(writer.split(".", 1)[0] + ".")
        elif entry.startswith(OWN_NAME):
            prefixes.add(writer + entry[len(OWN_NAME):])
        else:
            prefixes.add(entry)
    return tuple(sorted(prefixes))


class PlantedModules:
    """The project's ``sys.modules`` writers, collected on first need, for one snapshot.

    :param names: every project module; :param facts: a module's facts (cached by the caller);
    :param writers: if the caller knows them, every writer's ``dynamic_modules`` (then no scan).
    A writer plants what is under its own name, so writers above a name (the module, its
    packages) are found without a scan; any other writer needs every module's facts, read
    once per snapshot and only when a MISSING answer is at stake.
    """

    def __init__(
        self,
        names: Collection[str],
        facts: Callable[[str], ModuleFacts | None],
        writers: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self._names = names
        self._facts = facts
        self._writers = writers
        self._prefixes: tuple[str, ...] | None = None

    def may_provide(self, module: str) -> bool:
        """A ``sys.modules`` write somewhere in the project may plant ``module``."""
        dotted = module + "."
        parts = module.split(".")
        for i in range(1, len(parts) + 1):
            above = ".".join(parts[:i])
            entries: tuple[str, ...] = ()
            if self._writers is not None:
                entries = self._writers.get(above) or ()
            elif above in self._names:
                found = self._facts(above)
                if found is not None:
                    entries = found.dynamic_modules
            if not entries:
                continue
            if entries != (PATH_EXTENDED,):
                return True  # a writer plants what is under its own name
            if i < len(parts) and ".".join(parts[:i + 1]) not in self._names:
                return True  # a child an extended __path__ may find elsewhere
        return any(dotted.startswith(prefix) for prefix in self._all_prefixes())

    def _all_prefixes(self) -> tuple[str, ...]:
        if self._prefixes is None:
            writers = self._writers
            if writers is None:
                # Measured on a copy of the standard library (1,779 modules): 2.9 s on a
                # loaded 2-core machine, once per index, only when an answer would be MISSING.
                found = ((name, self._facts(name)) for name in sorted(self._names))
                writers = {n: f.dynamic_modules for n, f in found if f and f.dynamic_modules}
            prefixes: set[str] = set()
            for name, entries in writers.items():
                if entries:
                    prefixes.update(writer_prefixes(name, entries))
            self._prefixes = tuple(sorted(prefixes))
        return self._prefixes
