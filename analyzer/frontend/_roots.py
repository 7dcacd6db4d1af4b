"""Which project each command-line path belongs to: found, not declared.

A path's project is, in order: the ``--config`` file's directory; else the directory of the
nearest ``pyproject.toml`` above it with a ``[tool.shoal]`` table; else its nearest ancestor
holding a project marker (:data:`MARKERS`). A path with none of these keeps the old
behaviour: no root, the index is what was named. Paths of different projects are checked
as separate projects (each its own index), and their findings merged.

The search never climbs out of a ``site-packages`` directory or the interpreter's standard
library: an installed package is not part of the project that happens to hold the venv.
"""
from __future__ import annotations

import functools
import os
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.frontend._config import find_config
from analyzer.frontend._lent_config import find_lent_config

__all__ = ["MARKERS", "Project", "find_marker_root", "group_paths"]

#: Files or directories whose presence makes a directory a project root (ruff's and
#: setuptools' markers, and a git work tree's top).
MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
#: Markers only where no :data:`MARKERS` is found above: ruff's own files. A nested one
#: (a monorepo package's ``ruff.toml``) must not split the project its repository is.
FALLBACK_MARKERS = ("ruff.toml", ".ruff.toml")

_INSTALL_DIRS = frozenset({"site-packages", "dist-packages"})


@dataclass
class Project:
    """One project among the command-line paths: its root, why, and the paths in it."""

    #: The configuration file in force, ``None`` for the defaults.
    config_path: Path | None
    #: The directory indexed as the project; ``None``: no marker, the index is what was named.
    root: Path | None
    #: Why this root: ``"--config FILE"``, ``"pyproject.toml with [tool.shoal]"``, the marker
    #: found (``".git"``...), or why there is none.
    reason: str
    #: The command-line paths (as given) that belong to it, in command-line order.
    paths: list[str] = field(default_factory=list)
    #: ``config_path`` is the project's ruff or flake8 configuration, lent (``lent_config``).
    borrowed: bool = False


@functools.cache
def _stdlib_dirs() -> frozenset[str]:
    """This interpreter's standard-library directories, resolved (asked once: sysconfig
    expands its path templates on every call, which cost 0.3 ms per named file)."""
    found = set()
    for key in ("stdlib", "platstdlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            found.add(os.path.realpath(path))
    return frozenset(found)


def _is_boundary(directory: str, stdlib: frozenset[str]) -> bool:
    """A directory no project root may be at or above: site-packages, or a standard library
    (this interpreter's, or any ``lib/pythonX.Y`` holding ``os.py``)."""
    name = os.path.basename(directory)
    if name in _INSTALL_DIRS or os.path.realpath(directory) in stdlib:
        return True
    return name.startswith("python3") and os.path.isfile(os.path.join(directory, "os.py"))


def find_marker_root(path: str | os.PathLike[str],
                     markers: tuple[str, ...] = MARKERS) -> tuple[Path, str] | None:
    """The nearest directory at or above ``path`` holding one of ``markers``, with the
    marker's name; ``None`` when there is none below a site-packages or standard-library
    boundary."""
    start = os.path.abspath(os.fspath(path))
    directory = start if os.path.isdir(start) else os.path.dirname(start)
    stdlib = _stdlib_dirs()
    while True:
        if _is_boundary(directory, stdlib):
            return None
        for marker in markers:
            if os.path.lexists(os.path.join(directory, marker)):
                return Path(directory), marker
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def group_paths(
    paths: Iterable[str], *, config: str | os.PathLike[str] | None = None,
    locations: dict[str, str] | None = None, cwd: str | None = None, isolated: bool = False,
) -> list[Project]:
    """The projects the command-line ``paths`` belong to, in order of first appearance.

    :param config: ``--config FILE``: one project, rooted at the file's directory.
    :param isolated: ``--isolated``: each project rooted at its marker, no configuration
        file read (neither ``[tool.shoal]`` nor one it would borrow).
    :param locations: where a path lies when it is not a file system path (``"-"``: the
        ``--stdin-filename``).
    """
    base = os.path.abspath(cwd if cwd is not None else os.getcwd())
    given = list(paths) or ["."]
    if config is not None:
        config_path = Path(os.path.abspath(config))
        return [Project(config_path, config_path.parent, f"--config {config}", given)]
    projects: dict[tuple[str, str], Project] = {}
    # Both searches start at the path's directory: asked once per directory, not per file
    # (pre-commit and editors name files by the thousand, most of them side by side).
    known: dict[str, tuple[tuple[str, str], Project]] = {}
    for arg in given:
        start = os.path.abspath(os.path.join(base, (locations or {}).get(arg, arg)))
        directory = start if os.path.isdir(start) else os.path.dirname(start)
        found = known.get(directory)
        if found is None:
            # The path itself, as both searches take it (they find its directory the same way).
            found = known[directory] = _project_at(start, isolated)
        key, project = found
        projects.setdefault(key, project).paths.append(arg)
    return list(projects.values())


def _project_at(path: str, isolated: bool = False) -> tuple[tuple[str, str], Project]:
    """The project ``path`` belongs to, keyed by what found it."""
    config = None if isolated else find_config(path)
    if config is not None:
        return ("config", str(config)), Project(config, config.parent,
                                                f"{config.name} with [tool.shoal]")
    marker = find_marker_root(path) or find_marker_root(path, FALLBACK_MARKERS)
    if marker is not None:
        root = marker[0]
        if isolated:
            return ("root", str(root)), Project(None, root, f"holds {marker[1]} (--isolated: "
                                                             "no configuration file read)")
        lent = find_lent_config(root)
        if lent is not None:
            return ("lent", str(lent)), Project(
                lent, root, f"holds {marker[1]}; {lent.name} lends its settings "
                "(no [tool.shoal])", borrowed=True)
        return ("root", str(root)), Project(None, root, f"holds {marker[1]}")
    return ("none", ""), Project(None, None, "no project marker above the path "
                                 f"({', '.join(MARKERS + FALLBACK_MARKERS)}): the index is what was named")
