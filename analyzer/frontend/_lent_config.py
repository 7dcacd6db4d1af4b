"""A project's ruff or flake8 configuration, lent to shoal when it has no ``[tool.shoal]``.

Most projects that lint with ruff configure it (136 of the 222 projects of the surveys):
their vendored code and fixtures excluded, codes they do not follow ignored, per-file
ignores for tests. Without that, a first run of shoal there reported what the team never
sees: numpy 2,636 findings where its ruff reports none. So a project without
``[tool.shoal]`` lends shoal the ruff settings whose concept is the same, under the same
names: which files (``exclude``, ``extend-exclude``), which findings are not wanted
(``ignore``, ``extend-ignore``, ``per-file-ignores``, ``extend-per-file-ignores``,
``external``), which rules the team follows (``select``, ``extend-select``: jax selects
``F`` and no ``E7``), and how code is read (``builtins``, ``target-version``,
``dummy-variable-rgx``, ``pyflakes.allowed-unused-imports``), and ``lint.exclude`` added to
the excludes. shoal's own rules (``SH``),
which ruff has not, keep their defaults whatever ruff's selection. Codes shoal does not
have match nothing, and a value shoal would refuse is left out, so that a configuration
ruff accepts never stops a first run.

A project linted with flake8 instead (``[flake8]`` in ``setup.cfg``, ``tox.ini`` or
``.flake8``: 26 of the 222) lends the same way what flake8 has of these
(``_flake8_config``): pyramid's ``.flake8`` ignores E731 (124 findings) and excludes the
fixtures that hold its syntax errors on purpose.

A ruff file that ``extend``s another (astropy's ``.ruff.toml`` extends its
``pyproject.toml``, where its excludes and per-file ignores are) is read with its chain, as
ruff reads it: the child's keys override the parent's, ignores add up unless the child sets
``select``, and ``extend-per-file-ignores`` adds to the parent's per-file ignores.
"""
from __future__ import annotations

import dataclasses
import glob
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from analyzer.frontend._config import Config, ConfigError, toml_document
from analyzer.frontend._config_load import build_table
from analyzer.frontend._extend import merge_configs
from analyzer.frontend._flake8_config import FLAKE8_FILES, flake8_section, flake8_table

__all__ = ["RUFF_FILES", "find_lent_config", "lent_config", "ruff_table"]

#: The files ruff reads in a directory, in its order of precedence (a ``pyproject.toml``
#: counts only with a ``[tool.ruff]`` table).
RUFF_FILES = (".ruff.toml", "ruff.toml", "pyproject.toml")

#: ruff's keys read at the top level of its table.
_TOP = ("exclude", "extend-exclude", "builtins", "target-version", "force-exclude", "include",
        "line-length")
#: ruff's keys read from ``lint`` (or, in older configurations, from the top level).
_LINT = ("select", "extend-select", "ignore", "extend-ignore", "per-file-ignores",
         "extend-per-file-ignores", "dummy-variable-rgx", "external", "fixable",
         "extend-fixable", "unfixable")


def find_lent_config(root: Path) -> Path | None:
    """The ruff configuration of the project rooted at ``root``, else its flake8 one: in
    that directory, where shoal's own would be (a nested one, as setuptools'
    ``_vendor/ruff.toml``, is that tool's business: shoal's settings are per project)."""
    for name in RUFF_FILES:
        candidate = root / name
        if candidate.is_file() and (name != "pyproject.toml" or ruff_table(candidate)):
            return candidate
    for name in FLAKE8_FILES:
        candidate = root / name
        if candidate.is_file() and flake8_section(candidate) is not None:
            return candidate
    return None


def lent_config(path: Path) -> Config:
    """The :class:`Config` the ruff or flake8 configuration in ``path`` lends
    (``borrowed``: ``"ruff"`` or ``"flake8"``), a ruff file's ``extend`` chain followed."""
    if path.name not in RUFF_FILES:
        config = _built(path, flake8_table(flake8_section(path) or {}))
        return dataclasses.replace(config, borrowed="flake8")
    return dataclasses.replace(_ruff_chain(Path(os.path.abspath(path)), ()), borrowed="ruff")


def _ruff_chain(path: Path, chain: tuple[Path, ...]) -> Config:
    ruff = ruff_table(path)
    table = _shoal_keys(ruff)
    adding = table.pop("extend-per-file-ignores", None)
    own = table.get("per-file-ignores", {})
    if isinstance(own, dict):  # else a malformed value, which the build leaves out
        table["per-file-ignores"] = _joined(own, adding if isinstance(adding, dict) else {})
    config = _built(path, table)
    roots = _source_roots(path.parent, ruff.get("src"))
    if roots:
        config = dataclasses.replace(config, source_roots=roots)
    extend = ruff.get("extend")
    parent_path = (Path(os.path.normpath(path.parent / os.path.expanduser(extend.strip())))
                   if isinstance(extend, str) else None)
    # A missing parent or a cycle is ruff's error to give: the chain stops there.
    if parent_path is None or not parent_path.is_file() or parent_path in (*chain, path):
        return config
    parent = _ruff_chain(parent_path, (*chain, path))
    # The file's own per-file ignores replace the parent's; its additions alone add to them.
    keys = set(table) - ({"per-file-ignores"} if "per-file-ignores" not in _lint_keys(ruff)
                         else set())
    merged = merge_configs(parent, config, keys)
    if "src" not in ruff:  # the child's roots, else the parent's, as ruff's `src`
        merged = dataclasses.replace(merged, source_roots=parent.source_roots)
    if "per-file-ignores" in keys:
        return merged
    return dataclasses.replace(merged,
                               per_file_ignores=merged.per_file_ignores + config.per_file_ignores)


def _source_roots(base: Path, src: Any) -> tuple[Path, ...]:
    """ruff's ``src`` from the file's directory ``base``: each entry a directory or a glob
    of them (``libs/*/src``), absolute, in order, each once; a malformed value is none."""
    if not isinstance(src, list):
        return ()
    found: dict[Path, None] = {}
    for entry in src:
        if not isinstance(entry, str) or not entry.strip():
            continue
        pattern = os.path.normpath(os.path.join(base, os.path.expanduser(entry.strip())))
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        found.update((Path(m), None) for m in matches if os.path.isdir(m))
    return tuple(found)


def _built(path: Path, table: dict[str, Any]) -> Config:
    while True:
        try:
            return build_table(path, table)
        except ConfigError as error:
            # A value the tool takes and shoal does not (a newer target-version): left out.
            if error.key is None or error.key not in table:
                raise
            del table[error.key]


def _joined(ignores: Mapping[str, Any], adding: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(ignores)
    for pattern, codes in adding.items():
        merged[pattern] = [*merged.get(pattern, ()), *codes]
    return merged


def _lint_keys(ruff: Mapping[str, Any]) -> set[str]:
    lint = ruff.get("lint")
    return set(ruff) | (set(lint) if isinstance(lint, dict) else set())


def ruff_table(path: Path) -> Mapping[str, Any]:
    """The ruff table of ``path``: the whole file, or ``[tool.ruff]`` of a ``pyproject.toml``
    (empty without one)."""
    document = toml_document(path)
    if path.name != "pyproject.toml":
        return document
    tool = document.get("tool")
    ruff = tool.get("ruff") if isinstance(tool, dict) else None
    return ruff if isinstance(ruff, dict) else {}


def _shoal_keys(ruff: Mapping[str, Any]) -> dict[str, Any]:
    """ruff's table -> a ``[tool.shoal]`` table of the settings both have."""
    lint = ruff.get("lint")
    lint = lint if isinstance(lint, dict) else {}
    table: dict[str, Any] = {key: ruff[key] for key in _TOP if key in ruff}
    for key in _LINT:
        if key in lint:
            table[key] = lint[key]
        elif key in ruff:
            table[key] = ruff[key]
    # `lint.exclude`: files kept from linting on top of the global excludes (cookiecutter's
    # Jinja hook templates, which do not parse), as an `extend-exclude` adds them.
    lint_exclude = lint.get("exclude")
    if isinstance(lint_exclude, list):
        own = table.get("extend-exclude")
        table["extend-exclude"] = [*(own if isinstance(own, list) else ()), *lint_exclude]
    # E501's limit: `lint.pycodestyle.max-line-length` when set, else `line-length`.
    pycodestyle = lint.get("pycodestyle", ruff.get("pycodestyle"))
    if isinstance(pycodestyle, dict) and "max-line-length" in pycodestyle:
        table["line-length"] = pycodestyle["max-line-length"]
    pyflakes = lint.get("pyflakes", ruff.get("pyflakes"))
    if isinstance(pyflakes, dict) and "allowed-unused-imports" in pyflakes:
        table["allowed-unused-imports"] = pyflakes["allowed-unused-imports"]
    return table
