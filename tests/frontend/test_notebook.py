"""A notebook's code cells read as one module, IPython's escape commands neutralised, the
cells numbered as ruff and Jupyter number them (``frontend._notebook``)."""
from __future__ import annotations

import ast
import json

import pytest

from analyzer.frontend import NotebookError, notebook_source


def notebook(*cells: tuple[str, str], language: str | None = "python") -> bytes:
    """A notebook's bytes: (cell type, source) pairs, in order."""
    metadata = {} if language is None else {"language_info": {"name": language}}
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": [
        {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True),
         **({"outputs": [], "execution_count": None} if kind == "code" else {})}
        for kind, source in cells]}).encode()


def test_code_cells_joined_and_numbered_among_all_cells() -> None:
    text, cells = notebook_source(notebook(
        ("markdown", "# Title"), ("code", "import os\nx = 1"), ("code", ""),
        ("raw", "raw"), ("code", "print(x)\n")))
    assert text == "import os\nx = 1\nprint(x)\n"  # a newline ends every cell
    assert cells.starts == (1, 3) and cells.numbers == (2, 5)
    assert cells.bounds(1) == (2, 1, 2) and cells.bounds(3) == (5, 3, 3)


def test_cells_are_split_where_python_ends_lines() -> None:
    # A form feed and U+2028 end no line for the tokenizer: the second cell starts on 3.
    text, cells = notebook_source(notebook(("code", "x = 1\x0c\n'\u2028'\n"),
                                           ("code", "import os\r\n")))
    assert cells.starts == (1, 3)
    assert ast.parse(text).body[-1].lineno == 3


def test_escape_commands_become_ellipses_on_their_lines() -> None:
    source = ("%matplotlib inline\n!pip install x\nfiles = !ls\na, b = %time f()\n"
              "os.path?\n?os\nfor x in y:\n    %time g(x)\n%load_ext \\\n  more\nz = 1\n")
    text, _ = notebook_source(notebook(("code", source)))
    assert text.splitlines() == ["...", "...", "files = ...", "a, b = ...", "...", "...",
                                 "for x in y:", "    ...", "...", "", "z = 1"]
    ast.parse(text)


def test_python_that_looks_like_an_escape_is_kept() -> None:
    source = ('x = ("%s"\n     % 1)\ny = 2 \\\n    % 3\ns = """Why?\n%d\n!x\n"""\n'
              "t = '''a''' ; u = 1 # ?\n")
    text, _ = notebook_source(notebook(("code", source)))
    assert text == source
    ast.parse(text)


def test_a_cell_magic_cell_is_left_out_unless_its_body_is_python() -> None:
    text, cells = notebook_source(notebook(("code", "%%bash\necho hi\n"),
                                           ("code", "%%time\nx = 1\n")))
    assert text == "...\nx = 1\n" and cells.numbers == (2,)


@pytest.mark.parametrize("language", ["julia", "R"])
def test_a_notebook_in_another_language_has_no_python(language: str) -> None:
    assert notebook_source(notebook(("code", "x = 1 +\n"), language=language))[0] == ""
    assert notebook_source(notebook(("code", "x = 1\n"), language=None))[0] == "x = 1\n"


@pytest.mark.parametrize("data", [b"not json", b"[]", b'{"cells": 3}'])
def test_what_is_not_a_notebook_says_so(data: bytes) -> None:
    with pytest.raises(NotebookError, match="not a notebook"):
        notebook_source(data)


def test_the_cells_as_written_keep_their_escapes_on_the_same_lines() -> None:
    data = notebook(("code", "%matplotlib inline\nimport os\n"), ("code", "%%bash\nls\n"))
    assert notebook_source(data, as_written=True)[0] == "%matplotlib inline\nimport os\n"


def test_real_python_in_a_cell_is_read_as_it_is() -> None:
    # No line of real code is taken for an escape command: `%` continuation lines, `?` and
    # `!` in strings and comments (every file of the standard library passes; a spread here).
    import sysconfig
    from pathlib import Path

    files = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))[::8]
    assert len(files) > 20
    for path in files:
        source = path.read_text(encoding="utf-8", errors="surrogateescape")
        text, _ = notebook_source(notebook(("code", source)))
        assert text == source or text == source + "\n", path
