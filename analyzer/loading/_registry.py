"""The rule registry: every code shoal can report, where it comes from, and how it runs.

Module rules (``LintRule``) run in phase 1 on each file, project rules (``ProjectRule``) in
phase 2 on each module; a few codes are produced by the pipeline itself (a file that cannot be
read or parsed, an internal error, an import cycle computed by the master from all modules'
facts). All of them are listed here so selection, ``shoal rules`` and the output formats see
one table. :meth:`Registry.for_config` adds the rules of installed and local plugins
(:mod:`analyzer.plugin_loader`).
"""
from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from analyzer.loading._pipeline import PIPELINE_RULES, Kind, RuleInfo, rule_info

if TYPE_CHECKING:
    from analyzer.frontend import Config
    from analyzer.loading._plugin_loader import PluginWarning

class Registry:
    """Every known rule by code."""

    def __init__(self, infos: Iterable[RuleInfo],
                 unavailable: Mapping[str, str] | None = None) -> None:
        #: Selectors naming rules of plugins that failed to load -> the plugin: accepted by
        #: the selection (so selecting them is a warning, not exit 2) but run nothing.
        self.unavailable: dict[str, str] = dict(unavailable or {})
        self.by_code: dict[str, RuleInfo] = {}
        for info in infos:
            if info.code in self.by_code:
                raise ValueError(f"rule code {info.code} is defined twice "
                                 f"({self.by_code[info.code].origin} and {info.origin})")
            self.by_code[info.code] = info

    @classmethod
    def builtin(cls) -> Registry:
        """The built-in rules of ``plugins/`` plus the pipeline's own codes."""
        from analyzer.loading._plugin_loader import builtin_rules

        return cls([*PIPELINE_RULES, *(rule_info(rule) for rule in builtin_rules())])

    @classmethod
    def for_config(cls, config: Config, *, selectors: Iterable[str] = (),
                   entry_points: bool = True) -> tuple[Registry, list[PluginWarning]]:
        """Built-in rules, installed plugins (``shoal.rules``) and the config's ``plugins``.

        When a plugin failed to load, every selector (from ``config`` or ``selectors``, the
        command line's) that matches no loaded code is taken to name its rules: it is
        recorded in :attr:`unavailable` with a warning, instead of failing the selection.

        :returns: the registry and the warnings to print (plugins that failed, codes refused).
        """
        from analyzer.loading._plugin_loader import PluginWarning, load_plugins

        loaded = load_plugins(config.plugins, config.root, entry_points=entry_points)
        infos = [*PIPELINE_RULES]
        for plugin in loaded.plugins:
            infos.extend(rule_info(rule, plugin.origin) for rule in plugin.rules)
        warnings = list(loaded.warnings)
        unavailable: dict[str, str] = {}
        failed = loaded.failed
        if failed:
            codes = [info.code for info in infos]
            names = ", ".join(p.name for p in failed)
            for selector in _all_selectors(config, selectors):
                if selector == "ALL" or selector in unavailable:
                    continue
                if not any(code.startswith(selector) for code in codes):
                    unavailable[selector] = names
                    warnings.append(PluginWarning(
                        names, f"'{selector}' matches no loaded rule; it is ignored because "
                               f"the plugin failed to load"))
        return cls(infos, unavailable), warnings

    @classmethod
    def for_command(cls, config: Config, args: Any = None,
                    stream: TextIO | None = None) -> Registry:
        """The registry of one command line: :meth:`for_config` with the selectors of
        ``args`` (an argparse namespace), its warnings printed on ``stream`` (stderr)."""
        registry, warnings = cls.for_config(config, selectors=selectors_of(args))
        out = stream if stream is not None else sys.stderr
        for warning in warnings:
            print(warning, file=out)
        return registry

    @classmethod
    def for_working_directory(cls, stream: TextIO | None = None) -> Registry:
        """What ``shoal rules`` describes: :meth:`for_command` with the configuration found
        from the working directory.

        :raises ~analyzer.config.ConfigError: that configuration is invalid.
        """
        from analyzer.frontend import find_config, load_config

        return cls.for_command(load_config(find_config(".")), stream=stream)

    def known_codes(self) -> dict[str, bool]:
        """code -> enabled by default (what ``resolve_selection`` takes); the selectors of
        plugins that failed to load are known and off by default."""
        known = {code: info.default_enabled for code, info in self.by_code.items()}
        for selector in self.unavailable:
            known.setdefault(selector, False)
        return known

    def classes(self, selected: Iterable[str], kind: Kind) -> tuple[type, ...]:
        """The rule classes of one kind among the selected codes, in code order."""
        chosen = []
        for code in sorted(set(selected)):
            info = self.by_code.get(code)
            if info is not None and info.kind == kind and info.cls is not None:
                chosen.append(info.cls)
        return tuple(chosen)

    def __iter__(self):
        return iter(sorted(self.by_code.values(), key=lambda i: i.code))


def _all_selectors(config: Config, extra: Iterable[str]) -> list[str]:
    selectors = [*(config.select or ()), *config.extend_select, *config.ignore,
                 *config.extend_ignore, *(c for _, codes in config.per_file_ignores for c in codes)]
    selectors.extend(extra)
    return selectors


def selectors_of(args: Any) -> list[str]:
    """The rule selectors of a parsed command line (``--select A,B`` and friends)."""
    found = []
    for name in ("select", "extend_select", "ignore", "extend_ignore"):
        for value in getattr(args, name, None) or ():
            found.extend(part.strip() for part in value.split(",") if part.strip())
    return found

