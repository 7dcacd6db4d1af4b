"""What fixes preserve on disk, F401's cross-module safety, SH100 and `--add-noqa`."""
from __future__ import annotations

import json
import os
import stat

import pytest

from analyzer.engine import rewrite_directive, scan_noqa
from tests.cli.helpers import write_tree


@pytest.mark.parametrize(("before", "after"), [
    (b'\xef\xbb\xbfimport os\r\nx = f"a"\r\n', b'\xef\xbb\xbfx = "a"\r\n'),
    (b'import os\rx = f"a"\r', b'x = "a"\r'),
    (b'# -*- coding: latin-1 -*-\nimport os\ns = "caf\xe9" + f"\xe9"\n',
     b'# -*- coding: latin-1 -*-\ns = "caf\xe9" + "\xe9"\n'),
], ids=["bom-crlf", "cr", "latin-1-cookie"])
def test_encoding_bom_and_line_endings_are_kept(project, shoal, before, after):
    (project / "a.py").write_bytes(before)
    run = shoal("--fix", "a.py")
    assert run.code == 0, run.out + run.err
    assert (project / "a.py").read_bytes() == after


def test_a_fix_inserting_lines_uses_the_file_line_ending(project, shoal):
    (project / "a.py").write_bytes(b"def f():\r\n    import os\r\n")
    assert shoal("--fix", "a.py").code == 0
    assert (project / "a.py").read_bytes() == b"def f():\r\n    pass\r\n"


def test_permissions_are_kept(project, shoal):
    write_tree(project, {"a.py": "import os\nx = 1\n"})
    os.chmod(project / "a.py", 0o640)
    assert shoal("--fix", "a.py").code == 0
    assert stat.S_IMODE(os.stat(project / "a.py").st_mode) == 0o640
    assert not [p for p in os.listdir(project) if p.endswith(".shoal")]


def test_a_symlink_target_is_rewritten_and_the_link_stays(project, shoal):
    write_tree(project, {"real/target.py": "import os\nx = 1\n"})
    os.symlink(project / "real" / "target.py", project / "link.py")
    assert shoal("--fix", "link.py").code == 0
    assert os.path.islink(project / "link.py")
    assert (project / "real" / "target.py").read_text() == "x = 1\n"


def test_a_hard_linked_file_is_rewritten_in_place(project, shoal):
    write_tree(project, {"a.py": "import os\nx = 1\n"})
    os.link(project / "a.py", project / "other-name.txt")
    inode = os.stat(project / "a.py").st_ino
    assert shoal("--fix", "a.py").code == 0
    assert os.stat(project / "a.py").st_ino == inode
    assert (project / "other-name.txt").read_text() == "x = 1\n"


def test_f401_fix_is_unsafe_when_another_module_imports_the_name(project, shoal):
    write_tree(project, {
        "pkg/__init__.py": "",
        "pkg/a.py": "import os, sys\n",
        "pkg/b.py": "from pkg.a import os\nprint(os)\n",
        "pkg/c.py": "import json\n",
        "pkg/d.py": "from .c import *\n",
    })
    run = shoal("--fix", "pkg/a.py", "pkg/c.py")
    assert run.code == 1
    # one fix for the statement, carried by both findings: unsafe, since pkg.b imports os
    assert (project / "pkg/a.py").read_text() == "import os, sys\n"
    assert (project / "pkg/c.py").read_text() == "import json\n"  # star-imported from d
    assert "pkg/a.py:1:1: F401 'os' imported but unused" in run.out  # no [*]: unsafe
    unsafe = shoal("--fix", "--unsafe-fixes", "pkg/a.py", "pkg/c.py")
    assert unsafe.code == 0, unsafe.out
    assert (project / "pkg/a.py").read_text() == ""


def test_f401_never_removes_a_star_import_and_is_unsafe_in_a_package_init(project, shoal):
    """Removing them can break importers the index cannot see: names re-exported through
    the star (found on dask: a safe fix deleted `from ._collection import *` from
    `dask_expr/__init__.py`; a star import is now a re-export, as ruff reads it, never
    reported), and a package's API used from outside the project."""
    write_tree(project, {
        "pkg/__init__.py": "import json\nfrom .impl import *\n",
        "pkg/impl.py": "def api():\n    pass\n",
        "tool.py": "from os.path import *\n",
    })
    before = {p: (project / p).read_text() for p in ("pkg/__init__.py", "tool.py")}
    run = shoal("--fix", "--format", "json")
    assert sorted((d["path"], d["message"], d["fix"]["applicability"])
                  for d in run.json() if d["code"] == "F401") == [
        ("pkg/__init__.py", "'json' imported but unused", "unsafe")]
    assert {p: (project / p).read_text() for p in before} == before
    unsafe = shoal("--fix", "--unsafe-fixes")
    assert (project / "pkg/__init__.py").read_text() == "from .impl import *\n", unsafe.out
    assert (project / "tool.py").read_text() == before["tool.py"]


def test_f401_fix_stays_safe_for_names_nobody_imports(project, shoal):
    write_tree(project, {
        "pkg/__init__.py": "",
        "pkg/a.py": "import os\nimport sys\n",
        "pkg/b.py": "from .a import os\nprint(os)\n",
    })
    run = shoal("--fix", "pkg/a.py")
    assert (project / "pkg/a.py").read_text() == "import os\n"
    assert "1 fixed, 1 remaining" in run.out


SUPPRESSED = (
    "import os  # noqa: F401\n"
    "x = 1  # noqa: F401\n"
    "y = 2  # noqa\n"
    "z = 3  # noqa: E501\n"
    "w = 4  # noqa: F841\n"
    "import re  # noqa: F401, E711\n"
    "v = 5  # noqa: F401  # why\n"
    's = "# noqa: F401"\n'
    "u = 6  # noqa: SH100, F401\n"
)


def test_sh100_reports_unused_suppressions(project, shoal):
    write_tree(project, {"a.py": SUPPRESSED})
    assert shoal("a.py").code == 0  # off by default
    run = shoal("--select", "F401,E711,SH100", "--format", "json", "a.py")
    found = [(d["line"], d["code"], d["message"]) for d in run.json()]
    assert found == [
        (2, "SH100", "Unused `noqa` directive (unused: `F401`)"),
        (6, "SH100", "Unused `noqa` directive (unused: `E711`)"),
        (7, "SH100", "Unused `noqa` directive (unused: `F401`)"),
    ]  # E501: unknown; F841: not selected; line 8: a string; line 9: names SH100; line 3: a
    # blanket noqa may serve another tool
    (project / "pyproject.toml").write_text("[tool.shoal]\n")  # every default check
    run = shoal("--extend-select", "SH100", "--format", "json", "a.py")
    found = [(d["line"], d["code"], d["message"]) for d in run.json() if d["code"] == "SH100"]
    assert found == [
        (2, "SH100", "Unused `noqa` directive (unused: `F401`)"),
        (5, "SH100", "Unused `noqa` directive (unused: `F841`)"),
        (6, "SH100", "Unused `noqa` directive (unused: `E711`)"),
        (7, "SH100", "Unused `noqa` directive (unused: `F401`)"),
    ]  # even with every default check run, the blanket one stays: ruff may need it


def test_f401_obeys_noqa_on_the_statement_or_on_the_names_line(project, shoal):
    """flake8 users write the comment on a multi-line import's first line, ruff users on the
    name's own line: both suppress, neither is an unused noqa (SH100), the rest is reported."""
    write_tree(project, {"a.py": ("from os import (\n    sep,  # noqa: F401\n    path,\n)\n"
                                  "from json import (  # noqa: F401\n    dumps,\n)\n"
                                  "from re import (\n    compile,  # noqa: F401\n"
                                  "    escape,  # noqa: F401\n)\n")})
    run = shoal("--select", "F401,SH100", "--format", "json", "a.py")
    assert [(d["line"], d["code"], d["message"]) for d in run.json()] == [
        (1, "F401", "'os.path' imported but unused")]


def test_f822_obeys_noqa_on_the_statement_or_on_the_names_line(project, shoal):
    """psutil's case: F822 sits on the `__all__` statement (pyflakes), ruff reports it at the
    name's string, where ruff users put the comment; both suppress, neither is an SH100."""
    write_tree(project, {"a.py": "__all__ = [\n    'one', 'two',  # noqa: F822\n    'three',\n]\n",
                         "b.py": "__all__ = [  # noqa: F822\n    'one',\n]\n"})
    run = shoal("--select", "F822,SH100", "--format", "json", "a.py", "b.py")
    assert [(d["path"], d["line"], d["code"], d["message"]) for d in run.json()] == [
        ("a.py", 1, "F822", "undefined name 'three' in __all__")]


def test_sh100_reports_a_blanket_noqa_only_when_asked(project, shoal):
    write_tree(project, {"a.py": SUPPRESSED})
    (project / "pyproject.toml").write_text("[tool.shoal]\nreport-blanket-noqa = true\n")
    run = shoal("--select", "F401,SH100", "--format", "json", "a.py")
    found = [(d["line"], d["message"]) for d in run.json()]
    assert (3, "Unused blanket `noqa` directive") in found
    shoal("--fix", "--select", "F401,SH100", "a.py")
    assert "y = 2\n" in (project / "a.py").read_text()


def test_sh100_fix_keeps_what_other_tools_need(project, shoal):
    """httpx's case: `--fix --extend-select SH100` must leave every suppression ruff or
    flake8 may use: blanket comments, codes shoal does not know, prefixes, `external`."""
    (project / "pyproject.toml").write_text('[tool.shoal]\nexternal = ["V1", "E71"]\n')
    source = ("import os  # noqa\n"
              "x = 1  # noqa: E501, F401\n"
              "y = 2  # noqa: V101, F401\n"
              "z = 3  # noqa: F4\n"
              "w = 4  # noqa: E711\n")  # a shoal code, but named external: kept
    write_tree(project, {"a.py": source})
    run = shoal("--fix", "--extend-select", "SH100", "a.py")
    assert run.code == 0, run.out + run.err
    assert (project / "a.py").read_text() == (
        "import os  # noqa\n"
        "x = 1  # noqa: E501\n"
        "y = 2  # noqa: V101\n"
        "z = 3  # noqa: F4\n"
        "w = 4  # noqa: E711\n")


def test_external_setting_is_read_and_shown(project, shoal):
    (project / "pyproject.toml").write_text(
        '[tool.shoal]\nexternal = ["V1"]\nreport-blanket-noqa = true\n')
    settings = json.loads(shoal("--show-settings").out)
    assert (settings["external"], settings["report-blanket-noqa"]) == (["V1"], True)
    (project / "pyproject.toml").write_text('[tool.shoal]\nreport-blanket-noqa = "yes"\n')
    run = shoal()
    assert run.code == 2 and "'report-blanket-noqa' must be true or false" in run.err


def test_sh100_fix_removes_the_comment_or_the_unused_codes(project, shoal):
    write_tree(project, {"a.py": SUPPRESSED})
    run = shoal("--fix", "--select", "F401,E711,SH100", "a.py")
    assert run.code == 0, run.out
    assert (project / "a.py").read_text().splitlines()[:7] == [
        "import os  # noqa: F401", "x = 1", "y = 2  # noqa", "z = 3  # noqa: E501",
        "w = 4  # noqa: F841", "import re  # noqa: F401", "v = 5  # why",
    ]


def test_sh100_in_files_without_findings_and_per_file_ignores(project, shoal):
    (project / "pyproject.toml").write_text(
        '[tool.shoal]\nextend-select = ["SH100"]\n[tool.shoal.per-file-ignores]\n"b.py" = ["F401"]\n')
    write_tree(project, {"a.py": "x = 1  # noqa: F401\n", "b.py": "x = 1  # noqa: F401\n"})
    run = shoal("--format", "json")
    assert run.codes() == [("a.py", 1, "SH100")]


@pytest.mark.parametrize(("line", "codes", "expected"), [
    ("x = 1  # noqa: F401", (), "x = 1"),
    ("x = 1  # noqa: F401, E711", ("F401",), "x = 1  # noqa: F401"),
    ("x = 1  # noqa:F401 why", (), "x = 1  # why"),
    ("x = 1  # type: int  # noqa", (), "x = 1  # type: int"),
])
def test_rewrite_directive(line, codes, expected):
    from analyzer.core import apply_edits

    (comment,) = scan_noqa(line + "\n").comments
    assert apply_edits(line, [rewrite_directive(comment, codes)]) == expected


ADD_NOQA = '''\
import os
import sys  # noqa: E711
x = f"""
abc
"""
y = undefined + \\
    1
if x == None:  # note
    pass
'''


def test_add_noqa_with_a_reason_writes_it_after_the_codes(project, shoal):
    # ruff's --add-noqa=REASON: on a new comment and on one that is extended
    write_tree(project, {"a.py": "import os\nimport sys  # noqa: E711\n", "b.py": "import re\n"})
    run = shoal("--add-noqa=legacy code", "a.py")
    assert run.code == 0, run.err
    assert (project / "a.py").read_text() == ("import os  # noqa: F401 legacy code\n"
                                              "import sys  # noqa: E711, F401 legacy code\n")
    # a bare --add-noqa takes no reason, and never the next word (a path) for one
    assert shoal("--add-noqa", "b.py").code == 0
    assert (project / "b.py").read_text() == "import re  # noqa: F401\n"


def test_add_noqa_then_a_clean_check(project, shoal):
    write_tree(project, {"a.py": ADD_NOQA, "clean.py": "x = 1\n"})
    run = shoal("--add-noqa")
    assert run.code == 0, run.err
    assert "Added 5 noqa directives." in run.err
    assert (project / "a.py").read_text() == (
        "import os  # noqa: F401\n"
        "import sys  # noqa: E711, F401\n"
        'x = f"""\nabc\n"""  # noqa: F541\n'
        "y = undefined + \\\n    1  # noqa: F821\n"
        "if x == None:  # note  # noqa: E711\n"
        "    pass\n"
    )
    again = shoal()
    assert again.code == 0, again.out
    assert "All checks passed!" in again.out
    assert (project / "clean.py").read_text() == "x = 1\n"
