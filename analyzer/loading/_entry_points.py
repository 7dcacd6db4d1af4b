"""One entry-point group of the installed distributions, read without ``importlib.metadata``.

Every ``shoal check`` looks up the ``shoal.rules`` group, and importing
``importlib.metadata`` (it pulls in ``email``, ``zipfile``, ``csv``…) costs about 20 ms and
4–5 MiB in the master, which each forked worker inherits: a fifth of a warm no-change run,
and on the stdlib the difference between a peak below ruff's and one above it.

The scan follows ``importlib.metadata``'s path finder for the layouts pip, setuptools and
wheel install: each ``sys.path`` directory in order, its ``*.dist-info`` then ``*.egg-info``
directories, the first distribution of a normalised name winning, ``entry_points.txt`` read
as ``importlib.metadata`` reads it. Where that could differ (a finder on ``sys.meta_path``
that brings distributions of its own, a zip archive or an egg on ``sys.path``), the lookup goes
through ``importlib.metadata`` itself; ``tests/plugins/test_entry_points.py`` holds the two
to the same answer on the running environment.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce

__all__ = ["PluginEntryPoint", "entry_points"]

# importlib.metadata's own pattern for an entry point's value.
_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")
_INFO_SUFFIXES = (".dist-info", ".egg-info")


@dataclass(frozen=True)
class PluginEntryPoint:
    """One entry point: its name, its ``module:attr`` value and the distribution it came from."""

    name: str
    value: str
    dist_name: str | None
    dist_version: str | None

    @property
    def normalized_dist(self) -> str | None:
        """The distribution's name as PEP 503 compares it (``shoal-demo`` == ``Shoal_Demo``)."""
        return None if self.dist_name is None else _normalize(self.dist_name)

    def load(self) -> object:
        """Import the module and follow the attribute path, as ``EntryPoint.load`` does."""
        match = _VALUE.match(self.value)
        if match is None:
            raise ValueError(f"entry point {self.name!r} has a malformed value {self.value!r}")
        module = importlib.import_module(match.group("module"))
        attrs = filter(None, (match.group("attr") or "").split("."))
        return reduce(getattr, attrs, module)


def entry_points(group: str) -> list[PluginEntryPoint]:
    """The entry points of ``group``, one distribution per normalised name, in path order."""
    if _needs_importlib():
        return _through_importlib(group)
    found: list[PluginEntryPoint] = []
    for info in _unique_infos():
        text = _read(os.path.join(info, "entry_points.txt"))
        if text is None:
            continue
        pairs = [(name, value) for section, name, value in _sections(text) if section == group]
        if not pairs:
            continue
        dist_name, version = _name_and_version(info)
        found.extend(PluginEntryPoint(name, value, dist_name, version) for name, value in pairs)
    return found


def _needs_importlib() -> bool:
    """Distributions this scan would not see: a custom finder's, or ones inside a zip."""
    for finder in sys.meta_path:
        if finder is importlib.machinery.PathFinder:
            continue
        if getattr(finder, "find_distributions", None) is not None:
            return True
    # Zip archives and eggs: importlib.metadata reads inside them, this scan does not; nor
    # does it guess what a path entry that is not a string (a user's Path) stands for.
    return any(not isinstance(entry, str) or entry and (
        os.path.isfile(entry) or entry.lower().endswith(".egg")) for entry in sys.path)


def _through_importlib(group: str) -> list[PluginEntryPoint]:
    from importlib.metadata import entry_points as metadata_entry_points

    found = []
    for ep in metadata_entry_points(group=group):
        dist = getattr(ep, "dist", None)
        found.append(PluginEntryPoint(ep.name, ep.value, None if dist is None else dist.name,
                                      None if dist is None else dist.version))
    return found


def _unique_infos() -> Iterator[str]:
    """Metadata directories in ``importlib.metadata``'s order, the first of each name only."""
    seen: set[str] = set()
    for entry in sys.path:
        root = entry or "."
        try:
            children = os.listdir(root)
        except OSError:
            continue
        for child in children:
            if not child.lower().endswith(_INFO_SUFFIXES):
                continue
            # A metadata *file* (an old .egg-info) still claims its name, as in importlib.
            name = _normalize(child.rpartition(".")[0].partition("-")[0])
            if name not in seen:
                seen.add(name)
                yield os.path.join(root, child)


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _sections(text: str) -> Iterator[tuple[str | None, str, str]]:
    """``(section, name, value)`` for each ``name = value`` line, as importlib parses them."""
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
            continue
        name, sep, value = line.partition("=")
        if sep:
            yield section, name.strip(), value.strip()


def _name_and_version(info: str) -> tuple[str | None, str | None]:
    """``Name`` and ``Version`` from the metadata file's headers (they precede the body)."""
    text = _read(os.path.join(info, "METADATA")) or _read(os.path.join(info, "PKG-INFO")) or ""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        if sep and key in ("Name", "Version") and key not in fields:
            fields[key] = value.strip()
    return fields.get("Name"), fields.get("Version")


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None
