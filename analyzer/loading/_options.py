"""Checking ``[tool.shoal.options.RULE]`` tables against the loaded rules.

A table names a rule by NAME or CODE. A table naming no loaded rule is an error, as ruff
fails on an unknown configuration key (a warning only when a plugin failed to load under
``plugin-errors = "warn"``: the table may be that plugin's). A rule declaring ``OPTIONS``
gets its keys and types checked; one declaring none takes any key, with a warning for a key
that its module's source never names (so it cannot read it, short of computing the name).
"""
from __future__ import annotations

import inspect
import sys
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["RuleOptionError", "check_rule_options"]


class RuleOptionError(ValueError):
    """A rule option the configuration gets wrong: printed as one line, exit 2."""


def _source_of(rule: Any) -> str | None:
    """The source of the module defining ``rule`` (a Fixit rule's own module for an adapted
    one), where a key it reads appears as a string; None when there is none to read."""
    original = getattr(rule, "FIXIT_RULE", None) or rule
    module = sys.modules.get(getattr(original, "__module__", ""))
    try:
        return inspect.getsource(module) if module is not None else None
    except (OSError, TypeError):
        return None


def _type_names(expected: type | tuple[type, ...]) -> str:
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(k.__name__ for k in kinds)


def _has_type(value: Any, expected: type | tuple[type, ...]) -> bool:
    kinds = expected if isinstance(expected, tuple) else (expected,)
    # TOML true is not an integer option, whatever Python's bool says.
    if isinstance(value, bool) and bool not in kinds:
        return False
    return isinstance(value, kinds)


def check_rule_options(
    options: Mapping[str, Mapping[str, Any]], rules: Iterable[Any], *, where: str,
    lenient: bool = False,
) -> list[str]:
    """Check every options table; the warnings to print.

    :param where: the configuration file, for the messages.
    :param lenient: an unknown table is a warning, not an error.
    :raises RuleOptionError: a table naming no rule, an undeclared key, a wrong type.
    """
    by_key: dict[str, Any] = {}
    for rule in rules:
        for key in (getattr(rule, "NAME", ""), getattr(rule, "CODE", "")):
            if key:
                by_key.setdefault(key, rule)
    warnings: list[str] = []
    for table, values in options.items():
        rule = by_key.get(table)
        if rule is None:
            message = (f"{where}: [tool.shoal.options.{table}] names no loaded rule "
                       f"(a rule's NAME or CODE)")
            if not lenient:
                raise RuleOptionError(message)
            warnings.append(f"shoal: warning: {message}")
            continue
        declared = getattr(rule, "OPTIONS", None)
        label = f"{where}: [tool.shoal.options.{table}]"
        if declared is None:
            source = _source_of(rule)
            warnings.extend(
                f"shoal: warning: {label}: rule {rule.CODE} ({rule.NAME}) never reads option "
                f"{key!r} (a rule that declares OPTIONS makes this an error)"
                for key in values if source is not None and key not in source)
            continue
        for key, value in values.items():
            if key not in declared:
                takes = ", ".join(sorted(declared)) or "none"
                raise RuleOptionError(f"{label}: unknown option {key!r} of rule {rule.CODE} "
                                      f"({rule.NAME}); it takes: {takes}")
            if not _has_type(value, declared[key]):
                raise RuleOptionError(
                    f"{label}: option {key!r} of rule {rule.CODE} ({rule.NAME}) must be "
                    f"{_type_names(declared[key])}, got {type(value).__name__} {value!r}")
    return warnings
