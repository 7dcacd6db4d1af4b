"""Which plugin fact extractors a selection runs, found as rules are: in the plugin modules.

A project rule names the extractors it reads in ``FACTS`` (classes, or the ``NAME`` of one
a loaded plugin defines); phase 1 runs exactly the extractors of the selected project rules.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analyzer.rules import FactExtractor, RuleClass

__all__ = ["collect_extractors", "extractors_for", "missing_facts"]


def collect_extractors(
    found: Iterable[tuple[str, type[FactExtractor]]],
) -> tuple[dict[str, type[FactExtractor]], list[tuple[str, str]]]:
    """(plugin, extractor) pairs -> (NAME -> extractor, [(plugin, problem)]); the first to
    claim a NAME keeps it, as for rule codes."""
    from analyzer.rules._fact_extractor import check_extractor

    by_name: dict[str, type[FactExtractor]] = {}
    problems: list[tuple[str, str]] = []
    for plugin, cls in found:
        problem = check_extractor(cls)
        if problem is None and cls.NAME in by_name and by_name[cls.NAME] is not cls:
            problem = (f"fact extractor {cls.__qualname__} has NAME {cls.NAME!r}, already "
                       f"taken by {by_name[cls.NAME].__qualname__}; extractor skipped")
        if problem is not None:
            problems.append((plugin, problem))
            continue
        by_name.setdefault(cls.NAME, cls)
    return by_name, problems


def missing_facts(rule: RuleClass, known: Mapping[str, type[FactExtractor]]) -> str | None:
    """Why ``rule`` cannot run (it names an extractor nobody defines), or None."""
    from analyzer.rules._fact_extractor import check_extractor

    for need in getattr(rule, "FACTS", ()):
        if isinstance(need, str):
            if need not in known:
                return (f"rule {rule.__qualname__} reads the fact {need!r}, which no loaded "
                        f"plugin's extractor defines; rule skipped")
        else:
            problem = check_extractor(need)
            if problem is not None:
                return f"{problem}; rule {rule.__qualname__} skipped"
            other = known.get(need.NAME)
            if other is not None and other is not need:
                return (f"rule {rule.__qualname__} reads the extractor {need.__qualname__} "
                        f"named {need.NAME!r}, a name {other.__qualname__} took; rule skipped")
    return None


def extractors_for(rules: Iterable[RuleClass],
                   known: Mapping[str, type[FactExtractor]]) -> tuple[type[FactExtractor], ...]:
    """The extractors ``rules`` read, once each, sorted by NAME.

    :raises ValueError: a rule names an unknown extractor, or two classes share a NAME.
    """
    chosen: dict[str, type[FactExtractor]] = {}
    for rule in rules:
        for need in getattr(rule, "FACTS", ()):
            cls = known.get(need) if isinstance(need, str) else need
            if cls is None:
                raise ValueError(f"rule {rule.__qualname__} reads the fact {need!r}, which no "
                                 f"loaded plugin's extractor defines")
            other = chosen.setdefault(cls.NAME, cls)
            if other is not cls:
                raise ValueError(f"two fact extractors are named {cls.NAME!r}: "
                                 f"{other.__qualname__} and {cls.__qualname__}")
    return tuple(chosen[name] for name in sorted(chosen))
