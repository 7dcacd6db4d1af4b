"""What travels between the master and the workers: the tasks, the results, the run's context.

Kept apart from the jobs themselves so the master's bookkeeping (invalidation, the session's
state, the kept view) names a task without importing the rules and the facts extraction.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeAlias, cast

if TYPE_CHECKING:
    from analyzer.engine._suppressions import NoqaMap
    from analyzer.rules import (
        Diagnostic,
        FactExtractor,
        LintRule,
        ProjectRule,
        RuleClass,
        RuleSettings,
    )


#: Heap table names. Facts are keyed by module and content digest, so an old version stays
#: readable while a new one is built and unchanged content is never parsed twice.
FACTS_TABLE = "facts"
CONTEXT_TABLE = "ctx"


def facts_key(module: str, digest: str, path: str) -> str:
    """The heap key of a module's facts: its content digest and the file holding it.

    The path is part of it because facts depend on more than the bytes: the same text as
    ``pkg.py`` and as ``pkg/__init__.py`` is a module and a package (relative imports
    resolve differently), and a key of content alone handed the new file the old facts.
    """
    return f"{module}:{digest}:{path}"


@dataclass(frozen=True, slots=True)
class FileTask:
    """One file of phase 1: where it is, what module it is, whether it is reported."""

    path: str
    display: str
    module: str
    is_package: bool
    report: bool
    content: bytes | None = None  # stdin
    #: a compiled extension module: handled by the master (:func:`extension_result`)
    extension: bool = False


@dataclass(frozen=True, slots=True)
class FileResult:
    """What phase 1 sends back for one file: small data only."""

    path: str
    module: str
    digest: str
    parse_ok: bool
    diagnostics: tuple[Diagnostic, ...] = ()
    noqa: NoqaMap | None = None
    #: the module's interface digests and import facts (``_invalidation.module_summary``),
    #: made by the worker that extracted its facts: the master then never decodes them.
    summary: Any = None


@dataclass(frozen=True, slots=True)
class ModuleTask:
    """One module of phase 2."""

    module: str
    path: str
    display: str
    digest: str
    #: the file's bytes, for a remote worker that may not see the file (``--scheduler``)
    source: bytes | None = None


@dataclass(slots=True)
class RunContext:
    """Everything jobs need besides their items; stored once per run in the heap."""

    module_rules: tuple[type[LintRule], ...]
    project_rules: tuple[type[ProjectRule], ...]
    settings: RuleSettings
    #: module -> (content digest, path) for phase 2's project index (see :func:`facts_key`).
    modules: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: module -> the ``sys.modules`` keys it writes, for every writer of the project: the
    #: master knows them from the facts it holds, so no index has to scan every module.
    writers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: the plugin fact extractors phase 1 runs (those the selected project rules read).
    extractors: tuple[type[FactExtractor], ...] = ()
    #: extractor name -> the modules with a value of it, for phase 2's index (the master
    #: knows them from the interface digests it holds).
    fact_holders: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: module -> the modules referencing names in it, when a selected rule reads references
    referrers: Mapping[str, tuple[str, ...]] | None = None
    #: ``--timings``: jobs time each rule and phase and append a :class:`JobTimings`
    timings: bool = False
    #: phase 1 stores the trees of reported modules (a selected project rule needs them)
    store_trees: bool = False
    #: ... and of every module, reported or not (a selected rule reads other modules' trees)
    all_trees: bool = False
    #: module -> its bytes, for each module whose content is not its file's (an editor
    #: buffer, standard input), in phase 2's context: a tree ``index.tree`` finds no copy of
    #: in the heap is parsed from them, never from the file (``_tree_reads``)
    contents: dict[str, bytes] = field(default_factory=dict)
    #: workers keep the facts they decode for the next update (``_facts_cache``); a
    #: one-shot session's have none: they keep only what the project index memoizes
    keep_facts: bool = True
    #: phase 1 writes each module's key record beside its facts (``_insight_keys``): not
    #: when nothing reads the heap after the check (a one-shot check without a cache)
    key_records: bool = True
    #: phase 1's summaries carry each module's interface digests (``module_summary``): not
    #: when neither a later update nor this check's phase 2 reads them
    interface_digests: bool = True
    #: the heap key of the context this one patches (``_ctx_patch``): then each of
    #: :data:`PATCHED_FIELDS` holds only the entries that differ from the base's, and
    #: ``dropped`` names, per field, the base's keys that are gone; a worker resolves it
    #: with :func:`patched`. Empty: a whole context.
    base: str = ""
    dropped: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: package -> the rules of what a build may make in it (``Discovery.outputs``): phase
    #: 2's index calls a module they cover UNKNOWN, not missing (``BuildOutputs``)
    outputs: Mapping[str, tuple[tuple[str, bool, bool], ...]] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, ...]:
        # A rule adapted from Fixit is a class made at load time, which a process that did
        # not load the plugin (a dask worker) cannot find by name: it travels as the Fixit
        # rule it adapts and is adapted again there.
        return (_restore_context, (_rule_refs(self.module_rules), _rule_refs(self.project_rules),
                                   self.settings, self.modules, self.writers, self.extractors,
                                   self.fact_holders, self.timings, self.referrers,
                                   self.store_trees, self.all_trees, self.contents,
                                   self.base, self.dropped, self.keep_facts,
                                   self.key_records, self.interface_digests, self.outputs))


#: The maps of a phase-2 context that name every module (or every referenced one): what a
#: patch carries the differences of.
PATCHED_FIELDS = ("modules", "writers", "referrers")


def patched(ctx: RunContext, base: RunContext) -> RunContext:
    """The whole context a patch (``ctx.base`` set) stands for, given its ``base``."""
    whole: dict[str, Any] = {}
    for name in PATCHED_FIELDS:
        was, diff = getattr(base, name), getattr(ctx, name)
        if was is None or diff is None:
            whole[name] = diff  # referrers: None when no selected rule reads them
            continue
        merged = dict(was)  # a C-level copy: the per-entry work is the patch's
        merged.update(diff)
        for key in ctx.dropped.get(name, ()):
            merged.pop(key, None)
        whole[name] = merged
    return replace(ctx, base="", dropped={}, **whole)


#: A rule class as it travels: itself, or ("fixit", Fixit rule, origin) for an adapted one.
_RuleRef: TypeAlias = "RuleClass | tuple[str, type, str]"


def _rule_refs(rules: Sequence[RuleClass]) -> tuple[_RuleRef, ...]:
    # A session pickles the same rules into every update's context.
    if isinstance(rules, tuple):
        return _tuple_refs(rules)
    return _refs_of(rules)


@functools.lru_cache(maxsize=16)
def _tuple_refs(rules: tuple[RuleClass, ...]) -> tuple[_RuleRef, ...]:
    return _refs_of(rules)


def _refs_of(rules: Sequence[RuleClass]) -> tuple[_RuleRef, ...]:
    from analyzer.loading import adapted_from

    refs: list[_RuleRef] = []
    for rule in rules:
        source = adapted_from(rule)
        refs.append(rule if source is None else ("fixit", *source))
    return tuple(refs)


def _from_refs(refs: tuple[_RuleRef, ...]) -> tuple[RuleClass, ...]:
    out: list[RuleClass] = []
    for ref in refs:
        if isinstance(ref, tuple):
            from analyzer.loading import adapt

            ref = adapt(ref[1], ref[2])
        out.append(ref)
    return tuple(out)


def _restore_context(module_rules: tuple[_RuleRef, ...], project_rules: tuple[_RuleRef, ...],
                     settings: RuleSettings, modules: Mapping[str, tuple[str, str]],
                     writers: Mapping[str, tuple[str, ...]],
                     extractors: tuple[type[FactExtractor], ...] = (),
                     fact_holders: dict[str, tuple[str, ...]] | None = None,
                     timings: bool = False,
                     referrers: Mapping[str, tuple[str, ...]] | None = None,
                     store_trees: bool = False, all_trees: bool = False,
                     contents: dict[str, bytes] | None = None, base: str = "",
                     dropped: dict[str, tuple[str, ...]] | None = None,
                     keep_facts: bool = True, key_records: bool = True,
                     interface_digests: bool = True,
                     outputs: Mapping[str, tuple[tuple[str, bool, bool], ...]] | None = None,
                     ) -> RunContext:
    # Each tuple of refs was made by _rule_refs from rules of that one kind.
    return RunContext(cast("tuple[type[LintRule], ...]", _from_refs(module_rules)),
                      cast("tuple[type[ProjectRule], ...]", _from_refs(project_rules)),
                      settings, modules, writers, extractors, fact_holders or {},
                      referrers, timings=timings, store_trees=store_trees,
                      all_trees=all_trees, contents=contents or {}, keep_facts=keep_facts,
                      key_records=key_records, interface_digests=interface_digests,
                      base=base, dropped=dropped or {}, outputs=outputs or {})
