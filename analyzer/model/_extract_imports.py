"""Import statements: one :class:`Import` per imported name, and the guards around them.

A guard says whether a missing module is the importer's own concern: ``try``/``except
ImportError`` and ``if TYPE_CHECKING:`` bodies are guarded; an import under
``if __name__ == "__main__":`` or inside a function does not run at import time.
"""
from __future__ import annotations

import ast

from analyzer.model._facts import Import, ImportSource
from analyzer.model._state import ModuleState
from analyzer.model._syntax import name_in, names_one_of

#: Names a ``try`` handler may catch for its body's imports to count as guarded.
IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def catches_import_error(handlers: list[ast.ExceptHandler]) -> bool:
    """One of the handlers catches ``ImportError`` (bare, a base class, or by name)."""
    return any(map(handles_import_error, handlers))


def handles_import_error(handler: ast.ExceptHandler) -> bool:
    """``handler`` catches ``ImportError``: its body is a fallback for another environment
    (``except ImportError: from .compat_old import x``), whose imports count as guarded."""
    return handler.type is None or names_one_of(handler.type, IMPORT_ERRORS)


_TYPE_CHECKING = frozenset({"TYPE_CHECKING"})


def is_type_checking(test: ast.expr) -> bool:
    """The test is ``TYPE_CHECKING`` (bare or qualified, ``typing.TYPE_CHECKING``)."""
    return name_in(test, _TYPE_CHECKING)


#: Calls that ask whether a path exists (``os.path.isfile``, ``Path.exists``...).
_EXISTS = frozenset({"exists", "lexists", "isfile", "isdir", "is_file", "is_dir"})


def checks_a_file(test: ast.expr) -> bool:
    """The test asks whether a path exists (lightning's ``if
    os.path.isfile(os.path.join(os.path.dirname(__file__), "__about__.py")):`` before
    importing that module): the imports under it are there only where the file is."""
    for node in ast.walk(test):
        if type(node) is ast.Call:
            func = node.func
            # `Path(__file__).with_name("_v.py").exists()`: the last name, whatever precedes it
            name = func.attr if type(func) is ast.Attribute else getattr(func, "id", None)
            if name in _EXISTS:
                return True
    return False


def is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either side)."""
    if not (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
    ):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def record_imports(
    state: ModuleState,
    stmt: ast.Import | ast.ImportFrom,
    guard: str,
    import_time: bool,
    conditional: bool,
    bind: bool = True,
) -> None:
    """Record each imported name; ``bind``: also a module-level binding (export)."""
    columns = state.lines
    stmt_line = stmt.lineno
    stmt_column = columns.column(stmt_line, stmt.col_offset)
    if isinstance(stmt, ast.ImportFrom):
        is_from, module, level = True, stmt.module or "", stmt.level or 0
    else:
        is_from, module, level = False, "", 0
    for alias in stmt.names:
        name: str | None
        if is_from:
            name = alias.name
        else:
            module, name = alias.name, None
        line = alias.lineno
        end_line = alias.end_lineno or line
        state.imports.append(
            Import(
                module=module,
                name=name,
                alias=alias.asname,
                level=level,
                line=line,
                column=columns.column(line, alias.col_offset),
                end_line=end_line,
                end_column=columns.column(end_line, alias.end_col_offset or alias.col_offset),
                stmt_line=stmt_line,
                stmt_column=stmt_column,
                guarded_by=guard,
                import_time=import_time,
            )
        )
        if bind and name != "*":
            bound, source = _binding(alias, is_from, level, module)
            state.bind(bound, "import", alias, conditional, source=source)


def _binding(
    alias: ast.alias, is_from: bool, level: int, module: str
) -> tuple[str, ImportSource]:
    """The name an imported alias binds and what it is bound to."""
    if is_from:
        return alias.asname or alias.name, ImportSource(level, module, alias.name)
    if alias.asname:
        return alias.asname, ImportSource(0, alias.name, None)
    bound = alias.name.split(".")[0]
    return bound, ImportSource(0, bound, None)
