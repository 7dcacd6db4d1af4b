"""One configuration file read into a :class:`~._config.Config`: each ``[tool.shoal]`` key
parsed and validated by its own setter.

Kept apart from :mod:`._config` (what a configuration is and where it is found) because the
key table is a job of its own: one setter per key turns the file's value into ``Config``
fields, or raises :class:`~._config.ConfigError` naming the file and the key; an unknown
key names the closest known one. ``extend`` chains are followed by :mod:`._extend`, which
loads each file of the chain here.
"""
from __future__ import annotations

import dataclasses
import glob
import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from analyzer.frontend._config import (
    Config,
    ConfigError,
    _read_toml,
    _shoal_table,
    entry_points,
)
from analyzer.frontend._versions import parse_target_version

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]  # only installed below 3.11

__all__ = ["build_table", "load_config", "override_config", "parse_size"]

_SIZE = re.compile(r"^\s*([0-9]+)\s*([KMGT]i?B?|B)?\s*$", re.IGNORECASE)


def load_config(path: Path | None) -> Config:
    """Read and validate the configuration in ``path`` (``None``: the defaults).

    A ``pyproject.toml`` (or any file with a ``[tool.shoal]`` table) is read from that table;
    any other file (a ``--config shoal.toml``) holds the keys at its top level.

    :raises ConfigError: unreadable file, invalid TOML, an unknown key or a value of the wrong
        type; the message names the file and the key.
    """
    if path is None:
        return Config()
    path = Path(os.path.abspath(path))
    document = _read_toml(path)
    table = _shoal_table(document)
    if table is None:
        table = {} if path.name == "pyproject.toml" else document
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.shoal] must be a table", path=path)
    config = _build(path, table)
    points = entry_points(document)
    return dataclasses.replace(config, entry_points=points) if points else config


def override_config(config: Config, overrides: Iterable[str], cwd: str) -> Config:
    """``config`` with the settings ``--config KEY = VALUE`` gives (TOML: one or more keys
    of ``[tool.shoal]``, ruff's ``lint.`` prefix accepted), the later ones winning; a path
    in a value is from ``cwd``.

    :raises ConfigError: not TOML, an unknown key, or a value of the wrong type.
    """
    anchor = Path(cwd, "--config")  # what the setters resolve paths against
    values: dict[str, Any] = {}
    for text in overrides:
        try:
            table = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"--config {text!r}: neither a file nor a TOML setting "
                              f"KEY = VALUE ({exc})") from None
        flat = dict(table)
        lint = flat.pop("lint", None)
        if isinstance(lint, dict):  # ruff's `lint.select = [...]`
            flat.update(lint)
        elif lint is not None:
            flat["lint"] = lint
        for key, value in flat.items():
            setter = _KEYS.get(key) if key != "extend" else None
            if setter is None:
                import difflib  # here: only a mistake needs it

                close = difflib.get_close_matches(key, [k for k in _KEYS if k != "extend"], n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise ConfigError(f"--config: unknown key '{key}'{hint}", key=key)
            try:
                values.update(setter(anchor, key, value))
            except ConfigError as exc:
                raise ConfigError(str(exc).replace(str(anchor), "--config", 1),
                                  key=key) from None
    return dataclasses.replace(config, **values) if values else config


def _frozen_options(value: Mapping[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in value.items()})


def _string_list(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings", path=path, key=key)
    return tuple(item.strip() for item in value)


def _int(path: Path, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{path}: '{key}' must be a non-negative integer", path=path, key=key)
    return value


def _set_file_timeout(path: Path, key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(f"{path}: '{key}' must be a positive number of seconds",
                          path=path, key=key)
    return {"file_timeout": float(value)}


def parse_size(text: str | int) -> int:
    """Bytes in ``2GiB``, ``512M``, ``64k`` or a plain integer (units are powers of 1024)."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise ValueError(f"size must be positive, got {text}")
        return text
    match = _SIZE.match(str(text))
    if match is None:
        raise ValueError(f"invalid size {text!r} (expected e.g. 2GiB, 512M or a byte count)")
    unit = (match.group(2) or "B").upper()[0]
    return int(match.group(1)) * 1024 ** "BKMGT".index(unit)


def build_table(path: Path, table: Mapping[str, Any]) -> Config:
    """The :class:`Config` of a ``[tool.shoal]``-shaped ``table`` read from ``path``."""
    return _build(path, table)


def _build(path: Path, table: Mapping[str, Any]) -> Config:
    values: dict[str, Any] = {"path": path}
    for key, value in table.items():
        setter = _KEYS.get(key)
        if setter is None:
            import difflib  # here: only a mistake needs it

            close = difflib.get_close_matches(key, list(_KEYS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(
                f"{path}: unknown key '{key}' in [tool.shoal]{hint}", path=path, key=key
            )
        values.update(setter(path, key, value))
    return Config(**values)


def _set_list(attribute: str):
    return lambda path, key, value: {attribute: _string_list(path, key, value)}


def _set_per_file_ignores(path: Path, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: '{key}' must be a table of glob = [codes]", path=path, key=key)
    pairs = tuple((glob, _string_list(path, f"{key}.{glob}", codes)) for glob, codes in value.items())
    return {"per_file_ignores": pairs}


def _set_src(path: Path, key: str, value: Any) -> dict[str, Any]:
    found: dict[Path, None] = {}
    for root in _string_list(path, key, value):
        absolute = os.path.normpath(path.parent / root)
        # A glob names every directory it matches (`libs/*/src`), in order, as ruff's does.
        matches = (sorted(m for m in glob.glob(absolute) if os.path.isdir(m))
                   if glob.has_magic(absolute) else [absolute])
        found.update((Path(m), None) for m in matches)
    return {"src": tuple(found)}


def _set_namespace_packages(path: Path, key: str, value: Any) -> dict[str, Any]:
    dirs = _string_list(path, key, value)
    return {"namespace_packages": tuple(Path(os.path.normpath(path.parent / d)) for d in dirs)}


def _set_heap_size(path: Path, key: str, value: Any) -> dict[str, Any]:
    try:
        return {"heap_size": parse_size(value)}
    except ValueError as exc:
        raise ConfigError(f"{path}: '{key}': {exc}", path=path, key=key) from None


def _set_target_version(path: Path, key: str, value: Any) -> dict[str, Any]:
    try:
        return {"target_version": parse_target_version(str(value)),
                "target_version_source": f"target-version in {path}"}
    except ValueError as exc:
        raise ConfigError(f"{path}: '{key}': {exc}", path=path, key=key) from None


def _set_per_file_target_version(path: Path, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: '{key}' must be a table of glob = \"pyXY\"", path=path,
                          key=key)
    pairs = []
    for pattern, version in value.items():
        try:
            pairs.append((pattern, parse_target_version(str(version))))
        except ValueError as exc:
            raise ConfigError(f"{path}: '{key}.{pattern}': {exc}", path=path,
                              key=key) from None
    return {"per_file_target_version": tuple(pairs)}


def _set_options(path: Path, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ConfigError(
            f"{path}: '{key}' must hold one table per rule ([tool.shoal.options.RULE])",
            path=path,
            key=key,
        )
    return {"options": _frozen_options(value)}


def _set_dummy_variable_rgx(path: Path, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, str):
        raise ConfigError(f"{path}: '{key}' must be a regular expression string", path=path, key=key)
    try:
        re.compile(value)
    except re.error as exc:
        raise ConfigError(f"{path}: '{key}': invalid regular expression: {exc}",
                          path=path, key=key) from None
    return {"dummy_variable_rgx": value}


def _set_line_length(path: Path, key: str, value: Any) -> dict[str, Any]:
    # ruff's bounds: a line of 0 or of more than 320 columns is not a limit anyone means.
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 320:
        raise ConfigError(f"{path}: '{key}' must be a whole number from 1 to 320, got {value!r}",
                          path=path, key=key)
    return {"line_length": value}


def _set_bool(attribute: str):
    def setter(path: Path, key: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: '{key}' must be true or false", path=path, key=key)
        return {attribute: value}

    return setter


def _set_plugin_errors(path: Path, key: str, value: Any) -> dict[str, Any]:
    if value not in ("error", "warn"):
        raise ConfigError(f"{path}: '{key}' must be \"error\" or \"warn\", got {value!r}",
                          path=path, key=key)
    return {"plugin_errors": value}


def _set_diagnostic_scope(path: Path, key: str, value: Any) -> dict[str, Any]:
    if value not in ("workspace", "open-files"):
        raise ConfigError(f"{path}: '{key}' must be \"workspace\" or \"open-files\", "
                          f"got {value!r}", path=path, key=key)
    return {"diagnostic_scope": value}


_KEYS = {
    "select": _set_list("select"),
    "extend-select": _set_list("extend_select"),
    "ignore": _set_list("ignore"),
    "extend-ignore": _set_list("extend_ignore"),
    "per-file-ignores": _set_per_file_ignores,
    "fixable": _set_list("fixable"),
    "extend-fixable": _set_list("extend_fixable"),
    "unfixable": _set_list("unfixable"),
    "exclude": _set_list("exclude"),
    "force-exclude": _set_bool("force_exclude"),
    "include": _set_list("include"),
    "extend-exclude": _set_list("extend_exclude"),
    "src": _set_src,
    "namespace-packages": _set_namespace_packages,
    "workers": lambda path, key, value: {"workers": _int(path, key, value)},
    "heap-size": _set_heap_size,
    "file-timeout": _set_file_timeout,
    "builtins": _set_list("builtins"),
    "target-version": _set_target_version,
    "per-file-target-version": _set_per_file_target_version,
    "dummy-variable-rgx": _set_dummy_variable_rgx,
    "line-length": _set_line_length,
    "allowed-unused-imports": _set_list("allowed_unused_imports"),
    "dead-code-ignore-decorators": _set_list("dead_code_ignore_decorators"),
    "plugins": _set_list("plugins"),
    "plugin-errors": _set_plugin_errors,
    "report-blanket-noqa": _set_bool("report_blanket_noqa"),
    "external": _set_list("external"),
    "diagnostic-scope": _set_diagnostic_scope,
    "options": _set_options,
    "baseline": lambda path, key, value: {"baseline": Path(os.path.normpath(
        path.parent / _non_empty(path, key, value)))},
    # Followed by analyzer.frontend._extend, which merges the parent in.
    "extend": lambda path, key, value: (
        {} if isinstance(value, str) and value.strip()
        else _raise(ConfigError(f"{path}: '{key}' must be the path of a configuration file",
                                path=path, key=key))),
}


def _raise(error: Exception) -> Any:
    raise error


def _non_empty(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{path}: '{key}' must be the path of a file", path=path, key=key)
    return os.path.expanduser(value.strip())
