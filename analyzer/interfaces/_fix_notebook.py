"""Fixes written back into a Jupyter notebook, each into the cell it belongs to.

A notebook is fixed as it is checked: its code cells joined (``frontend._notebook``), the
edits applied to that text by the same machinery as a Python file's. Writing it back puts
each cell's lines back into its own cell (:meth:`NotebookState.encode`): each edit moves the
cells' edges by the lines it adds or removes before them (:meth:`NotebookState.apply`),
escape commands (``%matplotlib inline``) are restored as written, and the notebook's JSON is written in the layout it was read in (the
one nbformat writes, indent 1, is the common one). Whenever that cannot be done exactly --
an edit across two cells or on an escape command, a layout shoal cannot write back, a
result that does not read back as the fixed text -- the fix is not applied (it is named,
as a fix that would not parse is) and the notebook is left as it was.
"""
from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from analyzer.core import Edit, apply_edits
from analyzer.frontend import (
    NOTEBOOK_SUFFIX,
    CodeCell,
    NotebookError,
    SourceFile,
    join_cells,
    notebook_source,
    parse_module,
    python_lines,
    read_notebook,
)
from analyzer.interfaces._fix_write import LINE_ENDING, SourceState, load_source, read_bytes

__all__ = ["NotebookState", "load_fixable", "load_notebook"]

#: (indent, sort_keys) of the JSON layouts shoal writes back, nbformat's first.
_LAYOUTS: tuple[tuple[int | None, bool], ...] = (
    (1, True), (1, False), (2, False), (2, True), (4, False), (4, True), (None, False),
    (None, True))


@dataclass
class NotebookState(SourceState):
    """A notebook being fixed: :attr:`text` is its joined code cells, as checked."""

    document: dict[str, Any] = field(default_factory=dict)
    cells: list[CodeCell] = field(default_factory=list)
    #: (indent, sort_keys, ends with a newline) of its JSON, None when shoal cannot write
    #: that layout back.
    layout: tuple[int | None, bool, bool] | None = None
    #: For each text :meth:`apply` made (and the original): the 1-based line each cell
    #: starts on in it, and its escape commands' lines -> how they are written.
    places: dict[str, tuple[tuple[int, ...], dict[int, str]]] = field(default_factory=dict)

    def apply(self, edits: Iterable[Edit]) -> str:
        """:attr:`text` with ``edits``, and where its cells and escape commands went (an
        edit across a cell's edge or on an escape command: none, so it is not written)."""
        edits = list(edits)
        text = apply_edits(self.text, edits)
        place = self.places.get(self.text)
        if place is not None and text not in self.places:
            moved = _moved(place, edits)
            if moved is not None:
                self.places[text] = moved
        return text

    def encode(self, text: str) -> bytes | None:
        """The notebook with ``text`` (the joined cells, fixed) put back into its cells;
        None when that cannot be done exactly (see the module's docstring)."""
        place = self.places.get(text)
        if self.layout is None or place is None:
            return None
        try:
            parse_module(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        starts, escapes = place
        lines = python_lines(text)
        bounds = [s - 1 for s in starts] + [len(lines)]
        document = copy.deepcopy(self.document)
        for number, cell in enumerate(self.cells):
            kept = [escapes.get(i + 1, lines[i]) for i in range(bounds[number], bounds[number + 1])]
            if not cell.ended and kept and kept[-1].strip("\r\n"):
                # The line end read added to its last line goes (a last line left blank
                # keeps its own: without it the line would be gone).
                kept[-1] = kept[-1].rstrip("\r\n")
            source = "".join(kept)
            entry = document["cells"][cell.index]
            entry["source"] = (source.splitlines(keepends=True)
                               if isinstance(entry.get("source"), list) else source)
        indent, sort_keys, newline = self.layout
        data = (json.dumps(document, indent=indent, sort_keys=sort_keys, ensure_ascii=False)
                + ("\n" if newline else "")).encode("utf-8")
        try:
            if notebook_source(data)[0] != text:
                return None  # it would not read back as what was fixed
        except NotebookError:
            return None
        return data

    @property
    def refusal(self) -> str:
        """Why :meth:`encode` may refuse a text (the warning's words)."""
        return ("cannot be written back into the notebook's cells exactly (it would not parse, "
                "crosses a cell's edge or an escape command, or the JSON's layout is not one "
                "shoal writes)")

    def payload(self) -> bytes:
        """The file's bytes for the current text (one :meth:`encode` accepted)."""
        data = self.encode(self.text)
        assert data is not None, "a notebook's text is only ever one it can write back"
        return data


def _moved(place: tuple[tuple[int, ...], dict[int, str]],
           edits: list[Edit]) -> tuple[tuple[int, ...], dict[int, str]] | None:
    """The cells' starts and the escape commands' lines once ``edits`` are made; None when
    an edit crosses a cell's edge, inserts at one, or touches an escape command."""
    starts, escapes = place
    spans = [((e.line, e.column), (e.end_line, e.end_column),
              len(LINE_ENDING.findall(e.content)) - (e.end_line - e.line)) for e in edits]
    for begin, end, _ in spans:
        if any(begin < (s, 1) < end or begin == end == (s, 1) for s in starts[1:]):
            return None
        if any(begin < (line + 1, 1) and end > (line, 1) or begin == end == (line, 1)
               for line in escapes):
            return None

    def shift(line: int) -> int:
        return line + sum(delta for _, end, delta in spans if end <= (line, 1))

    return (tuple(shift(s) for s in starts),
            {shift(line): written for line, written in escapes.items()})


def load_fixable(file: SourceFile, stdin: bytes | None = None) -> SourceState | None:
    """One file's state for fixing (:func:`~._fix_write.load_source`'s), a notebook's
    written back cell by cell; None when it cannot be read."""
    if not str(file.path).endswith(NOTEBOOK_SUFFIX):
        return load_source(file, stdin)
    data = read_bytes(file, stdin)
    return None if data is None else load_notebook(file, data)


def load_notebook(file: SourceFile, data: bytes) -> NotebookState | None:
    """A notebook's state for fixing; None when it is not a notebook shoal can read."""
    try:
        document, cells = read_notebook(data)
    except NotebookError:
        return None
    text, places = join_cells(cells)
    escapes = {start + offset: written
               for start, cell in zip(places.starts, cells, strict=True)
               for offset, (written, checked) in enumerate(zip(cell.written, cell.checked,
                                                               strict=True))
               if written != checked}
    return NotebookState(file, data, "utf-8", "\n", text, text, document=document,
                         cells=cells, layout=_layout(document, data),
                         places={text: (places.starts, escapes)})


def _layout(document: dict[str, Any], data: bytes) -> tuple[int | None, bool, bool] | None:
    for indent, sort_keys in _LAYOUTS:
        written = json.dumps(document, indent=indent, sort_keys=sort_keys,
                             ensure_ascii=False).encode("utf-8")
        if data in (written, written + b"\n"):
            return indent, sort_keys, data.endswith(b"\n")
    return None
