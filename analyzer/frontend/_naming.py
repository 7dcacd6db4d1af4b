"""Module names: which files are modules, and what each is named (docs/contracts.md §5).

The walk (``_discovery``) finds the files; :class:`Namer` names each by its place under the
source roots, and :func:`claim_rank` orders the files that claim one name (the first keeps
it in the index).
"""
from __future__ import annotations

import importlib.machinery
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["EXTENSION_SOURCE_SUFFIXES", "EXTENSION_SUFFIXES", "Namer", "PACKAGE_FILES",
           "PYTHON_SUFFIXES", "claim_rank", "is_extension", "module_file", "within_any"]

PYTHON_SUFFIXES = (".py", ".pyi")
#: A Jupyter notebook, checked as its code cells joined (``_notebook``).
NOTEBOOK_SUFFIX = ".ipynb"
#: Compiled extension modules (``_speedups.cpython-311-x86_64-linux-gnu.so``, ``x.abi3.so``,
#: ``x.pyd``): never read or reported, but their names are project modules, so that
#: ``from pkg import _speedups`` is not reported as missing.
EXTENSION_SUFFIXES = tuple(sorted(set(importlib.machinery.EXTENSION_SUFFIXES) | {".so", ".pyd"}))
#: The source of an extension module not built yet, in a package (``psutil/_psutil_linux.c``,
#: Cython's ``_speedups.pyx``): the module it builds is named after it, so that a fresh
#: checkout's ``from . import _speedups`` is not reported missing either. Taken like a
#: built one (never read, names unknown), and only in a package: a C tree's own folders
#: (``Modules/``) hold no module. A template of a Cython source (scikit-learn's and SciPy's
#: Tempita ``_ball_tree.pyx.tp``, the older ``.pyx.in``, h5py's ``h5t.templ.pyx``) stands
#: for the module its build renders and compiles.
EXTENSION_SOURCE_SUFFIXES = (".c", ".cc", ".cpp", ".cxx", ".pyx", ".pyx.tp", ".pyx.in",
                             ".templ.pyx")
#: Those of them that are templates: two suffixes, not one, come off the module's name
#: (h5py's ``h5t.templ.pyx`` too).
_TEMPLATE_SUFFIXES = (".pyx.tp", ".pyx.in", ".templ.pyx")


#: The files that make a folder a regular package.
PACKAGE_FILES = ("__init__.py", "__init__.pyi")


def is_extension(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a compiled extension module, or the source of one."""
    return os.fspath(path).endswith(EXTENSION_SUFFIXES + EXTENSION_SOURCE_SUFFIXES)


def within_any(directory: str, folders: Sequence[str]) -> bool:
    """``directory`` is one of ``folders`` or lies below one (a declared namespace package
    and its subfolders: packages without an ``__init__.py``)."""
    return any(directory == d or directory.startswith(d + os.sep) for d in folders)


class Namer:
    """Module names per docs/contracts.md §5: the first configured ``src`` root containing the
    file (in configured order); else, in a project with a root, the dotted path from the
    deepest of its source roots (the root and its ``src/``); else the ``__init__.py`` chain."""

    def __init__(self, src: Sequence[Path], namespace_packages: Sequence[Path] = (),
                 project_root: str | None = None, extra_roots: Sequence[Path] = ()) -> None:
        self.src = [os.fspath(root) for root in src]
        self.namespaces = [os.fspath(d) for d in namespace_packages]
        self.package_dirs: dict[str, bool] = {}
        #: directory -> what :meth:`_place` found (shared by every file in it)
        self.dirs: dict[str, tuple[int, tuple[str, ...], bool, str | None]] = {}
        #: Implicit source roots, deepest first (only without a configured ``src``).
        self.roots: list[str] = []
        if not self.src and project_root is not None:
            nested = os.path.join(project_root, "src")
            # A `src` holding an __init__.py is a package named src, not a source root.
            if os.path.isdir(nested) and not self.is_package_dir(nested):
                self.roots.append(nested)
            self.roots.append(project_root)
            # ruff's `src` (lent): roots inside the project, none a package's folder (its
            # files would lose the package's name), the deepest first as the others.
            inside = project_root + os.sep
            extra = [os.fspath(r) for r in extra_roots
                     if os.fspath(r).startswith(inside) and not self.is_package_dir(os.fspath(r))]
            if extra:
                every = dict.fromkeys([*extra, *self.roots])
                self.roots = sorted(every, key=lambda r: r.count(os.sep), reverse=True)

    def is_package_dir(self, directory: str) -> bool:
        known = self.package_dirs.get(directory)
        if known is None:
            known = any(os.path.isfile(os.path.join(directory, name)) for name in PACKAGE_FILES) \
                or within_any(directory, self.namespaces)
            self.package_dirs[directory] = known
        return known

    def name(self, path: str) -> tuple[str, bool, int]:
        """(module, is_package, index of the ``src`` root used or ``len(src)``)."""
        directory, filename = os.path.split(path)
        if filename.endswith(NOTEBOOK_SUFFIX):
            return self._notebook(directory, filename), False, len(self.src)
        if filename.endswith(_TEMPLATE_SUFFIXES):
            stem = filename.rsplit(".", 2)[0]
        elif filename.endswith(PYTHON_SUFFIXES + EXTENSION_SOURCE_SUFFIXES):
            stem = filename.rsplit(".", 1)[0]  # `clinic.test.c` builds no module `clinic`
        elif filename.endswith(EXTENSION_SUFFIXES):
            stem = filename.split(".", 1)[0]  # the platform tag is not part of the name
        else:
            stem = filename
        is_package = stem == "__init__"
        place = self.dirs.get(directory)
        if place is None:
            place = self.dirs[directory] = self._place(directory)
        root_index, head, head_ok, folder = place
        if is_package:
            # No parts above it (an __init__.py directly in a root): no name.
            if not head or not head_ok:
                return "", True, root_index
            dotted = ".".join(head)
        elif not head_ok or not stem.isidentifier():
            return "", False, root_index
        else:
            dotted = ".".join((*head, stem))
        return (dotted if folder is None else f"{folder}/{dotted}"), is_package, root_index

    def _place(self, directory: str) -> tuple[int, tuple[str, ...], bool, str | None]:
        """What the name of every file in ``directory`` shares (thousands of files share a
        few hundred directories): the ``src`` root index, the dotted parts before the file's
        own, whether they are all identifiers, and the ``DIR`` prefix of a file under a top
        folder that is no package.

        Under an implicit root, the name is the one Python resolves with the root on
        ``sys.path``: the dotted path, when the top directory is a package (below it, a
        folder without ``__init__.py`` is a namespace subpackage). Under a top folder that is
        no package (tests, scripts, examples, test data) a file is named ``DIR/chain``:
        ``DIR`` its nearest folder that is no package, relative to the root, ``chain`` its
        ``__init__.py`` chain below ``DIR`` — a name no import statement can spell, so it
        never shadows the standard library or an installed package, while relative imports
        inside it still resolve."""
        root_index = next(
            (i for i, root in enumerate(self.src)
             if directory == root or directory.startswith(root + os.sep)),
            len(self.src),
        )
        head: list[str] = []
        folder: str | None = None
        if root_index < len(self.src):
            relative = os.path.relpath(directory, self.src[root_index])
            if relative != ".":
                head = relative.split(os.sep)
        elif self.roots and (root := self._root_of(directory)) is not None:
            relative = os.path.relpath(directory, root)
            steps = [] if relative == "." else relative.split(os.sep)
            if not steps or self.is_package_dir(os.path.join(root, steps[0])):
                head = steps
            else:
                below = directory
                while self.is_package_dir(below):
                    head.insert(0, os.path.basename(below))
                    below = os.path.dirname(below)
                # A dot in the folder part would split the name where no package boundary is.
                folder = os.path.relpath(below, root).replace(os.sep, "/")
                folder = folder.replace("%", "%25").replace(".", "%2E")
        else:
            below = directory
            while self._in_chain(below):
                head.insert(0, os.path.basename(below))
                parent = os.path.dirname(below)
                if parent == below:
                    break
                below = parent
        return root_index, tuple(head), all(p.isidentifier() for p in head), folder

    def _in_chain(self, directory: str) -> bool:
        """Whether ``directory`` is part of an ``__init__.py`` chain (rootless naming): a
        package, or a folder directly inside one (a PEP 420 namespace subpackage, as
        ``pkg/_vendored`` of ``pkg/_vendored/tomli/__init__.py``)."""
        return self.is_package_dir(directory) or self.is_package_dir(os.path.dirname(directory))

    def package_top(self, directory: str) -> str | None:
        """The outermost package of the ``__init__.py`` chain ``directory`` is in (the
        directory a rootless index walks for a file named in it), or None: in no package."""
        top = None
        below = directory
        while self._in_chain(below):
            if self.is_package_dir(below):
                top = below
            parent = os.path.dirname(below)
            if parent == below:
                break
            below = parent
        return top

    def _notebook(self, directory: str, filename: str) -> str:
        """A Jupyter notebook's name: its path from the root it lies under (else its
        folder's name), ``nb/analysis%2Eipynb``. No import statement can spell it (Python
        imports no notebook), yet the project rules check the notebook's imports and calls
        against the index as any module's."""
        root = next((r for r in (*self.src, *self.roots)
                     if directory == r or directory.startswith(r + os.sep)), None)
        where = (os.path.relpath(directory, root) if root is not None
                 else os.path.basename(directory))
        parts = [] if where in (".", "") else where.split(os.sep)
        return "/".join(part.replace("%", "%25").replace(".", "%2E")
                        for part in (*parts, filename))

    def _root_of(self, directory: str) -> str | None:
        return next((root for root in self.roots
                     if directory == root or directory.startswith(root + os.sep)), None)


def claim_rank(path: str, is_package: bool, root_index: int) -> tuple[int, int, str]:
    """Lower owns a module name claimed twice (docs/contracts.md §5): ``pkg/__init__.py``,
    ``pkg.py``, ``pkg/__init__.pyi``, ``pkg.pyi``; then the earlier ``src`` root; then the
    smaller path. Mirrors importlib: a package before a module, a stub only when alone."""
    kind = (0 if is_package else 1) + (2 if path.endswith(".pyi") else 0)
    if is_extension(path):
        # Last: a source or stub beside it tells more than a binary whose names are unknown.
        kind = 4
    return (kind, root_index, path)


def module_file(path: str, is_dir: bool, is_file: bool) -> str | None:
    """The file that makes ``path`` a module: itself (a Python source, a compiled extension
    or its C or Cython source), or a folder's ``__init__``; None for anything else."""
    if is_file:
        return path if path.endswith(_MODULE_SUFFIXES) else None
    if is_dir:
        for name in PACKAGE_FILES:
            init = os.path.join(path, name)
            if os.path.isfile(init):
                return init
    return None


#: What a file that is a module ends with: a source, a stub, an extension or its source.
_MODULE_SUFFIXES = PYTHON_SUFFIXES + EXTENSION_SUFFIXES + EXTENSION_SOURCE_SUFFIXES
