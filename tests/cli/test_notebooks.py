"""Jupyter notebooks checked as ruff checks them: found by the walk, their findings shown
at ``cell N:line:col``, each cell with a top of its own, never rewritten by a fix."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import write_tree
from tests.frontend.test_notebook import notebook

ANALYSIS = notebook(
    ("markdown", "# Analysis"),
    ("code", "%matplotlib inline\nimport os\nimport sys\nx = 1;"),
    ("code", "!pip install foo\nfiles = !ls\nimport json\nprint(files, undefined_name)\n"
             "display(x)\nawait fetch()\ny = 2; z = 3;\nprint(y, z)\n"),
    ("code", "%%bash\necho $undefined\n"),
    ("code", "import re  # noqa: F401\nre?\nimport abc;"),
)


@pytest.fixture
def check(shoal, monkeypatch):
    """A cold check in ``root`` with ``args``: the run and its JSON findings."""

    def run(root: Path, *args: str):
        monkeypatch.chdir(root)
        result = shoal("check", "--no-cache", "--workers", "0", *args)
        assert result.code in (0, 1), result.err
        return result

    return run


def test_a_notebook_is_checked_cell_by_cell(tmp_path, check):
    write_tree(tmp_path, {"nb/analysis.ipynb": ANALYSIS, "lib.py": "import os\n"})
    out = check(tmp_path, "--output-format", "concise", "-q").out.splitlines()
    assert out == [
        "lib.py:1:1: F401 [*] 'os' imported but unused",
        # After `%matplotlib inline`, still the top of the cell; the `;` that ends the
        # cell hides its value, as in IPython: no E703.
        "nb/analysis.ipynb:cell 2:2:1: F401 [*] 'os' imported but unused",
        "nb/analysis.ipynb:cell 2:3:1: F401 [*] 'sys' imported but unused",
        # `files = !ls` is an assignment: the top of cell 3 is over.
        "nb/analysis.ipynb:cell 3:3:1: E402 Module level import not at top of cell",
        "nb/analysis.ipynb:cell 3:3:1: F401 [*] 'json' imported but unused",
        "nb/analysis.ipynb:cell 3:4:14: F821 undefined name 'undefined_name'",
        # IPython's `display` is defined; a top-level `await` runs, its operand is read.
        "nb/analysis.ipynb:cell 3:6:7: F821 undefined name 'fetch'",
        "nb/analysis.ipynb:cell 3:7:6: E702 Multiple statements on one line (semicolon)",
        "nb/analysis.ipynb:cell 3:7:13: E703 [*] Statement ends with an unnecessary semicolon",
        # Cell 4 is bash; cell 5's F401 has its noqa, `re?` is help, `import abc;` ends it.
        "nb/analysis.ipynb:cell 5:3:1: F401 [*] 'abc' imported but unused",
    ]


def test_every_format_places_a_finding_in_its_cell(tmp_path, check):
    write_tree(tmp_path, {"a.ipynb": notebook(("markdown", "x"), ("code", "a = 1\n"),
                                              ("code", "%time f()\nimport os\n"))})
    (item,) = json.loads(check(tmp_path, "--output-format", "json").out)
    assert (item["path"], item["cell"], item["line"], item["end_line"], item["code"]) == (
        "a.ipynb", 3, 2, 2, "F401")
    assert "line=2,col=1" in check(tmp_path, "--output-format", "github").out
    full = check(tmp_path, "--output-format", "full").out
    # The cell as written, numbered from its first line.
    assert "a.ipynb:cell 3:2:1: F401" in full and "1 | %time f()\n2 | import os" in full
    sarif = json.loads(check(tmp_path, "--output-format", "sarif").out)
    region = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 2


def _sources(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_bytes())["cells"]]


def test_fixes_are_written_into_their_cells(tmp_path, check):
    write_tree(tmp_path, {"a.ipynb": ANALYSIS, "b.py": "import os\n"})
    check(tmp_path, "--fix")
    assert _sources(tmp_path / "a.ipynb") == [
        "# Analysis",
        "%matplotlib inline\nx = 1;",  # the escape kept, the cell's missing newline too
        "!pip install foo\nfiles = !ls\nprint(files, undefined_name)\n"
        "display(x)\nawait fetch()\ny = 2; z = 3\nprint(y, z)\n",
        "%%bash\necho $undefined\n",
        # `import abc;` goes, its line stays (as ruff leaves it): blank, so with its end.
        "import re  # noqa: F401\nre?\n\n",
    ]
    assert (tmp_path / "b.py").read_text() == ""


def test_noqa_comments_are_added_in_their_cells(tmp_path, check):
    write_tree(tmp_path, {"a.ipynb": notebook(("markdown", "m"), ("code", "%time f()\nimport os"))})
    check(tmp_path, "--add-noqa")
    assert _sources(tmp_path / "a.ipynb") == ["m", "%time f()\nimport os  # noqa: F401"]
    assert json.loads(check(tmp_path, "--output-format", "json").out) == []


def test_a_notebook_in_a_layout_shoal_cannot_write_back_is_left_as_it_is(tmp_path, check):
    data = json.dumps(json.loads(notebook(("code", "import os\n"))), indent=3).encode()
    write_tree(tmp_path, {"a.ipynb": data})
    run = check(tmp_path, "--fix")
    assert (tmp_path / "a.ipynb").read_bytes() == data
    assert "written back into the notebook's cells" in run.err and "not applied" in run.err


def test_a_broken_notebook_is_an_e902_and_the_run_goes_on(tmp_path, check):
    write_tree(tmp_path, {"a.ipynb": b"{not json", "b.ipynb": notebook(("code", "import os\n"))})
    found = json.loads(check(tmp_path, "--output-format", "json").out)
    assert [(d["path"], d["code"]) for d in found] == [("a.ipynb", "E902"), ("b.ipynb", "F401")]


def test_ruff_users_exclude_notebooks_as_in_ruff(tmp_path, check):
    write_tree(tmp_path, {"pyproject.toml": "[tool.ruff]\nextend-exclude = ['*.ipynb']\n",
                          "a.ipynb": notebook(("code", "import os\n"))})
    assert json.loads(check(tmp_path, "--output-format", "json").out) == []


def test_an_edited_or_deleted_notebook_is_seen_by_the_next_cached_run(tmp_path, shoal,
                                                                      monkeypatch):
    write_tree(tmp_path, {"pyproject.toml": "[tool.shoal]\n",
                          "a.ipynb": notebook(("code", "import os\n"))})
    monkeypatch.chdir(tmp_path)

    def codes() -> list[tuple[str, int, str]]:
        run = shoal("check", "--workers", "0", "--output-format", "json")
        return sorted(run.codes())

    assert codes() == [("a.ipynb", 1, "F401")]
    (tmp_path / "a.ipynb").write_bytes(notebook(("code", "import os\n"),
                                                ("code", "x = 1\nimport sys\n")))
    assert codes() == [("a.ipynb", 1, "F401"), ("a.ipynb", 2, "E402"), ("a.ipynb", 2, "F401")]
    (tmp_path / "a.ipynb").unlink()
    assert codes() == []


def test_a_notebooks_imports_and_calls_are_checked_against_the_project(tmp_path, check):
    write_tree(tmp_path, {
        "pyproject.toml": "[project]\nname = 'pkg'\n",
        "pkg/__init__.py": "def f(a):\n    pass\n",
        "pkg/explore.ipynb": notebook(("markdown", "m"), (
            "code", "from pkg import f, missing\nimport pkg.nope\nf(1, 2)\nprint(missing)\n")),
        # A notebook is no module Python imports: naming it is no import of it.
        "use.py": "from pkg import explore\nprint(explore)\n",
    })
    found = json.loads(check(tmp_path, "--output-format", "json", "--select", "SH").out)
    assert [(d["path"], d.get("cell"), d["line"], d["code"]) for d in found] == [
        ("pkg/explore.ipynb", 2, 1, "SH001"), ("pkg/explore.ipynb", 2, 2, "SH004"),
        ("pkg/explore.ipynb", 2, 3, "SH002"), ("use.py", None, 1, "SH001")]


def test_a_notebook_read_from_standard_input_is_placed_by_its_own_cells(tmp_path):
    from tests.cli.helpers import run_subprocess

    given = notebook(("markdown", "m"), ("code", "%time f()\nimport os\n"))
    # The file on disk, if any, is not what was checked: its cells say nothing.
    (tmp_path / "n.ipynb").write_bytes(notebook(("code", "x = 1\n" * 5)))
    run = run_subprocess("check", "--no-cache", "--stdin-filename", "n.ipynb",
                         "--output-format", "full", cwd=tmp_path, stdin=given)
    assert run.code == 1, run.err
    assert "n.ipynb:cell 2:2:1: F401" in run.out and "1 | %time f()\n2 | import os" in run.out


def test_a_baselined_notebook_finding_stays_baselined_when_cells_move(tmp_path, check):
    # The fingerprint is of the finding's line in the joined cells, not of the JSON's.
    write_tree(tmp_path, {"a.ipynb": notebook(("code", "import os\n"))})
    check(tmp_path, "--write-baseline", "base.json")
    (tmp_path / "a.ipynb").write_bytes(notebook(("markdown", "new"), ("code", "import sys\n"),
                                                ("code", "import os\n")))
    found = json.loads(check(tmp_path, "--baseline", "base.json", "--output-format", "json").out)
    assert [(d["cell"], d["message"]) for d in found] == [(2, "'sys' imported but unused")]
