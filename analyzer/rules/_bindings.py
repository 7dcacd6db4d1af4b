"""The scope analysis' binding model: its public result records and the mutable state behind them.

Public result types (all read-only; positions are 1-based lines and 1-based *character*
columns, end exclusive):

:class:`Scope` — ``index``, ``kind`` (:data:`ScopeKind`), ``name``, ``parent`` (index or
    None), ``node``, ``star_import``, ``uses_locals``.
:class:`Binding` — ``name``, ``kind`` (:data:`BindingKind`), position, ``scope`` (index),
    ``used``, ``deleted``, ``node`` (the ast node that binds), and for imports ``module``
    (``"os"``, ``"..pkg"``), ``qualified_name`` (``"os.path"``, ``".x"``) and
    ``imported_name`` (pyflakes' spelling: ``"x.y as z"``), ``alias`` (the ``ast.alias``),
    ``statement`` (the ``ast.Import``/``ast.ImportFrom``); ``redefined_line`` is the line of the
    unused binding this one replaced (F811), else None.
:class:`UnusedImport`, :class:`UndefinedName`, :class:`UndefinedExport`,
    :class:`UnusedVariable`, :class:`Redefinition`, :class:`ShadowedImport`,
    :class:`ImportStatementFinding`, :class:`StarUsage`, :class:`UndefinedLocal` — one
    finding each.

The private half (:class:`_Scope`, :class:`_B`) is what the analysis mutates while it walks;
kinds are small ints there so that pyflakes' class tests become range tests.
"""
from __future__ import annotations

import ast
import enum
import sys
from typing import Final, Literal, NamedTuple, TypeAlias, get_args

ScopeKind = Literal[
    "module", "class", "function", "lambda", "comprehension", "generator", "type-params"
]
BindingKind = Literal[
    "import", "submodule-import", "from-import", "star-import", "future-import",
    "function", "class",
    "assignment", "augmented-assignment", "annotated-assignment", "named-expr", "with-as",
    "except-as", "match-capture", "type-param", "global", "nonlocal",
    "loop-variable", "comprehension-variable", "unpacking", "export",
    "annotation", "argument",
]  # fmt: skip

# Binding kinds as small ints, ordered so that pyflakes' class tests are range tests:
# 1-5 Importation, 1-7 Definition, 8-17 Assignment, 18-21 plain Binding.
_IMPORT, _SUBMODULE, _FROM, _STAR, _FUTURE, _FUNCTION, _CLASS = range(1, 8)
(_ASSIGN, _AUG, _ANNASSIGN, _NAMED, _WITH, _EXCEPT, _MATCH, _TYPEPARAM, _GLOBAL,
 _NONLOCAL) = range(8, 18)  # fmt: skip
_LOOP, _COMPVAR, _UNPACK, _EXPORT, _ANNOTATION, _ARGUMENT = range(18, 24)
_KIND_NAMES: dict[int, BindingKind] = dict(enumerate(get_args(BindingKind), start=_IMPORT))

# Scope kinds; 4-6 may read an enclosing class scope (pyflakes' can_access_class_vars).
_MODULE, _CLASS_SCOPE, _FUNC, _LAMBDA, _COMP, _GEN, _TYPE = range(7)
_SCOPE_NAMES: tuple[ScopeKind, ...] = get_args(ScopeKind)

# Every node that can bind a name or carry a finding has a position.
if sys.version_info >= (3, 12):
    _Located: TypeAlias = (
        ast.stmt | ast.expr | ast.arg | ast.excepthandler | ast.pattern | ast.type_param
    )
else:
    _Located: TypeAlias = ast.stmt | ast.expr | ast.arg | ast.excepthandler | ast.pattern

#: The branch path of a position: (the if/try/match node, which branch), outermost first.
_Fork: TypeAlias = tuple[tuple[ast.AST, int | None], ...]


class _Builtin(enum.Enum):
    """Marker value of a builtin in the module scope's dict (pyflakes' Builtin binding)."""

    # An enum member, so that ``b is _BUILTIN`` narrows ``_B | _Builtin`` for the type checker.
    BUILTIN = 0


_BUILTIN: Final = _Builtin.BUILTIN


# ----------------------------------------------------------------------------------------
# Public result types
# ----------------------------------------------------------------------------------------


class Scope(NamedTuple):
    """One scope: the module, a class body, a function, a lambda, a comprehension..."""

    index: int  # type: ignore[assignment]  # public field name; shadows tuple.index on purpose
    kind: ScopeKind
    #: The function or class name; ``"<module>"``, ``"<lambda>"``, ``"<listcomp>"``...
    name: str
    parent: int | None
    node: ast.AST
    #: ``from m import *`` appears in this scope.
    star_import: bool
    #: ``locals()`` is called here (unused assignments are then not reported).
    uses_locals: bool


class Binding(NamedTuple):
    """One binding of a name: an import, a definition, an assignment, an argument..."""

    name: str
    kind: BindingKind
    line: int
    column: int
    end_line: int
    end_column: int
    #: Index in :attr:`ScopeAnalysis.scopes` of the scope that holds the binding.
    scope: int
    used: bool
    #: Removed by an unconditional ``del``.
    deleted: bool
    node: ast.AST
    module: str | None = None
    qualified_name: str | None = None
    imported_name: str | None = None
    alias: ast.alias | None = None
    statement: ast.stmt | None = None
    redefined_line: int | None = None


class UnusedImport(NamedTuple):
    """An import whose name is never read nor exported (F401), at its statement."""

    name: str
    #: As pyflakes prints it: ``"os.path"``, ``"x.y as z"``, ``"m.*"``.
    imported_name: str
    line: int
    column: int
    end_line: int
    end_column: int
    statement: ast.Import | ast.ImportFrom
    alias: ast.alias


class UndefinedName(NamedTuple):
    """A name read (or deleted) that no scope defines (F821)."""

    name: str
    line: int
    column: int
    end_line: int
    end_column: int


class UndefinedExport(NamedTuple):
    """A name listed in ``__all__`` that the module does not define (F822), at the ``__all__``
    statement; ``name_line``: the line of the name's string in it (where ruff reports it)."""

    name: str
    line: int
    column: int
    end_line: int
    end_column: int
    name_line: int = 0


class UnusedVariable(NamedTuple):
    """A local assigned and never read (F841), or an unused ``except ... as name``."""

    name: str
    line: int
    column: int
    end_line: int
    end_column: int


class Redefinition(NamedTuple):
    """A definition that replaces an unused one in the same scope (F811)."""

    name: str
    line: int
    column: int
    end_line: int
    end_column: int
    original_line: int
    #: The replaced binding is an import (F811 reports those even for dummy names).
    original_is_import: bool = False


class ShadowedImport(NamedTuple):
    """An import rebound by a ``for`` loop's target or a statement of its body (F402)."""

    name: str
    line: int
    column: int
    end_line: int
    end_column: int
    #: The line of the import statement the loop shadows.
    original_line: int


class ImportStatementFinding(NamedTuple):
    """A finding on an import statement: ``name`` is the module of a star import (F403,
    F406) or the feature of a ``__future__`` import (F404, F407)."""

    name: str
    line: int
    column: int
    end_line: int
    end_column: int


class StarUsage(NamedTuple):
    """A name undefined unless a star import provides it (F405), with pyflakes's list of
    the star-imported modules it may come from (``"os, sys"``); ``name_line``: for a name
    ``__all__`` lists, the line of its string (where ruff reports it), else 0."""

    name: str
    line: int
    column: int
    end_line: int
    end_column: int
    from_list: str
    name_line: int = 0


class UndefinedLocal(NamedTuple):
    """A local read before the function assigns it, while an enclosing scope (or the
    builtins, ``original_line`` None) defines it (F823)."""

    name: str
    line: int
    column: int
    end_line: int
    end_column: int
    original_line: int | None


# ----------------------------------------------------------------------------------------
# Internal mutable state
# ----------------------------------------------------------------------------------------


class _Scope:
    __slots__ = ("kind", "bindings", "star", "uses_locals", "node", "parent", "index", "name")

    def __init__(self, kind: int, node: ast.AST, parent: _Scope | None, name: str) -> None:
        self.kind = kind
        self.bindings: dict[str, _B | _Builtin] = {}
        self.star = False
        self.uses_locals = False
        self.node = node
        self.parent = parent
        self.index = -1
        self.name = name


class _B:
    """A binding while the analysis runs (pyflakes' Binding family, flattened)."""

    __slots__ = (
        "name", "kind", "node", "stmt", "used", "scope_index", "fork", "deleted",
        "module", "full_name", "real_name", "alias", "redefined", "names", "dynamic",
        "redefined_line", "use",
    )  # fmt: skip

    def __init__(self, name: str, kind: int, node: _Located, scope_index: int,
                 fork: _Fork) -> None:
        self.name = name
        self.kind = kind
        self.node = node
        # The node whose line pyflakes cites ("from line N"): the statement for __all__.
        self.stmt: _Located = node
        self.used = False
        # The scope's index, not the scope: a scope holds its bindings, and a reference back
        # would make every scope a cycle, freed (with the tree it holds) only by the collector.
        self.scope_index = scope_index
        self.fork = fork
        self.deleted = False
        self.module: str | None = None
        self.full_name = name
        self.real_name = name
        self.alias: ast.alias | None = None
        self.redefined: list[_B] | None = None
        self.names: list[str] | None = None
        self.dynamic = False
        self.redefined_line: int | None = None
        # The scope index and node of the latest read (pyflakes's ``used`` tuple), for F823.
        self.use: tuple[int, _Located] | None = None

    def imported_name(self) -> str:
        """The import as pyflakes spells it: ``"os.path"``, ``"x.y as z"``, ``"m.*"``."""
        kind = self.kind
        if kind == _STAR:
            if self.full_name.endswith("."):
                return f"from {self.full_name} import *"
            return self.name
        if kind == _SUBMODULE:
            return self.full_name
        if self.full_name.split(".")[-1] != self.name:
            return f"{self.full_name} as {self.name}"
        return self.full_name


def _redefines(new: _B, old: _B) -> bool:
    """pyflakes' ``Binding.redefines``: may ``new`` hide an unused ``old`` (same name)?"""
    nk, ok = new.kind, old.kind
    if nk <= _FUTURE:
        if nk == _SUBMODULE and ok <= _FUTURE:
            return new.full_name == old.full_name
        if ok == _SUBMODULE:
            return new.full_name == old.full_name
        return ok <= _CLASS and new.name == old.name
    if nk <= _CLASS:
        return ok <= _NONLOCAL
    if nk == _ANNOTATION:
        return False
    return ok <= _CLASS


def _different_forks(a: _Fork, b: _Fork) -> bool:
    """True when two positions sit in different branches of one if/try/match (pyflakes)."""
    for (fa, pa), (fb, pb) in zip(a, b, strict=False):
        if fa is not fb:
            return False
        if pa != pb:
            return True
    return False
