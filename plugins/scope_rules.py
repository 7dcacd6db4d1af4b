"""Built-in pyflakes-family rules read off shoal's scope provider: F401, F811, F821, F822, F841.

Each rule is an AST rule that asks for :class:`~analyzer.rules.ScopeProvider` (computed once per
file however many of these rules are selected) and reports its findings from ``visit_Module``.
Codes, messages and positions are pyflakes' (columns in characters, which equal flake8's
on ASCII lines), so existing ``# noqa: F401`` comments keep working.
"""
from __future__ import annotations

import ast
from typing import ClassVar, cast

from analyzer.rules import Edit, Fix, Invalid, LintRule, ScopeProvider, SourceLines, Valid
from plugins._scope_base import ScopeRule
from plugins._spans import spans


class UnusedImport(ScopeRule):
    """An imported name that the module never reads nor lists in ``__all__``."""

    CODE = "F401"
    FIX_APPLICABILITY = "safe (unsafe in a package `__init__.py`)"
    EQUIVALENT = "pyflakes F401, ruff F401"
    EQUIVALENT_NOTE = ("as ruff: `import x as x`, `from m import x as x` and `from m import *` are "
                       "re-exports, never reported (pyflakes reports them), a name any "
                       "module-level `__all__` assignment lists is exported whichever branch "
                       "it is in (pyflakes reads the last one only), a string in a "
                       "`collections.abc` subscript is a forward reference as in a `typing` one "
                       "(`Callable[[\"Request\"], None]` uses the TYPE_CHECKING import of "
                       "`Request`; pyflakes reports it unused, and its fix would remove it), a "
                       "postponed annotation (a string, or any under `from __future__ import "
                       "annotations`) reads a name the module binds from the module first "
                       "(PEP 563), even in a function that imports it again, and "
                       "`allowed-unused-imports` names modules never reported")
    NAME = "unused-import"
    MESSAGE = "module imported but unused"
    FIXABLE = True
    VALID: ClassVar[list[Valid]] = [
        Valid("import os\nprint(os.sep)\n"),
        Valid("from os import path\n__all__ = ['path']\n"),
        Valid("try:\n    import json\nexcept ImportError:\n    json = None\nprint(json)\n"),
        Valid("from __future__ import annotations\n"),
        Valid("import typing\ndef f() -> 'typing.Any':\n    pass\n"),
        Valid("from os import path as path\nimport json as json\n"),
        Valid("from os import *\n"),
        # plotly's package: the type checker's __all__, and a lazy one at run time.
        Valid("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import io\n"
              "    __all__ = ['io']\nelse:\n    __all__, __getattr__ = lazy(['io'])\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import io, os\n"
                "    __all__ = ['io']\nelse:\n    __all__, __getattr__ = lazy(['io'])\n",
                line=3, message="'pkg.os' imported but unused"),
        Invalid(
            "import os\n",
            line=1,
            column=1,
            message="'os' imported but unused",
            expected_fix="",
        ),
        Invalid(
            "import os, sys\nprint(sys.argv)\n",
            message="'os' imported but unused",
            expected_fix="import sys\nprint(sys.argv)\n",
        ),
        Invalid(
            "from x import (\n    a,\n    b as c,\n)\nprint(a)\n",
            message="'x.b as c' imported but unused",
            expected_fix="from x import (\n    a,\n)\nprint(a)\n",
        ),
        Invalid(
            "import os.path\n",
            message="'os.path' imported but unused",
            expected_fix="",
        ),
        Invalid(
            "def f():\n    import os\n",
            line=2,
            column=5,
            expected_fix="def f():\n    pass\n",
        ),
        Invalid(
            "from os import path as p\n",
            message="'os.path as p' imported but unused",
            expected_fix="",
        ),
    ]

    def visit_Module(self, node: ast.Module) -> None:
        """Report every unused import; each finding carries its statement's fix (one equal
        fix, which fix mode applies once), so every fixable finding is counted as ruff does."""
        analysis = self.get_metadata(ScopeProvider)
        if not analysis.unused_imports:
            return
        allowed = [a.split(".") for a in self.context.settings.allowed_unused_imports]
        by_statement: dict[int, list] = {}
        for finding in analysis.unused_imports:
            if allowed and _is_allowed(finding.statement, finding.alias, allowed):
                continue  # allowed-unused-imports: imported for its side effects
            by_statement.setdefault(id(finding.statement), []).append(finding)
        blocks = _statement_blocks(node, [findings[0].statement for findings in by_statement.values()])
        lines = self.context.lines
        for findings in by_statement.values():
            statement = findings[0].statement
            unused = {id(f.alias) for f in findings}
            fix = _remove_imports(lines, statement, unused, blocks.get(id(statement)))
            # Unsafe where the import may be what others read: a package's __init__ is the
            # API its importers (outside the project, too) use, as ruff judges F401 fixes there.
            if self.context.is_package:
                fix = Fix("unsafe", f"{fix.message} (a package's __init__ re-exports it)",
                          fix.edits)
            order = {id(a): i for i, a in enumerate(statement.names)}
            findings.sort(key=lambda f: order.get(id(f.alias), 0))
            for f in findings:
                # A noqa comment on the name's own line of a multi-line import works too, where
                # ruff reports the finding (and where its users put the comment).
                name_line = getattr(f.alias, "lineno", f.line)
                self.report(
                    (f.line, f.column),
                    f"{f.imported_name!r} imported but unused",
                    end=(f.end_line, f.end_column),
                    fix=fix,
                    noqa_line=name_line if name_line != f.line else 0,
                )


class RedefinedWhileUnused(ScopeRule):
    """A definition or import that replaces an unused one of the same name."""

    CODE = "F811"
    EQUIVALENT = "pyflakes F811, ruff F811"
    EQUIVALENT_NOTE = ("as ruff: only a redefinition in the same branch (if/elif/else clause, try "
                       "part, match case, `with` body) as the binding it replaces is reported, and a name "
                       "matching `dummy-variable-rgx` (`_x`) only when it replaces an import; "
                       "pyflakes also reports a branch's binding over one outside the branch, "
                       "and spares only `_`")
    NAME = "redefined-while-unused"
    MESSAGE = "redefinition of unused name"
    VALID: ClassVar[list[Valid]] = [
        Valid("import os\nos.getcwd()\nimport os\nos.getcwd()\n"),
        Valid("try:\n    from json import loads\nexcept ImportError:\n"
              "    def loads(s):\n        return s\nloads('1')\n"),
        Valid("from typing import overload\n@overload\ndef f(x: int) -> int: ...\n"
              "def f(x):\n    return x\n"),
        Valid("import json\nif fast:\n    import ujson as json\njson.dumps(1)\n"),
    ]  # fmt: skip
    INVALID: ClassVar[list[Invalid]] = [
        Invalid(
            "import os\ndef os():\n    pass\n",
            line=2,
            column=1,
            message="redefinition of unused 'os' from line 1",
        ),
        Invalid("def f():\n    pass\ndef f():\n    pass\n", line=3),
    ]

    def visit_Module(self, node: ast.Module) -> None:
        """Report every redefinition of an unused binding (dummy names only over an import)."""
        settings = self.context.settings
        for r in self.get_metadata(ScopeProvider).redefinitions:
            if not r.original_is_import and settings.is_dummy(r.name):
                continue
            self.report(
                (r.line, r.column),
                f"redefinition of unused {r.name!r} from line {r.original_line!r}",
                end=(r.end_line, r.end_column),
            )


class UndefinedName(ScopeRule):
    """A name read (or deleted) that is neither defined, imported nor a builtin."""

    CODE = "F821"
    EQUIVALENT = "pyflakes F821, ruff F821"
    EQUIVALENT_NOTE = ("as ruff: a function's `global x` binding defines `x` for the module even "
                       "where a bare `x: T` annotation names it there (pyflakes lets the "
                       "annotation hide it); the arguments of a call in an annotation are "
                       "values, not types (`x: dt.Timestamp(\"UTC\")`; pyflakes reports "
                       "`UTC`); in a `.pyi` stub any name may be a forward "
                       "reference, and the "
                       "strings of `Literal[...]` and `Annotated[T, ...]`'s metadata are values "
                       "under any name a typing import binds them to (`from typing import "
                       "Literal as L`); pyflakes knows them by name only")
    NAME = "undefined-name"
    MESSAGE = "undefined name"
    VALID: ClassVar[list[Valid]] = [
        Valid("def f():\n    return g()\ndef g():\n    return 1\n"),
        Valid("try:\n    unicode\nexcept NameError:\n    unicode = str\n"),
        Valid("from os import *\nprint(getcwd())\n"),
        Valid("class C:\n    name = __qualname__\n"),
        # A Literal's strings are values, under any name a typing import gives it.
        Valid("from typing import Literal as _L, TypeAlias\nLayout: TypeAlias = _L['C', 'F']\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("from typing import Optional as Maybe\nx: Maybe['F'] = None\n", line=2,
                column=10, message="undefined name 'F'"),
        Invalid("print(undefined_thing)\n", line=1, column=7,
                message="undefined name 'undefined_thing'"),
        Invalid("def f(x: 'Missing') -> None:\n    pass\n", line=1, column=10),
        Invalid("class C:\n    x = 1\n    def f(self):\n        return x\n", line=4),
    ]  # fmt: skip

    def visit_Module(self, node: ast.Module) -> None:
        """Report every undefined name."""
        for u in self.get_metadata(ScopeProvider).undefined_names:
            self.report(
                (u.line, u.column), f"undefined name {u.name!r}", end=(u.end_line, u.end_column)
            )


class UndefinedExport(ScopeRule):
    """A name in ``__all__`` that the module does not define (not checked in ``__init__.py``)."""

    CODE = "F822"
    EQUIVALENT = "pyflakes F822, ruff F822"
    NAME = "undefined-export"
    MESSAGE = "undefined name in __all__"
    VALID: ClassVar[list[Valid]] = [
        Valid("def f():\n    pass\n__all__ = ['f']\n"),
        Valid("from m import *\n__all__ = ['anything']\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("__all__ = ['missing']\n", line=1, column=1,
                message="undefined name 'missing' in __all__"),
        Invalid("x = 1\n__all__ = ['x']\n__all__ += ['y']\n", line=3),
    ]  # fmt: skip

    def visit_Module(self, node: ast.Module) -> None:
        """Report every undefined ``__all__`` entry, at the last ``__all__`` assignment (as
        pyflakes); a ``# noqa`` on the name's own line (where ruff reports it) counts too."""
        for u in self.get_metadata(ScopeProvider).undefined_exports:
            self.report(
                (u.line, u.column),
                f"undefined name {u.name!r} in __all__",
                end=(u.end_line, u.end_column),
                noqa_line=u.name_line if u.name_line != u.line else 0,
            )


class UnusedVariable(ScopeRule):
    """A local variable assigned and never read (tuple unpacking excepted, as in pyflakes)."""

    CODE = "F841"
    EQUIVALENT = "pyflakes F841, ruff F841"
    EQUIVALENT_NOTE = ("as ruff: names matching `dummy-variable-rgx` (default `_`, `__`, `_x`) "
                       "are not reported; pyflakes spares only `_`. An `except E as name` "
                       "that rebinds a parameter or a variable and reads it is no finding; "
                       "pyflakes reports it unused (a variable unused before it is reported "
                       "where it is assigned). The type of `Annotated[...]` is a forward "
                       "reference at run time too (`list[Annotated['MyInt', 3]]` reads a "
                       "`MyInt` assigned later; pyflakes reports it unused)")
    NAME = "unused-variable"
    MESSAGE = "local variable is assigned to but never used"
    VALID: ClassVar[list[Valid]] = [
        Valid("def f():\n    x = 1\n    return x\n"),
        Valid("def f():\n    a, b = g()\n"),
        Valid("def f():\n    x = 1\n    return locals()\n"),
        Valid("def f():\n    _ = 1\n"),
        # Read by debuggers and traceback formatters (pytest, Zope, Paste's Tempita), as ruff.
        Valid("def f():\n    __tracebackhide__ = True\n    __traceback_hide__ = True\n"),
        Valid("x = 1\n"),
        # nltk's tk callbacks: `def _next_tab(self, *e)`, then `except HTTPError as e:`.
        Valid("def f(*e):\n    try:\n        pass\n    except ValueError as e:\n"
              "        print(e)\n    except KeyError as e:\n        print(e.args)\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("def f():\n    e = 1\n    try:\n        pass\n    except ValueError as e:\n"
                "        print(e)\n", line=2, column=5,
                message="local variable 'e' is assigned to but never used"),
        Invalid("def f():\n    x = 1\n", line=2, column=5,
                message="local variable 'x' is assigned to but never used"),
        Invalid("try:\n    pass\nexcept ValueError as e:\n    pass\n", line=3, column=1,
                message="local variable 'e' is assigned to but never used"),
    ]  # fmt: skip

    def visit_Module(self, node: ast.Module) -> None:
        """Report every unused local (and unused ``except ... as name``) but dummy names."""
        settings = self.context.settings
        for u in self.get_metadata(ScopeProvider).unused_variables:
            if settings.is_dummy(u.name):
                continue
            self.report(
                (u.line, u.column),
                f"local variable {u.name!r} is assigned to but never used",
                end=(u.end_line, u.end_column),
            )


#: The rules of this module, for ``plugins.builtin_rules()``.
RULES: tuple[type[LintRule], ...] = (
    UnusedImport,
    RedefinedWhileUnused,
    UndefinedName,
    UndefinedExport,
    UnusedVariable,
)


def _is_allowed(statement: ast.Import | ast.ImportFrom, alias: ast.alias,
                allowed: list[list[str]]) -> bool:
    """Whether the import's qualified name starts with an allowed module (by dotted parts)."""
    if isinstance(statement, ast.ImportFrom):
        module = "." * statement.level + (statement.module or "")
        qualified = f"{module}.{alias.name}" if module and not module.endswith(".") \
            else module + alias.name
    else:
        qualified = alias.name
    parts = qualified.split(".")
    return any(parts[: len(a)] == a for a in allowed)


# ----------------------------------------------------------------------------------------
# F401's fix: text edits computed from ast positions and the source lines.
# ----------------------------------------------------------------------------------------

_BODY_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def _statement_blocks(tree: ast.Module, statements: list[ast.stmt],
                      ) -> dict[int, tuple[list[ast.stmt], bool]]:
    """Map id(statement) -> (the statement list holding it, whether that is the module body),
    for ``statements``. Only the statements spanning one of their lines are opened: the
    others cannot hold them (most files' unused imports sit at the top)."""
    wanted = {id(stmt) for stmt in statements}
    lines = sorted({stmt.lineno for stmt in statements})
    blocks: dict[int, tuple[list[ast.stmt], bool]] = {}
    todo: list[tuple[list, bool]] = [(tree.body, True)]
    while todo:
        body, is_module = todo.pop()
        for stmt in body:
            if id(stmt) in wanted:
                blocks[id(stmt)] = (body, is_module)
            if not spans(stmt, lines):
                continue
            for name in _BODY_FIELDS:
                sub = getattr(stmt, name, None)
                if not sub:
                    continue
                if name in ("handlers", "cases"):
                    todo.extend((h.body, False) for h in sub)
                else:
                    todo.append((sub, False))
    return blocks


def _start(lines: SourceLines, node: ast.stmt | ast.alias) -> tuple[int, int]:
    return node.lineno, lines.column(node.lineno, node.col_offset)


def _end(lines: SourceLines, node: ast.stmt | ast.alias) -> tuple[int, int]:
    # A parsed node always has its end; typeshed allows None for nodes built by hand.
    line = cast(int, node.end_lineno)
    return line, lines.column(line, cast(int, node.end_col_offset))


def _remove_imports(
    lines: SourceLines,
    statement: ast.Import | ast.ImportFrom,
    unused: set[int],
    block: tuple[list[ast.stmt], bool] | None,
) -> Fix:
    """The safe fix that removes the ``unused`` aliases (by id) of one import statement."""
    names = statement.names
    if all(id(a) in unused for a in names):
        return Fix("safe", "Remove unused import", (_delete_statement(lines, statement, block),))
    edits = []
    # The aliases after the last kept one go with the comma before them ("a, b" -> "a");
    # the others take the comma and space after them ("a, b" -> "b").
    last_kept = max(i for i, a in enumerate(names) if id(a) not in unused)
    if last_kept < len(names) - 1:
        edits.append(Edit("", *_end(lines, names[last_kept]), *_end(lines, names[-1])))
    for i in range(last_kept):
        if id(names[i]) in unused:
            edits.append(Edit("", *_start(lines, names[i]), *_start(lines, names[i + 1])))
    message = "Remove unused import" + ("s" if len(unused) > 1 else "")
    return Fix("safe", message, tuple(edits))


def _delete_statement(
    lines: SourceLines, stmt: ast.stmt, block: tuple[list[ast.stmt], bool] | None
) -> Edit:
    line, column = _start(lines, stmt)
    end_line, end_column = _end(lines, stmt)
    if block is not None and len(block[0]) == 1 and not block[1]:
        # A block cannot be empty: the only statement of a body becomes ``pass``.
        return Edit("pass", line, column, end_line, end_column)
    first = lines.line(line)
    last = lines.line(end_line).rstrip("\r\n")
    prefix = first[: column - 1]
    suffix = last[end_column - 1 :]
    if suffix.lstrip().startswith(";"):
        # ``import os; x = 1``: take the statement, the semicolon and the spaces after it.
        rest = suffix.lstrip()[1:]
        skip = len(suffix) - len(rest.lstrip())
        return Edit("", line, column, end_line, end_column + skip)
    if prefix.rstrip().endswith(";"):
        semicolon = len(prefix.rstrip())
        return Edit("", line, semicolon, end_line, end_column)
    if not prefix.strip() and (not suffix.strip() or suffix.lstrip().startswith("#")):
        return Edit("", line, 1, end_line + 1, 1)
    return Edit("pass", line, column, end_line, end_column)
