"""Types of the C walk (``_walk_native.c``); :func:`analyzer.rules._ast_walk.walk_ast` is its Python twin."""
import ast
from collections.abc import Callable, Mapping
from typing import Any

def walk(
    root: ast.AST,
    actions: dict[type, tuple[tuple, tuple]],
    fields_of: Mapping[type, tuple[str, ...]],
    inert: frozenset[type] | set[type],
    on_error: Callable[[Any, Exception, object], object],
    node_base: type,
) -> None: ...
def register_guarded(cls: type) -> None: ...
