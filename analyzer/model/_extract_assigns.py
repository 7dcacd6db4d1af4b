"""Assignments at module level: variable exports, and ``__all__`` as far as it can be read.

``__all__`` is read from list/tuple literals of strings (and sums of them), ``+=``, and
``__all__.extend/append/remove(...)``; anything else makes it dynamic (unknown).
"""
from __future__ import annotations

import ast

from analyzer.model._state import ModuleState
from analyzer.model._syntax import target_names


def literal_strings(node: ast.expr | None) -> list[str] | None:
    """Strings of a list/tuple literal (or a sum of them), else None."""
    if isinstance(node, (ast.List, ast.Tuple)):
        out = []
        for element in node.elts:
            if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
                return None
            out.append(element.value)
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _sum_strings(node)
    return None


def _sum_strings(node: ast.expr) -> list[str] | None:
    # ``a + b + c`` nests to the left: walk that spine iteratively (no recursion limit).
    operands = []
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        operands.append(node.right)
        node = node.left
    operands.append(node)
    out = []
    for operand in reversed(operands):
        if not isinstance(operand, (ast.List, ast.Tuple)):
            return None
        strings = literal_strings(operand)
        if strings is None:
            return None
        out.extend(strings)
    return out


def assign(state: ModuleState, stmt: ast.Assign, conditional: bool, guard: str) -> None:
    """``a = b = value``: every target name a variable; ``__all__ = [...]`` read."""
    names: list[str] = []
    for target in stmt.targets:
        target_names(target, names)
    for name in names:
        if name == "__all__":
            plain = len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            state.set_all(literal_strings(stmt.value) if plain else None)
        state.bind(name, "variable", stmt, conditional)


def annotated_or_augmented(
    state: ModuleState, stmt: ast.AnnAssign | ast.AugAssign, conditional: bool, guard: str
) -> None:
    """``x: T = value`` and ``x op= value``: a variable; ``__all__ +=`` extends it."""
    target = stmt.target
    if not isinstance(target, ast.Name):
        return
    if target.id == "__all__":
        value = literal_strings(stmt.value)
        if isinstance(stmt, ast.AnnAssign):
            state.set_all(value)
        elif isinstance(stmt.op, ast.Add):
            state.extend_all(value)
        else:
            state.all_dynamic = True
    state.bind(target.id, "variable", stmt, conditional)


def expression(state: ModuleState, stmt: ast.Expr, conditional: bool, guard: str) -> None:
    """An expression statement: only ``__all__.extend/append/remove(...)`` and the calls
    that extend a package's path (:func:`extends_path`) matter here."""
    node = stmt.value
    if not isinstance(node, ast.Call):
        return
    if extends_path(node):
        state.extends_path = True
        return
    if not (
        isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "__all__"
    ):
        return
    method = node.func.attr
    arg = node.args[0] if len(node.args) == 1 and not node.keywords else None
    if method == "extend":
        state.extend_all(literal_strings(arg))
    elif method in ("append", "remove") and state.all_names is not None:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            if method == "append":
                state.all_names.append(arg.value)
            elif arg.value in state.all_names:
                state.all_names.remove(arg.value)
            return
        state.all_dynamic = True
    else:
        state.all_dynamic = True


def extends_path(call: ast.Call) -> bool:
    """``pkg_resources.declare_namespace(__name__)`` (any spelling of the callee) or
    ``__path__.append/extend/insert(...)``: the package takes modules from other folders,
    as ``__path__ = pkgutil.extend_path(__path__, __name__)`` does."""
    func = call.func
    if type(func) is ast.Name:
        return func.id == "declare_namespace"
    if type(func) is not ast.Attribute:
        return False
    if func.attr == "declare_namespace":
        return True
    owner = func.value
    return type(owner) is ast.Name and owner.id == "__path__" and func.attr in _PATH_GROWERS


#: The list methods that add folders to a package's ``__path__``.
_PATH_GROWERS = frozenset({"append", "extend", "insert"})


def loop_target(state: ModuleState, stmt: ast.For | ast.AsyncFor) -> None:
    """A module-level ``for`` binds its target names (conditionally: it may not iterate)."""
    names: list[str] = []
    target_names(stmt.target, names)
    for name in names:
        if name == "__all__":
            state.all_dynamic = True
        state.bind(name, "variable", stmt, True)


def with_targets(state: ModuleState, stmt: ast.With | ast.AsyncWith) -> None:
    """A module-level ``with ... as x`` binds ``x`` (conditionally: the body may raise)."""
    for item in stmt.items:
        if item.optional_vars is not None:
            names: list[str] = []
            target_names(item.optional_vars, names)
            for name in names:
                state.bind(name, "variable", stmt, True)
