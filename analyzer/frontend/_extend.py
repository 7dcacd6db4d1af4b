"""``extend = "../pyproject.toml"``: a configuration that inherits another one, as in ruff.

The child's settings override the parent's, key by key; paths are relative to the file that
writes them (the parent's globs are rebased onto the child's directory, its ``src`` and
``namespace-packages`` are absolute already). As in ruff, the ``extend-*`` lists add up
along the chain, and the rule selection is layered: a child that sets ``select`` starts
afresh (the parent's ``extend-select`` and ignores are dropped with its ``select``); one that
does not keeps the parent's selection and adds its own ``extend-select``/``ignore``/
``extend-ignore`` to it. ``options`` merge per rule (the child's table for a rule replaces
the parent's).
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from analyzer.frontend._config import (
    Config,
    ConfigError,
    _read_toml,
    _shoal_table,
)
from analyzer.frontend._config_load import load_config as load_one

__all__ = ["load_config", "merge_configs"]

#: Keys whose lists add up along the chain (the parent's first).
_ADDING = {"extend-exclude": "extend_exclude", "extend-fixable": "extend_fixable"}
#: The rule selection, layered as described above.
_SELECTION = {"select": "select", "extend-select": "extend_select", "ignore": "ignore",
              "extend-ignore": "extend_ignore"}
#: Every other key: the child's value, when it sets one.
_OVERRIDING = {
    "per-file-ignores": "per_file_ignores", "exclude": "exclude", "src": "src",
    "fixable": "fixable", "unfixable": "unfixable", "force-exclude": "force_exclude",
    "include": "include",
    "namespace-packages": "namespace_packages", "workers": "workers", "heap-size": "heap_size",
    "builtins": "builtins", "target-version": "target_version", "plugins": "plugins",
    "report-blanket-noqa": "report_blanket_noqa", "external": "external",
    "allowed-unused-imports": "allowed_unused_imports", "baseline": "baseline",
    "diagnostic-scope": "diagnostic_scope", "dummy-variable-rgx": "dummy_variable_rgx",
    "line-length": "line_length",
    "file-timeout": "file_timeout", "plugin-errors": "plugin_errors",
    "dead-code-ignore-decorators": "dead_code_ignore_decorators",
    "per-file-target-version": "per_file_target_version",
}


def load_config(path: Path | None) -> Config:
    """Read and validate the configuration in ``path``, following ``extend`` (``None``: the
    defaults).

    :raises ConfigError: as the single-file loader, plus a missing ``extend`` file or a cycle.
    """
    if path is None:
        return Config()
    return _load(Path(os.path.abspath(path)), ())


def _table(path: Path) -> dict[str, Any]:
    document = _read_toml(path)
    table = _shoal_table(document)
    if table is None:
        table = {} if path.name == "pyproject.toml" else document
    return table if isinstance(table, dict) else {}


def _load(path: Path, chain: tuple[Path, ...]) -> Config:
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise ConfigError(f"{chain[-1]}: 'extend' makes a cycle: {cycle}", path=chain[-1],
                          key="extend")
    config = load_one(path)
    table = _table(path)
    extend = table.get("extend")
    if extend is None:
        return config
    parent_path = Path(os.path.normpath(path.parent / os.path.expanduser(extend.strip())))
    if not parent_path.is_file():
        raise ConfigError(f"{path}: 'extend': no such file {parent_path}", path=path,
                          key="extend")
    parent = _load(parent_path, (*chain, path))
    return merge_configs(parent, config, set(table))


def merge_configs(parent: Config, child: Config, keys: set[str]) -> Config:
    """``child`` (whose file sets ``keys``) over the ``parent`` it extends."""
    assert parent.root is not None and child.root is not None
    rebase = _Rebase(parent.root, child.root)
    values: dict[str, Any] = {
        "exclude": rebase.globs(parent.exclude),
        "extend_exclude": rebase.globs(parent.extend_exclude),
        "per_file_ignores": tuple((rebase.glob(g), codes) for g, codes in parent.per_file_ignores),
        "per_file_target_version": tuple((rebase.glob(g), v)
                                         for g, v in parent.per_file_target_version),
    }
    for key, attribute in _OVERRIDING.items():
        if key in keys:
            values[attribute] = getattr(child, attribute)
        else:
            values.setdefault(attribute, getattr(parent, attribute))
    for attribute in _ADDING.values():
        inherited = values.get(attribute, getattr(parent, attribute))  # globs come rebased
        values[attribute] = inherited + getattr(child, attribute)
    if "select" in keys:
        values.update({a: getattr(child, a) for a in _SELECTION.values()})
    else:
        values["select"] = parent.select
        for attribute in ("extend_select", "ignore", "extend_ignore"):
            values[attribute] = getattr(parent, attribute) + getattr(child, attribute)
    if "target-version" not in keys:
        values["target_version_source"] = parent.target_version_source
    options = dict(parent.options)
    options.update(child.options)
    values["options"] = MappingProxyType(options)
    values["extends"] = (parent.path, *parent.extends) if parent.path else parent.extends
    return dataclasses.replace(child, **values)


class _Rebase:
    """A glob written relative to the parent's directory, made relative to the child's."""

    def __init__(self, parent_root: Path, child_root: Path) -> None:
        self.parent = os.fspath(parent_root)
        self.child = os.fspath(child_root)

    def glob(self, pattern: str) -> str:
        """``pattern`` for the child's directory: a bare name or a leading wildcard matches
        anywhere and stays; a path is rebased (absolute when outside the child's tree)."""
        if pattern.startswith("!"):  # a negated per-file-ignores pattern: rebased as it is
            return "!" + self.glob(pattern[1:])
        plain = pattern[2:] if pattern.startswith("./") else pattern
        if self.parent == self.child or "/" not in plain.rstrip("/") or plain[:1] in "*?[":
            return pattern
        absolute = os.path.normpath(os.path.join(self.parent, plain))
        relative = os.path.relpath(absolute, self.child)
        chosen = absolute if relative.startswith("..") else relative
        return chosen.replace(os.sep, "/") + ("/" if plain.endswith("/") else "")

    def globs(self, patterns: Iterable[str]) -> tuple[str, ...]:
        """Each of ``patterns`` rebased."""
        return tuple(self.glob(p) for p in patterns)
