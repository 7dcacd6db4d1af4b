"""shoal's scope provider: a pyflakes-grade binding analysis over the standard ``ast`` tree.

Computed once per file, for any rule that lists :class:`ScopeProvider` in its
``METADATA_DEPENDENCIES`` (AST and CST rules alike)::

    class NoUnusedArgs(LintRule):
        METADATA_DEPENDENCIES = (ScopeProvider,)

        def visit_Module(self, node):
            scopes: ScopeAnalysis = self.get_metadata(ScopeProvider)
            for b in scopes.bindings:
                if b.kind == "argument" and not b.used:
                    self.report((b.line, b.column), f"unused argument {b.name!r}")

Why not libcst's ScopeProvider: on the standard library it costs 2.8 libcst parses per file
(issue 4); this one runs on the ``ast`` tree in less time than pyflakes takes, and it follows
pyflakes' rules so that findings and ``# noqa: F401`` comments carry over.

Public result types (all read-only; positions are 1-based lines and 1-based *character*
columns, end exclusive):

:class:`ScopeAnalysis` — the value of the provider for one file:
    ``scopes`` (tuple of :class:`Scope`, index 0 is the module), ``bindings`` (tuple of
    :class:`Binding`, in creation order), ``unused_imports`` (:class:`UnusedImport`),
    ``undefined_names`` (:class:`UndefinedName`), ``undefined_exports``
    (:class:`UndefinedExport`), ``unused_variables`` (:class:`UnusedVariable`),
    ``redefinitions`` (:class:`Redefinition`), ``star_undefined_names`` (names that are
    undefined unless a ``from m import *`` provides them; never in ``undefined_names``),
    ``all_names`` (the static ``__all__`` names, or None without ``__all__``),
    ``all_dynamic`` (``__all__`` exists but some part of it is not a literal),
    ``future_annotations``.
:class:`Scope` — ``index``, ``kind`` (:data:`ScopeKind`), ``name``, ``parent`` (index or
    None), ``node``, ``star_import``, ``uses_locals``.
:class:`Binding` — ``name``, ``kind`` (:data:`BindingKind`), position, ``scope`` (index),
    ``used``, ``deleted``, ``node`` (the ast node that binds), and for imports ``module``
    (``"os"``, ``"..pkg"``), ``qualified_name`` (``"os.path"``, ``".x"``) and
    ``imported_name`` (pyflakes' spelling: ``"x.y as z"``), ``alias`` (the ``ast.alias``),
    ``statement`` (the ``ast.Import``/``ast.ImportFrom``); ``redefined_line`` is the line of the
    unused binding this one replaced (F811), else None.

Semantics are pyflakes 3.x's (the agreement test pins them on the standard library), with
these documented choices:

- Star imports: a name that is undefined in a module with ``from m import *`` goes to
  ``star_undefined_names`` (pyflakes' F405), never to ``undefined_names`` (F821), and marks
  the star imports used.
- ``__all__``: besides pyflakes' literal list/tuple, ``+=`` and ``[...] + [...]``, shoal also
  reads module-level ``__all__.extend([...])``, ``__all__.append("x")`` and
  ``__all__ += other`` (dynamic); a non-literal part makes ``all_dynamic`` true.
- Builtins follow ``target_version`` (names added in later Pythons are removed, e.g.
  ``ExceptionGroup`` before 3.11) plus the configured ``builtins``.
- Unlike pyflakes, the analysis never mutates the caller's tree.
"""
from __future__ import annotations

import ast
import sys
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Literal, NamedTuple

from analyzer.core import SourceLines, builtin_names

if TYPE_CHECKING:
    from analyzer.rules._lint_rule import RuleContext

__all__ = [
    "Binding",
    "BindingKind",
    "Redefinition",
    "Scope",
    "ScopeAnalysis",
    "ScopeKind",
    "ScopeProvider",
    "UndefinedExport",
    "UndefinedName",
    "UnusedImport",
    "UnusedVariable",
    "analyze_scopes",
]

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
_KIND_NAMES: tuple[str, ...] = ("builtin", *BindingKind.__args__)  # type: ignore[attr-defined]

# Scope kinds; 4-6 may read an enclosing class scope (pyflakes' can_access_class_vars).
_MODULE, _CLASS_SCOPE, _FUNC, _LAMBDA, _COMP, _GEN, _TYPE = range(7)
_SCOPE_NAMES: tuple[str, ...] = ScopeKind.__args__  # type: ignore[attr-defined]

# Annotation states (pyflakes' AnnotationState).
_NONE, _STRING, _BARE = 0, 1, 2

_TYPING_MODULES = frozenset(("typing", "typing_extensions"))
_ALWAYS_USED = frozenset(
    ("__tracebackhide__", "__traceback_info__", "__traceback_supplement__", "__debuggerskip__")
)


class _ClassMagic:
    names = dir()


#: Names a class body may read without defining them (``__module__``, ``__qualname__``...).
_CLASS_MAGIC = frozenset(_ClassMagic.names)



class _Builtin:
    """Marker value of a builtin in the module scope's dict (pyflakes' Builtin binding)."""

    __slots__ = ()


_BUILTIN = _Builtin()
_BUILTIN_DICTS: dict[frozenset[str], dict[str, object]] = {}


# ----------------------------------------------------------------------------------------
# Public result types
# ----------------------------------------------------------------------------------------


class Scope(NamedTuple):
    """One scope: the module, a class body, a function, a lambda, a comprehension..."""

    index: int
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
    """A name listed in ``__all__`` that the module does not define (F822)."""

    name: str
    line: int
    column: int
    end_line: int
    end_column: int


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
        "name", "kind", "node", "stmt", "used", "scope", "for_parent", "fork", "deleted",
        "module", "full_name", "real_name", "alias", "redefined", "names", "dynamic",
        "redefined_line",
    )  # fmt: skip

    def __init__(self, name: str, kind: int, node: ast.AST, scope: _Scope, fork: tuple) -> None:
        self.name = name
        self.kind = kind
        self.node = node
        # The node whose line pyflakes cites ("from line N"): the statement for __all__.
        self.stmt = node
        self.used = False
        self.scope = scope
        self.for_parent = False
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

    def imported_name(self) -> str:
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


def _different_forks(a: tuple, b: tuple) -> bool:
    """True when two positions sit in different branches of one if/try/match (pyflakes)."""
    for (fa, pa), (fb, pb) in zip(a, b, strict=False):
        if fa is not fb:
            return False
        if pa != pb:
            return True
    return False


def _has_elts(node: ast.AST) -> bool:
    return isinstance(node, (ast.Tuple, ast.List))


class _Analyzer:
    """One pass over the module (function bodies deferred, as pyflakes' deferFunction)."""

    def __init__(self, builtins: frozenset[str], is_package: bool) -> None:
        base = _BUILTIN_DICTS.get(builtins)
        if base is None:
            base = dict.fromkeys(builtins, _BUILTIN)
            _BUILTIN_DICTS[builtins] = base
        self.is_package = is_package
        self.module_scope: _Scope | None = None
        self.base_builtins = base
        self.stack: list[_Scope] = []
        self.scopes: list[_Scope] = []
        self.dead: list[_Scope] = []
        self.deferred: deque = deque()
        self.fork: tuple = ()
        self.cond = 0
        self.for_parent = False
        self.ann = _NONE
        self.except_stack: list[Iterable[str | None]] = [()]
        self.future_annotations = False
        self.used_builtins: set[str] = set()
        self.all_bindings: list[_B] = []
        # Findings, with ast positions (byte columns) until the end.
        self.undefined: list[tuple[str, ast.AST]] = []
        self.star_undefined: list[str] = []
        self.redefinitions: list[tuple[_B, ast.AST, int]] = []
        self.unused_imports: list[_B] = []
        self.unused_variables: list[tuple[str, ast.AST]] = []
        self.undefined_exports: list[tuple[str, ast.AST]] = []
        self.all_binding: _B | None = None
        self._dispatch: dict[type, Callable[[ast.AST], None]] = {}

    # -- driving ---------------------------------------------------------------------------

    def run(self, tree: ast.Module) -> None:
        module = self._push(_MODULE, tree, "<module>")
        module.bindings = self.base_builtins.copy()
        self.module_scope = module
        self._stmts(tree.body)
        deferred = self.deferred
        while deferred:
            fn, arg, stack, fork, cond = deferred.popleft()
            self.stack, self.fork, self.cond = stack, fork, cond
            fn(arg)
        self.stack = [module]
        self._pop()
        for scope in self.dead:
            self._check_dead(scope)

    def _defer(self, fn: Callable, arg: object) -> None:
        # The scope stack is copied (later bindings in those scopes stay visible) together
        # with the branch path and the conditional depth, which pyflakes reads off parents.
        self.deferred.append((fn, arg, self.stack[:], self.fork, self.cond))

    def _push(self, kind: int, node: ast.AST, name: str) -> _Scope:
        parent = self.stack[-1] if self.stack else None
        scope = _Scope(kind, node, parent, name)
        scope.index = len(self.scopes)
        self.scopes.append(scope)
        self.stack.append(scope)
        return scope

    def _pop(self) -> None:
        # Checked only once everything has run: a nested function (deferred) may still
        # read the names of the scope being closed.
        self.dead.append(self.stack.pop())

    def _check_dead(self, scope: _Scope) -> None:
        kind = scope.kind
        if kind == _CLASS_SCOPE:
            return  # names bound in a class body are attributes: never unused
        bindings = scope.bindings
        if kind == _FUNC or kind == _LAMBDA:
            if not scope.uses_locals:
                for name, b in bindings.items():
                    if (
                        b is not _BUILTIN
                        and not b.used  # type: ignore[union-attr]
                        and _ASSIGN <= b.kind <= _NONLOCAL  # type: ignore[union-attr]
                        and name != "_"
                        and name not in _ALWAYS_USED
                    ):
                        self.unused_variables.append((name, b.node))  # type: ignore[union-attr]
        all_b = bindings.get("__all__")
        all_names: Iterable[str] = ()
        if isinstance(all_b, _B) and all_b.kind == _EXPORT:
            all_names = set(all_b.names or ())
            undefined = [n for n in all_b.names or () if n not in bindings]
            if kind == _MODULE:
                self.all_binding = all_b
            if undefined:
                if not scope.star and not self.is_package:
                    for name in undefined:
                        self.undefined_exports.append((name, all_b.stmt))
                if scope.star:
                    for b in bindings.values():
                        if isinstance(b, _B) and b.kind == _STAR:
                            b.used = True
                    self.star_undefined.extend(undefined)
        for b in bindings.values():
            if b is _BUILTIN or b.kind > _FUTURE:  # type: ignore[union-attr]
                continue
            if not b.used and b.name not in all_names:  # type: ignore[union-attr]
                self.unused_imports.append(b)  # type: ignore[arg-type]
                for r in b.redefined or ():  # type: ignore[union-attr]
                    self.redefinitions.append((r, r.node, b.stmt.lineno))  # type: ignore

    # -- visiting --------------------------------------------------------------------------

    def visit(self, node: ast.AST) -> None:
        try:
            handler = self._dispatch[node.__class__]
        except KeyError:
            handler = self._handler_for(node.__class__)
        handler(node)

    def _handler_for(self, cls: type) -> Callable[[ast.AST], None]:
        handler = getattr(self, "v_" + cls.__name__, None)
        if handler is None:
            fields = tuple(
                f for f in cls._fields if f not in ("ctx", "op")  # type: ignore[attr-defined]
            )

            def handler(node: ast.AST, fields: tuple[str, ...] = fields) -> None:
                self._generic(node, fields)

        self._dispatch[cls] = handler
        return handler

    def _generic(self, node: ast.AST, fields: tuple[str, ...]) -> None:
        visit = self.visit
        for name in fields:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                visit(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        visit(item)

    def _visit_opt(self, node: ast.AST | None) -> None:
        if node is not None:
            self.visit(node)

    def _visit_all(self, nodes: Iterable[ast.AST | None]) -> None:
        visit = self.visit
        for node in nodes:
            if node is not None:
                visit(node)

    def _stmts(self, stmts: list[ast.stmt], for_parent: bool = False) -> None:
        saved = self.for_parent
        self.for_parent = for_parent
        visit = self.visit
        for stmt in stmts:
            visit(stmt)
        self.for_parent = saved

    def _in_fork(self, fork_node: ast.AST, part: int | None, stmts: list[ast.stmt],
                 for_parent: bool = False) -> None:
        saved = self.fork
        self.fork = (*saved, (fork_node, part))
        self._stmts(stmts, for_parent)
        self.fork = saved

    # -- bindings --------------------------------------------------------------------------

    def _new(self, name: str, kind: int, node: ast.AST) -> _B:
        b = _B(name, kind, node, self.stack[-1], self.fork)
        self.all_bindings.append(b)
        return b

    def _add(self, b: _B) -> None:
        """pyflakes' addBinding: report redefinitions, then store ``b`` in its scope."""
        name = b.name
        stack = self.stack
        current = stack[-1]
        existing = None
        found = None
        for scope in reversed(stack):
            existing = scope.bindings.get(name)
            if existing is not None:
                found = scope
                break
        if (
            existing is not None
            and existing is not _BUILTIN
            and not _different_forks(b.fork, existing.fork)  # type: ignore[union-attr]
        ):
            if existing.kind <= _FUTURE and b.for_parent:  # type: ignore[union-attr]
                pass  # pyflakes' F402 (import shadowed by loop variable), not F811
            elif found is current:
                if (
                    not existing.used  # type: ignore[union-attr]
                    and _redefines(b, existing)  # type: ignore[arg-type]
                    and (name != "_" or existing.kind <= _FUTURE)  # type: ignore[union-attr]
                    and not self._is_overload(existing)  # type: ignore[arg-type]
                ):
                    line = existing.stmt.lineno  # type: ignore[union-attr]
                    b.redefined_line = line
                    self.redefinitions.append((b, b.node, line))
            elif existing.kind <= _FUTURE and _redefines(b, existing):  # type: ignore
                if existing.redefined is None:  # type: ignore[union-attr]
                    existing.redefined = []  # type: ignore[union-attr]
                existing.redefined.append(b)  # type: ignore[union-attr]
        bindings = current.bindings
        here = bindings.get(name)
        if here is not None:
            b.used = name in self.used_builtins if here is _BUILTIN else here.used  # type: ignore
        if here is None or b.kind != _ANNOTATION:
            if b.kind == _NAMED:
                # PEP 572: the target belongs to the scope around the comprehensions.
                for scope in reversed(stack):
                    if scope.kind != _COMP and scope.kind != _GEN:
                        break
                old = scope.bindings.get(name)
                if old is None or (old is not _BUILTIN and old.kind == _ANNOTATION):  # type: ignore
                    scope.bindings[name] = b
                    b.scope = scope
            else:
                bindings[name] = b

    def _lookup(self, name: str) -> _B | _Builtin | None:
        for scope in reversed(self.stack):
            b = scope.bindings.get(name)
            if b is not None:
                return b
        return None

    def _is_typing(self, node: ast.AST, attr: str | None) -> bool:
        """Does ``node`` name ``typing.<attr>`` (any member when ``attr`` is None)?"""
        if isinstance(node, ast.Name):
            b = self._lookup(node.id)
            return (
                isinstance(b, _B)
                and (b.kind == _FROM or b.kind == _FUTURE)
                and b.module in _TYPING_MODULES
                and (attr is None or b.real_name == attr)
            )
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            b = self._lookup(node.value.id)
            return (
                isinstance(b, _B)
                and b.kind <= _FUTURE
                and b.full_name in _TYPING_MODULES
                and (attr is None or node.attr == attr)
            )
        return False

    def _is_overload(self, b: _B) -> bool:
        node = b.node
        if b.kind != _FUNCTION or not node.decorator_list:  # type: ignore[attr-defined]
            return False
        return any(self._is_typing(d, "overload") for d in node.decorator_list)  # type: ignore

    def _postponed(self) -> bool:
        ann = self.ann
        return ann == _STRING or (
            ann == _BARE and (self.future_annotations or sys.version_info >= (3, 14))
        )

    def _load(self, name: str, node: ast.AST) -> None:
        """pyflakes' handleNodeLoad."""
        can_access: bool | None = None
        star = False
        for scope in reversed(self.stack):
            kind = scope.kind
            if kind == _CLASS_SCOPE:
                if name == "__class__":
                    return
                if can_access is False:
                    continue
            b = scope.bindings.get(name)
            if b is not None:
                if b is _BUILTIN:
                    self.used_builtins.add(name)
                    return
                if b.kind == _ANNOTATION and not self._postponed():  # type: ignore[union-attr]
                    b.used = True  # type: ignore[union-attr]
                    continue
                b.used = True  # type: ignore[union-attr]
                if b.kind <= _FUTURE and b.full_name.split(".")[-1] != name:  # type: ignore
                    # pyflakes: using ``mp`` of ``import multiprocessing as mp`` also uses
                    # a ``multiprocessing`` binding (``import multiprocessing.connection``).
                    other = scope.bindings.get(b.full_name)  # type: ignore[union-attr]
                    if isinstance(other, _B):
                        other.used = True
                return
            if scope.star:
                star = True
            if can_access is not False:
                can_access = kind >= _COMP
        if star:
            for scope in self.stack:
                if scope.star:
                    for b in scope.bindings.values():
                        if isinstance(b, _B) and b.kind == _STAR:
                            b.used = True
            self.star_undefined.append(name)
            return
        if name == "__path__" and self.is_package:
            return
        if name in _CLASS_MAGIC and self.stack[-1].kind == _CLASS_SCOPE:
            return
        if "NameError" not in self.except_stack[-1]:
            self.undefined.append((name, node))

    def _store_name(self, node: ast.Name, kind: int, stmt: ast.AST | None) -> None:
        name = node.id
        if (
            stmt is not None
            and name == "__all__"
            and self.stack[-1].kind == _MODULE
            and kind in (_ASSIGN, _AUG, _ANNASSIGN)
        ):
            b = self._new(name, _EXPORT, node)
            b.stmt = stmt
            self._export_names(b, stmt)
        else:
            b = self._new(name, kind, node)
        if kind == _LOOP:
            b.for_parent = True
        self._add(b)

    def _export_names(self, b: _B, stmt: ast.AST) -> None:
        names: list[str] = []
        old = self.stack[-1].bindings.get("__all__")
        if isinstance(stmt, ast.AugAssign) and isinstance(old, _B):
            names = list(old.names or ())
            b.dynamic = old.dynamic
        dynamic = False
        value = getattr(stmt, "value", None)

        def add(container: ast.AST) -> None:
            nonlocal dynamic
            for elt in container.elts:  # type: ignore[attr-defined]
                if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                    names.append(elt.value)
                else:
                    dynamic = True

        if isinstance(value, (ast.List, ast.Tuple)):
            add(value)
        elif isinstance(value, ast.BinOp):
            current = value
            while True:
                if not isinstance(current.right, (ast.List, ast.Tuple)):
                    dynamic = True
                    break
                add(current.right)
                left = current.left
                if isinstance(left, ast.BinOp):
                    current = left
                elif isinstance(left, (ast.List, ast.Tuple)):
                    add(left)
                    break
                else:
                    dynamic = True
                    break
        else:
            dynamic = True
        b.names = names
        b.dynamic = b.dynamic or dynamic

    def _store(self, target: ast.AST, direct: int, nested: int, stmt: ast.AST | None) -> None:
        """Bind the names of an assignment target (pyflakes' handleNodeStore)."""
        cls = target.__class__
        if cls is ast.Name:
            self._store_name(target, direct, stmt)  # type: ignore[arg-type]
        elif cls is ast.Tuple or cls is ast.List:
            for elt in target.elts:  # type: ignore[attr-defined]
                self._store(elt, nested, nested, None)
        elif cls is ast.Starred:
            self._store(target.value, nested, nested, None)  # type: ignore[attr-defined]
        else:
            self.visit(target)

    # -- statements ------------------------------------------------------------------------

    def v_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._visit_all(node.decorator_list)
        type_params = getattr(node, "type_params", None)
        if type_params is not None:
            self._push(_TYPE, node, node.name)
            self._visit_all(type_params)
        self._function(node)
        if type_params is not None:
            self._pop()
        b = self._new(node.name, _FUNCTION, node)
        b.for_parent = self.for_parent
        self._add(b)

    v_AsyncFunctionDef = v_FunctionDef

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        args = node.args
        annotations = [a.annotation for a in args.posonlyargs]
        annotations += [a.annotation for a in args.args]
        annotations += [a.annotation for a in args.kwonlyargs]
        if args.vararg:
            annotations.append(args.vararg.annotation)
        if args.kwarg:
            annotations.append(args.kwarg.annotation)
        if not isinstance(node, ast.Lambda):
            annotations.append(node.returns)
        for annotation in annotations:
            if annotation is not None:
                self._annotation(annotation)
        self._visit_all(args.defaults)
        self._visit_all(args.kw_defaults)
        self._defer(self._function_body, node)

    def _function_body(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        is_lambda = isinstance(node, ast.Lambda)
        self._push(_LAMBDA if is_lambda else _FUNC, node, "<lambda>" if is_lambda else node.name)
        args = node.args
        for arg in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg):
            if arg is not None:
                self._add(self._new(arg.arg, _ARGUMENT, arg))
        if is_lambda:
            self.visit(node.body)  # type: ignore[arg-type]
        else:
            self._stmts(node.body)  # type: ignore[arg-type]
        self._pop()

    def v_Lambda(self, node: ast.Lambda) -> None:
        self._function(node)

    def v_ClassDef(self, node: ast.ClassDef) -> None:
        self._visit_all(node.decorator_list)
        type_params = getattr(node, "type_params", None)
        if type_params is not None:
            self._push(_TYPE, node, node.name)
            self._visit_all(type_params)
        self._visit_all(node.bases)
        self._visit_all(node.keywords)
        self._push(_CLASS_SCOPE, node, node.name)
        self._stmts(node.body)
        self._pop()
        if type_params is not None:
            self._pop()
        b = self._new(node.name, _CLASS, node)
        b.for_parent = self.for_parent
        self._add(b)

    def _annotation(self, node: ast.AST) -> None:
        if self.future_annotations or sys.version_info >= (3, 14):
            self._defer(self._annotation_now, node)
        else:
            self._annotation_now(node)

    def _annotation_now(self, node: ast.AST) -> None:
        saved = self.ann
        self.ann = _BARE
        self.visit(node)
        self.ann = saved

    def v_Return(self, node: ast.Return) -> None:
        if self.stack[-1].kind <= _CLASS_SCOPE:
            return  # pyflakes: 'return' outside function, value not examined
        if node.value is not None:
            self.visit(node.value)

    def v_Yield(self, node: ast.Yield | ast.YieldFrom | ast.Await) -> None:
        if self.stack[-1].kind <= _CLASS_SCOPE:
            return
        if node.value is not None:
            self.visit(node.value)

    v_YieldFrom = v_Await = v_Yield

    def v_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        nested = _UNPACK
        if _has_elts(node.value) and all(_has_elts(t) for t in node.targets):
            nested = _ASSIGN  # literal tuple unpacking: pyflakes checks each name
        for target in node.targets:
            self._store(target, _ASSIGN, nested, node)

    def v_AugAssign(self, node: ast.AugAssign) -> None:
        target = node.target
        if target.__class__ is ast.Name:
            self._load(target.id, target)  # type: ignore[attr-defined]
        self.visit(node.value)
        self._store(target, _AUG, _AUG, node)

    def v_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._annotation(node.annotation)
        if node.value is not None:
            if self._is_typing(node.annotation, "TypeAlias"):
                self._annotation_now(node.value)
            else:
                self.visit(node.value)
            self._store(node.target, _ANNASSIGN, _ANNASSIGN, node)
        else:
            self._store(node.target, _ANNOTATION, _ANNOTATION, None)

    def v_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self._store(node.target, _LOOP, _LOOP, None)
        self._stmts(node.body, True)
        self._stmts(node.orelse, True)

    v_AsyncFor = v_For

    def v_While(self, node: ast.While) -> None:
        self.cond += 1
        self.visit(node.test)
        self._stmts(node.body)
        self._stmts(node.orelse)
        self.cond -= 1

    def v_If(self, node: ast.If) -> None:
        self.cond += 1
        saved = self.fork
        self.fork = (*saved, (node, None))
        self.visit(node.test)
        self.fork = saved
        self._in_fork(node, 0, node.body)
        self._in_fork(node, None, node.orelse)
        self.cond -= 1

    def v_IfExp(self, node: ast.IfExp) -> None:
        self.cond += 1
        self.visit(node.test)
        self.visit(node.body)
        self.visit(node.orelse)
        self.cond -= 1

    def v_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._store(item.optional_vars, _WITH, _UNPACK, None)
        self._stmts(node.body)

    v_AsyncWith = v_With

    def _handler_names(self, node: ast.Try) -> list[str | None]:
        names: list[str | None] = []
        for handler in node.handlers:
            t = handler.type
            if isinstance(t, ast.Tuple):
                names.extend(getattr(e, "id", None) for e in t.elts)
            elif t is not None:
                names.append(getattr(t, "id", None))
        return names

    def v_Try(self, node: ast.Try) -> None:
        self.except_stack.append(self._handler_names(node))
        self._in_fork(node, 0, node.body)
        self.except_stack.pop()
        saved = self.fork
        for i, handler in enumerate(node.handlers, 1):
            self.fork = (*saved, (node, i))
            self.visit(handler)
        self.fork = saved
        self._in_fork(node, 0, node.orelse)
        self._in_fork(node, None, node.finalbody)

    def v_TryStar(self, node: ast.AST) -> None:
        # pyflakes treats try/except* branches as one fork (no alternatives).
        self.except_stack.append(self._handler_names(node))  # type: ignore[arg-type]
        self._stmts(node.body)  # type: ignore[attr-defined]
        self.except_stack.pop()
        self._visit_all(node.handlers)  # type: ignore[attr-defined]
        self._stmts(node.orelse)  # type: ignore[attr-defined]
        self._stmts(node.finalbody)  # type: ignore[attr-defined]

    def v_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        name = node.name
        if name is None:
            self._visit_opt(node.type)
            self._stmts(node.body)
            return
        bindings = self.stack[-1].bindings
        if name in bindings:
            self._add(self._new(name, _EXCEPT, node))
        previous = bindings.pop(name, None)
        self._add(self._new(name, _EXCEPT, node))
        self._visit_opt(node.type)
        self._stmts(node.body)
        b = bindings.pop(name, None)
        if b is not None and b is not _BUILTIN and not b.used:  # type: ignore[union-attr]
            self.unused_variables.append((name, node))
        if previous is not None:
            bindings[name] = previous

    def v_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if "." in alias.name and not alias.asname:
                b = self._new(alias.name.split(".")[0], _SUBMODULE, node)
            else:
                b = self._new(alias.asname or alias.name, _IMPORT, node)
            b.full_name = alias.name
            b.module = alias.name
            b.alias = alias
            b.for_parent = self.for_parent
            self._add(b)

    def v_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        future = node.module == "__future__"
        for alias in node.names:
            name = alias.asname or alias.name
            if future:
                b = self._new(name, _FUTURE, node)
                b.used = True
                if alias.name == "annotations":
                    self.future_annotations = True
            elif alias.name == "*":
                scope = self.stack[-1]
                if scope.kind != _MODULE:
                    continue  # a SyntaxError at compile time; pyflakes' F406
                scope.star = True
                b = self._new(module + ".*", _STAR, node)
                b.full_name = module
            else:
                b = self._new(name, _FROM, node)
                b.real_name = alias.name
            if alias.name != "*":
                sep = "" if module.endswith(".") else "."
                b.full_name = module + sep + alias.name
                b.real_name = alias.name
            b.module = module
            b.alias = alias
            b.for_parent = self.for_parent
            self._add(b)

    def v_Global(self, node: ast.Global | ast.Nonlocal) -> None:
        module = self.stack[0]
        if self.stack[-1] is module:
            return
        kind = _GLOBAL if isinstance(node, ast.Global) else _NONLOCAL
        for name in node.names:
            b = self._new(name, kind, node)
            b.used = True
            # pyflakes withdraws undefined-name findings already made for a name that a
            # function declares global: the function may define it at module level.
            if self.undefined:
                self.undefined = [u for u in self.undefined if u[0] != name]
            module.bindings.setdefault(name, b)
            for scope in self.stack[1:]:
                scope.bindings[name] = b

    v_Nonlocal = v_Global

    def v_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._delete(target)

    def _delete(self, target: ast.AST) -> None:
        cls = target.__class__
        if cls is ast.Name:
            if self.cond:
                return  # a conditional del may not run: keep the binding
            name = target.id  # type: ignore[attr-defined]
            b = self.stack[-1].bindings.pop(name, None)
            if b is None:
                self.undefined.append((name, target))
            elif b is not _BUILTIN:
                b.deleted = True  # type: ignore[union-attr]
        elif cls is ast.Tuple or cls is ast.List:
            for elt in target.elts:  # type: ignore[attr-defined]
                self._delete(elt)
        else:
            self.visit(target)

    def v_Expr(self, node: ast.Expr) -> None:
        self.visit(node.value)

    def v_Pass(self, node: ast.AST) -> None:
        pass

    v_Break = v_Continue = v_Pass

    def v_Match(self, node: ast.AST) -> None:
        saved = self.fork
        self.fork = (*saved, (node, None))
        self.visit(node.subject)  # type: ignore[attr-defined]
        for i, case in enumerate(node.cases):  # type: ignore[attr-defined]
            self.fork = (*saved, (node, None))
            self.visit(case.pattern)
            self._visit_opt(case.guard)
            self.fork = (*saved, (node, i))
            self._stmts(case.body)
        self.fork = saved

    def _capture(self, node: ast.AST, name: str | None) -> None:
        if name:
            self._add(self._new(name, _MATCH, node))

    def v_MatchAs(self, node: ast.AST) -> None:
        self._capture(node, node.name)  # type: ignore[attr-defined]
        self._visit_opt(node.pattern)  # type: ignore[attr-defined]

    def v_MatchStar(self, node: ast.AST) -> None:
        self._capture(node, node.name)  # type: ignore[attr-defined]

    def v_MatchMapping(self, node: ast.AST) -> None:
        self._capture(node, node.rest)  # type: ignore[attr-defined]
        self._visit_all(node.keys)  # type: ignore[attr-defined]
        self._visit_all(node.patterns)  # type: ignore[attr-defined]

    def v_TypeVar(self, node: ast.AST) -> None:
        self._add(self._new(node.name, _TYPEPARAM, node))  # type: ignore[attr-defined]
        bound = getattr(node, "bound", None)
        if bound is not None:
            self._defer(self._annotation_now, bound)

    def v_ParamSpec(self, node: ast.AST) -> None:
        self._add(self._new(node.name, _TYPEPARAM, node))  # type: ignore[attr-defined]

    v_TypeVarTuple = v_ParamSpec

    def v_TypeAlias(self, node: ast.AST) -> None:
        self._push(_TYPE, node, node.name.id)  # type: ignore[attr-defined]
        self._visit_all(node.type_params)  # type: ignore[attr-defined]
        self._defer(self._annotation_now, node.value)  # type: ignore[attr-defined]
        self._pop()
        self._store(node.name, _ASSIGN, _ASSIGN, None)  # type: ignore[attr-defined]

    # -- expressions -----------------------------------------------------------------------

    def v_Name(self, node: ast.Name) -> None:
        ctx = node.ctx.__class__
        if ctx is ast.Load:
            self._load(node.id, node)
        elif ctx is ast.Store:
            self._store_name(node, _ASSIGN, None)
        else:
            self._delete(node)

    def v_Attribute(self, node: ast.Attribute) -> None:
        self.visit(node.value)

    def v_Constant(self, node: ast.Constant) -> None:
        if self.ann and isinstance(node.value, str):
            self._defer(self._string_annotation, node)

    def _string_annotation(self, node: ast.Constant) -> None:
        try:
            tree = ast.parse(node.value)
        except (SyntaxError, ValueError):
            return  # pyflakes' F722, not a binding matter
        body = tree.body
        if len(body) != 1 or not isinstance(body[0], ast.Expr):
            return
        expr = body[0].value
        # The parsed tree is ours: findings inside it point at the string, as in pyflakes.
        for sub in ast.walk(expr):
            if "lineno" in sub._attributes:
                sub.lineno = node.lineno  # type: ignore[attr-defined]
                sub.col_offset = node.col_offset  # type: ignore[attr-defined]
                sub.end_lineno = node.end_lineno  # type: ignore[attr-defined]
                sub.end_col_offset = node.end_col_offset  # type: ignore[attr-defined]
        saved = self.ann
        self.ann = _STRING
        self.visit(expr)
        self.ann = saved

    def v_Subscript(self, node: ast.Subscript) -> None:
        value = node.value
        if (isinstance(value, ast.Name) and value.id == "Literal") or (
            isinstance(value, ast.Attribute) and value.attr == "Literal"
        ):
            self.visit(value)
            saved = self.ann
            self.ann = _NONE
            self.visit(node.slice)
            self.ann = saved
        elif (isinstance(value, ast.Name) and value.id == "Annotated") or (
            isinstance(value, ast.Attribute) and value.attr == "Annotated"
        ):
            self.visit(value)
            sl = node.slice
            if isinstance(sl, ast.Tuple) and len(sl.elts) >= 2:
                self.visit(sl.elts[0])
                saved = self.ann
                self.ann = _NONE
                self._visit_all(sl.elts[1:])
                self.ann = saved
            else:
                self.visit(sl)
        elif self._is_typing(value, None):
            saved = self.ann
            self.ann = _BARE
            self.visit(value)
            self.visit(node.slice)
            self.ann = saved
        else:
            self.visit(value)
            self.visit(node.slice)

    def _with_ann(self, state: int, nodes: Iterable[ast.AST | None]) -> None:
        saved = self.ann
        self.ann = state
        self._visit_all(nodes)
        self.ann = saved

    def v_Call(self, node: ast.Call) -> None:
        func = node.func
        args = node.args
        if func.__class__ is ast.Name and func.id == "locals":  # type: ignore[attr-defined]
            self._uses_locals()
        for a in args:
            if a.__class__ is ast.Name and a.id == "locals":  # type: ignore[attr-defined]
                self._uses_locals()
        kind = None
        if func.__class__ is ast.Name or func.__class__ is ast.Attribute:
            kind = self._typing_call(func)
        if kind is None:
            self.visit(func)
            self._visit_all(args)
            self._visit_all(node.keywords)
            return
        ann = self._with_ann
        ann(_NONE, (func,))
        keywords = node.keywords
        if kind == "cast":
            ann(_BARE, args[:1])
            ann(_NONE, args[1:])
            for k in keywords:
                ann(_BARE if k.arg == "typ" else _NONE, (k,))
        elif kind == "assert_type":
            ann(_NONE, args[:1])
            ann(_BARE, args[1:])
            ann(_NONE, keywords)
        elif kind == "TypeVar":
            ann(_NONE, args[:1])
            ann(_BARE, args[1:])
            for k in keywords:
                ann(_BARE if k.arg in ("bound", "default") else _NONE, (k,))
        elif kind == "ParamSpec":
            ann(_NONE, args)
            for k in keywords:
                ann(_BARE if k.arg in ("bound", "default") else _NONE, (k,))
        elif kind == "NewType":
            ann(_NONE, args[:1])
            ann(_BARE, args[1:])
            for k in keywords:
                ann(_BARE if k.arg == "tp" else _NONE, (k,))
        elif kind == "TypedDict":
            ann(_NONE, args[:1])
            if len(args) > 1 and isinstance(args[1], ast.Dict):
                for k, v in zip(args[1].keys, args[1].values, strict=False):
                    ann(_NONE, (k,))
                    ann(_BARE, (v,))
                ann(_NONE, args[2:])
            else:
                ann(_NONE, args[1:])
            ann(_NONE if sys.version_info >= (3, 13) else _BARE, keywords)
        else:  # NamedTuple
            ann(_NONE, args[:1])
            if len(args) > 1 and isinstance(args[1], (ast.Tuple, ast.List)):
                for elt in args[1].elts:
                    if isinstance(elt, (ast.Tuple, ast.List)):
                        ann(_NONE, elt.elts[:1])
                        ann(_BARE, elt.elts[1:])
                    else:
                        ann(_NONE, (elt,))
                ann(_NONE, args[2:])
            else:
                ann(_NONE, args[1:])
            ann(_NONE if sys.version_info >= (3, 15) else _BARE, keywords)

    def _typing_call(self, func: ast.AST) -> str | None:
        for kind in ("cast", "assert_type", "TypeVar", "NewType", "TypedDict", "NamedTuple"):
            if self._is_typing(func, kind):
                return kind
        if self._is_typing(func, "ParamSpec") or self._is_typing(func, "TypeVarTuple"):
            return "ParamSpec"
        return None

    def _uses_locals(self) -> None:
        scope = self.stack[-1]
        if scope.kind == _FUNC or scope.kind == _LAMBDA:
            scope.uses_locals = True

    def v_BinOp(self, node: ast.BinOp) -> None:
        self.visit(node.left)
        self.visit(node.right)

    def v_BoolOp(self, node: ast.BoolOp) -> None:
        self._visit_all(node.values)

    def v_UnaryOp(self, node: ast.UnaryOp) -> None:
        self.visit(node.operand)

    def v_Compare(self, node: ast.Compare) -> None:
        self.visit(node.left)
        self._visit_all(node.comparators)

    def v_Tuple(self, node: ast.Tuple | ast.List | ast.Set) -> None:
        if node.__class__ is not ast.Set and node.ctx.__class__ is not ast.Load:  # type: ignore
            self._store(node, _ASSIGN, _UNPACK, None)
            return
        self._visit_all(node.elts)

    v_List = v_Set = v_Tuple

    def v_Starred(self, node: ast.Starred) -> None:
        self.visit(node.value)

    def v_keyword(self, node: ast.keyword) -> None:
        self.visit(node.value)

    def v_Dict(self, node: ast.Dict) -> None:
        visit = self.visit
        for k, v in zip(node.keys, node.values, strict=False):
            if k is not None:
                visit(k)
            visit(v)

    def v_JoinedStr(self, node: ast.JoinedStr) -> None:
        self._visit_all(node.values)

    def v_FormattedValue(self, node: ast.FormattedValue) -> None:
        self.visit(node.value)
        if node.format_spec is not None:
            self.visit(node.format_spec)

    def v_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._store_name(node.target, _NAMED, None)

    def v_Slice(self, node: ast.Slice) -> None:
        self._visit_all((node.lower, node.upper, node.step))

    def v_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        generators = node.generators
        self.visit(generators[0].iter)
        cls = node.__class__
        if cls is ast.GeneratorExp:
            self._push(_GEN, node, "<genexpr>")
        else:
            self._push(_COMP, node, "<" + cls.__name__.lower() + ">")
        first = True
        for gen in generators:
            if not first:
                self.visit(gen.iter)
            first = False
            self._store(gen.target, _COMPVAR, _COMPVAR, None)
            self._visit_all(gen.ifs)
        if cls is ast.DictComp:
            self.visit(node.key)  # type: ignore[union-attr]
            self.visit(node.value)  # type: ignore[union-attr]
        else:
            self.visit(node.elt)  # type: ignore[union-attr]
        self._pop()

    v_SetComp = v_GeneratorExp = v_DictComp = v_ListComp


def _extend_all(analyzer: _Analyzer, tree: ast.Module) -> bool:
    """Read module-level ``__all__.extend([...])``/``.append("x")``/``+= x`` (beyond pyflakes)."""
    b = analyzer.all_binding
    if b is None:
        return False
    added = False
    for stmt in tree.body:
        if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
            continue
        call = stmt.value
        func = call.func
        if not (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "__all__"
            and func.attr in ("extend", "append")
            and len(call.args) == 1
        ):
            continue
        arg = call.args[0]
        elts = arg.elts if func.attr == "extend" and isinstance(arg, (ast.List, ast.Tuple)) else [arg]
        if func.attr == "extend" and not isinstance(arg, (ast.List, ast.Tuple)):
            b.dynamic = True
            continue
        for elt in elts:
            if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                assert b.names is not None
                b.names.append(elt.value)
                added = True
            else:
                b.dynamic = True
    return added


class ScopeAnalysis:
    """The scope provider's value for one file (read-only; see the module docstring)."""

    __slots__ = (
        "unused_imports", "undefined_names", "undefined_exports", "unused_variables",
        "redefinitions", "star_undefined_names", "all_names", "all_dynamic",
        "future_annotations", "_analyzer", "_column", "_scopes", "_bindings",
    )  # fmt: skip

    def __init__(self, analyzer: _Analyzer, column: Callable[[int, int], int]) -> None:
        put = object.__setattr__
        put(self, "_analyzer", analyzer)
        put(self, "_column", column)
        put(self, "_scopes", None)
        put(self, "_bindings", None)

        def rng(node: ast.AST) -> tuple[int, int, int, int]:
            line = node.lineno  # type: ignore[attr-defined]
            end_line = node.end_lineno or line  # type: ignore[attr-defined]
            end_col = node.end_col_offset  # type: ignore[attr-defined]
            start = column(line, node.col_offset)  # type: ignore[attr-defined]
            return line, start, end_line, column(end_line, end_col) if end_col is not None else start

        a = analyzer
        values = {
            "unused_imports": tuple(
                UnusedImport(b.name, b.imported_name(), *rng(b.stmt), b.stmt, b.alias)  # type: ignore
                for b in a.unused_imports
            ),
            "undefined_names": tuple(UndefinedName(n, *rng(node)) for n, node in a.undefined),
            "undefined_exports": tuple(
                UndefinedExport(n, *rng(node)) for n, node in a.undefined_exports
            ),
            "unused_variables": tuple(
                UnusedVariable(n, *rng(node)) for n, node in a.unused_variables
            ),
            "redefinitions": tuple(
                Redefinition(b.name, *rng(node), line) for b, node, line in a.redefinitions
            ),
            "star_undefined_names": tuple(a.star_undefined),
            "all_names": tuple(a.all_binding.names or ()) if a.all_binding else None,
            "all_dynamic": bool(a.all_binding and a.all_binding.dynamic),
            "future_annotations": a.future_annotations,
        }
        for name, value in values.items():
            put(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"ScopeAnalysis is read-only: cannot set {name!r}")

    @property
    def scopes(self) -> tuple[Scope, ...]:
        """Every scope of the file, module first, in the order they were opened."""
        if self._scopes is None:
            object.__setattr__(self, "_scopes", tuple(
                Scope(s.index, _SCOPE_NAMES[s.kind], s.name,  # type: ignore[arg-type]
                      s.parent.index if s.parent else None, s.node, s.star, s.uses_locals)
                for s in self._analyzer.scopes
            ))  # fmt: skip
        return self._scopes  # type: ignore[return-value]

    @property
    def bindings(self) -> tuple[Binding, ...]:
        """Every binding of the file, in the order the analysis made them."""
        if self._bindings is None:
            column = self._column
            out = []
            for b in self._analyzer.all_bindings:
                node = b.node
                line = node.lineno  # type: ignore[attr-defined]
                end_line = getattr(node, "end_lineno", None) or line
                col = column(line, node.col_offset)  # type: ignore[attr-defined]
                end_col = getattr(node, "end_col_offset", None)
                is_import = b.kind <= _FUTURE
                out.append(Binding(
                    b.name, _KIND_NAMES[b.kind], line, col, end_line,  # type: ignore[arg-type]
                    column(end_line, end_col) if end_col is not None else col,
                    b.scope.index, bool(b.used), b.deleted, node,
                    b.module if is_import else None,
                    b.full_name if is_import else None,
                    b.imported_name() if is_import else None,
                    b.alias, b.stmt if is_import else None, b.redefined_line,
                ))  # fmt: skip
            object.__setattr__(self, "_bindings", tuple(out))
        return self._bindings  # type: ignore[return-value]


def analyze_scopes(
    tree: ast.Module,
    source: str = "",
    *,
    is_package: bool = False,
    builtins: Iterable[str] = (),
    target_version: tuple[int, int] | None = None,
    column: Callable[[int, int], int] | None = None,
) -> ScopeAnalysis:
    """Analyse the scopes and bindings of one parsed module.

    :param source: the text ``tree`` was parsed from (for character columns).
    :param is_package: the file is a package's ``__init__.py`` (``__path__`` is defined and
        undefined ``__all__`` names are not reported, as in pyflakes).
    :param builtins: extra builtin names (``[tool.shoal] builtins``).
    :param target_version: decides the builtins list; the running Python's when None.
    :param column: converts (line, UTF-8 byte offset) to a 1-based character column.
    """
    names = builtin_names(target_version)
    extra = frozenset(builtins)
    if extra:
        names = names | extra
    analyzer = _Analyzer(names, is_package)
    analyzer.run(tree)
    if _extend_all(analyzer, tree):
        _apply_extended_all(analyzer)
    return ScopeAnalysis(analyzer, column or SourceLines(source).column)


def _apply_extended_all(analyzer: _Analyzer) -> None:
    """Re-check unused imports and undefined exports against names added by ``.extend``."""
    b = analyzer.all_binding
    assert b is not None and analyzer.module_scope is not None
    names = set(b.names or ())
    scope = analyzer.module_scope
    analyzer.unused_imports = [
        u for u in analyzer.unused_imports if u.scope is not scope or u.name not in names
    ]
    if scope.star or analyzer.is_package:
        return
    seen = {n for n, _ in analyzer.undefined_exports}
    for name in b.names or ():
        if name not in scope.bindings and name not in seen:
            seen.add(name)
            analyzer.undefined_exports.append((name, b.stmt))


class ScopeProvider:
    """Metadata provider: the :class:`ScopeAnalysis` of a file, computed once per file."""

    @classmethod
    def compute(cls, context: RuleContext, ast_tree: ast.Module) -> ScopeAnalysis:
        """Analyse ``ast_tree`` (parsed from ``context.source``) with the context's settings."""
        settings = context.settings
        path = context.path.replace("\\", "/")
        return analyze_scopes(
            ast_tree,
            context.source,
            is_package=context.is_package or path.rsplit("/", 1)[-1] == "__init__.py",
            builtins=settings.builtins,
            target_version=settings.target_version,
            column=context.lines.column,
        )
