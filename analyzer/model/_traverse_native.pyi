"""Types of the C loop (``_traverse_native.c``); :func:`analyzer.model._extract_walk._traverse_python` is its Python twin."""
from collections.abc import Callable
from typing import Any

def traverse(
    context: Any,
    stack: list[tuple[Any, Any, str]],
    handlers: dict[type, Callable[..., Any]],
    child_fields: dict[type, tuple[str, ...]],
    fill_fields: Callable[[type], tuple[str, ...]],
    node_types: frozenset[type] | set[type],
    plain_types: frozenset[type] | set[type],
    gated: dict[type, Callable[..., Any]] = ...,
    call_names: frozenset[str] | set[str] = ...,
    call_attrs: frozenset[str] | set[str] = ...,
) -> None: ...
