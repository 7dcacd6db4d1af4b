"""Dynamic namespaces: signs that a module binds names no statement of it shows.

Such a module sets ``ModuleFacts.dynamic_namespace``, and a lookup of a name it does not
visibly bind is then not reported as missing.
"""
from __future__ import annotations

import ast

#: Builtins whose no-argument call returns the module's own namespace, ready to be written.
NAMESPACE_BUILTINS = ("globals", "vars")


def writes_own_namespace(call: ast.Call) -> bool:
    """``globals()`` or ``vars()``: the module may write names into its own namespace."""
    func = call.func
    return type(func) is ast.Name and func.id in NAMESPACE_BUILTINS and not call.args


def copies_members_into_module(decorators: tuple[str, ...]) -> bool:
    """A class decorator (``enum.global_enum``) copies the class's members into the module."""
    return any(d.endswith("global_enum") for d in decorators)
