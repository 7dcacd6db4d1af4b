"""shoal's built-in rules, written on the public rule API (analyzer.rules) like any plugin."""
from __future__ import annotations

__all__ = ["builtin_rules"]

_MODULES = ("plugins.pattern_rules", "plugins.scope_rules", "plugins.project_rules")


def builtin_rules() -> list[type]:
    """Every rule class defined by the built-in rule modules, in code order."""
    import importlib

    from analyzer.rules import LintRule, ProjectRule

    found: dict[str, type] = {}
    for name in _MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, (LintRule, ProjectRule))
                    and getattr(value, "CODE", "") and value.__module__ == name):
                found[value.CODE] = value
    return [found[code] for code in sorted(found)]
