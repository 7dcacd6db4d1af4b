"""Python versions: the ``target-version`` values shoal accepts, and the one a project's
``[project] requires-python`` implies when it sets none (its lower bound, as ruff infers it).
"""
from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "SUPPORTED_VERSIONS",
    "format_version",
    "parse_target_version",
    "requires_python_floor",
    "resolve_target_version",
    "target_from_pyproject",
]

_C = TypeVar("_C")

#: Every ``target-version`` shoal accepts, oldest first (ruff's range: py37 to py314).
SUPPORTED_VERSIONS: tuple[tuple[int, int], ...] = tuple((3, minor) for minor in range(7, 15))

# One clause of a PEP 440 specifier: an operator and a version (``3``, ``3.9``, ``3.9.*``).
_CLAUSE = re.compile(r"^\s*(===|==|~=|>=|<=|!=|>|<)\s*v?([0-9]+)(?:\.([0-9]+|\*))?")


def format_version(version: tuple[int, int]) -> str:
    """``(3, 11)`` -> ``"py311"``."""
    return "py{}{}".format(*version)


def parse_target_version(text: str) -> tuple[int, int]:
    """``"py311"`` -> ``(3, 11)``; :class:`ValueError` for anything outside py37–py314."""
    match = re.fullmatch(r"py3([0-9]{1,2})", text.strip())
    version = (3, int(match.group(1))) if match else None
    if version is None or version not in SUPPORTED_VERSIONS:
        choices = ", ".join(format_version(v) for v in SUPPORTED_VERSIONS)
        raise ValueError(f"unknown target version {text!r} (expected one of {choices})")
    return version


def requires_python_floor(spec: str) -> tuple[int, int] | None:
    """The oldest supported minor version a ``requires-python`` specifier allows.

    Only lower bounds count (``>=``, ``>``, ``==``, ``~=``, ``===``); upper bounds and
    exclusions say nothing about the syntax a file may use. A bound below py37 is py37, one
    above py314 is py314; no lower bound (or an unreadable specifier) is ``None``.
    """
    floors = []
    for clause in spec.split(","):
        match = _CLAUSE.match(clause)
        if match is None:
            if clause.strip():
                return None
            continue
        operator, major, minor = match.groups()
        if operator in ("<", "<=", "!="):
            continue
        if int(major) != 3:
            return None if int(major) > 3 else SUPPORTED_VERSIONS[0]
        floors.append((3, int(minor) if minor not in (None, "*") else 0))
    if not floors:
        return None
    floor = max(floors)
    return min(max(floor, SUPPORTED_VERSIONS[0]), SUPPORTED_VERSIONS[-1])


def target_from_pyproject(document: dict[str, Any]) -> tuple[int, int] | None:
    """The version ``[project] requires-python`` of a read ``pyproject.toml`` implies."""
    project = document.get("project")
    spec = project.get("requires-python") if isinstance(project, dict) else None
    return requires_python_floor(spec) if isinstance(spec, str) else None


def inferred_target(directory: Path | None) -> tuple[tuple[int, int], str] | None:
    """The target version from ``directory/pyproject.toml``'s ``requires-python``, with where
    it came from; ``None`` when there is no such file or it says nothing usable."""
    if directory is None:
        return None
    candidate = directory / "pyproject.toml"
    if not candidate.is_file():
        return None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    try:
        with open(candidate, "rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return None  # the configuration loader reports a broken file where it reads it
    version = target_from_pyproject(document)
    if version is None:
        return None
    spec = document["project"]["requires-python"]
    return version, f"requires-python {spec!r} in {candidate}"


def resolve_target_version(config: _C, command_line: str | None = None) -> _C:
    """``config`` (a :class:`~analyzer.frontend.Config`) with its target version decided:
    ``--target-version`` first, then the configured key, then ``requires-python`` of the
    ``pyproject.toml`` in the project's directory (not under ``--isolated``, which reads no
    configuration file, as ruff's does not), else the running Python.

    :raises ValueError: ``command_line`` is not a known version.
    """
    if command_line is not None:
        return dataclasses.replace(config, target_version=parse_target_version(command_line),  # type: ignore[type-var]
                                   target_version_source="--target-version")
    if (getattr(config, "isolated", False)
            or not getattr(config, "target_version_source", "").startswith("default")):
        return config
    inferred = inferred_target(getattr(config, "root", None))
    if inferred is None:
        return config
    version, source = inferred
    return dataclasses.replace(config, target_version=version,  # type: ignore[type-var]
                               target_version_source=source)
