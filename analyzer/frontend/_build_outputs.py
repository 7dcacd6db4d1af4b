"""What a build may make that the source tree lacks, per package (``Discovery.outputs``).

Two sources say so, as rules for a package folder's entries (``OutputRule``: glob of one
path component, ignores, folders only; the last match decides):

- the ``.gitignore`` files in force there (:func:`~analyzer.frontend._gitignore.output_rules`):
  git ignores what a build writes, protoc's ``*_pb2.py``, a generated ``gen/``;
- a ``meson.build`` in the folder (:data:`MESON_RULES`): meson-python installs what it lists
  and makes, ``configure_file``'s ``__config__.py``, extension modules built from generated
  sources, subprojects vendored into the folder (SciPy): any module may be one.

The index reads them through ``model.BuildOutputs``: a module they cover is UNKNOWN, not
missing.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from analyzer.frontend._gitignore import IgnoreStack, OutputRule, output_rules

__all__ = ["MESON_RULES", "folder_rules", "package_outputs"]

#: The rules of a package folder a ``meson.build`` builds: every entry.
MESON_RULES: tuple[OutputRule, ...] = (("*", True, False), ("*", True, True))


def folder_rules(directory: str, ignores: IgnoreStack, meson: bool) -> tuple[OutputRule, ...]:
    """The rules of a package folder's entries: meson's first (a ``.gitignore`` that
    re-includes a name says it is committed), then the ``.gitignore`` files'."""
    rules = output_rules(directory, ignores) if ignores.specs else ()
    return MESON_RULES + rules if meson else rules


def package_outputs(packages: Iterable[tuple[str, str]],
                    rules: Mapping[str, tuple[OutputRule, ...]],
                    ) -> dict[str, tuple[OutputRule, ...]]:
    """Package -> its rules (``Discovery.outputs``), for the ``(module, folder)`` of each
    package: its folder's."""
    found: dict[str, tuple[OutputRule, ...]] = {}
    if rules:
        for module, folder in packages:
            folder_has = rules.get(folder)
            if folder_has:
                found[module] = folder_has
    return found
