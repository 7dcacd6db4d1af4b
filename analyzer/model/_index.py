"""The project index: how project rules read other modules, recording every key they read.

Rules never touch another module's facts directly: they call :meth:`ProjectIndex.resolve`
and :meth:`ProjectIndex.lookup`, which record the dependency keys of everything they read
(docs/contracts.md, sections 3 and 4). That is what lets an incremental recheck find every
reader of a changed symbol — no rule can forget a dependency.
"""
from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from analyzer.model._answers import (
    EXTERNAL,
    MISSING,
    UNKNOWN,
    Outcome,
    Symbol,
    absolute_module,
)
from analyzer.model._depids import (
    MODULES_KEY,
    SYS_MODULES_KEY,
    content_key,
    module_key,
    plugin_fact_key,
    plugin_facts_key,
    references_key,
    star_key,
    symbol_key,
)
from analyzer.model._facts import Export, Import, ImportSource, ModuleFacts
from analyzer.model._index_memo import IndexMemo
from analyzer.model._outputs import BuildOutputs
from analyzer.model._planted import PlantedModules
from analyzer.model._references import referenced_names

if TYPE_CHECKING:
    import ast

__all__ = [
    "EXTERNAL",
    "MISSING",
    "UNKNOWN",
    "Outcome",
    "ProjectIndex",
    "Symbol",
    "absolute_module",
]


#: Attributes every module has without binding them.
_MODULE_ATTRIBUTES = frozenset(
    {
        "__name__", "__doc__", "__file__", "__spec__", "__loader__", "__package__", "__path__",
        "__builtins__", "__dict__", "__cached__", "__annotations__",
    }
)


#: The last project layout computed: a worker builds an index per update, and most updates
#: (every body or signature edit) keep the set of module names.
_LAST_LAYOUT: list[tuple[frozenset[str], frozenset[str], frozenset[str]]] = []

#: Trees an index keeps after handing them out: a module read by many readers (a shared
#: helper module) is loaded once per worker, not once per reader, and a few trees are all a
#: worker holds beside the facts.
TREES_KEPT = 4


def _set_of(record: Callable[[str], None] | None) -> set[str] | None:
    """The set whose ``add`` ``record`` is, if it is one."""
    owner = getattr(record, "__self__", None)
    return owner if type(owner) is set and getattr(record, "__name__", "") == "add" else None


def _layout(names: frozenset[str]) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(names, their top-level names, the implicit namespace packages above them)."""
    # The same set object first: a worker hands in the set it keeps while no module comes
    # or goes, and comparing two equal sets costs a pass over the project.
    if _LAST_LAYOUT and _LAST_LAYOUT[0][0] is names:
        return _LAST_LAYOUT[0]
    if _LAST_LAYOUT and _LAST_LAYOUT[0][0] == names:
        _LAST_LAYOUT[0] = (names, *_LAST_LAYOUT[0][1:3])  # this object, from now on
        return _LAST_LAYOUT[0]
    tops = frozenset(name.split(".", 1)[0] for name in names)
    namespaces: set[str] = set()
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts)):
            prefix = ".".join(parts[:i])
            if prefix not in names:
                namespaces.add(prefix)
    layout = (names, tops, frozenset(namespaces))
    _LAST_LAYOUT[:] = [layout]
    return layout


def _facts_of(facts: dict[str, ModuleFacts | None],
              load: Callable[[str], ModuleFacts | None], module: str) -> ModuleFacts | None:
    """``facts[module]``, loaded on first need."""
    if module not in facts:
        facts[module] = load(module)
    return facts[module]


class _Shared:
    """State shared by every reader's index over one project snapshot: names and caches."""

    def __init__(
        self,
        module_names: Collection[str],
        load: Callable[[str], ModuleFacts | None],
        writers: Mapping[str, tuple[str, ...]] | None = None,
        fact_holders: Mapping[str, Sequence[str]] | None = None,
        fact_versions: Mapping[str, int] | None = None,
        referrers: Mapping[str, Sequence[str]] | None = None,
        trees: Callable[[str], ast.Module | None] | None = None,
        memo: IndexMemo | None = None,
        outputs: BuildOutputs | None = None,
    ):
        self.names, self.tops, self.namespaces = _layout(frozenset(module_names))
        self.outputs = BuildOutputs() if outputs is None else outputs
        self.load = load
        self.load_tree = trees
        self.trees: OrderedDict[str, ast.Module | None] = OrderedDict()
        self.referrers = referrers
        self.fact_holders = fact_holders
        self.fact_versions = fact_versions
        self.kept = IndexMemo() if memo is None else memo
        self.facts = self.kept.facts
        self.exports = self.kept.exports
        self.memo = self.kept.answers
        #: a project module's facts, loaded once (None: unreadable). Not a bound method: the
        #: planted modules hold it, and a cycle through this object would keep every
        #: decoded fact alive until the cyclic collector runs, which a one-shot check
        #: pauses (its master runs a small phase 2 itself).
        self.facts_of: Callable[[str], ModuleFacts | None] = functools.partial(
            _facts_of, self.facts, load)
        self.planted = PlantedModules(self.names, self.facts_of, writers)

    def parsed_facts(self, module: str) -> ModuleFacts | None:
        """A project module's facts when it parsed; None for any other name."""
        if module not in self.names:
            return None
        facts = self.facts_of(module)
        return facts if facts is not None and facts.parse_ok else None

    def tree_of(self, module: str) -> ast.Module | None:
        """A project module's tree (its facts parsed), from the last few loaded or loaded."""
        if module in self.trees:
            self.trees.move_to_end(module)
            return self.trees[module]
        tree = None if self.load_tree is None else self.load_tree(module)
        self.trees[module] = tree
        if len(self.trees) > TREES_KEPT:
            self.trees.popitem(last=False)
        return tree


class ProjectIndex:
    """Resolve modules and look names up across the project, recording what is read.

    :param module_names: every module of the project (the owners, docs/contracts.md §5).
    :param load: a module's facts; ``None`` counts as UNKNOWN. Called at most once per module.
    :param record: called with each dependency key read (may repeat keys).
    :param writers: optional, every module with ``dynamic_modules`` mapped to them; without
        it the index reads every module's facts the first time an answer would be MISSING.
    :param fact_holders: optional, extractor name -> the modules that have a value of it;
        without it :meth:`plugin_facts` reads every module's facts.
    :param fact_versions: optional, extractor name -> its current ``VERSION``: a value made
        by another version reads as absent.
    :param referrers: optional, module -> the modules whose facts reference names in it;
        without it :meth:`references` reads every module's facts.
    :param trees: optional, a project module's ``ast`` tree, of the very content its facts
        were extracted from (None: not at hand or does not parse); without it :meth:`tree`
        answers None for every module.
    :param memo: optional, the answers, facts and exports an index over the same module
        names worked out before, still true of ``load``'s facts (``_index_memo``).
    :param outputs: optional, the modules a build may make (``_outputs``): UNKNOWN, not
        MISSING, while the project lacks them.
    """

    def __init__(
        self,
        module_names: Collection[str],
        load: Callable[[str], ModuleFacts | None],
        record: Callable[[str], None] | None = None,
        writers: Mapping[str, tuple[str, ...]] | None = None,
        *,
        fact_holders: Mapping[str, Sequence[str]] | None = None,
        fact_versions: Mapping[str, int] | None = None,
        referrers: Mapping[str, Sequence[str]] | None = None,
        trees: Callable[[str], ast.Module | None] | None = None,
        memo: IndexMemo | None = None,
        outputs: BuildOutputs | None = None,
    ) -> None:
        self._shared = _Shared(module_names, load, writers, fact_holders, fact_versions,
                               referrers, trees, memo, outputs)
        self._record = record
        self._into = _set_of(record)

    def for_reader(self, record: Callable[[str], None] | None) -> ProjectIndex:
        """An index over the same snapshot and caches that records to ``record``."""
        other = object.__new__(ProjectIndex)
        other._shared = self._shared
        other._record = record
        other._into = _set_of(record)
        return other

    # -- public API ----------------------------------------------------------------------

    def in_project(self, module: str) -> bool:
        """``module`` is a project module or an implicit namespace package of the project
        (records ``module``)."""
        self._emit((module,))
        return self._in_project(module)

    def _in_project(self, module: str) -> bool:
        return module in self._shared.names or module in self._shared.namespaces

    def modules(self) -> list[str]:
        """Every project module name, sorted (records ``*``: the set of modules)."""
        self._emit((MODULES_KEY,))
        return sorted(self._shared.names)

    def plugin_fact(self, module: str, name: str) -> Any:
        """``module``'s value of the plugin fact extractor ``name``; None when it has none
        (not a project module, did not parse, no value) (records ``fact[name]:module``)."""
        self._emit((plugin_fact_key(name, module),))
        return self._plugin_value(module, name)

    def plugin_facts(self, name: str) -> list[tuple[str, Any]]:
        """Every project module's value of the extractor ``name``, as (module, value) sorted
        by module, modules without a value left out (records ``fact[name]``: rechecked when
        any module's value changes its interface, appears or disappears)."""
        self._emit((plugin_facts_key(name),))
        shared = self._shared
        holders = shared.fact_holders
        candidates = sorted(shared.names if holders is None else holders.get(name, ()))
        out = []
        for module in candidates:
            value = self._plugin_value(module, name)
            if value is not None:
                out.append((module, value))
        return out

    def _plugin_value(self, module: str, name: str) -> Any:
        shared = self._shared
        facts = shared.parsed_facts(module)
        if facts is None:
            return None
        fact = facts.plugin_fact(name)
        if fact is None:
            return None
        versions = shared.fact_versions
        if versions is not None and versions.get(name) != fact.version:
            return None  # made by another version of the extractor: discarded
        return fact.value

    def references(self, module: str) -> frozenset[str]:
        """The names of ``module`` that other project modules reference, as written (their
        imports and attribute chains; ``"*"`` for a star import of it) (records
        ``ref[module]``: rechecked when any module's references into it change)."""
        self._emit((references_key(module),))
        shared = self._shared
        return referenced_names(module, shared.names, shared.facts_of, shared.referrers)

    def tree(self, module: str) -> ast.Module | None:
        """``module``'s ``ast`` tree, of the content its facts describe; None for a module
        that is not in the project or does not parse (records ``content[module]``: rechecked
        on every edit of ``module``, a body-only one included, and when it goes or comes).

        The tree may be shared with other readers of ``module``: read it, never change it.
        A rule that calls this sets ``READS_TREES`` (then phase 1 keeps every module's tree
        in the heap; without it, the module is parsed again from its source here).
        """
        self._emit((content_key(module),))
        shared = self._shared
        return None if shared.parsed_facts(module) is None else shared.tree_of(module)

    def resolve(self, module: str) -> ModuleFacts | Outcome:
        """A module's facts, or MISSING / UNKNOWN / EXTERNAL (records ``module``)."""
        keys = [module]
        found = self._resolve(module, keys)
        if found is MISSING:
            found = self._unless_planted(module, "", keys)
        self._emit(keys)
        return found

    def lookup(self, module: str, name: str) -> Symbol | Outcome:
        """What ``from module import name`` binds: a Symbol, or MISSING / UNKNOWN / EXTERNAL.

        Follows re-exports and star imports hop by hop and records every key it reads
        (docs/contracts.md, section 3).
        """
        result, keys, _ = self._lookup(module, name, set())
        if result is MISSING:
            recorded = list(keys)
            result = self._unless_planted(module, name, recorded)
            keys = tuple(recorded)
        self._emit(keys)
        return UNKNOWN if result is None else result

    def resolve_import(self, from_module: str, is_package: bool, level: int, module: str) -> str | None:
        """Absolute module of an import written in ``from_module``; None above the top package."""
        return absolute_module(from_module, is_package, level, module)

    # -- machinery -------------------------------------------------------------------------

    def _emit(self, keys: tuple[str, ...] | list[str]) -> None:
        into = self._into
        if into is not None:
            into.update(keys)  # a set drops the repeats itself: one call for the lot
            return
        record = self._record
        if record is None:
            return
        if len(keys) == 1:  # most reads name one key: no dict to drop repeats
            record(keys[0])
            return
        for key in dict.fromkeys(keys):
            record(key)

    def _unless_planted(self, module: str, name: str, keys: list[str]) -> Outcome:
        """MISSING, or UNKNOWN when a build may make ``module`` (with ``name``, the module
        ``module.name``) or a ``sys.modules`` write may plant it (or ``module`` or a star
        source of it, whose names then are unknown). Records the key of what the project's
        writes plant; a build output needs none (``_outputs``). A star source the build
        may give names (a compiled module whose stub lists some: netCDF4's ``from
        ._netCDF4 import *``) leaves ``name`` unknown too."""
        outputs = self._shared.outputs
        if outputs.may_make(f"{module}.{name}" if name else module):
            return UNKNOWN
        keys.append(SYS_MODULES_KEY)
        planted = self._shared.planted
        seen: set[str] = set()
        todo = [module]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            if planted.may_provide(f"{current}.{name}" if name else current):
                return UNKNOWN
            if current != module and outputs.may_make(f"{current}.{name}"):
                return UNKNOWN
            facts = self._shared.facts.get(current) if name else None
            if facts is not None:
                for star in facts.star_imports:
                    target = absolute_module(current, facts.is_package, star.level, star.module)
                    if target is not None:
                        todo.append(target)
        return MISSING

    def _resolve(self, module: str, keys: list[str]) -> ModuleFacts | Outcome:
        """The module's facts or outcome; appends to ``keys`` what decided it beyond the
        module's own key: for a module the project does not have, its top-level name (whose
        appearance or removal turns EXTERNAL into MISSING and back)."""
        shared = self._shared
        if module in shared.names:
            facts = shared.facts_of(module)
            if facts is None or not facts.parse_ok:
                return UNKNOWN
            return facts
        if module in shared.namespaces:
            return ModuleFacts(module=module, path="", is_package=True, parse_ok=True)
        top = module.split(".", 1)[0]
        keys.append(module_key(top))
        return MISSING if top in shared.tops else EXTERNAL

    def _exports(self, facts: ModuleFacts) -> dict[str, Export]:
        exports = self._shared.exports.get(facts.module)
        if exports is None:
            exports = {e.name: e for e in facts.exports}
            if facts.path:  # synthetic namespace facts are not worth caching
                self._shared.exports[facts.module] = exports
        return exports

    def _lookup(
        self, module: str, name: str, active: set[tuple[str, str]]
    ) -> tuple[Symbol | Outcome | None, tuple[str, ...], bool]:
        """(result, keys read, whether a cycle was cut below); result None: this is a cycle."""
        memo_key = (module, name)
        memo = self._shared.memo.get(memo_key)
        if memo is not None:
            return memo[0], memo[1], False
        if memo_key in active:
            return None, (), True
        active.add(memo_key)
        keys = [module, symbol_key(module, name)]
        try:
            result, cut = self._lookup_in(module, name, active, keys)
        finally:
            active.discard(memo_key)
        # An answer that depends on where a cycle was entered is not memoized.
        found = tuple(keys)
        if not cut:
            self._shared.kept.remember(memo_key, result, found)
        return result, found, cut

    def _lookup_in(
        self, module: str, name: str, active: set[tuple[str, str]], keys: list[str]
    ) -> tuple[Symbol | Outcome, bool]:
        facts = self._resolve(module, keys)
        if not isinstance(facts, ModuleFacts):
            return facts, False
        export = self._exports(facts).get(name)
        if export is not None:
            # A star import after the binding may rebind the name (``from _speedups import *``
            # at the end of a pure-Python module): the later binding wins.
            position = (export.line, export.column)
            later = [s for s in facts.star_imports if (s.line, s.column) > position]
            if later:
                found, unknown, cut = self._search_stars(facts, name, later, active, keys)
                if found is not None:
                    return found, cut
                if unknown:
                    return UNKNOWN, cut
            if export.kind == "import" and export.source is not None:
                if export.rebound:
                    # Bound again elsewhere in the module (`try: from ._c import f` /
                    # `except ImportError: from ._py import f`): which binding is live
                    # depends on the run, so following the last one would be a guess.
                    return UNKNOWN, False
                return self._follow(facts, export.source, active, keys)
            return Symbol(module, name, export.kind, export), False

        found, unknown, cut = self._search_stars(facts, name, facts.star_imports, active, keys)
        if found is not None:
            return found, cut
        if facts.is_package:
            submodule = f"{module}.{name}"
            keys.append(submodule)
            if self._in_project(submodule):
                return Symbol(submodule, "", "module"), cut
        if name in _MODULE_ATTRIBUTES:
            return Symbol(module, name, "variable"), cut
        exports = self._exports(facts)
        if unknown or facts.all_dynamic or facts.dynamic_namespace or "__getattr__" in exports:
            return UNKNOWN, cut
        return MISSING, cut

    def _search_stars(
        self,
        facts: ModuleFacts,
        name: str,
        stars: Sequence[Import],
        active: set[tuple[str, str]],
        keys: list[str],
    ) -> tuple[Symbol | None, bool, bool]:
        """(what the last of ``stars`` that binds ``name`` binds it to, unknown, cut)."""
        cut = False
        unknown = False
        # The last star import that binds the name wins, as at run time.
        for star in reversed(stars):
            target = absolute_module(facts.module, facts.is_package, star.level, star.module)
            if target is None:
                unknown = True
                continue
            keys.extend((target, star_key(target)))
            source = self._resolve(target, keys)
            if not isinstance(source, ModuleFacts):
                unknown = True
                continue
            if source.all_names is not None:
                exported = name in source.all_names
            else:
                exported = source.all_dynamic or not name.startswith("_")
            if not exported:
                continue
            found, found_keys, found_cut = self._lookup(target, name, active)
            keys.extend(found_keys)
            cut = cut or found_cut
            if isinstance(found, Symbol):
                return (None if unknown else found), unknown, cut
            # None: the star chain came back to a module being searched; it adds no names.
            if found is UNKNOWN or (found is MISSING and (source.all_names or source.all_dynamic)):
                unknown = True
        return None, unknown, cut

    def _follow(
        self, facts: ModuleFacts, source: ImportSource, active: set[tuple[str, str]], keys: list[str]
    ) -> tuple[Symbol | Outcome, bool]:
        """One re-export hop: what the import binding ``source`` in ``facts`` refers to."""
        target = absolute_module(facts.module, facts.is_package, source.level, source.module)
        if target is None:
            return UNKNOWN, False
        if source.name is None:
            keys.append(target)
            resolved = self._resolve(target, keys)
            if resolved is EXTERNAL:
                return Symbol(target, "", "external"), False
            if resolved is MISSING:
                return UNKNOWN, False  # a broken import: reported where it is written
            return Symbol(target, "", "module"), False
        cut = False
        if target != facts.module:
            found, found_keys, cut = self._lookup(target, source.name, active)
            keys.extend(found_keys)
            if isinstance(found, Symbol):
                return found, cut
            if found is EXTERNAL:
                return Symbol(target, source.name, "external"), cut
            if found is not None:
                return UNKNOWN, cut
        # ``from . import sub`` in a package's __init__ (or a chain back into this module):
        # importlib falls back to the submodule.
        submodule = f"{target}.{source.name}"
        keys.append(submodule)
        if self._in_project(submodule):
            return Symbol(submodule, "", "module"), cut
        return UNKNOWN, cut
