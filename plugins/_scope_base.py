"""The base of the built-in rules that read the scope analysis (F401-F407, F811-F842)."""
from __future__ import annotations

from typing import ClassVar

from analyzer.rules import LintRule, ScopeProvider


class ScopeRule(LintRule):
    """Shared base: an AST rule that reads the scope analysis of the file (abstract: no CODE)."""

    TREE: ClassVar = "ast"
    METADATA_DEPENDENCIES: ClassVar[tuple[type, ...]] = (ScopeProvider,)
