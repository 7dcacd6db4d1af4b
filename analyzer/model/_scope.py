"""Scopes of the full walk: the names each function, class or comprehension binds."""
from __future__ import annotations


class Scope:
    """One scope: its own names, its ``global`` declarations, and where it runs."""

    __slots__ = ("parent", "names", "globals", "is_module", "import_time")

    def __init__(self, parent: Scope | None, import_time: bool = True) -> None:
        self.parent = parent
        self.names: set[str] = set()
        self.globals: set[str] = set()
        self.is_module = parent is None
        # Class bodies and comprehensions at module level run when the module is imported.
        self.import_time: bool = import_time and (parent is None or parent.import_time)


def binds_locally(scope: Scope, name: str) -> bool:
    """``name`` is bound by ``scope`` or an enclosing non-module scope, not declared global.

    Asked once the walk is over: a function binds a name wherever in its body it assigns it.
    """
    current: Scope | None = scope
    while current is not None and not current.is_module:
        if name in current.names and name not in current.globals:
            return True
        current = current.parent
    return False
