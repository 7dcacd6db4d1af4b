"""Where a finding in a Jupyter notebook is, as ruff shows it: ``nb.ipynb:cell 3:2:8``.

A notebook is checked as its code cells joined (``frontend._notebook``), so its findings
carry the joined text's lines; every format shows the cell and the line within it instead.
The cells are read again from the file (once per file and version of it: a watch redraws
after edits).
"""
from __future__ import annotations

import os

from analyzer.frontend import NOTEBOOK_SUFFIX, CellMap, NotebookError, notebook_source
from analyzer.interfaces.output._base import end_of
from analyzer.rules import Diagnostic

__all__ = ["cell_bounds", "location", "remember_cells", "span"]

#: Notebook path -> (its size and mtime, its cells); None when it could not be read.
_MAPS: dict[str, tuple[tuple[int, int], CellMap | None]] = {}
#: A notebook read from standard input (``--stdin-filename nb.ipynb``), by absolute path.
_GIVEN: dict[str, CellMap] = {}


def remember_cells(path: str, cells: CellMap) -> None:
    """Take ``cells`` as the places of the notebook ``path`` (read from standard input, not
    from its file)."""
    _GIVEN[os.path.abspath(path)] = cells


def _cells(path: str, cwd: str) -> CellMap | None:
    absolute = os.path.join(cwd, path)
    given = _GIVEN.get(absolute)
    if given is not None:
        return given
    try:
        st = os.stat(absolute)
    except OSError:
        return None
    stamp = (st.st_size, st.st_mtime_ns)
    known = _MAPS.get(absolute)
    if known is not None and known[0] == stamp:
        return known[1]
    try:
        with open(absolute, "rb") as handle:
            cells: CellMap | None = notebook_source(handle.read())[1]
    except (OSError, NotebookError):
        cells = None
    _MAPS[absolute] = (stamp, cells)
    return cells


def cell_bounds(d: Diagnostic, cwd: str) -> tuple[int, int, int] | None:
    """(cell number, first line, last line) of the cell that holds ``d``, the lines the
    joined text's; None outside a notebook."""
    if not d.path.endswith(NOTEBOOK_SUFFIX):
        return None
    cells = _cells(d.path, cwd)
    return None if cells is None or not cells.starts else cells.bounds(d.line)


def span(d: Diagnostic, cwd: str) -> tuple[int, int, int, int]:
    """(line, column, end line, end column) as output shows them: in a notebook, within
    the finding's cell."""
    end_line, end_column = end_of(d)
    bounds = cell_bounds(d, cwd)
    if bounds is None:
        return d.line, d.column, end_line, end_column
    _, first, last = bounds
    if end_line > last:  # a range cannot leave its cell: the cell's last line ends it
        end_line, end_column = last, 1
    return d.line - first + 1, d.column, end_line - first + 1, end_column


def location(d: Diagnostic, cwd: str) -> str:
    """``line:col``, or in a notebook ``cell N:line:col`` (ruff's form)."""
    bounds = cell_bounds(d, cwd)
    if bounds is None:
        return f"{d.line}:{d.column}"
    return f"cell {bounds[0]}:{d.line - bounds[1] + 1}:{d.column}"
