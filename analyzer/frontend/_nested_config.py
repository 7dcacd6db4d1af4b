"""Ruff configurations below a project's root, each governing its own subtree, as in ruff.

ruff checks a file with the configuration nearest above it, and a nested one stands alone
unless it ``extend``s another: setuptools' ``_vendor/ruff.toml`` says ``exclude = ["*"]``,
pylint's ``doc/data/ruff.toml`` selects only ``E501`` and ``I`` for the example files that
hold every mistake on purpose (157 of the 160 findings of a first run of shoal on pylint).
So in a project without ``[tool.shoal]``, the walk reads each such file as it meets its
directory (:class:`NestedConfigs`), prunes what it excludes there, and the findings of the
files under it follow its selection and per-file ignores (``Config.nested``).

A nested file may turn on rules the project's own selection leaves off, as in ruff: the
run then checks their union, and the files no nested file governs keep to the root's own
(``Config.root_selected``). What it cannot do here: take back a root ``exclude`` (the walk
applies the root's everywhere), which only ever spares a finding.
"""
from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

from analyzer.frontend._config import NestedConfig
from analyzer.frontend._lent_config import RUFF_FILES, lent_config, ruff_table

__all__ = ["NESTED_NAMES", "NestedConfigs"]

#: The names that make a directory's entries worth a second look.
NESTED_NAMES = frozenset(RUFF_FILES)


class NestedConfigs:
    """The nested ruff configurations of one project, found directory by directory."""

    def __init__(self, root: str | None, enabled: bool) -> None:
        self.root = root
        self.enabled = enabled and root is not None
        self._at: dict[str, NestedConfig | None] = {}

    def at(self, directory: str, names: Collection[str] | None = None) -> NestedConfig | None:
        """The configuration nearest above ``directory`` (itself included), below the root;
        ``names``: those of :data:`NESTED_NAMES` among its entries, when they are known."""
        try:
            return self._at[directory]
        except KeyError:
            pass
        found: NestedConfig | None = None
        root = self.root
        if self.enabled and root is not None and directory.startswith(root + os.sep):
            found = self._own(directory, names)
            if found is None:
                found = self.at(os.path.dirname(directory))
        self._at[directory] = found
        return found

    def found(self) -> tuple[NestedConfig, ...]:
        """Every configuration met, deepest directory first (the first that holds a path
        governs it)."""
        unique = {n.directory: n for n in self._at.values() if n is not None}
        return tuple(sorted(unique.values(), key=lambda n: n.directory.count(os.sep),
                            reverse=True))

    def _own(self, directory: str, names: Collection[str] | None) -> NestedConfig | None:
        for name in RUFF_FILES:
            path = Path(directory, name)
            if names is not None and name not in names:
                continue
            if not path.is_file():
                continue
            if name == "pyproject.toml" and not ruff_table(path):
                continue
            return NestedConfig(directory, lent_config(path))
        return None
