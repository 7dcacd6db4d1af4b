"""What may come before a module's imports without ending its import block (E402, as ruff).

Not a rule module: the statements ruff lets precede the imports (``__dunder__``
assignments, ``sys.path``/``os.environ`` changes, ``matplotlib.use()``,
``pytest.importorskip()``) and the conditional blocks (``if``/``try``/``with``/``match``)
whose imports count as module imports. Kept apart from :mod:`plugins.statement_rules`
because deciding, statement by statement, whether the import block goes on is a job of its
own; the E402 rule only applies it to the module's statements in order.
"""
from __future__ import annotations

import ast

from plugins._text import qualified_name, record_imports

#: Statements whose bodies ruff treats as part of the import block (conditional imports).
_NESTED_BLOCKS: tuple[type[ast.stmt], ...] = (ast.If, ast.Try, ast.With, ast.AsyncWith, ast.Match)
if hasattr(ast, "TryStar"):
    _NESTED_BLOCKS += (ast.TryStar,)

_SYS_PATH_CALLS = frozenset(
    f"sys.path.{m}" for m in ("append", "insert", "extend", "remove", "pop", "clear", "reverse",
                              "sort")
)
_ENVIRON_CALLS = frozenset(
    ["os.putenv", "os.unsetenv"]
    + [f"os.environ.{m}" for m in ("update", "pop", "clear", "setdefault", "popitem")]
)
_ALLOWED_CALLS = _SYS_PATH_CALLS | _ENVIRON_CALLS | {"matplotlib.use", "pytest.importorskip"}


def _is_dunder_assignment(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
    elif isinstance(stmt, ast.AnnAssign):
        target = stmt.target
    else:
        return False
    return isinstance(target, ast.Name) and _is_dunder(target.id)


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _is_allowed_before_imports(stmt: ast.stmt, imported: dict[str, str]) -> bool:
    """``sys.path``/``os.environ`` changes, ``matplotlib.use()``, ``pytest.importorskip()``."""
    if isinstance(stmt, ast.Expr):
        call = stmt.value
        return isinstance(call, ast.Call) and qualified_name(call.func, imported) in _ALLOWED_CALLS
    if isinstance(stmt, ast.Delete):
        targets = stmt.targets
    elif isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        targets = [stmt.target]
    else:
        return False
    return any(
        isinstance(target, ast.Subscript) and qualified_name(target.value, imported) == "os.environ"
        for target in targets
    )


def _nested_imports(stmt: ast.stmt, imported: dict[str, str]) -> None:
    """Record the imports of a module-level if/try/with/match (their names are module
    names too, so ``sys.path.insert`` after ``try: import sys`` is recognised)."""
    stack = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            record_imports(node, imported)
        elif isinstance(node, _NESTED_BLOCKS):
            for field in ("body", "orelse", "finalbody"):
                stack.extend(getattr(node, field, ()))
            for clause in [*getattr(node, "handlers", ()), *getattr(node, "cases", ())]:
                stack.extend(clause.body)
