"""What a build may make that the source tree lacks, per package (``Discovery.outputs``).

Five sources say so, each as rules for a package folder's entries (``OutputRule``: glob
of one path component, ignores, folders only; the last match decides):

- the ``.gitignore`` files in force there (:func:`~analyzer.frontend._gitignore.output_rules`):
  git ignores what a build writes, protoc's ``*_pb2.py``, a generated ``gen/``;
- a ``meson.build`` in the folder (:func:`meson_rules`): meson-python installs what the
  project's ``meson.build`` files list and make, ``configure_file``'s ``__config__.py``,
  extension modules built from generated sources, subprojects vendored into the folder
  (SciPy): a module they name may be one;
- the protobuf sources in the folder (:func:`proto_rules`): the build runs protoc, or a
  script of its own, on ``onnx.proto`` and writes ``onnx_pb2.py`` beside it (onnx's CMake
  build also writes ``onnx_pb.py``, which its package imports);
- the project's build configuration (:func:`declared_outputs`): ``setup.py``'s
  ``Extension("pkg._x", ...)`` and its kin, the modules of the cffi builders it names
  (under its ``ext_package``), maturin's ``module-name``, setuptools-rust's ``target``:
  extension modules whose sources lie elsewhere (libcst's Rust ``native``);
- a stub that owns a compiled module's name (``_discovery._compiled_stubs``): the names
  it lacks, keyed by the module itself (:data:`EVERY_NAME`).

The index reads them through ``model.BuildOutputs``: a module they cover is UNKNOWN, not
missing.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from analyzer.frontend._config import root_pyproject, toml_document
from analyzer.frontend._gitignore import OutputRule
from analyzer.frontend._naming import Namer

__all__ = ["BUILD_DECLARATIONS", "EVERY_NAME", "PROTO_SUFFIXES", "SETUP_PACKAGE",
           "declared_outputs", "meson_names", "meson_rules", "package_outputs", "proto_rules",
           "read_meson", "with_meson_folders"]

_MESON_LITERAL = re.compile(r"'([^'\n]*)'")
_MESON_NAME = re.compile(r"([A-Za-z_]\w*)(?:\.(?:py|pyi|pyx|c|cc|cpp|cxx|py\.in|pyx\.in))?")


def meson_names(text: str) -> set[str]:
    """The module names a ``meson.build`` may make: every identifier its string literals
    name, alone or as the last part of a path, bare or with a source suffix
    (``extension_module('_sparsetools', ...)``, ``output: '__config__.py'``, a subproject's
    ``'array_api_extra': files(...)``)."""
    found = set()
    for literal in _MESON_LITERAL.findall(_without_comments(text)):
        for part in literal.split("/"):
            name = _MESON_NAME.fullmatch(part)
            if name is not None:
                found.add(name.group(1))
    return found


def read_meson(path: str) -> set[str]:
    """:func:`meson_names` of the file at ``path`` (none when it cannot be read)."""
    return meson_names(_text(path))


def with_meson_folders(packages: list[tuple[str, str]], meson_dirs: set[str],
                       namer: Namer) -> list[tuple[str, str]]:
    """``packages`` ((module, folder) of each package in the index) and each folder a
    ``meson.build`` builds inside a package though it has no ``__init__`` (a namespace
    subpackage: SciPy installs ``_external/packaging_version``'s sources there from its
    ``src/``), named as an ``__init__.py`` there would be."""
    known = {folder for _, folder in packages}
    extra = []
    for folder in sorted(meson_dirs - known):
        module = namer.name(os.path.join(folder, "__init__.py"))[0]
        if module:  # not the root, nor a folder outside any package
            extra.append((module, folder))
    return packages + extra


def _without_comments(text: str) -> str:
    """``text`` without its ``#`` comments (one outside a string: an even number of quotes
    before it), whose apostrophes would pair with the quotes of literals."""
    lines = []
    for line in text.splitlines():
        for at, char in enumerate(line):
            if char == "#" and line.count("'", 0, at) % 2 == 0:
                line = line[:at]
                break
        lines.append(line)
    return "\n".join(lines)


def meson_rules(names: Iterable[str]) -> tuple[OutputRule, ...]:
    """The rules of a package folder a ``meson.build`` builds: each name any ``meson.build``
    of the project mentions, as a module's file and as a package's folder. meson-python
    installs what those files list and make, some of it from other folders (SciPy's
    subprojects, installed into ``scipy/_external`` by its root ``meson.build``)."""
    return tuple(rule for name in sorted(names)
                 for rule in ((name + ".py", True, False), (name, True, True)))


#: A protobuf source: ``x.proto``, proto3 spelt out (``x.proto3``), a template (``x.in.proto``).
PROTO_SUFFIXES = (".proto", ".proto3")


def proto_rules(names: Iterable[str]) -> tuple[OutputRule, ...]:
    """The rules of a folder holding the protobuf sources ``names``: protoc makes
    ``STEM_pb2.py`` of ``STEM.proto`` (``-`` as ``_``), grpc ``STEM_pb2_grpc.py``, onnx's build
    ``onnx_pb.py`` of ``onnx.in.proto``: any module ``STEM_pb*`` may be one it writes there."""
    stems = set()
    for name in names:
        stem = name[:name.rindex(".proto")]
        stem = stem[:-3] if stem.endswith(".in") else stem
        stems.add(stem.replace("-", "_").replace(".", "_"))
    return tuple((stem + "_pb*.py", True, False) for stem in sorted(stems))


#: extension-helpers' per-package build script, whose ``get_extensions()`` declares them.
SETUP_PACKAGE = "setup_package.py"
#: The Python files that declare what the build makes: an edit may change
#: ``Discovery.outputs``, so it re-discovers.
BUILD_DECLARATIONS = frozenset({"setup.py", SETUP_PACKAGE})

#: ``Extension("pkg._speedups", ...)``, ``RustExtension("pkg.native", ...)``,
#: ``Pybind11Extension(name="pkg._core", ...)``: the first argument of a call of a name
#: ending in ``Extension``.
_SETUP_EXTENSION = re.compile(
    r"\b\w*Extension\(\s*(?:name\s*=\s*)?[\"']([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)[\"']")
#: ``ext_package="nacl"``: the package every extension's name is under.
_EXT_PACKAGE = re.compile(r"\bext_package\s*=\s*[\"']([A-Za-z_][\w.]*)[\"']")
#: ``cffi_modules=["src/bindings/build.py:ffi"]``: the cffi builders the build runs, and
#: in each ``ffi.set_source("_sodium", ...)``, the module it makes.
_CFFI_MODULES = re.compile(r"\bcffi_modules\s*=\s*\[([^\]]*)\]")
_CFFI_BUILDER = re.compile(r"[\"']([^\"':]+\.py):\w+[\"']")
_SET_SOURCE = re.compile(r"\.set_source\(\s*(?:module_name\s*=\s*)?[\"']([A-Za-z_][\w.]*)[\"']")


def declared_outputs(root: str, setup_packages: Iterable[str] = ()
                     ) -> tuple[set[str], set[str]]:
    """What the build configuration at ``root`` declares its build makes: the dotted
    extension modules (:func:`_extensions`) and the Python files, absolute
    (:func:`_files`). ``setup.py`` and ``pyproject.toml`` are read once for both."""
    setup = _text(os.path.join(root, "setup.py"))
    document = root_pyproject(Path(root))
    return (_extensions(root, setup, document, setup_packages),
            _files(root, setup, _table(document, "tool")))


def _extensions(root: str, setup: str, document: Mapping[str, Any],
                setup_packages: Iterable[str]) -> set[str]:
    """The dotted extension modules declared: ``setup.py``'s (``setup``, read as text, never
    run), with the cffi builders it names and its ``ext_package``; extension-helpers'
    ``setup_package.py`` files, ``setup_packages``; ``pyproject.toml``'s (``document``, if it
    parses): maturin's, setuptools-rust's and setuptools' own ``ext-modules``; and maturin's
    ``Cargo.toml``."""
    names = set(_SETUP_EXTENSION.findall(setup))
    for builders in _CFFI_MODULES.findall(setup):
        for builder in _CFFI_BUILDER.findall(builders):
            names.update(_SET_SOURCE.findall(_text(os.path.join(root, builder))))
    package = _EXT_PACKAGE.search(setup)
    found = {f"{package.group(1)}.{name}" for name in names} if package else names
    for path in setup_packages:
        # astropy's layout: each package's ``get_extensions()`` names its modules in full.
        found.update(_SETUP_EXTENSION.findall(_text(path)))
    tool = _table(document, "tool")
    maturin = _table(tool, "maturin")
    if isinstance(maturin.get("module-name"), str):
        found.add(maturin["module-name"])
    elif _table(document, "build-system").get("build-backend") == "maturin":
        found.update(_cargo_library(root, maturin))
    for table, key in (("setuptools-rust", "target"), ("setuptools", "name")):
        modules = _table(tool, table).get("ext-modules")
        for module in modules if isinstance(modules, list) else ():
            if isinstance(module, dict) and isinstance(module.get(key), str):
                found.add(module[key])
    return found


def _table(document: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = document.get(key)
    return value if isinstance(value, dict) else {}


def _cargo_library(root: str, maturin: Mapping[str, Any]) -> set[str]:
    """The module maturin builds without a ``module-name``: the crate's library name
    (``[lib] name``, else the package's with ``-`` as ``_``; rpds-py's ``rpds``)."""
    manifest = maturin.get("manifest-path")
    cargo = toml_document(Path(root, manifest if isinstance(manifest, str) else "Cargo.toml"))
    name = _table(cargo, "lib").get("name") or _table(cargo, "package").get("name")
    return {name.replace("-", "_")} if isinstance(name, str) else set()


#: ``[tool.X...]`` keys naming a file a build writes, relative to the project root: the
#: version files of setuptools-scm, hatch-vcs, hatchling's version hook, pdm-backend and
#: versioningit (awkward's ``src/awkward/_version.py``, absent from its sdist).
_VERSION_FILES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("setuptools_scm",), "write_to"),
    (("setuptools_scm",), "version_file"),
    (("hatch", "build", "hooks", "vcs"), "version-file"),
    (("hatch", "build", "hooks", "version"), "path"),
    (("pdm", "version"), "write_to"),
    (("pdm", "build"), "write_to"),
    (("versioningit", "write"), "file"),
)
#: setuptools-scm configured in ``setup.py``: ``use_scm_version={"write_to": "pkg/_v.py"}``.
_SETUP_VERSION_FILE = re.compile(
    r"[\"'](?:write_to|version_file)[\"']\s*:\s*[\"']([^\"']+\.py)[\"']")


def _files(root: str, setup: str, tool: Mapping[str, Any]) -> set[str]:
    """The Python files, absolute, the build says it writes: ``[tool]``'s
    :data:`_VERSION_FILES` (``tool``; hatch's per-target hooks too) and ``setup.py``'s
    setuptools-scm ``write_to`` (``setup``)."""
    tables = [(path, key, tool) for path, key in _VERSION_FILES]
    targets = _table(_table(_table(tool, "hatch"), "build"), "targets")
    tables += [(("hooks", hook), key, target)
               for target in targets.values() if isinstance(target, dict)
               for hook, key in (("vcs", "version-file"), ("version", "path"))]
    found = set(_SETUP_VERSION_FILE.findall(setup))
    for path, key, table in tables:
        for part in path:
            table = _table(table, part)
        if isinstance(table.get(key), str):
            found.add(table[key])
    # pdm-backend's path may be relative to the ``src`` folder.
    return {os.path.normpath(os.path.join(root, base, name))
            for name in found if name.endswith(".py") for base in ("", "src")}


def _text(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


#: The rules of a compiled module a stub describes: any name may be one its build makes.
EVERY_NAME: tuple[OutputRule, ...] = (("*", True, False),)


def package_outputs(packages: Iterable[tuple[str, str]],
                    ignored: Mapping[str, tuple[OutputRule, ...]],
                    meson_folders: set[str], names: Iterable[str],
                    declared: Iterable[str], stubs: Iterable[str] = (),
                    declared_files: Iterable[str] = (),
                    protos: Mapping[str, Iterable[str]] | None = None,
                    ) -> dict[str, tuple[OutputRule, ...]]:
    """Package -> its rules (``Discovery.outputs``), for the ``(module, folder)`` of each
    package: meson's when its folder is one of ``meson_folders`` (those holding a
    ``meson.build``) and protobuf's when it holds ``protos`` (folder -> file names; both
    first, since a ``.gitignore`` that re-includes a name says it is committed), its
    folder's ``.gitignore`` rules, then one per extension module declared
    in it and per file the build writes there (``declared_files``, absolute); and
    :data:`EVERY_NAME` for each of the compiled ``stubs``, keyed by the module.
    Equal rules are one object: phase 2's context pickles them once, and the cache key
    writes them once."""
    folders = dict(packages)
    built = meson_rules(names) if meson_folders else ()
    same: dict[tuple[OutputRule, ...], tuple[OutputRule, ...]] = {}
    found: dict[str, tuple[OutputRule, ...]] = {}
    protos = protos or {}
    for module, folder in folders.items():
        rules = ((built if folder in meson_folders else ())
                 + (proto_rules(protos[folder]) if folder in protos else ())
                 + ignored.get(folder, ()))
        if rules:
            found[module] = same.setdefault(rules, rules)
    for dotted in sorted(declared):
        package, _, name = dotted.rpartition(".")
        if package in folders:
            found[package] = found.get(package, ()) + ((name + ".py", True, False),)
    by_folder = {folder: module for module, folder in folders.items()}
    for path in sorted(declared_files):
        owner = by_folder.get(os.path.dirname(path))
        if owner is not None:
            found[owner] = found.get(owner, ()) + ((os.path.basename(path), True, False),)
    for module in stubs:
        # Keyed by the module itself: what it lacks, ``module.name``, the build may make.
        found[module] = found.get(module, ()) + EVERY_NAME
    return found
