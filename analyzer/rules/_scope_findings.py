"""The scope analysis' post-pass: findings from closed scopes, ``__all__`` extensions, results.

Runs once the walk (``_scope``) is over: every closed scope is checked for unused imports,
unused locals and undefined ``__all__`` names, in the order the scopes closed; module-level
``__all__.extend``/``.append`` calls are then read (beyond pyflakes); and
:class:`ScopeAnalysis` turns the collected findings into the public records, converting
ast byte columns to character columns.
"""
from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping

from analyzer.rules._bindings import (
    _ANNOTATION,
    _ASSIGN,
    _B,
    _BUILTIN,
    _CLASS_SCOPE,
    _EXPORT,
    _FUNC,
    _FUTURE,
    _KIND_NAMES,
    _LAMBDA,
    _MODULE,
    _NONLOCAL,
    _SCOPE_NAMES,
    _STAR,
    _SUBMODULE,
    Binding,
    BindingKind,
    ImportStatementFinding,
    Redefinition,
    Scope,
    ShadowedImport,
    StarUsage,
    UndefinedExport,
    UndefinedLocal,
    UndefinedName,
    UnusedImport,
    UnusedVariable,
    _Located,
    _Scope,
)
from analyzer.rules._scope_state import _ScopeState

#: Locals a debugger or a traceback formatter reads from the frame (pytest, Zope, Paste's
#: Tempita's ``__traceback_hide__``, IPython): never unused, as ruff has them.
_ALWAYS_USED = frozenset(
    ("__tracebackhide__", "__traceback_hide__", "__traceback_info__",
     "__traceback_supplement__", "__debuggerskip__")
)

#: the kinds of :attr:`ScopeAnalysis.import_bindings`
_IMPORT_KINDS = frozenset(_KIND_NAMES[k] for k in _KIND_NAMES if k <= _FUTURE)


def _check_closed_scopes(state: _ScopeState) -> None:
    """Collect the findings of every closed scope, in the order the scopes closed."""
    for scope in state.dead:
        _check_dead(state, scope)


def _check_dead(state: _ScopeState, scope: _Scope) -> None:
    kind = scope.kind
    if kind == _CLASS_SCOPE:
        return  # names bound in a class body are attributes: never unused
    bindings = scope.bindings
    if kind == _FUNC or kind == _LAMBDA:
        uses_locals = scope.uses_locals
        for name, b in bindings.items():
            if b is _BUILTIN or b.used:
                continue
            if b.kind == _ANNOTATION:
                # pyflakes reports unused annotations even where locals() is called.
                state.unused_annotations.append((name, b.node))
            elif (
                not uses_locals
                and _ASSIGN <= b.kind <= _NONLOCAL
                and name != "_"
                and name not in _ALWAYS_USED
            ):
                state.unused_variables.append((name, b.node))
    all_b = bindings.get("__all__")
    all_names: Iterable[str] = ()
    if isinstance(all_b, _B) and all_b.kind == _EXPORT:
        all_names = set(all_b.names or ())
        undefined = [n for n in all_b.names or () if n not in bindings]
        if kind == _MODULE:
            state.all_binding = all_b
        if undefined:
            if not scope.star and not state.is_package:
                for name in undefined:
                    state.undefined_exports.append((name, all_b.stmt))
            if scope.star:
                modules = []
                for sb in bindings.values():
                    if isinstance(sb, _B) and sb.kind == _STAR:
                        sb.used = True
                        modules.append(sb.full_name)
                from_list = ", ".join(sorted(modules))
                state.star_undefined.extend((n, all_b.stmt, from_list) for n in undefined)
    for b in bindings.values():
        if b is _BUILTIN or b.kind > _FUTURE:
            continue
        # A re-export is what the import is for (ruff, mypy and pyright read them so):
        # pyflakes reports both kinds, and projects like flask, click and jinja2 would see
        # every name of their package's API flagged.
        if not b.used and b.name not in all_names and b.kind != _STAR and not _reexport(b):
            state.unused_imports.append(b)
            for r in b.redefined or ():
                state.redefinitions.append((r, r.node, b.stmt.lineno, True))


def _reexport(b: _B) -> bool:
    """``import x as x`` / ``from m import x as x``: an explicit re-export (PEP 484)."""
    alias = b.alias
    return alias is not None and alias.asname is not None and alias.asname == alias.name


def _extend_all(state: _ScopeState, tree: ast.Module) -> bool:
    """Read module-level ``__all__.extend([...])``/``.append("x")``/``+= x`` (beyond pyflakes)."""
    b = state.all_binding
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


def _exported_in_any_branch(state: _ScopeState) -> None:
    """Spare the unused module-level imports that any module-level ``__all__`` assignment
    names, in whichever branch (ruff reads every binding of ``__all__``; pyflakes only the
    last): plotly's ``if TYPE_CHECKING: from plotly import io; __all__ = ["io", ...]`` beside
    an ``else:`` that binds ``__all__`` lazily. The analysis made a binding of each, shadowed
    or not: they are read from its list."""
    module = state.module_scope
    if module is None or not any(u.scope_index == module.index for u in state.unused_imports):
        return
    exported = {name for b in state.all_bindings if b.kind == _EXPORT for name in b.names or ()}
    if exported:
        state.unused_imports = [u for u in state.unused_imports
                                if u.scope_index != module.index or u.name not in exported]


def _apply_extended_all(state: _ScopeState) -> None:
    """Re-check unused imports and undefined exports against names added by ``.extend``."""
    b = state.all_binding
    assert b is not None and state.module_scope is not None
    names = set(b.names or ())
    scope = state.module_scope
    state.unused_imports = [
        u for u in state.unused_imports if u.scope_index != scope.index or u.name not in names
    ]
    if scope.star or state.is_package:
        return
    seen = {n for n, _ in state.undefined_exports}
    for name in b.names or ():
        if name not in scope.bindings and name not in seen:
            seen.add(name)
            state.undefined_exports.append((name, b.stmt))


def _string_line(stmt: ast.AST, name: str) -> int:
    """The line of the string ``name`` in the ``__all__`` statement ``stmt``, else its own."""
    for node in ast.walk(stmt):
        if type(node) is ast.Constant and node.value == name:
            return node.lineno
    return stmt.lineno  # type: ignore[attr-defined]


class ScopeAnalysis:
    """The scope provider's value for one file (read-only).

    ``scopes`` (tuple of :class:`Scope`, index 0 is the module), ``bindings`` (tuple of
    :class:`Binding`, in creation order; ``binding_names`` the cheaper ``(scope, name, kind,
    line)`` of each, ``import_bindings`` the imports' alone), ``unused_imports``
    (:class:`UnusedImport`),
    ``undefined_names`` (:class:`UndefinedName`), ``undefined_exports``
    (:class:`UndefinedExport`), ``unused_variables`` (:class:`UnusedVariable`),
    ``redefinitions`` (:class:`Redefinition`), ``star_undefined_names`` (names that are
    undefined unless a ``from m import *`` provides them; never in ``undefined_names``),
    ``star_usages`` (the same as :class:`StarUsage` records, F405), ``shadowed_imports``
    (:class:`ShadowedImport`, F402), ``star_imports`` and ``misplaced_star_imports`` (F403,
    F406), ``late_future_imports`` and ``undefined_futures`` (F404, F407; all four
    :class:`ImportStatementFinding`), ``undefined_locals`` (:class:`UndefinedLocal`, F823),
    ``unused_annotations`` (:class:`UnusedVariable`, F842), ``string_annotations`` (the
    parsed expressions of string annotations, every node placed at its string),
    ``all_names`` (the static ``__all__`` names, or None without ``__all__``),
    ``all_dynamic`` (``__all__`` exists but some part of it is not a literal),
    ``future_annotations``. Positions are 1-based lines and 1-based *character* columns,
    end exclusive.
    """

    __slots__ = (
        "unused_imports", "undefined_names", "undefined_exports", "unused_variables",
        "redefinitions", "star_undefined_names", "all_names", "all_dynamic",
        "future_annotations", "_analyzer", "_column", "_scopes", "_bindings", "_binding_names",
        "_imported_names", "star_usages", "shadowed_imports", "star_imports",
        "misplaced_star_imports",
        "late_future_imports", "undefined_futures", "undefined_locals", "unused_annotations",
        "string_annotations",
    )  # fmt: skip

    # Declared for the type checker; __init__ sets them through object.__setattr__, as
    # __setattr__ is closed to keep the value read-only.
    unused_imports: tuple[UnusedImport, ...]
    undefined_names: tuple[UndefinedName, ...]
    undefined_exports: tuple[UndefinedExport, ...]
    unused_variables: tuple[UnusedVariable, ...]
    redefinitions: tuple[Redefinition, ...]
    star_undefined_names: tuple[str, ...]
    all_names: tuple[str, ...] | None
    all_dynamic: bool
    future_annotations: bool
    star_usages: tuple[StarUsage, ...]
    shadowed_imports: tuple[ShadowedImport, ...]
    star_imports: tuple[ImportStatementFinding, ...]
    misplaced_star_imports: tuple[ImportStatementFinding, ...]
    late_future_imports: tuple[ImportStatementFinding, ...]
    undefined_futures: tuple[ImportStatementFinding, ...]
    undefined_locals: tuple[UndefinedLocal, ...]
    unused_annotations: tuple[UnusedVariable, ...]
    string_annotations: tuple[ast.expr, ...]
    _analyzer: _ScopeState
    _column: Callable[[int, int], int]
    _scopes: tuple[Scope, ...] | None
    _bindings: tuple[Binding, ...] | None
    _binding_names: tuple[tuple[int, str, BindingKind, int], ...] | None
    _imported_names: dict[str, str] | None

    def __init__(self, analyzer: _ScopeState, column: Callable[[int, int], int]) -> None:
        put = object.__setattr__
        put(self, "_analyzer", analyzer)
        put(self, "_column", column)
        put(self, "_scopes", None)
        put(self, "_bindings", None)
        put(self, "_binding_names", None)
        put(self, "_imported_names", None)

        def rng(node: _Located) -> tuple[int, int, int, int]:
            line = node.lineno
            end_line = node.end_lineno or line
            end_col = node.end_col_offset
            start = column(line, node.col_offset)
            return line, start, end_line, column(end_line, end_col) if end_col is not None else start

        a = analyzer
        values = {
            "unused_imports": tuple(
                UnusedImport(
                    b.name, b.imported_name(), *rng(b.stmt),
                    b.stmt, b.alias,  # type: ignore[arg-type]  # imports: Import stmt, alias set
                )
                for b in a.unused_imports
            ),
            "undefined_names": tuple(UndefinedName(n, *rng(node)) for n, node in a.undefined),
            "undefined_exports": tuple(
                UndefinedExport(n, *rng(node), _string_line(node, n))
                for n, node in a.undefined_exports
            ),
            "unused_variables": tuple(
                UnusedVariable(n, *rng(node)) for n, node in a.unused_variables
            ),
            "redefinitions": tuple(
                Redefinition(b.name, *rng(node), line, is_import)
                for b, node, line, is_import in a.redefinitions
            ),
            "star_undefined_names": tuple(n for n, _, _ in a.star_undefined),
            "star_usages": tuple(
                StarUsage(n, *rng(node), modules,
                          0 if type(node) is ast.Name else _string_line(node, n))
                for n, node, modules in a.star_undefined
            ),
            "shadowed_imports": tuple(
                ShadowedImport(b.name, *rng(node), line) for b, node, line in a.shadowed_imports
            ),
            "star_imports": tuple(ImportStatementFinding(n, *rng(s)) for n, s in a.star_imports),
            "misplaced_star_imports": tuple(
                ImportStatementFinding(n, *rng(s)) for n, s in a.misplaced_star_imports
            ),
            "late_future_imports": tuple(
                ImportStatementFinding(n, *rng(s)) for n, s in a.late_futures
            ),
            "undefined_futures": tuple(
                ImportStatementFinding(n, *rng(s)) for n, s in a.undefined_futures
            ),
            "undefined_locals": tuple(
                UndefinedLocal(n, *rng(node), line) for n, node, line in a.undefined_locals
            ),
            "unused_annotations": tuple(
                UnusedVariable(n, *rng(node)) for n, node in a.unused_annotations
            ),
            "string_annotations": tuple(a.string_annotations),
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
        scopes = self._scopes
        if scopes is None:
            scopes = tuple(
                Scope(s.index, _SCOPE_NAMES[s.kind], s.name,
                      s.parent.index if s.parent else None, s.node, s.star, s.uses_locals)
                for s in self._analyzer.scopes
            )  # fmt: skip
            object.__setattr__(self, "_scopes", scopes)
        return scopes

    @property
    def bindings(self) -> tuple[Binding, ...]:
        """Every binding of the file, in the order the analysis made them."""
        bindings = self._bindings
        if bindings is None:
            bindings = tuple(map(self._binding, self._analyzer.all_bindings))
            object.__setattr__(self, "_bindings", bindings)
        return bindings

    @property
    def binding_names(self) -> tuple[tuple[int, str, BindingKind, int], ...]:
        """``(scope, name, kind, line)`` of every binding, in the order of :attr:`bindings`.

        The query for a rule that needs only which names each scope binds: a file has
        hundreds of bindings, and :attr:`bindings` converts each one's columns and builds
        its record (about ten times the cost, on the standard library).
        """
        names = self._binding_names
        if names is None:
            kinds = _KIND_NAMES
            names = tuple([(b.scope_index, b.name, kinds[b.kind], b.node.lineno)
                           for b in self._analyzer.all_bindings])
            object.__setattr__(self, "_binding_names", names)
        return names

    @property
    def imported_names(self) -> Mapping[str, str]:
        """Name -> the qualified name an import in the file binds it to: ``t`` -> ``typing``
        (``import typing as t``), ``Seq`` -> ``typing.Sequence`` (``from typing import
        Sequence as Seq``), ``collections`` -> ``collections`` (``import collections.abc``).
        Every scope's imports, the later one winning; star imports bind no name."""
        names = self._imported_names
        if names is None:
            names = {}
            for b in self._analyzer.all_bindings:
                kind = b.kind
                if kind <= _FUTURE and kind != _STAR:
                    names[b.name] = b.name if kind == _SUBMODULE else b.full_name
            object.__setattr__(self, "_imported_names", names)
        return names

    @property
    def import_bindings(self) -> tuple[Binding, ...]:
        """The bindings of imports (every kind that ends in ``import``), as in
        :attr:`bindings`, without building the others' records."""
        if self._bindings is not None:
            return tuple(b for b in self._bindings if b.kind in _IMPORT_KINDS)
        return tuple([self._binding(b) for b in self._analyzer.all_bindings
                      if b.kind <= _FUTURE])

    def _binding(self, b: _B) -> Binding:
        node = b.node
        line = node.lineno
        end_line = getattr(node, "end_lineno", None) or line
        column = self._column
        col = column(line, node.col_offset)
        end_col = getattr(node, "end_col_offset", None)
        is_import = b.kind <= _FUTURE
        return Binding(
            b.name, _KIND_NAMES[b.kind], line, col, end_line,
            column(end_line, end_col) if end_col is not None else col,
            b.scope_index, bool(b.used), b.deleted, node,
            b.module if is_import else None,
            b.full_name if is_import else None,
            b.imported_name() if is_import else None,
            b.alias,
            b.stmt if is_import else None,  # type: ignore[arg-type]  # imports: an Import stmt
            b.redefined_line,
        )  # fmt: skip
