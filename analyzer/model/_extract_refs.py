"""References for SH005 (unused-definition): what a module uses of its own names, and which
names of which other modules it names (docs/contracts.md, "References").

Both are recorded as written, without reading any other module: an import names
``(module, name)``, an attribute chain ``m.a.b`` of an imported name names ``(m, a)`` and
``(m.a, b)``. A re-export is an import, so a chain of re-exports references every hop; a
pair that names no definition (``m.a`` is a class, not a module) costs nothing. Project rules
read the pairs of other modules through the index, which records the dependency.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from analyzer.model._answers import absolute_module
from analyzer.model._facts import Export, Import

__all__ = ["Usage", "module_references", "own_uses"]

#: Strings longer than this are prose or data, not a name (``getattr(m, "name")``).
MAX_NAME_STRING = 200
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Usage:
    """What the full walk saw being used: names read, identifiers in short strings, and the
    dotted attribute chains whose first name an import binds."""

    __slots__ = ("loads", "strings", "chains")

    def __init__(self) -> None:
        self.loads: set[str] = set()
        self.strings: set[str] = set()
        self.chains: set[str] = set()

    def add_string(self, value: str) -> None:
        """Note the identifiers of a string that may name something (``getattr``,
        ``__all__``, a string annotation ``"Optional[Node]"``): short, without spaces."""
        # The facts walk's C loop does the first two cases itself (``_traverse_gates.h``).
        if not value or len(value) > MAX_NAME_STRING:
            return
        if value.isidentifier():
            self.strings.add(value)
        elif value.split() == [value]:  # no whitespace (str.split splits at str.isspace)
            self.strings.update(_IDENTIFIER.findall(value))


def own_uses(usage: Usage, exports: Mapping[str, Export],
             all_names: Iterable[str] | None, self_references: Iterable[str]) -> tuple[str, ...]:
    """The module's own definitions (functions, classes, variables) it uses, sorted."""
    defined = {name for name, e in exports.items() if e.kind != "import"}
    if not defined:
        return ()
    used = (usage.loads | usage.strings | set(self_references)) & defined
    if all_names is not None:
        used.update(n for n in all_names if n in defined)
    return tuple(sorted(used))


def module_references(
    module: str, is_package: bool, imports: Iterable[Import], chains: Iterable[str]
) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], tuple[str, ...]]:
    """(target module -> the names this module references in it, sorted by target; the
    names it references in itself through an import of itself)."""
    refs: dict[str, set[str]] = {}

    def add(target: str, name: str) -> None:
        refs.setdefault(target, set()).add(name)

    # name bound by an import -> the modules the name may stand for
    bases: dict[str, set[str]] = {}
    # A module named by its folder (``examples/app/pkg.mod``, outside the project's package
    # roots): its relative imports stay in that folder.
    folder = module.rpartition("/")[0]
    for imp in imports:
        target = absolute_module(module, is_package, imp.level, imp.module)
        if target is None:
            continue
        if folder and imp.level and "/" not in target:
            target = f"{folder}/{target}"
        if imp.name is None:
            # ``import a.b.c`` reads ``b`` of ``a`` and ``c`` of ``a.b``.
            parts = target.split(".")
            for i in range(1, len(parts)):
                add(".".join(parts[:i]), parts[i])
            bound, base = (imp.alias, target) if imp.alias else (parts[0], parts[0])
        else:
            add(target, imp.name)
            if imp.name == "*":
                continue
            # ``from p import m`` then ``m.f``: ``m`` may be the submodule ``p.m``.
            bound, base = imp.alias or imp.name, f"{target}.{imp.name}"
        bases.setdefault(bound, set()).add(base)
    for chain in chains:
        root, *rest = chain.split(".")
        for base in bases.get(root, ()):
            current = base
            for part in rest:
                add(current, part)
                current = f"{current}.{part}"
    own = refs.pop(module, set())
    return tuple((t, tuple(sorted(names))) for t, names in sorted(refs.items())), \
        tuple(sorted(own))
