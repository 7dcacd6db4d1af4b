"""Which files make up the project, which of them to report on, and what module each one is.

The project index always covers the whole project — the ``src`` roots when configured, else
the configuration file's directory, else the project root found from a marker
(``analyzer.frontend._roots``), else what was named — because pre-commit passes only the
changed files and project rules (SH001...) must still see their neighbours. Only the files
reached from the given paths are *reported*.

Walking rules (ruff's, unless noted):

- ``.py`` and ``.pyi`` files; a directory named ``x.py`` is walked, not read.
- ``.gitignore`` files (nested ones too, plus ``.git/info/exclude``) are honoured only inside a
  git work tree, as ruff does (its ``require_git(false)`` experiment was reverted, ruff#6335).
- Directory and file names matching :attr:`Config.excludes` are pruned (globs against the
  basename or the path relative to the config directory).
- Symbolic links to directories are not followed while walking (ruff and ripgrep's default), so
  a symlink loop cannot make the walk loop; a path named on the command line is followed.
- A file named on the command line is checked even when excluded or gitignored, unless
  ``force_exclude`` (then ``exclude`` globs, not ``.gitignore``, apply to it and its parents).
- A path given twice, or a file under two given directories, appears once.
- A directory that cannot be listed, when named or inside a named one, and a named path whose
  ``stat`` is refused, are kept in :attr:`Discovery.unreadable` (E902 each, as ruff); the
  walk goes on. Paths are ``str`` with ``surrogateescape`` for bytes that are not UTF-8.
"""
from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from analyzer.frontend._build_outputs import (
    SETUP_PACKAGE,
    declared_outputs,
    package_outputs,
    with_meson_folders,
)
from analyzer.frontend._config import Config, NestedConfig
from analyzer.frontend._gitignore import OutputRule
from analyzer.frontend._naming import Namer, claim_rank, is_extension
from analyzer.frontend._walker import Walker, force_excluded

__all__ = ["Discovery", "DiscoveryError", "SourceFile", "discover", "display_path"]

STDIN = "-"


class DiscoveryError(Exception):
    """A path on the command line cannot be checked (it does not exist); exit code 2.

    :param path: the path as the user wrote it.
    """

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One Python file of the project, and the module it is."""

    #: Absolute, normalised (symlinks in it are kept, not resolved).
    path: Path
    #: The path as output shows it: relative to the working directory, absolute outside it.
    display: str
    #: Dotted module name, ``""`` when the file cannot be imported under any name.
    module: str
    #: ``True`` for ``__init__.py`` / ``__init__.pyi``.
    is_package: bool
    #: ``False`` for the losers of a name clash: checked by module rules, not in the index.
    indexed: bool = True
    #: ``True`` for the file read from standard input (``-`` with ``--stdin-filename``).
    is_stdin: bool = False
    #: ``True`` for a compiled extension module (or its unbuilt source, or a git-ignored
    #: Python file: a build output): in the index, contents unknown, never read.
    is_extension: bool = False


@dataclass
class Discovery:
    """The result of :func:`discover`."""

    #: Every file of the project index plus every named file, sorted by path.
    files: list[SourceFile]
    #: The absolute paths of the files to report on (reached from the given paths).
    reported: set[Path]
    #: The directory the index covers (``src`` roots, when configured, are listed in
    #: ``index_roots``).
    project_root: Path
    #: The roots actually walked for the index.
    index_roots: tuple[Path, ...] = ()
    #: (module, winner, losers) for each name claimed by more than one file.
    clashes: list[tuple[str, Path, tuple[Path, ...]]] = field(default_factory=list)
    #: (path, display, reason) of each named path, or directory in a named directory, that
    #: could not be listed or reached: an E902 finding each, the run going on without them.
    unreadable: list[tuple[Path, str, str]] = field(default_factory=list)
    #: Each directory walked -> (mtime, inode) before it was listed; with :attr:`started_ns`
    #: (the clock when discovery began), what a kept answer needs to know the listing holds.
    dir_stamps: dict[str, tuple[int, int]] = field(default_factory=dict)
    started_ns: int = 0
    #: Package -> the rules of what a build may make in it (``_build_outputs``: its
    #: folder's ``.gitignore`` and ``meson.build``, the extension modules ``setup.py`` or
    #: ``pyproject.toml`` declares in it): a module it lacks that they cover is a build
    #: output a fresh checkout has not made yet (``model.BuildOutputs``).
    outputs: dict[str, tuple[OutputRule, ...]] = field(default_factory=dict)
    #: The ``meson.build`` files read for :attr:`outputs` (the front door reads them again:
    #: an edit changes no folder's listing).
    meson_files: tuple[str, ...] = ()
    #: The ruff configurations of subdirectories the walk met, deepest first (the project
    #: has no ``[tool.shoal]``): ``Config.nested`` once their selections are resolved.
    nested: tuple[NestedConfig, ...] = ()


def display_path(path: Path | str, cwd: str | None = None) -> str:
    """``path`` relative to ``cwd`` when inside it, else absolute (the output convention)."""
    absolute = os.path.abspath(path)
    base = cwd if cwd is not None else os.getcwd()
    if absolute.startswith(base + os.sep) and base != os.sep:
        return absolute[len(base) + 1:]  # the common case, without commonpath's cost
    try:
        common = os.path.commonpath([absolute, base])
    except ValueError:  # different drives on Windows
        return absolute
    return os.path.relpath(absolute, base) if common == base else absolute



def discover(
    paths: Iterable[str | os.PathLike[str]],
    config: Config,
    *,
    force_exclude: bool = False,
    stdin_filename: str | None = None,
    cwd: str | None = None,
) -> Discovery:
    """Find the project's files and the ones to report on.

    :param paths: command-line paths; ``"-"`` means standard input, named ``stdin_filename``.
    :raises DiscoveryError: a path that does not exist.
    """
    started_ns = time.time_ns()
    cwd = os.path.abspath(cwd if cwd is not None else os.getcwd())
    # The configuration's directory, or the root found from a marker (Config.found_root);
    # None: no project, the index is what was named.
    found_root = os.fspath(config.root) if config.root is not None else None
    walker = Walker(config, found_root)
    given = [os.fspath(p) for p in paths] or ["."]

    named_files: list[str] = []
    named_dirs: list[str] = []
    unreachable: dict[str, str] = {}
    stdin_path: str | None = None
    for arg in given:
        if arg == STDIN:
            stdin_path = os.path.join(cwd, stdin_filename) if stdin_filename else STDIN
            if stdin_filename:
                stdin_path = os.path.normpath(stdin_path)
            continue
        absolute = os.path.normpath(os.path.join(cwd, arg))
        try:
            mode = os.stat(absolute).st_mode
        except PermissionError as exc:
            # It may well exist: E902 at that path, as ruff does; the other paths go on.
            unreachable[absolute] = exc.strerror or "Permission denied"
            continue
        except OSError as exc:
            reason = exc.strerror or "No such file or directory"
            raise DiscoveryError(f"{arg}: {reason}", arg) from None
        if stat.S_ISDIR(mode):
            named_dirs.append(absolute)
        else:
            named_files.append(absolute)

    namer = Namer(config.src, config.namespace_packages, found_root, config.source_roots)
    project_root, index_roots, naming_roots = _index_roots(
        config, named_dirs, named_files, stdin_path, cwd, namer.package_top)
    if found_root is None:
        namer.roots = naming_roots
    everything: set[str] = set()
    for root in index_roots:
        if os.path.isdir(root):
            everything.update(walker.walk(root))

    stop = project_root
    reported: set[str] = set()
    walked: list[str] = []
    for directory in named_dirs:
        if force_exclude and force_excluded(walker, directory, stop):
            continue
        walked.append(directory)
        if directory in walker.visited:
            # Walked with the same excludes and gitignore stack as part of the index.
            prefix = directory + os.sep
            reported.update(p for p in everything if p.startswith(prefix))
        else:
            reported.update(walker.walk(directory))
    reported -= walker.ignored  # indexed, never reported unless named
    # A build output that .gitignore names and a fresh checkout lacks: its module will
    # exist (opaque, as an absent extension module is), in a folder the index walked.
    absent = {p for p in walker.named_outputs
              if os.path.dirname(p) in walker.visited and not os.path.lexists(p)
              and not walker.excluded(p)}
    walker.ignored |= absent
    everything |= absent
    for file in named_files:
        if force_exclude and force_excluded(walker, file, stop):
            continue
        reported.add(file)
    if stdin_path not in (None, STDIN):
        reported.add(stdin_path)
    everything |= reported
    reported = {p for p in reported if not is_extension(p)}
    # A git-ignored source is opaque, as an extension is, unless named (then it is checked).
    opaque = walker.ignored - reported

    files: list[SourceFile] = []
    ranks: dict[str, tuple[int, int, str]] = {}
    as_path = {path: Path(path) for path in everything}
    inside = cwd + os.sep if cwd != os.sep else None
    for path in sorted(everything):
        module, is_package, root_index = namer.name(path)
        ranks[path] = claim_rank(path, is_package, root_index)
        # Every path here is absolute and normalised: most lie under the working directory.
        shown = (path[len(inside):] if inside is not None and path.startswith(inside)
                 else display_path(path, cwd))
        files.append(
            SourceFile(as_path[path], shown, module, is_package,
                       is_stdin=path == stdin_path,
                       is_extension=is_extension(path) or path in opaque)
        )
    if stdin_path == STDIN:
        files.append(SourceFile(Path(STDIN), STDIN, "", False, indexed=False, is_stdin=True))
        reported.add(STDIN)
    files, clashes = _settle_clashes(files, ranks)
    # Only what lies in a named directory: the index's walk of the rest of the project says
    # nothing of a partial run (docs/contracts.md §7).
    unreachable.update((d, why) for d, why in walker.unreadable.items()
                       if any(d == n or d.startswith(n + os.sep) for n in walked))
    meson_dirs = {os.path.dirname(p) for p in walker.meson_files}
    declared, written = declared_outputs(project_root, [
        os.fspath(f.path) for f in files if f.path.name == SETUP_PACKAGE and f.indexed])
    return Discovery(
        files=files,
        reported={as_path.get(p) or Path(p) for p in reported},
        project_root=Path(project_root),
        index_roots=tuple(Path(r) for r in index_roots),
        clashes=clashes,
        unreadable=[(Path(p), display_path(p, cwd), why) for p, why in sorted(unreachable.items())],
        dir_stamps=walker.stamps,
        started_ns=started_ns,
        outputs=package_outputs(
            with_meson_folders([(f.module, os.path.dirname(f.path)) for f in files
                                if f.is_package and f.indexed and f.module],
                               meson_dirs, namer),
            walker.ignored_rules, meson_dirs, walker.meson_names,
            declared, _compiled_stubs(files, declared), written, walker.protos),
        meson_files=tuple(walker.meson_files),
        nested=walker.nested.found(),
    )


def _compiled_stubs(files: list[SourceFile], declared: set[str]) -> set[str]:
    """The modules a stub (``.pyi``) owns while a compiled extension, or its C or Cython
    source, claims the same name, or the build configuration declares it (``declared``:
    rpds-py's ``rpds.pyi`` for its Rust module): the stub lists the names a type checker
    should see, the build makes the rest (spaCy's ``strings.pyi`` beside ``strings.pyx``,
    which also defines ``hash_string``)."""
    compiled = {f.module for f in files if f.is_extension and not f.indexed and f.module}
    compiled |= declared
    return {f.module for f in files
            if f.indexed and f.module in compiled and f.path.suffix == ".pyi"}


def _index_roots(
    config: Config, dirs: list[str], files: list[str], stdin_path: str | None, cwd: str,
    package_top: Callable[[str], str | None],
) -> tuple[str, list[str], list[str]]:
    """(the project root, the directories the index walks, the roots that name modules
    without a project root)."""
    if config.root is not None:
        root = os.fspath(config.root)
        return root, [os.fspath(s) for s in config.src] or [root], []
    # No configuration: no project is declared, so the index is what was named -- the given
    # directories and files -- never their common parent, which for `shoal check
    # .../python3.11/json .../python3.11/ast.py` would drag in all of site-packages. But a
    # path inside a package brings the whole package (its `__init__.py` chain's top): its
    # imports of sibling modules would otherwise be reported missing.
    anchors = dirs + [os.path.dirname(f) for f in files]
    if stdin_path not in (None, STDIN):
        anchors.append(os.path.dirname(stdin_path))
    if not anchors:
        return cwd, [], []
    try:
        root = os.path.commonpath(anchors)
    except ValueError:
        return cwd, [], []
    tops = {anchor: package_top(anchor) for anchor in anchors}
    walked = _outermost(set(dirs) | {top for top in tops.values() if top is not None})
    # Each named path names modules as a project root would (the folder above its package,
    # or itself): a folder in no package below it is then `DIR/chain`, which shadows no
    # installed module, rather than a top-level module of its own.
    naming = _outermost({anchor if top is None else os.path.dirname(top)
                         for anchor, top in tops.items()})
    return root, walked, naming


def _outermost(paths: set[str]) -> list[str]:
    """``paths`` without those inside another of them (walked, or named, with it)."""
    return sorted(p for p in paths
                  if not any(p != o and p.startswith(o.rstrip(os.sep) + os.sep) for o in paths))


def _settle_clashes(
    files: list[SourceFile], ranks: dict[str, tuple[int, int, str]]
) -> tuple[list[SourceFile], list[tuple[str, Path, tuple[Path, ...]]]]:
    by_module: dict[str, list[SourceFile]] = {}
    for file in files:
        if file.module:
            by_module.setdefault(file.module, []).append(file)
    losers: set[Path] = set()
    clashes = []
    for module, claimants in sorted(by_module.items()):
        if len(claimants) < 2:
            continue
        ordered = sorted(claimants, key=lambda f: ranks[os.fspath(f.path)])
        clashes.append((module, ordered[0].path, tuple(f.path for f in ordered[1:])))
        losers.update(f.path for f in ordered[1:])
    if not losers:
        return files, clashes
    settled = [
        replace(f, indexed=False) if f.path in losers else f
        for f in files
    ]
    return settled, clashes

