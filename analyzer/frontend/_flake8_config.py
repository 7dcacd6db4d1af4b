"""A project's flake8 configuration (``[flake8]`` in ``setup.cfg``, ``tox.ini`` or
``.flake8``), read as the ``[tool.shoal]`` table of the settings both tools have
(``_lent_config``).

flake8's own syntax: comma- or space-separated lists, full-line comments inside a value,
option names with ``-`` or ``_``, and ``per-file-ignores`` as ``path:CODES`` entries.
Its ``exclude`` replaces flake8's few defaults (``.git``, ``.tox``...), which shoal's
include: here it extends shoal's.
"""
from __future__ import annotations

import configparser
import re
from pathlib import Path
from typing import Any

__all__ = ["FLAKE8_FILES", "flake8_section", "flake8_table"]

#: Where flake8 looks, in its order: the first with a ``[flake8]`` section is the one.
FLAKE8_FILES = ("setup.cfg", "tox.ini", ".flake8")

_SEPARATORS = re.compile(r"[,\s]+")
#: A code or a code prefix, as flake8 has them (``E``, ``E7``, ``W503``, ``ABC123``).
_CODE = re.compile(r"^[A-Z]{1,3}[0-9]{0,3}$")


def flake8_section(path: Path) -> dict[str, str] | None:
    """The ``[flake8]`` options of ``path``, names with ``-``; None without the section or
    when the file does not read as INI (flake8's to report)."""
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    if not parser.has_section("flake8"):
        return None
    return {key.replace("_", "-"): value for key, value in parser.items("flake8")}


def flake8_table(section: dict[str, str]) -> dict[str, Any]:
    """flake8's options -> a ``[tool.shoal]`` table of the settings both tools have."""
    table: dict[str, Any] = {}
    excludes = [*_list(section.get("exclude")), *_list(section.get("extend-exclude"))]
    if excludes:
        table["extend-exclude"] = excludes
    for key in ("select", "extend-select", "builtins"):
        if key in section:
            table[key] = _list(section[key])
    ignores = [*_list(section.get("ignore")), *_list(section.get("extend-ignore"))]
    if ignores:
        table["ignore"] = ignores
    if "per-file-ignores" in section:
        table["per-file-ignores"] = _files_to_codes(section["per-file-ignores"])
    length = section.get("max-line-length", "").strip()
    if length.isdigit():
        table["line-length"] = int(length)
    return table


def _list(value: str | None) -> list[str]:
    return [item for item in _SEPARATORS.split(value or "") if item]


def _files_to_codes(value: str) -> dict[str, list[str]]:
    """``src/__init__.py:F401 tests/*:F811,E402`` (flake8's ``per-file-ignores``): the codes
    after each run of paths, ``path:CODE`` written together or apart."""
    found: dict[str, list[str]] = {}
    paths: list[str] = []
    taking_codes = False
    for token in _list(value.replace(":", ": ")):
        if token == ":":
            continue
        if token.endswith(":"):
            if taking_codes:
                paths, taking_codes = [], False
            paths.append(token[:-1])
        elif _CODE.match(token) and paths:
            taking_codes = True
            for path in paths:
                found.setdefault(path, []).append(token)
        else:
            if taking_codes:
                paths, taking_codes = [], False
            paths.append(token)
    return found
