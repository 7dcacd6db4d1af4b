"""Loading rules: built-in ones, installed plugin packages, and local plugins named by the config.

Where rules come from, in this order (the first to claim a code keeps it):

1. ``plugins/``: shoal's built-in rules (origin ``built-in``).
2. Installed packages, through the entry-point group ``shoal.rules``. An entry point names a
   module (``mypkg.rules``: every rule class it defines) or one rule class
   (``mypkg.rules:NoPrint``). Origin: the distribution's name and version.
3. ``[tool.shoal] plugins = [...]`` of the configuration: a dotted module name imported as
   usual (``"mypkg.rules"``), or a path relative to the configuration file
   (``"tools/lint_rules.py"``, or a package directory). A path is loaded from its file under
   a private module name (``_shoal_plugin_<digest>``) without touching ``sys.path``, so a
   user's own ``plugins`` or ``analyzer`` package neither shadows nor is shadowed by shoal's.

A plugin module may hold shoal rules (:class:`~analyzer.rules.LintRule`,
:class:`~analyzer.rules.ProjectRule`) and Fixit 2 rules, which are adapted
(:mod:`analyzer.fixit_compat`). Rules from plugins are on by default unless they set
``DEFAULT_ENABLED = False``.

A plugin that fails to import stops the run (:class:`PluginLoadError`, exit 2) unless the
configuration says ``plugin-errors = "warn"``; then, as a rule whose code is malformed or
already taken always does, it becomes a :class:`PluginWarning` naming the plugin, and every
other rule runs.
Loading happens once per process — in the master, before the worker pool forks, so workers
inherit the modules (a private module sits in ``sys.modules`` under its private name, which
is how a worker unpickles the rule classes the run context names).
"""
from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TypeGuard

from analyzer.loading._entry_points import PluginEntryPoint, entry_points
from analyzer.loading._pipeline import PIPELINE_RULES
from analyzer.loading._source_only import SourceOnlyLoader, install_finder

if TYPE_CHECKING:
    from analyzer.rules import FactExtractor, RuleClass

__all__ = [
    "ENTRY_POINT_GROUP",
    "LoadedPlugin",
    "PluginLoadError",
    "PluginSet",
    "PluginWarning",
    "load_plugins",
    "rules_in_module",
]

ENTRY_POINT_GROUP = "shoal.rules"
BUILTIN_ORIGIN = "built-in"
#: The name of shoal's own entry point in :data:`ENTRY_POINT_GROUP` (``plugins:builtin_rules``).
BUILTIN_ENTRY_POINT = "builtin"
_CODE_RE = re.compile(r"[A-Z]{1,3}[0-9]+")
_PRIVATE_PREFIX = "_shoal_plugin_"


@dataclass(frozen=True)
class PluginWarning:
    """Something wrong with one plugin that the run survives; printed on stderr."""

    #: The plugin as it was named (entry point, config entry, or rule class).
    plugin: str
    message: str

    def __str__(self) -> str:
        return f"shoal: warning: plugin {self.plugin}: {self.message}"


class PluginLoadError(Exception):
    """A plugin that could not be loaded while ``plugin-errors`` is ``"error"``: exit 2."""

    def __init__(self, plugin: str, message: str) -> None:
        super().__init__(f"plugin {plugin}: {message}")
        self.plugin = plugin


@dataclass(frozen=True)
class LoadedPlugin:
    """One plugin: where it came from, the rule classes it gave, or why it gave none."""

    #: The plugin as named: ``plugins/``, an entry point ``name = value``, a config entry.
    name: str
    #: What ``shoal rules`` shows: ``built-in``, ``mypkg 1.2``, ``local: tools/rules.py``.
    origin: str
    rules: tuple[RuleClass, ...] = ()
    #: Set when the plugin failed to load: the message of the failure.
    error: str | None = None
    #: Rules of a plugin that loaded but could not be used (each a warning).
    problems: tuple[str, ...] = ()
    #: The plugin fact extractors the plugin's modules define (``analyzer.rules.FactExtractor``).
    extractors: tuple[type[FactExtractor], ...] = ()


@dataclass
class PluginSet:
    """Every plugin of one configuration, and the warnings loading them produced."""

    plugins: list[LoadedPlugin] = field(default_factory=list)
    warnings: list[PluginWarning] = field(default_factory=list)

    @property
    def failed(self) -> list[LoadedPlugin]:
        """The plugins that failed to load."""
        return [p for p in self.plugins if p.error is not None]


# ---------------------------------------------------------------------------------------------
# Finding rule classes in a module


def _is_shoal_rule(value: object) -> TypeGuard[RuleClass]:
    from analyzer.rules import LintRule, ProjectRule

    return (isinstance(value, type) and issubclass(value, (LintRule, ProjectRule))
            and value not in (LintRule, ProjectRule) and bool(getattr(value, "CODE", "")))


def rules_in_module(module: ModuleType, origin: str) -> tuple[list[RuleClass], list[str]]:
    """The rule classes a plugin module offers (Fixit rules adapted) and the problems met.

    Shoal rules count when the module defines them (not when it imports them, so a plugin
    importing a built-in rule does not claim its code twice); Fixit rules are collected as
    ``fixit lint`` collects them.
    """
    import analyzer.loading._fixit_compat as fixit_compat

    rules: list[RuleClass] = []
    problems: list[str] = []
    for value in vars(module).values():
        if _is_shoal_rule(value) and value.__module__ == module.__name__:
            rules.append(value)
    if "fixit" in sys.modules and (
            _is_fixit_package(module)
            or any(fixit_compat.is_fixit_rule(v) for v in vars(module).values())):
        for fixit_rule in fixit_compat.fixit_rules_in(module):
            try:
                rules.append(fixit_compat.adapt(fixit_rule, origin))
            except fixit_compat.FixitRuleError as exc:
                problems.append(str(exc))
    return rules, problems


def extractors_in_module(module: ModuleType) -> list[type[FactExtractor]]:
    """The fact extractor classes ``module`` defines (not those it imports), as rules."""
    from analyzer.rules import FactExtractor

    return [value for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, FactExtractor)
            and value is not FactExtractor and value.__module__ == module.__name__
            and isinstance(getattr(value, "NAME", None), str)]


def _is_fixit_package(module: ModuleType) -> bool:
    # A package such as ``fixit.rules`` holds its rules in submodules only.
    return module.__name__.split(".")[0] == "fixit" and hasattr(module, "__path__")


def _rule_class(value: object, origin: str) -> RuleClass:
    import analyzer.loading._fixit_compat as fixit_compat

    if _is_shoal_rule(value):
        return value
    if fixit_compat.is_fixit_rule(value):
        return fixit_compat.adapt(value, origin)
    raise TypeError(f"{value!r} is neither a module nor a rule class")


# ---------------------------------------------------------------------------------------------
# The three sources


def _is_builtin(ep: PluginEntryPoint) -> bool:
    return ep.name == BUILTIN_ENTRY_POINT and ep.normalized_dist == "shoal"


def builtin_rules(points: Iterable[PluginEntryPoint] | None = None) -> tuple[RuleClass, ...]:
    """The built-in rules: shoal registers them through its own ``shoal.rules`` entry point,
    as any plugin does, so the analyzer never names the package that holds them. ``points``:
    the group's entry points, when the caller read them already."""
    for ep in entry_points(ENTRY_POINT_GROUP) if points is None else points:
        if _is_builtin(ep):
            return tuple(ep.load()())  # type: ignore[operator]
    raise RuntimeError(
        f"shoal's built-in rules are not registered (no {BUILTIN_ENTRY_POINT!r} entry point in "
        f"group {ENTRY_POINT_GROUP!r}): reinstall shoal (`pip install .` in its checkout)")


def _group_points() -> list[PluginEntryPoint]:
    # ``load_plugins``' flag of the same name hides the function there.
    return entry_points(ENTRY_POINT_GROUP)


def _builtin(points: list[PluginEntryPoint]) -> LoadedPlugin:
    return LoadedPlugin("plugins/", BUILTIN_ORIGIN, builtin_rules(points))


def _entry_points(points: list[PluginEntryPoint]) -> list[LoadedPlugin]:
    loaded = []
    for ep in sorted(points, key=lambda e: e.name):
        if _is_builtin(ep):
            continue
        origin = (f"{ep.dist_name} {ep.dist_version}" if ep.dist_name is not None
                  else f"entry point {ep.name}")
        name = f"{ep.name} = {ep.value} ({origin})"
        extractors: list[type[FactExtractor]] = []
        try:
            target = ep.load()
            if isinstance(target, ModuleType):
                rules, problems = rules_in_module(target, origin)
                extractors = extractors_in_module(target)
            else:
                rules, problems = [_rule_class(target, origin)], []
        except Exception as exc:  # noqa: BLE001 — a broken plugin must not stop the run
            loaded.append(LoadedPlugin(name, origin, (), _describe(exc)))
            continue
        loaded.append(LoadedPlugin(name, origin, tuple(rules), None, tuple(problems),
                                   tuple(extractors)))
    return loaded


def _looks_like_path(entry: str) -> bool:
    return entry.endswith(".py") or "/" in entry or os.sep in entry or entry.startswith(".")


def private_module_name(path: Path) -> str:
    """The private module name a plugin file is loaded under (stable for one path)."""
    import hashlib  # here: its import loads OpenSSL, which a check without local plugins skips

    digest = hashlib.sha256(os.fsencode(path)).hexdigest()[:16]
    return f"{_PRIVATE_PREFIX}{digest}"


def is_private_module(name: str) -> bool:
    """Whether ``name`` is a module (or submodule) of a plugin loaded from a path."""
    return name.startswith(_PRIVATE_PREFIX)


def _load_path(path: Path) -> ModuleType:
    name = private_module_name(path)
    module = sys.modules.get(name)
    if module is not None:
        return module
    if path.is_dir():
        init = path / "__init__.py"
        if not init.is_file():
            raise ImportError(f"{path} is a directory without __init__.py")
        install_finder(_PRIVATE_PREFIX)  # its submodules compile from source too
        spec = importlib.util.spec_from_file_location(
            name, init, loader=SourceOnlyLoader(name, str(init)),
            submodule_search_locations=[str(path)])
    elif path.is_file():
        spec = importlib.util.spec_from_file_location(
            name, path, loader=SourceOnlyLoader(name, str(path)))
    else:
        raise FileNotFoundError(f"no such file or directory: {path}")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path} as a Python module")
    return _run(spec)


def _run(spec: importlib.machinery.ModuleSpec) -> ModuleType:
    """The module of ``spec``, run as import runs it."""
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # In sys.modules before it runs, as import does: its classes pickle by this name, and
    # the forked workers find them there.
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[spec.name]
        raise
    return module


def _load_named(name: str) -> ModuleType:
    """Import the plugin module ``name`` as import does, but from its source (and its
    submodules too when it is a package) when it is a source file: an editable install of
    one's own rules is edited as often as a path plugin (``_source_only``)."""
    module = sys.modules.get(name)
    if module is not None:
        return module
    parent, _, child = name.rpartition(".")
    spec = importlib.util.find_spec(name)  # imports the parent packages, as import does
    if spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader:
        return importlib.import_module(name)  # compiled, zipped, frozen: as import does
    spec.loader = SourceOnlyLoader(spec.loader.name, spec.loader.path)
    if spec.submodule_search_locations is not None:
        install_finder(f"{name}.")
    module = _run(spec)
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


def _local(entry: str, root: Path | None) -> LoadedPlugin:
    origin = f"local: {entry}"
    if _looks_like_path(entry):
        path = Path(os.path.normpath((root or Path.cwd()) / entry))

        def load() -> ModuleType:
            return _load_path(path)
    else:
        def load() -> ModuleType:
            return _load_named(entry)
    try:
        module = load()
        rules, problems = rules_in_module(module, origin)
        extractors = extractors_in_module(module)
    except Exception as exc:  # noqa: BLE001 — a broken plugin must not stop the run
        return LoadedPlugin(entry, origin, (), _describe(exc))
    if not rules and not problems and not extractors:
        return LoadedPlugin(entry, origin, (), "defines no rule class")
    return LoadedPlugin(entry, origin, tuple(rules), None, tuple(problems), tuple(extractors))


def _describe(exc: BaseException) -> str:
    return f"failed to import: {type(exc).__name__}: {exc}"


# ---------------------------------------------------------------------------------------------
# Validation and the whole set

_CACHE: dict[tuple[tuple[str, ...], str, bool], PluginSet] = {}


def load_plugins(local: Sequence[str] = (), root: Path | None = None, *,
                 entry_points: bool = True) -> PluginSet:
    """Load every plugin once per process for this (local entries, root) pair.

    :param local: the ``plugins`` entries of the configuration.
    :param root: the configuration file's directory, against which paths resolve.
    :param entry_points: also load the ``shoal.rules`` entry points of installed packages.
    """
    key = (tuple(local), str(root), entry_points)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    result = PluginSet()
    # One scan of sys.path for the group serves the built-in rules and the installed plugins.
    points = _group_points()
    sources = [_builtin(points)]
    if entry_points:
        sources.extend(_entry_points(points))
    sources.extend(_local(entry, root) for entry in local)
    _validate(sources, result)
    _CACHE[key] = result
    return result


def _shares_pipeline_code(plugin: LoadedPlugin, rule: object, owner: str) -> bool:
    """A built-in rule that finds more of a pipeline code's errors (E999: the parser finds
    syntax errors, plugins/compile_rules.py those only the compiler would) may run under it."""
    return (owner == "shoal itself" and plugin.origin == BUILTIN_ORIGIN
            and getattr(rule, "SHARES_PIPELINE_CODE", False) is True)


def _validate(sources: Iterable[LoadedPlugin], result: PluginSet) -> None:
    """Keep each source's valid rules; a bad or taken code is a warning naming the plugin."""
    owner: dict[str, str] = {info.code: "shoal itself" for info in PIPELINE_RULES}
    for plugin in sources:
        if plugin.error is not None:
            result.warnings.append(PluginWarning(plugin.name, plugin.error))
            result.plugins.append(plugin)
            continue
        result.warnings.extend(PluginWarning(plugin.name, problem) for problem in plugin.problems)
        kept = []
        for rule in plugin.rules:
            code = getattr(rule, "CODE", "")
            is_fixit = getattr(rule, "FIXIT_RULE", None) is not None
            if not is_fixit and not (isinstance(code, str) and _CODE_RE.fullmatch(code)):
                result.warnings.append(PluginWarning(
                    plugin.name, f"rule {rule.__qualname__} has code {code!r}: a code is 1-3 "
                                 f"capital letters then digits (e.g. 'X101'); rule skipped"))
                continue
            if code in owner and not _shares_pipeline_code(plugin, rule, owner[code]):
                result.warnings.append(PluginWarning(
                    plugin.name, f"rule {rule.__qualname__} has code {code}, already taken by "
                                 f"{owner[code]}; rule skipped (change its CODE)"))
                continue
            # A shared pipeline code stays shoal's own (E999 keeps its origin).
            owner.setdefault(code, f"{plugin.name} ({plugin.origin})")
            kept.append(rule)
        result.plugins.append(LoadedPlugin(plugin.name, plugin.origin, tuple(kept), None,
                                           plugin.problems, plugin.extractors))
