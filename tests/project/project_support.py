"""Helpers for the project tests: facts of a source, projects built from a dict of sources."""
from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass, field

from analyzer.model import ModuleFacts, ProjectIndex, extract_facts, unknown_facts
from analyzer.rules import SourceLines


def module_of(path: str) -> tuple[str, bool]:
    """Module name and is_package of a path, by the ``__init__.py`` chain (all dirs packages)."""
    stem = path.rsplit(".", 1)[0]
    parts = stem.split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def facts_of(source: str, path: str = "m.py") -> ModuleFacts:
    """Facts of one dedented source (``unknown_facts`` when it does not parse)."""
    module, is_package = module_of(path)
    source = textwrap.dedent(source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return unknown_facts(module, path, is_package)
    return extract_facts(
        tree, module=module, path=path, is_package=is_package, lines=SourceLines(source)
    )


@dataclass
class Project:
    """Facts of every module, an index over them, and the keys the index recorded."""

    facts: dict[str, ModuleFacts]
    recorded: list[str] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        def load(module: str) -> ModuleFacts | None:
            self.loads.append(module)
            return self.facts.get(module)

        self.index = ProjectIndex(self.facts.keys(), load, self.recorded.append)


def build_project(files: dict[str, str]) -> Project:
    """A :class:`Project` from ``{"pkg/__init__.py": source, ...}`` (sources are dedented)."""
    facts = {}
    for path, source in files.items():
        f = facts_of(source, path)
        facts[f.module] = f
    return Project(facts)
