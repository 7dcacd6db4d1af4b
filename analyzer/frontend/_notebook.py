"""Jupyter notebooks (``.ipynb``) as ruff checks them: their code cells, one after another,
read as one module.

ruff lints notebooks by default (since 0.6), so a team that replaces ruff expects its
notebooks checked. The JSON's code cells are joined into one text (:func:`notebook_source`);
IPython's escape commands, which are not Python, become ``...`` on their line (a magic
``%time f()``, a shell ``!pip install x``, a help ``obj?``, an assignment ``files = !ls``
keeps its target), and a cell that opens with a cell magic (``%%bash``) is left out, as ruff
leaves it. Every finding keeps the joined text's line internally; output shows it as ruff
does, ``nb.ipynb:cell 3:2:8`` (:class:`CellMap`: cells are numbered among all of the
notebook's cells, markdown ones included, as ruff and Jupyter number them).
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from typing import Any

from analyzer.frontend._naming import NOTEBOOK_SUFFIX
from analyzer.frontend._source import SourceDecodeError, decode_source

__all__ = ["IPYTHON_BUILTINS", "NOTEBOOK_SUFFIX", "CellMap", "CodeCell", "NotebookError",
           "checked_source", "join_cells", "notebook_source", "python_lines", "read_notebook",
           "source_text"]


#: Names IPython defines in a notebook's namespace (ruff's list): never undefined there.
IPYTHON_BUILTINS = frozenset({"__IPYTHON__", "display", "get_ipython"})

#: Cell magics whose body is Python (the cell is read, its first line an escape).
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
#: ``name = !cmd`` or ``name = %magic``: an assignment whose value is an escape command.
_ASSIGNED_ESCAPE = re.compile(r"([ \t]*[\w.]+(?:[ \t]*,[ \t]*[\w.]+)*[ \t]*=)[ \t]*[!%]")
#: One line and its end, as Python's tokenizer ends lines.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
#: ``obj?``, ``mod.attr??``: help on a name.
_HELP = re.compile(r"[\w.\[\]]+\?\??$")


class NotebookError(SourceDecodeError):
    """The file is not a notebook shoal can read (not JSON, no ``cells`` list): E902."""


def source_text(path: str, data: bytes) -> str:
    """The Python text shoal checks for the file ``path`` whose bytes are ``data``: a
    notebook's joined code cells, else the decoded source."""
    return checked_source(path, data)[0]


def checked_source(path: str, data: bytes) -> tuple[str, tuple[int, ...]]:
    """:func:`source_text`, and for a notebook the line each of its cells starts on."""
    if path.endswith(NOTEBOOK_SUFFIX):
        text, cells = notebook_source(data)
        return text, cells.starts
    return decode_source(data), ()


@dataclass(frozen=True)
class CellMap:
    """Where each code cell starts in the joined text, and its number in the notebook."""

    #: The joined text's 1-based line on which each (non-empty) code cell starts, ascending.
    starts: tuple[int, ...]
    #: The cell's 1-based number among all the notebook's cells, for each of ``starts``.
    numbers: tuple[int, ...]
    #: The joined text's number of lines (the last cell ends there).
    total: int = 0

    def bounds(self, line: int) -> tuple[int, int, int]:
        """(cell number, first line, last line) of the cell holding the joined text's
        ``line``, the lines the joined text's."""
        index = bisect.bisect_right(self.starts, line) - 1
        if index < 0:
            return (self.numbers[0] if self.numbers else 1), 1, max(line, self.total)
        last = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else self.total
        return self.numbers[index], self.starts[index], max(last, self.starts[index])


@dataclass(frozen=True)
class CodeCell:
    """One code cell that holds Python: where it is, and its lines as written and as read."""

    #: Its 0-based index among all the notebook's cells.
    index: int
    #: Its lines as written, each with its line end (one added to the last when missing).
    written: tuple[str, ...]
    #: The same lines as checked: escape commands neutralised (``...``, blank lines).
    checked: tuple[str, ...]
    #: Whether its source ended with a line end.
    ended: bool


def read_notebook(data: bytes) -> tuple[dict[str, Any], list[CodeCell]]:
    """A notebook's document and its code cells that hold Python, in order (none for a
    notebook whose kernel is another language's).

    :raises NotebookError: the bytes are not a notebook's JSON.
    """
    try:
        document = json.loads(data)
    except ValueError as exc:  # UnicodeDecodeError among them
        raise NotebookError(f"not a notebook: the JSON does not parse ({exc})") from None
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        raise NotebookError("not a notebook: no 'cells' list")
    if not _is_python(document.get("metadata")):
        return document, []  # a Julia or R notebook: not ours, as ruff skips it
    found = []
    for index, cell in enumerate(cells):
        code = _code_cell(index, cell)
        if code is not None:
            found.append(code)
    return document, found


def notebook_source(data: bytes, *, as_written: bool = False) -> tuple[str, CellMap]:
    """The Python text of a notebook's code cells, joined, and where each cell starts.

    :param as_written: the cells' lines as written, escape commands too (what output shows
        of a cell), on the same lines.
    :raises NotebookError: the bytes are not a notebook's JSON.
    """
    return join_cells(read_notebook(data)[1], as_written=as_written)


def join_cells(cells: list[CodeCell], *, as_written: bool = False) -> tuple[str, CellMap]:
    """:func:`notebook_source` of cells :func:`read_notebook` read."""
    pieces: list[str] = []
    starts: list[int] = []
    numbers: list[int] = []
    line = 1
    for cell in cells:
        starts.append(line)
        numbers.append(cell.index + 1)
        pieces.extend(cell.written if as_written else cell.checked)
        line += len(cell.checked)
    return "".join(pieces), CellMap(tuple(starts), tuple(numbers), line - 1)


def python_lines(text: str) -> list[str]:
    """``text``'s lines with their ends, split where Python's tokenizer ends a line."""
    return _LINE.findall(text)


def _is_python(metadata: Any) -> bool:
    """Whether the notebook's kernel runs Python (unsaid: it does)."""
    if not isinstance(metadata, dict):
        return True
    for table, key in (("language_info", "name"), ("kernelspec", "language")):
        value = metadata.get(table)
        language = value.get(key) if isinstance(value, dict) else None
        if isinstance(language, str):
            return language.lower().startswith("python")
    return True


def _cell_source(cell: Any) -> str | None:
    """A code cell's source text (None for another kind of cell, or a malformed one)."""
    if not isinstance(cell, dict) or cell.get("cell_type") != "code":
        return None
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else None


def _code_cell(index: int, cell: Any) -> CodeCell | None:
    source = _cell_source(cell)
    if not source:
        return None
    # Python's line ends only: str.splitlines would also split at a form feed or U+2028,
    # and every later cell's lines would drift from the tokenizer's.
    lines = python_lines(source)
    ended = lines[-1].endswith(("\n", "\r"))
    if not ended:
        lines[-1] += "\n"
    first = lines[0].lstrip()
    if first.startswith("%%"):
        magic = first[2:].split(None, 1)[0] if first[2:].strip() else ""
        if magic not in _PYTHON_CELL_MAGICS:
            return None  # a cell in another language (%%bash, %%html...), as ruff skips it
    out: list[str] = []
    escaped = False  # the line continues an escape command (a trailing backslash)
    state = _Lexer()
    for text in lines:
        if escaped:  # the rest of an escape command: a blank line, at no indentation
            escaped = text.rstrip("\r\n").endswith("\\")
            out.append(text[len(text.rstrip("\r\n")):] or "\n")
        elif state.at_statement() and _is_escape(text):
            escaped = text.rstrip("\r\n").endswith("\\")
            out.append(_neutral(text))
        else:
            state.feed(text)
            out.append(text)
    return CodeCell(index, tuple(lines), tuple(out), ended)


def _is_escape(text: str) -> bool:
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return False
    if stripped[0] in "%!?":
        return True
    if _HELP.match(stripped):
        return True  # `obj?`, `obj.attr??`: help
    return _ASSIGNED_ESCAPE.match(text) is not None


_TRIPLES = ("'''", '"""')


class _Lexer:
    """Just enough of Python's lexer to know whether a line starts a statement: not inside
    brackets, a string that spans lines, or a backslash continuation (there ``% (a, b)``
    is the modulo of the line above, not a magic)."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote = ""  # the open triple quote, if any
        self.continued = False

    def at_statement(self) -> bool:
        """Whether the next line starts a statement."""
        return not (self.depth or self.quote or self.continued)

    def feed(self, text: str) -> None:
        """Move past one line of Python."""
        i, n = 0, len(text)
        while i < n:
            if self.quote:
                end = _closing(text, i, self.quote)
                if end < 0:
                    self.continued = False
                    return
                i, self.quote = end, ""
                continue
            char = text[i]
            if char == "#":
                break
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            elif char in "'\"":
                if text.startswith(_TRIPLES, i):
                    self.quote = text[i:i + 3]
                    i += 3
                    continue
                end = _closing(text, i + 1, char)
                i = end if end >= 0 else n
                continue
            i += 1
        self.continued = text.rstrip("\r\n").endswith("\\") and not self.quote


def _closing(text: str, start: int, quote: str) -> int:
    """The offset just past the ``quote`` that closes a string begun before ``start``; -1
    when it does not close on this line."""
    i = start
    while True:
        i = text.find(quote, i)
        if i < 0:
            return -1
        backslashes = i - len(text[:i].rstrip("\\"))
        if backslashes % 2 == 0:
            return i + len(quote)
        i += 1


def _neutral(text: str) -> str:
    """``...`` in place of an escape command, at its indentation (a block's body stays one);
    an assignment keeps its target bound."""
    ending = text[len(text.rstrip("\r\n")):] or "\n"
    assigned = _ASSIGNED_ESCAPE.match(text)
    if assigned is not None:
        return f"{assigned.group(1)} ...{ending}"
    indent = text[:len(text) - len(text.lstrip(" \t"))]
    return f"{indent}...{ending}"
