"""Definitions: ``def`` and ``class`` statements at module level, with their signatures.

A function's export carries its :class:`Signature`; a class's carries the signature its
constructor call must bind to (when it can be known), its bases and the names its body binds.
"""
from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable

from analyzer.model._extract_dynamic import copies_members_into_module
from analyzer.model._facts import (
    KEYWORD_ONLY,
    POSITIONAL_ONLY,
    POSITIONAL_OR_KEYWORD,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    Param,
    Signature,
)
from analyzer.model._state import ModuleState
from analyzer.model._syntax import TRY_TYPES, dotted, source_text, target_names

_BLOCKS = (ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)


def signature_of(args: ast.arguments, is_async: bool, drop_first: bool = False) -> Signature:
    """The signature of a parameter list; ``drop_first``: without ``self``/``cls``."""
    params: list[Param] = []
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    for i, arg in enumerate(positional):
        kind = POSITIONAL_ONLY if i < len(args.posonlyargs) else POSITIONAL_OR_KEYWORD
        params.append(Param(arg.arg, kind, i >= first_default))
    if drop_first and params:
        params.pop(0)
    if args.vararg is not None:
        params.append(Param(args.vararg.arg, VAR_POSITIONAL))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        params.append(Param(arg.arg, KEYWORD_ONLY, default is not None))
    if args.kwarg is not None:
        params.append(Param(args.kwarg.arg, VAR_KEYWORD))
    return Signature(tuple(params), is_async)


def class_members(body: Iterable[ast.stmt], out: set[str]) -> None:
    """Names bound directly in a class body (descending into if/try/with/for)."""
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(stmt.name)
        elif isinstance(stmt, ast.Assign):
            names: list[str] = []
            for target in stmt.targets:
                target_names(target, names)
            out.update(names)
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            if isinstance(stmt.target, ast.Name):
                out.add(stmt.target.id)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                if alias.name != "*":
                    out.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(stmt, ast.If):
            class_members(stmt.body, out)
            class_members(stmt.orelse, out)
        elif isinstance(stmt, TRY_TYPES):
            class_members(stmt.body, out)
            class_members(stmt.orelse, out)
            class_members(stmt.finalbody, out)
            for handler in stmt.handlers:
                class_members(handler.body, out)
        elif isinstance(stmt, _BLOCKS):
            class_members(stmt.body, out)


def constructor(node: ast.ClassDef) -> Signature | None:
    """The signature ``C(...)`` must bind to, or None when it cannot be known."""
    if node.keywords:
        return None
    for base in node.bases:
        name = dotted(base)
        if name is None:
            return None
        last = name.rsplit(".", 1)[-1]
        # Enum's metaclass __call__ looks members up by value instead of calling __init__.
        if last.endswith(("Enum", "Flag")):
            return None
    defs: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
    for stmt in node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name in (
            "__init__",
            "__new__",
        ):
            defs.setdefault(stmt.name, []).append(stmt)
    if not defs:
        only_object = all(dotted(b) in ("object", "builtins.object") for b in node.bases)
        return Signature(()) if only_object else None
    if len(defs) == 2:
        return None
    (found,) = defs.values()
    if len(found) != 1 or found[0].decorator_list:
        return None
    return signature_of(found[0].args, False, drop_first=True)


def registers(state: ModuleState, decorators: list[ast.expr]) -> None:
    """Note the names ``decorators`` take as arguments: numba's ``@type_callable(f)`` and
    ``@overload(f)`` register an implementation of ``f`` for compiled code, whose calls of
    ``f`` then follow another signature than its ``def`` (``registered_unknowable``)."""
    for decorator in decorators:
        if type(decorator) is ast.Call:
            state.registered.update(arg.id for arg in decorator.args if type(arg) is ast.Name)


def registered_unknowable(state: ModuleState) -> None:
    """A function a decorator registers (:func:`registers`) has no signature SH002 knows."""
    for name in state.registered & state.exports.keys():
        export = state.exports[name]
        if export.kind == "function" and export.signature is not None:
            state.exports[name] = dataclasses.replace(export, signature=None)


def function_def(
    state: ModuleState, stmt: ast.FunctionDef | ast.AsyncFunctionDef, conditional: bool, guard: str
) -> None:
    """``def f(...)``: a function export with its signature and decorators."""
    registers(state, stmt.decorator_list)
    state.bind(
        stmt.name,
        "function",
        stmt,
        conditional,
        signature=signature_of(stmt.args, type(stmt) is ast.AsyncFunctionDef),
        decorators=tuple(source_text(d) for d in stmt.decorator_list),
    )


def class_def(state: ModuleState, stmt: ast.ClassDef, conditional: bool, guard: str) -> None:
    """``class C(...)``: a class export with its constructor, bases and members."""
    registers(state, stmt.decorator_list)
    decorators = tuple(source_text(d) for d in stmt.decorator_list)
    if copies_members_into_module(decorators):
        state.dynamic_namespace = True
    members: set[str] = set()
    class_members(stmt.body, members)
    bases = [source_text(b) for b in stmt.bases]
    bases += [
        f"{k.arg}={source_text(k.value)}" if k.arg else f"**{source_text(k.value)}"
        for k in stmt.keywords
    ]
    state.bind(
        stmt.name,
        "class",
        stmt,
        conditional,
        signature=constructor(stmt),
        decorators=decorators,
        bases=tuple(bases),
        members=tuple(sorted(members)),
    )
