"""Build outputs: which missing modules a build may make (``.gitignore``, ``meson.build``,
``setup.py``).

A module that git ignores is never committed: protoc's ``service_pb2.py``, a generated
``gen/`` package, a ``local_settings.py`` each machine writes. A fresh checkout lacks it
until its build runs, and an import of it is no error then; nor is one of a module in a
folder meson builds (``__config__.py`` from ``configure_file``, an extension module from
generated sources), or of an extension module ``setup.py`` declares. Discovery hands over,
for each package with such rules, the rules of its folder's entries
(``frontend.Discovery.outputs``); the index asks :class:`BuildOutputs` before it calls a
module MISSING, as it asks :class:`~analyzer.model._planted.PlantedModules`, and a module a
build may make is UNKNOWN instead (docs/contracts.md §3).

The rules change only with a ``.gitignore``, a folder's listing or ``setup.py``: the watch
and the server rebuild on the first, ``Session.recheck`` re-discovers on the others and
rebuilds when the rules changed, and they key the cache (``engine._cache_keys``). A
package's rules come and go with the package itself, whose module key every reader of a
name under it has recorded. So no answer here needs a key.
"""
from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase

__all__ = ["BuildOutputs"]

#: (glob of one path component, ignores rather than re-includes, names directories only)
Rule = tuple[str, bool, bool]


class BuildOutputs:
    """The would-be build outputs of a project's packages (module doc above)."""

    __slots__ = ("_rules", "_indexed")

    def __init__(self, rules: Mapping[str, tuple[Rule, ...]] | None = None) -> None:
        self._rules = rules or {}
        #: id of a package's rules (held by ``_rules``, so the id stays theirs) -> indexed
        self._indexed: dict[int, _Indexed] = {}

    def may_make(self, module: str) -> bool:
        """Whether ``module``, which the project lacks, is one its package's rules cover:
        its file (``name.py``) or its package's folder (``name/``)."""
        package, _, name = module.rpartition(".")
        rules = self._rules.get(package) if package else None
        if not rules:
            return False
        indexed = self._indexed.get(id(rules))
        if indexed is None:
            indexed = self._indexed[id(rules)] = _Indexed(rules)
        return indexed.covers(name + ".py", False) or indexed.covers(name, True)


class _Indexed:
    """Rules with their exact names in a dict (a meson project's rules name hundreds), the
    globs in order: git's verdict, the last match deciding, without trying every rule."""

    __slots__ = ("exact", "globs")

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.exact: dict[str, list[tuple[int, bool, bool]]] = {}
        self.globs: list[tuple[int, str, bool, bool]] = []
        for index, (glob, include, dir_only) in enumerate(rules):
            if any(char in glob for char in "*?["):
                self.globs.append((index, glob, include, dir_only))
            else:
                self.exact.setdefault(glob, []).append((index, include, dir_only))

    def covers(self, entry: str, is_dir: bool) -> bool:
        """Whether the last rule matching ``entry`` ignores it."""
        last, verdict = -1, False
        for index, include, dir_only in self.exact.get(entry, ()):
            if index > last and (is_dir or not dir_only):
                last, verdict = index, include
        for index, glob, include, dir_only in self.globs:
            if index > last and (is_dir or not dir_only) and fnmatchcase(entry, glob):
                last, verdict = index, include
        return verdict
