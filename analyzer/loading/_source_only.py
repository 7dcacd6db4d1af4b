"""Local plugins compile from their source on every load, never from a ``.pyc``.

Python trusts a ``.pyc`` while the source's mtime, in whole seconds, and its size are those
it was compiled from: a plugin edited in the same second as the run that compiled it, to a
text of the same length (``VERSION = 1`` -> ``VERSION = 2``), loaded the old rule. The rules
then ran old code under a cache key, and front-door witnesses, made from the new source.
A plugin is a few files; compiling them costs a millisecond or two per run. Plugins named
by a module (an editable install of one's own rules) load the same way when that module is
a source file.
"""
from __future__ import annotations

import importlib.machinery
import sys
from collections.abc import Sequence
from types import CodeType, ModuleType

__all__ = ["SourceOnlyLoader", "install_finder"]


class SourceOnlyLoader(importlib.machinery.SourceFileLoader):
    """A source file loader that ignores and writes no bytecode cache."""

    def get_code(self, fullname: str) -> CodeType:
        """The module's code, compiled from its source now."""
        path = self.get_filename(fullname)
        return self.source_to_code(self.get_data(path), path)


class _PrivateFinder:
    """Finds the submodules of a plugin package (the children of its private name when it
    was loaded from a path, of its own name otherwise) as the path finder does, with
    :class:`SourceOnlyLoader`."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        """The spec of a private plugin submodule, or None for any other module."""
        if not fullname.startswith(self.prefix) or path is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            spec.loader = SourceOnlyLoader(spec.loader.name, spec.loader.path)
        return spec


def install_finder(prefix: str) -> None:
    """Put the finder of ``prefix``'s submodules first on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _PrivateFinder) and f.prefix == prefix for f in sys.meta_path):
        sys.meta_path.insert(0, _PrivateFinder(prefix))
