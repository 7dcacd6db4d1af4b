"""``--stdin-filename``: standard input checked as that file of its project, as ruff does."""
from __future__ import annotations

import json

import pytest

from tests.cli.helpers import run_subprocess, write_tree

FILES = {
    "pyproject.toml": "[project]\nname = 'demo'\n",
    "pkg/__init__.py": "",
    "pkg/a.py": "def f():\n    return 1\n",
    # On disk the named file is clean: a finding can only come from what stdin says.
    "pkg/b.py": "from pkg.a import f\n\nprint(f())\n",
    "other.py": "import os\n",
}


@pytest.fixture
def tree(tmp_path):
    write_tree(tmp_path, FILES)
    return tmp_path


@pytest.mark.parametrize("dash", [[], ["-"]], ids=["without-dash", "with-dash"])
def test_stdin_is_checked_as_the_named_file_with_the_project_indexed(tree, dash):
    source = b"import json\nfrom pkg.a import g\nprint(g)\n"
    run = run_subprocess("check", "--no-cache", "--workers", "0", "--output-format", "json",
                         *dash, "--stdin-filename", "pkg/b.py", cwd=tree, stdin=source)
    assert run.code == 1, run.err
    # SH001 needs pkg/a.py read from disk; nothing of other.py (F401 there) is reported.
    assert run.codes() == [("pkg/b.py", 1, "F401"), ("pkg/b.py", 2, "SH001")]


def test_other_paths_are_ignored_with_a_warning_in_favour_of_stdin(tree):
    run = run_subprocess("check", "--no-cache", "--workers", "0", "other.py",
                         "--stdin-filename", "pkg/b.py", cwd=tree, stdin=b"x = 1\n")
    assert run.code == 0, run.out + run.err
    assert "ignoring other.py in favour of standard input" in run.err


def test_fix_writes_the_fixed_source_to_stdout_and_what_remains_to_stderr(tree):
    source = "import json\nfrom pkg.a import g\nprint(g, 'é')\n"
    run = run_subprocess("check", "--no-cache", "--workers", "0", "--fix",
                         "--stdin-filename", "pkg/b.py", cwd=tree, stdin=source.encode())
    assert run.code == 1
    assert run.out == "from pkg.a import g\nprint(g, 'é')\n"
    assert "pkg/b.py:1:19: SH001 'g' is not defined in module 'pkg.a'" in run.err
    assert "Found 2 errors (1 fixed, 1 remaining)." in run.err
    assert (tree / "pkg/b.py").read_text() == FILES["pkg/b.py"]  # the disk is left alone


def test_fix_only_prints_the_source_even_when_nothing_changes(tree):
    source = b"from pkg.a import g\nprint(g)\n"
    run = run_subprocess("check", "--no-cache", "--workers", "0", "--fix-only", "-",
                         "--stdin-filename", "pkg/b.py", cwd=tree, stdin=source)
    assert run.code == 0, run.err
    assert run.out.encode() == source


def test_fix_with_json_puts_the_report_on_stderr(tree):
    run = run_subprocess("check", "--no-cache", "--workers", "0", "--fix", "--output-format",
                         "json", "--stdin-filename", "pkg/b.py", cwd=tree,
                         stdin=b"import json\nimport os\nprint(os)\n")
    assert run.code == 0, run.err
    assert run.out == "import os\nprint(os)\n"
    assert json.loads(run.err) == []
