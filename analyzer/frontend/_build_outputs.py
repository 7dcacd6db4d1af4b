"""What a build may make that the source tree lacks, per package (``Discovery.outputs``).

Three sources say so, each as rules for a package folder's entries (``OutputRule``: glob
of one path component, ignores, folders only; the last match decides):

- the ``.gitignore`` files in force there (:func:`~analyzer.frontend._gitignore.output_rules`):
  git ignores what a build writes, protoc's ``*_pb2.py``, a generated ``gen/``;
- a ``meson.build`` in the folder (:data:`MESON_RULES`): meson-python installs what it lists
  and makes, ``configure_file``'s ``__config__.py``, extension modules built from generated
  sources, subprojects vendored into the folder (SciPy): any module may be one;
- the project's build configuration (:func:`declared_extensions`): ``setup.py``'s
  ``Extension("pkg._x", ...)`` and its kin, maturin's ``module-name``, setuptools-rust's
  ``target``: extension modules whose sources lie elsewhere (libcst's Rust ``native``).

The index reads them through ``model.BuildOutputs``: a module they cover is UNKNOWN, not
missing.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from analyzer.frontend._config import tomllib
from analyzer.frontend._gitignore import IgnoreStack, OutputRule, output_rules

__all__ = ["MESON_RULES", "declared_extensions", "folder_rules", "package_outputs"]

#: The rules of a package folder a ``meson.build`` builds: every entry.
MESON_RULES: tuple[OutputRule, ...] = (("*", True, False), ("*", True, True))


def folder_rules(directory: str, ignores: IgnoreStack, meson: bool) -> tuple[OutputRule, ...]:
    """The rules of a package folder's entries: meson's first (a ``.gitignore`` that
    re-includes a name says it is committed), then the ``.gitignore`` files'."""
    rules = output_rules(directory, ignores) if ignores.specs else ()
    return MESON_RULES + rules if meson else rules


#: ``Extension("pkg._speedups", ...)``, ``RustExtension("pkg.native", ...)``,
#: ``Pybind11Extension(name="pkg._core", ...)``: the first argument of a call of a name
#: ending in ``Extension``.
_SETUP_EXTENSION = re.compile(
    r"\b\w*Extension\(\s*(?:name\s*=\s*)?[\"']([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)[\"']")


def declared_extensions(root: str) -> set[str]:
    """The dotted extension modules the build configuration at ``root`` declares, under a
    package (``setup.py`` read as text, never run; ``pyproject.toml``, if it parses)."""
    found: set[str] = set()
    try:
        with open(os.path.join(root, "setup.py"), encoding="utf-8", errors="replace") as handle:
            found.update(_SETUP_EXTENSION.findall(handle.read()))
    except OSError:
        pass
    tool = _pyproject(root).get("tool")
    if isinstance(tool, dict):
        maturin = tool.get("maturin")
        if isinstance(maturin, dict) and isinstance(maturin.get("module-name"), str):
            found.add(maturin["module-name"])
        rust = tool.get("setuptools-rust")
        modules = rust.get("ext-modules") if isinstance(rust, dict) else None
        for module in modules if isinstance(modules, list) else ():
            if isinstance(module, dict) and isinstance(module.get("target"), str):
                found.add(module["target"])
    return {name for name in found if "." in name}


def _pyproject(root: str) -> dict[str, Any]:
    try:
        with open(os.path.join(root, "pyproject.toml"), "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}  # the configuration's own reading reports what is wrong with it


def package_outputs(packages: Iterable[tuple[str, str]],
                    rules: Mapping[str, tuple[OutputRule, ...]],
                    declared: Iterable[str]) -> dict[str, tuple[OutputRule, ...]]:
    """Package -> its rules (``Discovery.outputs``), for the ``(module, folder)`` of each
    package: its folder's, then one per extension module declared in it."""
    folders = dict(packages)
    found: dict[str, tuple[OutputRule, ...]] = {}
    if rules:
        for module, folder in folders.items():
            folder_has = rules.get(folder)
            if folder_has:
                found[module] = folder_has
    for dotted in sorted(declared):
        package, _, name = dotted.rpartition(".")
        if package in folders:
            found[package] = found.get(package, ()) + ((name + ".py", True, False),)
    return found
