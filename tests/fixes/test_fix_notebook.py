"""A fixed notebook written back cell by cell, or not at all (``interfaces._fix_notebook``)."""
from __future__ import annotations

import json
from pathlib import Path

from analyzer.core import Edit
from analyzer.frontend import SourceFile
from analyzer.interfaces._fix_notebook import load_notebook
from tests.frontend.test_notebook import notebook

DATA = notebook(("markdown", "m"), ("code", "%time f()\nimport os\nx = 1\n"),
                ("code", "import sys\ny = 2"))
FILE = SourceFile(Path("/p/a.ipynb"), "a.ipynb", "", False)


def _cells(data: bytes) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(data)["cells"]]


def _state():
    state = load_notebook(FILE, DATA)
    assert state is not None and state.text == "...\nimport os\nx = 1\nimport sys\ny = 2\n"
    return state


def test_edits_in_two_cells_over_two_rounds_go_back_to_their_cells() -> None:
    state = _state()
    state.text = state.apply([Edit("", 2, 1, 3, 1)])  # `import os` (cell 2)
    state.text = state.apply([Edit("", 3, 1, 4, 1), Edit("z", 4, 1, 4, 2)])  # the next round
    data = state.encode(state.text)
    assert data is not None
    assert _cells(data) == ["m", "%time f()\nx = 1\n", "z = 2"]
    assert json.loads(data)["cells"][2]["source"] == ["z = 2"]  # a list, as it was


def test_an_edit_across_two_cells_or_on_an_escape_is_not_written() -> None:
    state = _state()
    assert state.encode(state.apply([Edit("", 3, 1, 5, 1)])) is None  # x = 1 .. import sys
    assert state.encode(state.apply([Edit("", 1, 1, 2, 1)])) is None  # the `%time` line
    assert state.encode(state.apply([Edit("a = 0\n", 4, 1, 4, 1)])) is None  # at an edge
    assert state.encode(state.apply([Edit("", 2, 1, 3, 1)])) is not None


def test_a_layout_shoal_cannot_write_is_never_written() -> None:
    odd = json.dumps(json.loads(DATA), indent=3).encode()
    state = load_notebook(FILE, odd)
    assert state is not None and state.layout is None
    assert state.encode(state.apply([Edit("", 2, 1, 3, 1)])) is None
    nbformat = (json.dumps(json.loads(DATA), indent=1, sort_keys=True, ensure_ascii=False)
                + "\n").encode()
    assert load_notebook(FILE, nbformat).layout == (1, True, True)  # type: ignore[union-attr]


def test_a_text_no_edit_made_is_not_written() -> None:
    # Only the texts apply() made carry the cells' places.
    state = _state()
    assert state.encode(state.text.replace("x = 1", "x = 10")) is None
