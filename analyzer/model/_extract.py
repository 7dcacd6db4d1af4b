"""Facts extraction: a module's ``ast`` in, its :class:`ModuleFacts` out.

Two passes. The statement pass reads module-level statements in order, descending into
compound statements (``if``/``try``/``for``/``while``/``with``/``match``) with what they imply:
a binding in one is conditional, an import under a guard is guarded. It dispatches on the
statement's type to a handler per kind: definitions (:mod:`._extract_defs`), imports
(:mod:`._extract_imports`), assignments and ``__all__`` (:mod:`._extract_assigns`). Then one
walk over every node (:mod:`._extract_walk`) finds scopes, call sites of imported names,
function-level imports, and bindings the statement pass cannot see.
"""
from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from analyzer.model._answers import absolute_module
from analyzer.model._extract_assigns import (
    annotated_or_augmented,
    assign,
    expression,
    loop_target,
    with_targets,
)
from analyzer.model._extract_defs import class_def, function_def, registered_unknowable
from analyzer.model._extract_dynamic import PATH_EXTENDED
from analyzer.model._extract_imports import (
    catches_import_error,
    checks_a_file,
    handles_import_error,
    is_main_guard,
    is_type_checking,
    record_imports,
)
from analyzer.model._extract_refs import module_references, own_uses
from analyzer.model._extract_walk import walk
from analyzer.model._facts import BODY_FIELDS, Import, ModuleFacts, NotExtracted
from analyzer.model._state import Columns, ModuleState
from analyzer.model._syntax import TRY_TYPES


def extract_facts(
    tree: ast.Module, *, module: str, path: str, is_package: bool, lines: Columns,
    body: frozenset[str] | None = None,
) -> ModuleFacts:
    """Extract a module's facts from its ``ast`` (docs/contracts.md, section 1).

    ``lines`` is the file's :class:`analyzer.rules.SourceLines` (byte to character columns).
    ``body``: the body fields (``BODY_FIELDS``) to extract, the others left
    :class:`NotExtracted`; None, all of them.
    """
    if body is None:
        body = _ALL_BODY
    # The uses and references need what the walk notes of names, strings and attribute
    # chains; without them it notes only what the other fields need.
    uses = "uses" in body
    references = "references" in body
    state = ModuleState(lines)
    statements(state, tree.body, False, "")
    calls, attributes, usage = walk(state, tree, calls="calls" in body,
                                    chains=uses or references or "attributes" in body,
                                    usage=uses or references)
    if state.registered:
        registered_unknowable(state)
    if is_package and (state.extends_path or "__path__" in state.exports):
        # A pkgutil or pkg_resources namespace package (`__path__ = extend_path(__path__,
        # __name__)`): other distributions' folders hold its children (azure, zope): one
        # it lacks is no missing module.
        state.dynamic_modules.add(PATH_EXTENDED)
    imports = sorted(state.imports, key=lambda i: (i.line, i.column))
    all_names: tuple[str, ...] | None = None
    if state.all_names is not None and not state.all_dynamic:
        all_names = tuple(dict.fromkeys(state.all_names))
    found: Any = ()
    self_references: tuple[str, ...] = ()
    if references or uses:  # the uses count the module's references to itself
        found, self_references = module_references(module, is_package, imports, usage.chains)
    return ModuleFacts(
        module=module,
        path=path,
        is_package=is_package,
        parse_ok=True,
        exports=tuple(state.exports.values()),
        imports=tuple(imports),
        calls=tuple(calls) if "calls" in body else _LEFT_OUT["calls"],
        attributes=tuple(attributes) if "attributes" in body else _LEFT_OUT["attributes"],
        all_names=all_names,
        all_dynamic=state.all_dynamic,
        dynamic_namespace=(state.dynamic_namespace or _imports_itself(module, is_package, imports)
                           or _an_empty_stub(path, is_package, tree)),
        dynamic_modules=tuple(sorted(state.dynamic_modules)),
        references=found if references else _LEFT_OUT["references"],
        uses=(own_uses(usage, state.exports, state.all_names, self_references) if uses
              else _LEFT_OUT["uses"]),
    )


def _an_empty_stub(path: str, is_package: bool, tree: ast.Module) -> bool:
    """A module stub with no statement (matplotlib's ``_backend_agg.pyi`` beside its compiled
    extension) marks the module as present, not as one without names."""
    return not tree.body and not is_package and path.endswith(".pyi")


def _imports_itself(module: str, is_package: bool, imports: list[Import]) -> bool:
    """The module imports its own object (``from numpy import dtypes`` in numpy/dtypes.py,
    anywhere): it may set names on it that no statement shows (``setattr(dtypes, n, cls)``)."""
    for imp in imports:
        base = absolute_module(module, is_package, imp.level, imp.module)
        if base is not None and (base if imp.name is None else f"{base}.{imp.name}") == module:
            return True
    return False


_ALL_BODY = frozenset(BODY_FIELDS)
#: What stands for each field left out (typed Any: it stands in for the field's tuple).
_LEFT_OUT: dict[str, Any] = {name: NotExtracted(name) for name in BODY_FIELDS}


def statements(state: ModuleState, body: list[ast.stmt], conditional: bool, guard: str) -> None:
    """Record a block of module-level statements; ``conditional``: the block may not run."""
    handler_of = _STATEMENTS.get
    for stmt in body:
        handler = handler_of(type(stmt))
        if handler is not None:
            handler(state, stmt, conditional, guard)


# -- compound statements: their blocks, with what they imply for the bindings in them -----


def _import(
    state: ModuleState, stmt: ast.Import | ast.ImportFrom, conditional: bool, guard: str
) -> None:
    record_imports(state, stmt, guard, state.import_time, conditional)


def _if(state: ModuleState, stmt: ast.If, conditional: bool, guard: str) -> None:
    if is_main_guard(stmt.test):
        # ``if __name__ == "__main__":`` never runs when the module is imported.
        saved, state.import_time = state.import_time, False
        statements(state, stmt.body, True, guard)
        state.import_time = saved
    else:
        inner = ("TYPE_CHECKING" if is_type_checking(stmt.test)
                 else "ImportError" if checks_a_file(stmt.test) else guard)
        statements(state, stmt.body, True, inner)
    statements(state, stmt.orelse, True, guard)


def _try(state: ModuleState, stmt: Any, conditional: bool, guard: str) -> None:
    # ``stmt`` is ast.Try or ast.TryStar (3.11+, unknown to mypy's 3.10 view).
    caught = catches_import_error(stmt.handlers)
    statements(state, stmt.body, True, "ImportError" if caught else guard)
    for handler in stmt.handlers:
        statements(state, handler.body, True,
                   "ImportError" if caught and handles_import_error(handler) else guard)
    statements(state, stmt.orelse, True, guard)
    statements(state, stmt.finalbody, True, guard)


def _for(state: ModuleState, stmt: ast.For | ast.AsyncFor, conditional: bool, guard: str) -> None:
    loop_target(state, stmt)
    statements(state, stmt.body, True, guard)
    statements(state, stmt.orelse, True, guard)


def _while(state: ModuleState, stmt: ast.While, conditional: bool, guard: str) -> None:
    statements(state, stmt.body, True, guard)
    statements(state, stmt.orelse, True, guard)


def _with(
    state: ModuleState, stmt: ast.With | ast.AsyncWith, conditional: bool, guard: str
) -> None:
    with_targets(state, stmt)
    statements(state, stmt.body, True, guard)


def _match(state: ModuleState, stmt: ast.Match, conditional: bool, guard: str) -> None:
    for case in stmt.cases:
        statements(state, case.body, True, guard)


#: The statement pass's handler per statement type; other statements bind nothing it sees.
_STATEMENTS: dict[type, Callable[[ModuleState, Any, bool, str], None]] = {
    ast.FunctionDef: function_def,
    ast.AsyncFunctionDef: function_def,
    ast.ClassDef: class_def,
    ast.Import: _import,
    ast.ImportFrom: _import,
    ast.Assign: assign,
    ast.AnnAssign: annotated_or_augmented,
    ast.AugAssign: annotated_or_augmented,
    ast.Expr: expression,
    ast.If: _if,
    **{kind: _try for kind in TRY_TYPES},
    ast.For: _for,
    ast.AsyncFor: _for,
    ast.While: _while,
    ast.With: _with,
    ast.AsyncWith: _with,
    ast.Match: _match,
}
