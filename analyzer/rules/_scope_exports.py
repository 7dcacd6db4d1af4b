"""The names an ``__all__`` assignment lists, as pyflakes' ExportBinding reads them."""
from __future__ import annotations

import ast


def all_names(stmt: ast.stmt) -> tuple[list[str], bool]:
    """The string names ``stmt`` assigns to ``__all__``, and whether it holds anything else.

    A list or tuple, or a chain of them joined by ``+``, gives its string constants; any other
    element or operand (a name, a call, a comprehension) makes the value *dynamic*: the module
    may export more than the names listed, so an undefined-export check must not trust them.
    """
    names: list[str] = []
    dynamic = False

    def add(container: ast.List | ast.Tuple) -> None:
        nonlocal dynamic
        for elt in container.elts:
            if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                names.append(elt.value)
            else:
                dynamic = True

    value = getattr(stmt, "value", None)
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
    return names, dynamic
