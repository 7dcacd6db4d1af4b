"""Source text and import helpers shared by the pycodestyle rule modules (not a rule module).

``ast`` keeps no tokens: these find the ``;``, ``:`` and names that the E4/E7 rules point at
in the text next to the nodes that the one traversal visits, and resolve a dotted name
through the module's imports as ruff's semantic model does for ``sys.path.insert``.
"""
from __future__ import annotations

import ast
import re

from analyzer.rules import SourceLines

#: Blanks inside a line (a form feed is one, as for the tokenizer).
BLANK = " \t\f"
#: A line ending as Python reads source (not ``str.splitlines``, which also splits at a
#: form feed and other separators).
LINE_ENDING = re.compile(r"\r\n|\r|\n")
_CONTINUATION = re.compile(r"\\(?:\r\n|\r|\n)")


def start_offset(lines: SourceLines, node: ast.AST) -> int:
    """Offset in the text of the first character of a located node."""
    line: int = node.lineno  # type: ignore[attr-defined]
    return lines.offset(line, lines.column(line, node.col_offset))  # type: ignore[attr-defined]


def end_offset(lines: SourceLines, node: ast.AST) -> int:
    """Offset in the text just after a located node."""
    line: int = node.end_lineno  # type: ignore[attr-defined]
    return lines.offset(line, lines.column(line, node.end_col_offset))  # type: ignore[attr-defined]


def skip_blanks(text: str, pos: int) -> int:
    """First offset at or after ``pos`` that is neither a blank nor a line continuation."""
    size = len(text)
    while pos < size:
        char = text[pos]
        if char in BLANK:
            pos += 1
        elif char == "\\" and pos + 1 < size and text[pos + 1] in "\r\n":
            pos += 3 if text.startswith("\r\n", pos + 1) else 2
        else:
            break
    return pos


def colon_after(text: str, pos: int) -> int:
    """Offset of the first ``:`` at or after ``pos`` that is not in a comment.

    Only called from the end of a header's last expression (or its keyword), where nothing
    but blanks, parentheses, ``as NAME`` and comments can precede the colon.
    """
    while True:
        colon = text.find(":", pos)
        hash_ = text.find("#", pos, colon)
        if hash_ < 0 or colon < 0:
            return colon
        newline = text.find("\n", hash_)
        pos = len(text) if newline < 0 else newline


def same_logical_line(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` (between two tokens, outside brackets) holds no NEWLINE."""
    gap = text[start:end]
    if "\n" not in gap and "\r" not in gap:
        return True
    if "#" in gap:
        return False  # a comment runs to the end of its line, which then ends
    gap = _CONTINUATION.sub("", gap)
    return "\n" not in gap and "\r" not in gap


def line_ending(text: str) -> str:
    """The file's first line ending (``\\n`` when it has none), as fixes write new lines."""
    match = re.search(r"\r\n|\r|\n", text)
    return match.group() if match else "\n"


def has_leading_content(lines: SourceLines, offset: int) -> bool:
    """Something other than indentation precedes ``offset`` on its line."""
    line, column = lines.position(offset)
    return bool(lines.line(line)[: column - 1].strip(BLANK))


def has_trailing_content(text: str, offset: int) -> bool:
    """Something other than blanks and a comment follows ``offset`` on its line (a ``;``
    counts, as in ruff)."""
    pos = offset
    while pos < len(text) and text[pos] in BLANK:
        pos += 1
    return pos < len(text) and text[pos] not in "\r\n#"



def qualified_name(node: ast.expr, imported: dict[str, str]) -> str | None:
    """``a.b.c`` with ``a`` replaced by what an import bound it to; None when ``a`` is not
    an imported name (or the expression is not a dotted name)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in imported:
        return None
    parts.append(imported[node.id])
    return ".".join(reversed(parts))


def record_imports(stmt: ast.Import | ast.ImportFrom, imported: dict[str, str]) -> None:
    """Add the names an import statement binds to ``imported`` (name -> qualified name)."""
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if alias.asname:
                imported[alias.asname] = alias.name
            else:
                top = alias.name.partition(".")[0]
                imported[top] = top
    elif not stmt.level and stmt.module:
        for alias in stmt.names:
            if alias.name != "*":
                imported[alias.asname or alias.name] = f"{stmt.module}.{alias.name}"
