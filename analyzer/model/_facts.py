"""Facts of a module: the records of what other modules may know about it.

Project rules work from facts alone, and facts are the future cache format, so they are
frozen slotted dataclasses of tuples and scalars (cheap to pickle, equal by content).
The schema is public: docs/contracts.md, section 1. Bump :data:`FACTS_VERSION` on any change,
of these records or of what extraction (:mod:`analyzer.model._extract`) records in them.
"""
from __future__ import annotations

import dataclasses
import inspect
import operator
import os
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

try:
    from analyzer.model import _record_native
except ImportError:  # built without a C compiler: the records bind and pickle in Python
    _record_native = None  # type: ignore[assignment]
if os.environ.get("SHOAL_NATIVE_RECORDS") == "0":
    _record_native = None  # type: ignore[assignment]

#: Whether the slotted records are built and pickled in C (``_record_native.c``).
NATIVE_RECORDS = _record_native is not None

FACTS_VERSION = 14

POSITIONAL_ONLY = "positional_only"
POSITIONAL_OR_KEYWORD = "positional_or_keyword"
VAR_POSITIONAL = "var_positional"
KEYWORD_ONLY = "keyword_only"
VAR_KEYWORD = "var_keyword"


class _PythonRecord:
    """Base of every facts record: pickles as (class, field values).

    A slotted dataclass pickles its state through ``dataclasses.fields()`` on every object;
    facts cross the heap by the hundred thousand, and that call dominated loading them.
    With ``_record_native`` built, its ``RecordBase`` does this in C, and fills a record's
    slots without the frozen dataclass' Python ``__init__`` (:func:`_native`).
    """

    __slots__ = ()
    # Declared for mypy only: each subclass is a dataclass, which defines it.
    __match_args__: ClassVar[tuple[str, ...]]

    def __reduce__(self) -> tuple[type, tuple]:
        cls = type(self)
        fields = _FIELD_GETTERS.get(cls)
        if fields is None:
            fields = _FIELD_GETTERS[cls] = _getter(cls.__match_args__)
        return (cls, fields(self))


if TYPE_CHECKING or _record_native is None:
    _Record = _PythonRecord
else:
    class _Record(_record_native.RecordBase):  # the same contract, in C
        __slots__ = ()

_R = TypeVar("_R", bound=type)
_MISSING = object()


def _native(cls: _R) -> _R:
    """Register a slotted record class with ``_record_native``: its instances are then
    built and pickled in C, its generated ``__init__`` kept as ``_dataclass_init`` for the
    calls C leaves to it (those that raise)."""
    if _record_native is None:
        return cls
    fields = dataclasses.fields(cls)
    defaults = tuple(_MISSING if f.default is dataclasses.MISSING else f.default for f in fields)
    assert all(f.init and f.default_factory is dataclasses.MISSING for f in fields)
    init = cls.__dict__["__init__"]
    cls._dataclass_init = init  # type: ignore[attr-defined]
    # Without its own __init__ the class inherits RecordBase's C one; inspect.signature
    # (and help()) still show the dataclass' parameters.
    del cls.__init__  # type: ignore[misc]
    signature = inspect.signature(init)
    cls.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=list(signature.parameters.values())[1:])
    _record_native.register(cls, tuple(f.name for f in fields), defaults, _MISSING)
    return cls


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple]:
    """The field values of a record as a tuple, read in C (``operator.attrgetter``)."""
    if len(names) == 1:  # attrgetter of one name returns the value itself
        one = operator.attrgetter(names[0])
        return lambda record: (one(record),)
    if not names:
        return lambda record: ()
    return operator.attrgetter(*names)


#: record class -> the reader of its fields, made on its first pickling.
_FIELD_GETTERS: dict[type, Callable[[Any], tuple]] = {}


@_native
@dataclass(frozen=True, slots=True)
class Param(_Record):
    """One parameter: its name, its kind (``inspect.Parameter`` kinds, lower-case), a default."""

    name: str
    kind: str
    has_default: bool = False


@_native
@dataclass(frozen=True, slots=True)
class Signature(_Record):
    """A callable's parameters in declaration order (annotations and defaults' values omitted)."""

    params: tuple[Param, ...]
    is_async: bool = False

    @property
    def has_var_positional(self) -> bool:
        """The signature takes ``*args``."""
        return any(p.kind == VAR_POSITIONAL for p in self.params)

    @property
    def has_var_keyword(self) -> bool:
        """The signature takes ``**kwargs``."""
        return any(p.kind == VAR_KEYWORD for p in self.params)

    def bind(self, positional: int, keywords: Sequence[str], name: str) -> str | None:
        """The ``TypeError`` message Python gives for a call of this shape, or None if it binds.

        The call must have no ``*x``/``**x`` argument (its shape would be unknown).
        """
        question = (self, positional, tuple(keywords), name)
        try:
            return _BOUND[question]
        except KeyError:
            pass
        if len(_BOUND) > BOUND_KEPT:
            _BOUND.clear()
        answer = _BOUND[question] = self._bind(positional, keywords, name)
        return answer

    def _bind(self, positional: int, keywords: Sequence[str], name: str) -> str | None:
        pos = [p for p in self.params if p.kind in (POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD)]
        kwonly = [p for p in self.params if p.kind == KEYWORD_ONLY]
        varargs = self.has_var_positional
        varkw = self.has_var_keyword
        if positional > len(pos) and not varargs:
            required = sum(1 for p in pos if not p.has_default)
            if required == len(pos):
                takes = f"{len(pos)} positional argument{'s' if len(pos) != 1 else ''}"
            else:
                takes = f"from {required} to {len(pos)} positional arguments"
            given = f"{positional} {'was' if positional == 1 else 'were'} given"
            return f"{name}() takes {takes} but {given}"
        by_name = {p.name: i for i, p in enumerate(pos) if p.kind == POSITIONAL_OR_KEYWORD}
        posonly = {p.name for p in pos if p.kind == POSITIONAL_ONLY}
        kwonly_names = {p.name for p in kwonly}
        posonly_as_keyword = []
        for keyword in keywords:
            if keyword in by_name:
                if by_name[keyword] < positional:
                    return f"{name}() got multiple values for argument '{keyword}'"
            elif keyword in kwonly_names or varkw:
                continue
            elif keyword in posonly:
                posonly_as_keyword.append(keyword)
            else:
                return f"{name}() got an unexpected keyword argument '{keyword}'"
        if posonly_as_keyword:
            listed = ", ".join(posonly_as_keyword)
            return (
                f"{name}() got some positional-only arguments passed as keyword arguments: "
                f"'{listed}'"
            )
        named = set(keywords)
        missing = [
            p.name
            for i, p in enumerate(pos)
            if i >= positional
            and not p.has_default
            and not (p.kind == POSITIONAL_OR_KEYWORD and p.name in named)
        ]
        if missing:
            return f"{name}() missing {_count_names(missing, 'positional')}"
        missing = [p.name for p in kwonly if not p.has_default and p.name not in named]
        if missing:
            return f"{name}() missing {_count_names(missing, 'keyword-only')}"
        return None


#: Each call shape's answer by signature (equal by content): a hub's signature meets the
#: same shapes from each of its readers, update after update.
_BOUND: dict[tuple[Signature, int, tuple[str, ...], str], str | None] = {}
#: Past this many answers they are worked out afresh.
BOUND_KEPT = 50_000


def _count_names(names: list[str], kind: str) -> str:
    quoted = [f"'{n}'" for n in names]
    if len(quoted) == 1:
        listed = quoted[0]
    elif len(quoted) == 2:
        listed = f"{quoted[0]} and {quoted[1]}"
    else:
        listed = ", ".join(quoted[:-1]) + f", and {quoted[-1]}"
    plural = "s" if len(names) != 1 else ""
    return f"{len(names)} required {kind} argument{plural}: {listed}"


@_native
@dataclass(frozen=True, slots=True)
class ImportSource(_Record):
    """What an import binds a name to: ``from .m import x`` is ``(1, "m", "x")``."""

    level: int
    module: str
    name: str | None


@_native
@dataclass(frozen=True, slots=True)
class Export(_Record):
    """One module-level name and what it is bound to (the last binding in source order)."""

    name: str
    kind: str  # "function" | "class" | "variable" | "import"
    line: int
    column: int
    conditional: bool = False
    rebound: bool = False
    signature: Signature | None = None
    decorators: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    source: ImportSource | None = None


@_native
@dataclass(frozen=True, slots=True)
class Import(_Record):
    """One imported name of an import statement, as written (relative names unresolved)."""

    module: str
    name: str | None
    alias: str | None
    level: int
    line: int
    column: int
    end_line: int
    end_column: int
    stmt_line: int
    stmt_column: int
    guarded_by: str = ""  # "" | "ImportError" | "TYPE_CHECKING"
    import_time: bool = True


@_native
@dataclass(frozen=True, slots=True)
class Call(_Record):
    """A call site whose callee's first component is bound by a module-level import."""

    callee: str
    line: int
    column: int
    end_line: int
    end_column: int
    positional: int
    keywords: tuple[str, ...] = ()
    star_args: bool = False
    star_kwargs: bool = False


@_native
@dataclass(frozen=True, slots=True)
class Attribute(_Record):
    """A dotted attribute chain (outermost) whose first component is bound by a module-level
    import and not shadowed where it is used: ``os.path.join``, ``pkg.mod.nope``."""

    name: str
    line: int
    column: int
    end_line: int
    end_column: int
    #: assigned or deleted (``mod.x = 1``), not read
    store: bool = False


@_native
@dataclass(frozen=True, slots=True)
class PluginFact(_Record):
    """One plugin extractor's value for a module, and the digest of its interface part."""

    #: the extractor's ``NAME``
    name: str
    #: the extractor's ``VERSION`` when the value was made; another version reads as absent
    version: int
    #: what ``extract`` returned: small, immutable, picklable (never None: None is no value)
    value: object
    #: ``interface_digest(version, interface(value))``, computed where the value was made
    digest: str


# Not slotted: an unpickled module keeps its body fields (below) in its instance dict only
# once they are read. Most loads are of an importer's dependencies, read for their exports:
# on the standard library the body is two thirds of the decoded facts' memory.
@dataclass(frozen=True)
class ModuleFacts(_Record):
    """Exports and uses of one module (docs/contracts.md, section 1)."""

    module: str
    path: str
    is_package: bool
    parse_ok: bool
    exports: tuple[Export, ...] = ()
    imports: tuple[Import, ...] = ()
    calls: tuple[Call, ...] = ()
    all_names: tuple[str, ...] | None = None
    all_dynamic: bool = False
    #: The module writes its own namespace (``globals()``, ``vars()``, ``locals()`` at module
    #: level, ``sys.modules`` writes): a name it does not visibly bind may still exist.
    dynamic_namespace: bool = False
    #: The module writes ``sys.modules``: the constant prefix of each key it writes, sorted
    #: (docs/contracts.md §1 for the encoding). Non-empty: modules it does not own may exist.
    dynamic_modules: tuple[str, ...] = ()
    version: int = FACTS_VERSION
    #: The values of the plugin fact extractors that gave one, sorted by name.
    plugin_facts: tuple[PluginFact, ...] = ()
    #: Attribute chains of imported names, in source order (SH006 reads them).
    attributes: tuple[Attribute, ...] = ()
    #: The names this module references in other modules, as written (imports, attribute
    #: chains of imported names): (absolute target module, sorted names), sorted by target;
    #: ``"*"`` among the names for a star import (SH005 reads them through the index).
    references: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: The module's own functions, classes and variables it uses itself (read anywhere in
    #: it, named in a short string or ``__all__``), sorted.
    uses: tuple[str, ...] = ()

    def __reduce__(self) -> tuple[Any, tuple]:
        state = self.__dict__
        head = tuple([state[name] for name in _HEAD_FIELDS])
        body = state.get("_body")
        if body is None:
            values = tuple([state[name] for name in BODY_FIELDS])
            if all(type(value) is tuple and not value for value in values):
                # The master's import summaries (``_invalidation.module_summary``): no body.
                return (_facts_with_body, (head, None))
            body = pickle.dumps(values, protocol=5)
        return (_facts_with_body, (head, body))

    if not TYPE_CHECKING:  # mypy would take any misspelt attribute for a body field
        def __getattr__(self, name: str) -> Any:
            # Reached only for an attribute the instance dict lacks: a body field not read yet.
            state = self.__dict__
            if name in BODY_FIELDS:
                body = state.get("_body")
                if body is not None:
                    state.update(zip(BODY_FIELDS, pickle.loads(body), strict=True))
                    state.pop("_body", None)
                # Decoded here, or by another thread since this lookup missed (a dask
                # worker's threads share one snapshot's facts): the fields are in first.
                if name in state:
                    return state[name]
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def body_loaded(self) -> bool:
        """Whether the body fields (:data:`BODY_FIELDS`) are decoded (always, unless unpickled)."""
        return "_body" not in self.__dict__

    def plugin_fact(self, name: str) -> PluginFact | None:
        """The plugin fact of the extractor named ``name``, or None."""
        for fact in self.plugin_facts:
            if fact.name == name:
                return fact
        return None

    @property
    def star_imports(self) -> tuple[Import, ...]:
        """The ``from m import *`` statements, in source order."""
        return tuple(i for i in self.imports if i.name == "*")

    def export(self, name: str) -> Export | None:
        """The export named ``name``, or None (a linear scan: the index keeps a dict)."""
        for export in self.exports:
            if export.name == name:
                return export
        return None

    @property
    def public_names(self) -> tuple[str, ...]:
        """What ``from module import *`` binds, star imports of this module left aside."""
        if self.all_names is not None:
            return self.all_names
        return tuple(sorted(e.name for e in self.exports if not e.name.startswith("_")))


#: The fields a module's own check reads and its importers do not: pickled apart, as one
#: nested pickle, and decoded on first access (``ModuleFacts.__getattr__``).
BODY_FIELDS = ("calls", "attributes", "references", "uses")
_HEAD_FIELDS = tuple(name for name in ModuleFacts.__match_args__ if name not in BODY_FIELDS)
for _name in BODY_FIELDS:
    # A default left on the class would answer before ``__getattr__`` does (``__init__``
    # keeps its own copy of the defaults).
    delattr(ModuleFacts, _name)


class NotExtracted:
    """A body field (:data:`BODY_FIELDS`) that phase 1 left out: none of the check's project
    rules declares reading it (``ProjectRule.READS_BODY``) and nothing else the check keeps
    reads it (``engine._jobs.facts_body``). Any read of it raises :class:`FieldNotExtracted`,
    so a rule that reads an undeclared field fails (SH900) instead of finding an empty one."""

    __slots__ = ("field",)

    def __init__(self, field: str) -> None:
        self.field = field

    def _fail(self, *args: object) -> Any:
        raise FieldNotExtracted(
            f"ModuleFacts.{self.field} was not extracted in this check: a project rule that "
            f"reads it must name it in READS_BODY")

    __iter__ = __len__ = __bool__ = __contains__ = __getitem__ = _fail

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (NotExtracted, (self.field,))

    # Equal by field, as the tuples they stand for are by content: facts compare alike
    # before and after a pickle.
    def __eq__(self, other: object) -> bool:
        return type(other) is NotExtracted and other.field == self.field

    def __hash__(self) -> int:
        return hash((NotExtracted, self.field))

    def __repr__(self) -> str:
        return f"NotExtracted({self.field!r})"


class FieldNotExtracted(RuntimeError):
    """A project rule read a facts body field it did not declare in ``READS_BODY``."""


def _facts_with_body(head: tuple, body: bytes | None) -> ModuleFacts:
    """Unpickle: the head fields set, the body kept encoded until one of its fields is read
    (``None``: an empty body, set at once)."""
    facts = object.__new__(ModuleFacts)
    state = facts.__dict__
    state.update(zip(_HEAD_FIELDS, head, strict=True))
    if body is None:
        state.update(dict.fromkeys(BODY_FIELDS, ()))
    else:
        state["_body"] = body
    return facts


def unknown_facts(module: str, path: str, is_package: bool) -> ModuleFacts:
    """Facts of a module that did not parse or could not be read: UNKNOWN to the index."""
    return ModuleFacts(module=module, path=path, is_package=is_package, parse_ok=False)
