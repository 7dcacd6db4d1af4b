"""shoal's built-in rules, written on the public rule API (analyzer.rules) like any plugin."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analyzer.rules import RuleClass

__all__ = ["builtin_rules"]

_MODULES = ("plugins.pattern_rules", "plugins.scope_rules", "plugins.project_rules",
            "plugins.format_rules", "plugins.syntax_rules", "plugins.compile_rules",
            "plugins.annotation_rules", "plugins.statement_rules", "plugins.style_rules",
            "plugins.name_rules", "plugins.import_rules", "plugins.local_rules",
            "plugins.dead_code", "plugins.bugbear_rules", "plugins.bugbear_expressions",
            "plugins.bugbear_statements", "plugins.bugbear_blocks", "plugins.bugbear_classes",
            "plugins.bugbear_strict", "plugins.escape_rules", "plugins.comprehension_rules",
            "plugins.comprehension_casts", "plugins.line_rules", "plugins.whitespace_rules",
            "plugins.call_rules")


def builtin_rules() -> list[RuleClass]:
    """Every rule class defined by the built-in rule modules, in code order."""
    import importlib

    from analyzer.rules import LintRule, ProjectRule

    found: dict[str, RuleClass] = {}
    for name in _MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, (LintRule, ProjectRule)):
                # A ProjectRule declares CODE without a value: abstract bases have none.
                code: str = getattr(value, "CODE", "")
                if code and value.__module__ == name:
                    found[code] = value
    return [found[code] for code in sorted(found)]
