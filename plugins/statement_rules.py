"""Built-in pycodestyle rules on statements: E401, E402, E701, E702 and E703.

Codes, messages, positions and fixes are ruff's (the reference where ruff and pycodestyle
differ; each rule's docstring says how). ``ast`` keeps no tokens, so the ``;`` and ``:`` that
E70x point at are found in the source text next to the statements that the one traversal
visits: after the end of a simple statement (a ``;``) and after the last expression of a
compound statement's header (its ``:``). Between those points and the token there can only
be blanks, parentheses, comments and line continuations -- never a string -- so no tokenizer
runs.
"""
from __future__ import annotations

import ast
import re
from typing import ClassVar

from analyzer.rules import Edit, Fix, Invalid, LintRule, RuleContext, SourceLines, Valid
from plugins._import_block import (
    _NESTED_BLOCKS,
    _is_allowed_before_imports,
    _is_dunder_assignment,
    _nested_imports,
)
from plugins._spans import statements_spanning
from plugins._text import (
    BLANK,
    colon_after,
    end_offset,
    has_leading_content,
    has_trailing_content,
    line_ending,
    record_imports,
    same_logical_line,
    skip_blanks,
    start_offset,
)

# ---------------------------------------------------------------------------------------------
# E401


class MultipleImportsOnOneLine(LintRule):
    """E401: one ``import`` statement for several modules; PEP 8 wants one per line."""

    CODE = "E401"
    NAME = "multiple-imports-on-one-line"
    MESSAGE = "Multiple imports on one line"
    TREE = "ast"
    FIXABLE = True
    FIX_APPLICABILITY = "safe"
    EQUIVALENT = "pycodestyle E401, ruff E401"
    VALID: ClassVar[list[Valid]] = [
        Valid("import os\nimport sys\n"),
        Valid("from os import path, sep\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("import os, sys  # both\n", line=1, column=1,
                expected_fix="import os\nimport sys  # both\n"),
        Invalid("def f():\n    import os.path as p, sys\n", line=2, column=5,
                expected_fix="def f():\n    import os.path as p\n    import sys\n"),
        Invalid("x = 1; import os, sys\n", line=1, column=8,
                expected_fix="x = 1; import os; import sys\n"),
        Invalid("import os, \\\n    sys;\n", line=1, column=1,
                expected_fix="import os; import sys;\n"),
    ]

    def visit_Import(self, node: ast.Import) -> None:
        if len(node.names) > 1:
            self.report(node, fix=self._fix(node))

    def _fix(self, node: ast.Import) -> Fix:
        lines = self.context.lines
        text = lines.text
        start, end = start_offset(lines, node), end_offset(lines, node)
        imports = [
            f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
            for alias in node.names
        ]
        if has_leading_content(lines, start) or has_trailing_content(text, end):
            # Other statements share the line: keep them there, one import each.
            edit = _edit(lines, start, end, "; ".join(imports))
        else:
            line_start = lines.line_start(lines.position(start)[0])
            indent = text[line_start:start]
            edit = _edit(lines, line_start, end,
                         line_ending(text).join(indent + one for one in imports))
        return Fix("safe", "Split imports", (edit,))


def _edit(lines: SourceLines, start: int, end: int, content: str) -> Edit:
    line, column = lines.position(start)
    end_line, end_column = lines.position(end)
    return Edit(content, line, column, end_line, end_column)


# ---------------------------------------------------------------------------------------------
# E402


_TOP_OF_CELL = "Module level import not at top of cell"


def _is_escape_command(stmt: ast.stmt) -> bool:
    """What a notebook's IPython escape command (``%magic``, ``!cmd``) reads as: ``...``."""
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and stmt.value.value is Ellipsis)


class ModuleImportNotAtTopOfFile(LintRule):
    """E402: a module-level import after other code; PEP 8 puts imports at the top.

    As in ruff, these may come before imports without ending the import block: the module
    docstring, ``__dunder__`` assignments, ``if``/``try``/``with``/``match`` statements (and
    what they contain), ``sys.path`` and ``os.environ`` changes, ``os.putenv``,
    ``matplotlib.use()`` and ``pytest.importorskip()`` calls (recognised through the imports
    that bind ``sys``, ``os``...). Imports inside those blocks are not checked. Unlike
    pycodestyle, which knows none of those calls, does not treat ``match`` as a block and
    ends the import block at any statement it does not recognise by its first word. In a
    Jupyter notebook, as in ruff, each cell has a top of its own.
    """

    CODE = "E402"
    NAME = "module-import-not-at-top-of-file"
    MESSAGE = "Module level import not at top of file"
    TREE = "ast"
    EQUIVALENT = "pycodestyle E402, ruff E402"
    EQUIVALENT_NOTE = (
        "as ruff: `sys.path`/`os.environ` changes, `os.putenv`, `matplotlib.use()`, "
        "`pytest.importorskip()` and `match` blocks may precede imports; pycodestyle "
        "reports the imports after them"
    )
    VALID: ClassVar[list[Valid]] = [
        Valid('"""Doc."""\nfrom __future__ import annotations\n__all__ = ["x"]\nimport os\n'),
        Valid("try:\n    import json\nexcept ImportError:\n    json = None\nimport os\n"),
        Valid("import sys\nsys.path.insert(0, 'lib')\nimport mylib\n"),
        Valid("import os as o\no.environ['A'] = '1'\nimport app\n"),
        Valid("x = 1\nif x:\n    import os\ndef f():\n    import sys\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("x = 1\nimport os\n", line=2, column=1),
        Invalid('"""One."""\n"""Two."""\nfrom os import path\n', line=3, column=1),
        Invalid("for x in y:\n    pass\nimport os\n", line=3, column=1),
        Invalid("sys.path.insert(0, 'lib')\nimport mylib\n", line=2, column=1),
    ]

    def visit_Module(self, node: ast.Module) -> None:
        # The module's own statements only (never a function body): a loop over a list the
        # traversal is about to visit anyway, not another walk of the tree.
        imported: dict[str, str] = {}
        docstring_allowed = True
        boundary = False
        # In a notebook, as in ruff, each cell has a top of its own.
        notebook = self.context.is_notebook
        cell = 0
        for stmt in node.body:
            if notebook and self.context.cell_index(stmt.lineno) != cell:
                cell = self.context.cell_index(stmt.lineno)
                docstring_allowed, boundary = True, False
            if notebook and _is_escape_command(stmt):
                continue  # `%matplotlib inline` before the imports: as in ruff
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                if boundary:
                    self.report(stmt, _TOP_OF_CELL if notebook else None)
                record_imports(stmt, imported)
            elif (docstring_allowed and isinstance(stmt, ast.Expr)
                  and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)):
                pass
            elif boundary:
                pass
            elif isinstance(stmt, _NESTED_BLOCKS):
                _nested_imports(stmt, imported)
            elif not (_is_dunder_assignment(stmt) or _is_allowed_before_imports(stmt, imported)):
                boundary = True
            docstring_allowed = False


# ---------------------------------------------------------------------------------------------
# E701: the colon of a compound statement followed by its body on the same line


#: What may follow a header's last expression on its line when the body is on later lines:
#: closing parentheses, ``as NAME`` (``except E as e``), the colon, the line ending.
_TAIL = re.compile(r"[ \t\f)]*(?:as[ \t\f]+\w+[ \t\f)]*)?:[ \t\f]*(?:\r\n|\r|\n)?")
#: The same after the keyword ``class`` of a class without bases: its name, maybe ``()``.
_CLASS_TAIL = re.compile(r"[ \t\f]+\w+[ \t\f]*(?:\([ \t\f]*\)[ \t\f]*)?:[ \t\f]*(?:\r\n|\r|\n)?")


class MultipleStatementsOnOneLineColon(LintRule):
    """E701: a compound statement's body on the line of its ``if``/``for``/``class``... header.

    As ruff: ``def`` headers are not checked here (that is E704, off by default), and a
    body that is only ``...`` (``class C: ...``) is allowed.
    """

    CODE = "E701"
    NAME = "multiple-statements-on-one-line-colon"
    MESSAGE = "Multiple statements on one line (colon)"
    TREE = "ast"
    EQUIVALENT = "pycodestyle E701, ruff E701"
    VALID: ClassVar[list[Valid]] = [
        Valid("if x:  # why\n    y = 1\nelse:\n    pass\n"),
        Valid("class C: ...\nif x: ...\n"),
        Valid("def f(): return 1\n"),
        Valid("x = {'a': 1}[y:]\nf = lambda: 0\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("if x: y = 1\n", line=1, column=5),
        Invalid("while x:\n    pass\nelse: pass\n", line=3, column=5),
        Invalid("try:\n    pass\nexcept (A, B) as e: pass\n", line=3, column=19),
        Invalid("with (a as b,\n      c): \\\n    pass\n", line=2, column=9),
        Invalid("class C(B): x = 1\n", line=1, column=11),
        Invalid("class C: ...; x = 1\n", line=1, column=8),
        Invalid("match x:\n    case [1] if y: pass\n", line=2, column=18),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._text = context.source

    def _header(self, last: ast.AST, body: list[ast.stmt]) -> None:
        """The colon after ``last``, the header's last expression."""
        if not self._ends_line(last.end_lineno, last.end_col_offset, _TAIL):  # type: ignore[attr-defined]
            self._check(end_offset(self.context.lines, last), body)

    def _ends_line(self, line: int, col_offset: int, tail: re.Pattern[str]) -> bool:
        """The usual header: nothing but ``)``, ``as NAME`` and the colon after byte
        ``col_offset`` of ``line``, which ends there (no comment, no continuation). Most
        headers are settled by this one match; the others take the exact path."""
        text = self.context.lines.line(line)
        return text.isascii() and tail.fullmatch(text, col_offset) is not None

    def _check(self, header_end: int, body: list[ast.stmt]) -> None:
        """Report the colon after ``header_end`` when ``body`` starts on its logical line."""
        text = self._text
        lines = self.context.lines
        colon = colon_after(text, header_end)
        first = body[0]
        body_start = start_offset(lines, first)
        if colon < 0 or not same_logical_line(text, colon + 1, body_start):
            return
        if (isinstance(first, ast.Expr) and text.startswith("...", body_start)
                and (len(body) == 1 or not same_logical_line(
                    text, end_offset(lines, first), start_offset(lines, body[1])))):
            return  # `class C: ...`, as ruff allows it
        line, column = lines.position(colon)
        self.report((line, column), end=(line, column + 1))

    def _check_else(self, previous: list[ast.stmt], body: list[ast.stmt]) -> None:
        """The ``else:``/``finally:`` between the blocks ``previous`` and ``body``."""
        if not body or not previous:
            return
        # Usually the clause has its own line right above the body: settled without offsets.
        if self.context.lines.line(body[0].lineno - 1).strip() not in ("else:", "finally:"):
            self._check(end_offset(self.context.lines, previous[-1]), body)

    def _after_keyword(self, node: ast.AST, keyword: str, body: list[ast.stmt],
                       tail: re.Pattern[str]) -> None:
        """The colon after the ``keyword`` that ``node`` starts with (try, except, class)."""
        line: int = node.lineno  # type: ignore[attr-defined]
        column = node.col_offset + len(keyword)  # type: ignore[attr-defined]
        if not self._ends_line(line, column, tail):
            self._check(start_offset(self.context.lines, node) + len(keyword), body)

    def visit_If(self, node: ast.If) -> None:
        self._header(node.test, node.body)
        orelse = node.orelse
        # An `elif` is an If at the column of its `if`; an `if` inside `else:` is indented.
        if orelse and not (isinstance(orelse[0], ast.If)
                           and orelse[0].col_offset == node.col_offset):
            self._check_else(node.body, orelse)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self._header(node.iter, node.body)
        self._check_else(node.body, node.orelse)

    visit_AsyncFor = visit_For

    def visit_While(self, node: ast.While) -> None:
        self._header(node.test, node.body)
        self._check_else(node.body, node.orelse)

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        last = node.items[-1]
        self._header(last.optional_vars or last.context_expr, node.body)

    visit_AsyncWith = visit_With

    def visit_Try(self, node: ast.Try) -> None:
        self._after_keyword(node, "try", node.body, _TAIL)
        previous = node.handlers[-1].body if node.handlers else node.body
        self._check_else(previous, node.orelse)
        self._check_else(node.orelse or previous, node.finalbody)

    if hasattr(ast, "TryStar"):
        visit_TryStar = visit_Try

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self._header(node.type, node.body)
        else:
            self._after_keyword(node, "except", node.body, _TAIL)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        parts: list[ast.AST] = [*node.bases, *(k.value for k in node.keywords),
                                *getattr(node, "type_params", ())]
        if parts:
            last = max(parts, key=lambda part: (part.end_lineno, part.end_col_offset))  # type: ignore[attr-defined]
            self._header(last, node.body)
        else:
            self._after_keyword(node, "class", node.body, _CLASS_TAIL)

    def visit_match_case(self, node: ast.match_case) -> None:
        self._header(node.guard or node.pattern, node.body)


# ---------------------------------------------------------------------------------------------
# E702 / E703: semicolons after a simple statement

_COMPOUND = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, *_NESTED_BLOCKS,
             ast.For, ast.AsyncFor, ast.While)


def semicolon_after(context: RuleContext, node: ast.stmt) -> tuple[int, bool] | None:
    """(offset of the ``;`` after simple statement ``node``, whether another statement follows
    it on the logical line), or None when no ``;`` follows."""
    if isinstance(node, _COMPOUND):
        return None
    lines = context.lines
    text = context.source
    semi = skip_blanks(text, end_offset(lines, node))
    if semi >= len(text) or text[semi] != ";":
        return None
    after = skip_blanks(text, semi + 1)
    return semi, after < len(text) and text[after] not in "\r\n#"


_semicolons: tuple[RuleContext | None, frozenset[int]] = (None, frozenset())
_LONE_CR = re.compile(r"\r(?!\n)")


def semicolon_lines(context: RuleContext) -> frozenset[int]:
    """The lines a statement must end on to be followed by a ``;``: those holding one, and
    the lines joined to them by line continuations. Most files have none, and most
    statements end elsewhere: one search per file (shared by E702 and E703) instead of a
    look at the text after every statement."""
    global _semicolons
    if _semicolons[0] is not context:
        text = context.source
        found: set[int] = set()
        pos = text.find(";")
        if pos >= 0 and "\r" in text and _LONE_CR.search(text):
            # Old Mac line endings: let SourceLines count lines as the tokenizer does.
            while pos >= 0:
                found.add(context.lines.position(pos)[0])
                pos = text.find(";", pos + 1)
            found.update(line - 1 for line in list(found))
        line, last = 1, 0
        while pos >= 0:
            # Counting newlines in C is much cheaper than splitting the file into lines.
            line += text.count("\n", last, pos)
            last = pos
            found.add(line)
            back, newline = line, text.rfind("\n", 0, pos)
            while newline > 0:
                end = newline - 1 if text[newline - 1] == "\r" else newline
                if end < 1 or text[end - 1] != "\\":
                    break
                back -= 1
                found.add(back)
                newline = text.rfind("\n", 0, end - 1)
            pos = text.find(";", pos + 1)
        _semicolons = (context, frozenset(found))
    return _semicolons[1]


class _Semicolon(LintRule):
    """Shared machinery of E702/E703 (abstract: no CODE)."""

    TREE = "ast"
    _FOLLOWED: ClassVar[bool] = True

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._lines = semicolon_lines(context)

    def visit_Module(self, node: ast.Module) -> None:
        # Only the statements around the lines that can end with a ';': most files have
        # none, and a visit of every statement cost each rule about 0.5% of a cold check.
        ends = self._lines
        if not ends:
            return
        for stmt in statements_spanning(node.body, ends):
            if stmt.end_lineno not in ends:
                continue
            found = semicolon_after(self.context, stmt)
            if found is not None and found[1] == self._FOLLOWED and not self._kept(found[0]):
                line, column = self.context.lines.position(found[0])
                self.report((line, column), end=(line, column + 1), fix=self._fix(found[0]))

    def _fix(self, semi: int) -> Fix | None:
        return None

    def _kept(self, semi: int) -> bool:
        """Whether the ``;`` at offset ``semi`` is meant: in a notebook, the last thing in
        its cell, it keeps the cell's value from being shown (ruff leaves it too)."""
        context = self.context
        if self._FOLLOWED or not context.is_notebook:
            return False
        line = context.lines.position(semi)[0]
        index = context.cell_index(line)
        following = context.cells[index + 1] if index + 1 < len(context.cells) else None
        rest = context.source[semi + 1:] if following is None else context.source[
            semi + 1:context.lines.line_start(following)]
        return all(not part.strip() or part.lstrip().startswith("#")
                   for part in rest.splitlines())


class MultipleStatementsOnOneLineSemicolon(_Semicolon):
    """E702: two statements on one line, separated by ``;``."""

    CODE = "E702"
    NAME = "multiple-statements-on-one-line-semicolon"
    MESSAGE = "Multiple statements on one line (semicolon)"
    EQUIVALENT = "pycodestyle E702, ruff E702"
    VALID: ClassVar[list[Valid]] = [
        Valid("x = 1\ny = ';'  # a; b\n"),
        Valid("x = 1;\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("x = 1; y = 2\n", line=1, column=6),
        Invalid("if x: a = (1) ; b()\n", line=1, column=15),
        Invalid("x = 1 \\\n; y = 2\n", line=2, column=1),
    ]


class UselessSemicolon(_Semicolon):
    """E703: a statement that ends with a needless ``;``."""

    CODE = "E703"
    NAME = "useless-semicolon"
    MESSAGE = "Statement ends with an unnecessary semicolon"
    FIXABLE = True
    FIX_APPLICABILITY = "safe"
    EQUIVALENT = "pycodestyle E703, ruff E703"
    _FOLLOWED = False
    VALID: ClassVar[list[Valid]] = [
        Valid("x = 1; y = 2\n"),
        Valid("for i in x: pass\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("x = 1;  # why\n", line=1, column=6, expected_fix="x = 1  # why\n"),
        Invalid("if x:\n    y() ;", line=2, column=9, expected_fix="if x:\n    y() "),
        Invalid("x = (1 +\n     2) \\\n;\n", line=3, column=1, expected_fix="x = (1 +\n     2) \n"),
    ]

    def _fix(self, semi: int) -> Fix:
        lines = self.context.lines
        return Fix("safe", "Remove unnecessary semicolon",
                   (_edit(lines, _continued_from(self.context.source, semi), semi + 1, ""),))


def _continued_from(text: str, offset: int) -> int:
    """The first of the line continuations that join ``offset`` to the previous code line
    (ruff deletes them with the semicolon), else ``offset`` itself."""
    start = offset
    pos = offset
    while True:
        while pos > 0 and text[pos - 1] in BLANK:
            pos -= 1
        if text.endswith("\\\r\n", 0, pos):
            pos -= 3
        elif pos >= 2 and text[pos - 1] in "\r\n" and text[pos - 2] == "\\":
            pos -= 2
        else:
            return start
        start = pos


#: The rules of this module, in code order.
RULES: tuple[type[LintRule], ...] = (
    MultipleImportsOnOneLine,
    ModuleImportNotAtTopOfFile,
    MultipleStatementsOnOneLineColon,
    MultipleStatementsOnOneLineSemicolon,
    UselessSemicolon,
)
