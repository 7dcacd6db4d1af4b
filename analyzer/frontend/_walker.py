"""The walk of a project's directories: what is pruned, and what a pruned path still says.

:class:`Walker` lists the directories :func:`~._discovery.discover` asks for, as ruff walks
them (the rules are in ``_discovery``'s docstring), and keeps what the listing taught on the
way: the directories' stamps, the git-ignored build outputs, the meson files, the nested ruff
configurations.
"""
from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator

from analyzer.frontend._build_outputs import PROTO_SUFFIXES, read_meson
from analyzer.frontend._config import Config
from analyzer.frontend._gitignore import (
    IgnoreStack,
    OutputRule,
    git_root,
    ignore_stack_for,
    named_sources,
    output_rules,
)
from analyzer.frontend._globs import expand_braces, glob_matches
from analyzer.frontend._naming import (
    EXTENSION_SOURCE_SUFFIXES,
    EXTENSION_SUFFIXES,
    NOTEBOOK_SUFFIX,
    PACKAGE_FILES,
    PYTHON_SUFFIXES,
    module_file,
    within_any,
)
from analyzer.frontend._nested_config import NESTED_NAMES, NestedConfigs

__all__ = ["Walker", "force_excluded"]

#: What the walk yields: sources, stubs, compiled extensions and Jupyter notebooks (checked
#: as ruff checks them, ``_notebook``).
_WALKED_SUFFIXES = (*PYTHON_SUFFIXES, *EXTENSION_SUFFIXES, NOTEBOOK_SUFFIX)


class Walker:
    """One discovery's walk: its excludes, and what it learnt while listing."""

    def __init__(self, config: Config, root: str | None = None) -> None:
        self.root = root if root is not None else os.getcwd()
        #: Ruff configurations below the root, read where the walk meets them, when the
        #: project has no ``[tool.shoal]`` (a lent or no configuration).
        self.nested = NestedConfigs(root, (config.path is None or bool(config.borrowed))
                                    and not config.isolated)
        # Split once: most excludes are plain names (a set lookup per entry); only patterns
        # with a slash need the entry's relative path, which costs a relpath per entry.
        names = [p.rstrip("/") for p in config.excludes if "/" not in p.rstrip("/")]
        self.literal_names = frozenset(n for n in names if not _has_magic(n))
        self.name_globs = tuple(n for n in names if _has_magic(n))
        self.path_globs = tuple(p for p in config.excludes if "/" in p.rstrip("/"))
        #: ``include``'s globs, alternations spelt out (empty: every file is included)
        self.include = tuple(g for p in config.include or () for g in expand_braces(p))
        #: Directories descended into, so a named directory already walked is not walked again.
        self.visited: set[str] = set()
        #: Directories that could not be listed -> why (``Permission denied``).
        self.unreadable: dict[str, str] = {}
        #: Directory walked -> (mtime, inode) taken before it was listed: while they hold, so
        #: does the listing (what the front door, ``interfaces._front``, relies on).
        self.stamps: dict[str, tuple[int, int]] = {}
        #: Python files walked although git-ignored: build outputs (setuptools-scm's
        #: ``_version.py``, generated ``*_pb2.py``), indexed as opaque modules, never reported.
        self.ignored: set[str] = set()
        #: Python files a ``.gitignore`` names by path (:func:`named_sources`): build
        #: outputs, whether or not a build has made them yet.
        self.named_outputs: set[str] = set()
        #: Package folder -> the .gitignore rules for its entries (``output_rules``), when
        #: one ignores something: its missing modules may be build outputs.
        self.ignored_rules: dict[str, tuple[OutputRule, ...]] = {}
        #: The ``meson.build`` files walked, and the names they mention
        #: (``_build_outputs.meson_names``).
        self.meson_files: list[str] = []
        self.meson_names: set[str] = set()
        #: Folder -> the protobuf sources in it (``_build_outputs.proto_rules``).
        self.protos: dict[str, list[str]] = {}
        self._same_rules: dict[tuple[OutputRule, ...], tuple[OutputRule, ...]] = {}
        #: ``namespace-packages``: packages without an ``__init__.py`` (as ``_Namer`` has them)
        self.namespaces = tuple(os.fspath(d) for d in config.namespace_packages)

    def excluded(self, path: str, directory: str | None = None) -> bool:
        """Whether ``path`` (in ``directory``, its parent) is pruned: by the project's
        excludes, or by those of a nested ruff configuration above it."""
        if self.nested.enabled:
            nested = self.nested.at(directory or os.path.dirname(path))
            if nested is not None and nested.excludes(path):
                return True
        name = os.path.basename(path)
        if name in self.literal_names:
            return True
        if any(fnmatch.fnmatchcase(name, glob) for glob in self.name_globs):
            return True
        if not self.path_globs:
            return False
        relative = os.path.relpath(path, self.root).replace(os.sep, "/")
        if relative.startswith(".."):
            relative = path.replace(os.sep, "/")
        return any(glob_matches(glob, relative, name) for glob in self.path_globs)

    def included(self, path: str) -> bool:
        """Whether a walked file matches ``include`` (always, without one)."""
        if not self.include:
            return True
        relative = os.path.relpath(path, self.root).replace(os.sep, "/")
        name = os.path.basename(path)
        return any(glob_matches(glob, relative, name) for glob in self.include)

    def walk(self, directory: str) -> Iterator[str]:
        """Every Python file under ``directory`` (itself never excluded: it was asked for)."""
        in_git = git_root(directory) is not None
        ignores = ignore_stack_for(directory) if in_git else IgnoreStack()
        if ignores.specs and ignores.ignored(directory, is_dir=True):
            # Asked for explicitly although an ancestor's .gitignore covers it: like ruff (the
            # ignore crate never re-checks the walk root's parents), only the .gitignore files
            # from here down apply.
            ignores = IgnoreStack().child(directory)
        for base, spec in ignores.specs:
            self.named_outputs.update(named_sources(base, spec))
        yield from self._walk(directory, ignores, in_git)

    def _package(self, directory: str, entries: list[os.DirEntry[str]]) -> bool:
        """``directory``, listed as ``entries``, is a package's folder (asked only of the
        folders where the answer matters)."""
        return any(e.name in PACKAGE_FILES for e in entries) \
            or within_any(directory, self.namespaces)

    def _walk(self, directory: str, ignores: IgnoreStack, in_git: bool,
              under_package: bool = False) -> Iterator[str]:
        # ``under_package``: a package's folder lies above, so this one is importable (a
        # namespace subpackage, metpy's ``io/_metar_parser/``) though it has no __init__.
        self.visited.add(directory)
        try:
            st = os.stat(directory)
            self.stamps[directory] = (st.st_mtime_ns, st.st_ino)
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as exc:
            # Nothing under it can be checked; discover() reports it (E902, as ruff does)
            # when it lies in a named directory.
            self.unreadable[directory] = exc.strerror or type(exc).__name__
            return
        package = None
        if self.nested.enabled:
            self.nested.at(directory, [e.name for e in entries if e.name in NESTED_NAMES])
        meson = any(e.name == "meson.build" for e in entries)
        if meson:
            build = os.path.join(directory, "meson.build")
            self.meson_files.append(build)
            self.meson_names |= read_meson(build)
        if ignores.specs:
            package = self._package(directory, entries)
            rules = output_rules(directory, ignores) if package else ()
            if rules:
                # One object for equal rules (most folders share a stack).
                self.ignored_rules[directory] = self._same_rules.setdefault(rules, rules)
        for entry in entries:
            path = entry.path
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = entry.is_file()  # a symlink to a file counts as the file
            except OSError:
                continue
            if self.excluded(path, directory) or (
                    is_file and self.include and not self.included(path)):
                # Not checked, yet importable where it lies (hatchling's `cli/build/`
                # package, under the default `build` exclude): in a package, its module
                # stays in the index, opaque as a git-ignored source is.
                if package is None:
                    package = self._package(directory, entries)
                importable = package or under_package
                unread = module_file(path, is_dir, is_file) if importable else None
                if unread is not None:
                    self.ignored.add(unread)
                    yield unread
                continue
            if ignores.specs and ignores.ignored(path, is_dir):
                # A compiled extension or a generated source is git-ignored as a build
                # output, yet importable where it lies: its name stays in the index
                # (git-ignored directories, build/ copies among them, are still never walked).
                if is_dir or not entry.name.endswith(EXTENSION_SUFFIXES + PYTHON_SUFFIXES):
                    continue
                if is_file and entry.name.endswith(PYTHON_SUFFIXES):
                    self.ignored.add(path)
            if is_dir:
                inner = ignores.child(path) if in_git else ignores
                if inner is not ignores:  # a .gitignore of its own
                    self.named_outputs.update(named_sources(*inner.specs[-1]))
                if package is None:
                    package = self._package(directory, entries)
                yield from self._walk(path, inner, in_git, package or under_package)
            elif is_file and entry.name.endswith(_WALKED_SUFFIXES):
                yield path
            elif is_file and entry.name.endswith(EXTENSION_SOURCE_SUFFIXES):
                if package is None:
                    package = self._package(directory, entries)
                if package:
                    yield path
            elif is_file and entry.name.endswith(PROTO_SUFFIXES):
                self.protos.setdefault(directory, []).append(entry.name)


def _has_magic(pattern: str) -> bool:
    return any(char in pattern for char in "*?[")


def force_excluded(walker: Walker, path: str, stop: str) -> bool:
    """Whether ``path`` or a directory above it, up to ``stop``, is excluded."""
    current = path
    while current != stop:
        if walker.excluded(current):
            return True
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return False
