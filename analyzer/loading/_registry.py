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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Literal, TextIO, overload

from analyzer.loading._pipeline import PIPELINE_RULES, Kind, RuleInfo, rule_info

if TYPE_CHECKING:
    from argparse import Namespace

    from analyzer.frontend import Config
    from analyzer.loading._plugin_loader import PluginWarning
    from analyzer.rules import FactExtractor, LintRule, ProjectRule, RuleClass

class Registry:
    """Every known rule by code."""

    def __init__(self, infos: Iterable[RuleInfo],
                 unavailable: Mapping[str, str] | None = None,
                 extractors: Mapping[str, type[FactExtractor]] | None = None) -> None:
        #: The plugin fact extractors the plugins define, by NAME (``FACTS`` may name them).
        self.extractors: dict[str, type[FactExtractor]] = dict(extractors or {})
        #: Selectors accepted by the selection that run nothing (none since plugins fail
        #: loudly: a selector naming a failed plugin's code is an unknown selector).
        self.unavailable: dict[str, str] = dict(unavailable or {})
        self.by_code: dict[str, RuleInfo] = {}
        for info in infos:
            earlier = self.by_code.get(info.code)
            if (earlier is not None and earlier.kind == "pipeline" and info.kind == "module"
                    and getattr(info.cls, "SHARES_PIPELINE_CODE", False) is True):
                # The pipeline's row (name, description, origin) with the module rule that
                # finds more of the same errors (E999: those only the compiler would see).
                self.by_code[info.code] = replace(earlier, kind="module", cls=info.cls)
                continue
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
                   entry_points: bool = True) -> tuple[Registry, list[PluginWarning | str]]:
        """Built-in rules, installed plugins (``shoal.rules``) and the config's ``plugins``.

        A plugin that failed to load raises :class:`PluginLoadError` (the first one), unless
        ``plugin-errors = "warn"``: then it is a warning, and a selector naming only its codes
        is the ordinary unknown-selector error of the selection (CI never goes green while
        checking nothing). ``selectors`` is kept for callers; selection checks them itself.

        :returns: the registry and the warnings to print (plugins that failed, codes refused).
        :raises PluginLoadError: a plugin failed to load and ``plugin-errors`` is ``"error"``.
        :raises RuleOptionError: an options table names no rule, or breaks a rule's
            ``OPTIONS`` (a ``ValueError``).
        """
        from analyzer.loading._plugin_loader import PluginLoadError, load_plugins

        del selectors  # the selection reports an unknown selector itself
        loaded = load_plugins(config.plugins, config.root, entry_points=entry_points)
        failed = loaded.failed
        if failed and getattr(config, "plugin_errors", "error") != "warn":
            raise PluginLoadError(failed[0].name, failed[0].error or "failed to load")
        from analyzer.loading._extractors import collect_extractors, missing_facts
        from analyzer.loading._plugin_loader import PluginWarning

        extractors, problems = collect_extractors(
            (p.name, cls) for p in loaded.plugins for cls in p.extractors)
        fact_warnings = [PluginWarning(name, problem) for name, problem in problems]
        infos = [*PIPELINE_RULES]
        for plugin in loaded.plugins:
            for rule in plugin.rules:
                problem = missing_facts(rule, extractors)
                if problem is not None:
                    fact_warnings.append(PluginWarning(plugin.name, problem))
                    continue
                infos.append(rule_info(rule, plugin.origin))
        from analyzer.loading._options import check_rule_options

        where = str(config.path) if config.path is not None else "configuration"
        option_warnings = check_rule_options(
            config.options, (rule for p in loaded.plugins for rule in p.rules), where=where,
            lenient=bool(failed))
        warnings: list[PluginWarning | str] = [*loaded.warnings, *fact_warnings,
                                               *option_warnings]
        return cls(infos, extractors=extractors), warnings

    @classmethod
    def for_command(cls, config: Config, args: Namespace | None = None,
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

    @overload
    def classes(
        self, selected: Iterable[str], kind: Literal["module"]
    ) -> tuple[type[LintRule], ...]: ...
    @overload
    def classes(
        self, selected: Iterable[str], kind: Literal["project"]
    ) -> tuple[type[ProjectRule], ...]: ...
    @overload
    def classes(self, selected: Iterable[str], kind: Kind) -> tuple[RuleClass, ...]: ...

    def classes(self, selected: Iterable[str], kind: Kind) -> tuple[RuleClass, ...]:
        """The rule classes of one kind among the selected codes, in code order."""
        return tuple(cls for _info, cls in self._with_class(selected, kind))

    def all_builtin(self, selected: Iterable[str], kind: Kind) -> bool:
        """Whether every selected rule of ``kind`` is one of shoal's built-in rules."""
        from analyzer.loading._plugin_loader import BUILTIN_ORIGIN

        return all(info.origin == BUILTIN_ORIGIN
                   for info, _cls in self._with_class(selected, kind))

    def _with_class(self, selected: Iterable[str],
                    kind: Kind) -> Iterator[tuple[RuleInfo, RuleClass]]:
        """The selected codes of one kind that have a rule class, in code order."""
        for code in sorted(set(selected)):
            info = self.by_code.get(code)
            if info is not None and info.kind == kind and info.cls is not None:
                yield info, info.cls

    def extractors_for(self, selected: Iterable[str]) -> tuple[type[FactExtractor], ...]:
        """The plugin fact extractors the selected project rules read (``FACTS``), by NAME."""
        from analyzer.loading._extractors import extractors_for

        return extractors_for(self.classes(selected, "project"), self.extractors)

    def __iter__(self) -> Iterator[RuleInfo]:
        return iter(sorted(self.by_code.values(), key=lambda i: i.code))


def selectors_of(args: Namespace | None) -> list[str]:
    """The rule selectors of a parsed command line (``--select A,B`` and friends)."""
    found: list[str] = []
    for name in ("select", "extend_select", "ignore", "extend_ignore"):
        for value in getattr(args, name, None) or ():
            found.extend(part.strip() for part in value.split(",") if part.strip())
    return found

