"""First contact: an unconfigured project is found, not declared, and its modules are named
as Python would resolve them (issue 12, items 1 and 2), through the CLI."""
from __future__ import annotations

import json
from pathlib import Path

from tests.cli.helpers import run_subprocess, write_tree

#: A small unconfigured package as a checkout has it: a `.git` directory, a regular package
#: with a namespace subpackage, tests without __init__.py and test data named like the stdlib.
CHECKOUT: dict[str, str | bytes] = {
    "pkg/__init__.py": "",
    "pkg/text.py": "class Text:\n    pass\n",
    "pkg/screen.py": "from pkg.text import Text\nfrom pkg.ns.helper import render\n"
                     "from . import text\nfrom ._vendored import tomli\n"
                     "print(Text, render, text, tomli)\n",
    "pkg/_vendored/tomli/__init__.py": "loads = None\n",  # vendored: no __init__.py above
    "pkg/ns/helper.py": "def render():\n    return 1\n",
    "pkg/broken.py": "from pkg.text import Nope\nimport pkg.gone\nprint(Nope, pkg.gone)\n",
    "tests/test_screen.py": "from collections import defaultdict\nfrom pkg.screen import Text\n"
                            "print(defaultdict, Text)\n",
    "tests/data/cases/collections.py": "x = 1\n",
    # A script folder (no __init__.py) run as `python -m demo.app`: its relative imports
    # reach its siblings; one further up depends on how it is run, so it is not an error.
    "examples/demo/app.py": "from .helper import thing\nfrom .helper import nope\n"
                            "from .. import up\nprint(thing, nope, up)\n",
    "examples/demo/helper.py": "thing = 1\n",
    # hatchling's layout: a package named like a default exclude (`build`) is not checked,
    # yet it is imported (shoal does not know its names: none is a finding).
    "pkg/cli/__init__.py": "from pkg.cli.build import build_command\n"
                           "from pkg.cli.build.core import run, anything\n"
                           "print(build_command, run, anything)\n",
    "pkg/cli/build/__init__.py": "build_command = 1\n",
    "pkg/cli/build/core.py": "def run():\n    pass\n",
}


def _checkout(root: Path) -> Path:
    write_tree(root, CHECKOUT)
    (root / ".git").mkdir()
    return root


def _codes(root: Path, *args: str) -> list[tuple[str, int, str]]:
    run = run_subprocess("check", "--no-cache", "--workers", "0", "--output-format", "json",
                         *args, cwd=root)
    assert run.code in (0, 1), run.err
    return run.codes()


def test_a_file_checked_alone_gets_what_the_whole_tree_check_gives_it(tmp_path):
    root = _checkout(tmp_path / "checkout")
    whole = _codes(root)
    # The real errors are found, nothing else (no false SH001/SH004 anywhere).
    assert whole == [("examples/demo/app.py", 2, "SH001"),
                     ("pkg/broken.py", 1, "SH001"), ("pkg/broken.py", 2, "SH004")]
    for path in sorted(CHECKOUT):
        alone = _codes(root, path)
        assert alone == [c for c in whole if c[0] == path], path


def test_a_file_checked_from_another_directory_finds_its_project(tmp_path):
    _checkout(tmp_path / "checkout")
    assert _codes(tmp_path, "checkout/pkg/screen.py") == []
    assert {c for _, _, c in _codes(tmp_path, "checkout/pkg/broken.py")} == {"SH001", "SH004"}


def test_two_paths_under_two_roots_are_two_projects(tmp_path):
    # Each project has its own `util`: one index would mix them up (a clash, or the other's
    # names), two keep each right.
    write_tree(tmp_path, {
        "one/setup.py": "",
        "one/util.py": "def alpha():\n    pass\n",
        "one/app.py": "from util import alpha\nprint(alpha)\n",
        "two/pyproject.toml": "[project]\nname = 'two'\n",
        "two/util.py": "def beta():\n    pass\n",
        "two/app.py": "from util import beta, alpha\nprint(beta, alpha)\n",
    })
    run = run_subprocess("check", "--no-cache", "--workers", "0", "--output-format", "json",
                         "one/app.py", "two/app.py", cwd=tmp_path)
    assert run.codes() == [("two/app.py", 1, "SH001")], run.out
    assert "'alpha'" in run.json()[0]["message"]
    text = run_subprocess("check", "--no-cache", "--workers", "0", "--output-format",
                          "concise", "one/app.py", "two/app.py", cwd=tmp_path)
    assert text.out.splitlines()[-1] == "Found 1 error.", text.out


def test_without_a_marker_a_checkout_gets_what_it_gets_with_one(tmp_path):
    # Installed packages, a downloaded tree: no marker up to /. The whole tree as with a root;
    # a file named alone brings its package, and never a finding the whole tree lacks.
    root = tmp_path / "checkout"
    write_tree(root, CHECKOUT)
    whole = _codes(root)
    assert whole == [("examples/demo/app.py", 2, "SH001"),
                     ("pkg/broken.py", 1, "SH001"), ("pkg/broken.py", 2, "SH004")]
    for path in sorted(CHECKOUT):
        alone = _codes(root, path)
        mine = [c for c in whole if c[0] == path]
        # In a package, the same; a script alone has no sibling to check against.
        assert alone == mine if path.startswith("pkg/") else set(alone) <= set(mine), path
    assert _codes(tmp_path, "checkout/pkg/screen.py", "checkout/pkg/text.py") == []


def test_a_path_with_no_marker_above_is_indexed_as_named(tmp_path):
    # No marker anywhere up to / (tmp is none): the index is what was named, as before.
    write_tree(tmp_path, {"loose/a.py": "from b import f\nprint(f)\n",
                          "loose/b.py": "def g():\n    pass\n"})
    assert _codes(tmp_path / "loose", "a.py") == []  # b.py was not named: not the project's
    assert _codes(tmp_path / "loose", ".") == [("a.py", 1, "SH001")]
    shown = run_subprocess("check", "--show-settings", "a.py", cwd=tmp_path / "loose")
    settings = json.loads(shown.out)
    assert settings["project-root"] is None
    assert "no project marker" in settings["project-root-reason"]


def test_show_settings_names_the_root_and_why(tmp_path):
    root = _checkout(tmp_path / "checkout")
    run = run_subprocess("check", "--show-settings", "pkg/screen.py", cwd=root)
    assert run.code == 0, run.err
    settings = json.loads(run.out)
    assert settings["project-root"] == str(root)
    assert settings["project-root-reason"] == "holds .git"
    assert settings["config-file"] is None
    (root / "pyproject.toml").write_text("[tool.shoal]\nignore = ['E722']\n")
    settings = json.loads(run_subprocess("check", "--show-settings", "pkg", cwd=root).out)
    assert settings["project-root"] == str(root)
    assert settings["project-root-reason"] == "pyproject.toml with [tool.shoal]"


def test_extend_inherits_the_parent_configuration(tmp_path):
    write_tree(tmp_path, {
        "pyproject.toml": "[tool.shoal]\nignore = ['E722']\nbuiltins = ['_']\n"
                          "extend-exclude = ['sub/generated']\n",
        "sub/pyproject.toml": "[tool.shoal]\nextend = '../pyproject.toml'\n"
                              "extend-ignore = ['F841']\n",
        "sub/mod.py": "def f():\n    unused = 1\n    try:\n        pass\n    except:\n"
                      "        pass\n    return _('x')\n",
        "sub/generated/bad.py": "import os\n",
    })
    run = run_subprocess("check", "--no-cache", "--workers", "0", "--output-format", "json",
                         cwd=tmp_path / "sub")
    # E722 ignored and `_` a builtin (the parent's), F841 ignored (the child's), the
    # parent's exclude (relative to the parent's directory) still prunes generated/.
    assert run.codes() == [], run.out
    settings = json.loads(run_subprocess("check", "--show-settings", cwd=tmp_path / "sub").out)
    assert settings["extend"] == [str(tmp_path / "pyproject.toml")]
    assert settings["ignore"] == ["E722"] and settings["extend-ignore"] == ["F841"]
    # The child's own setting overrides the parent's (its ignores still apply).
    (tmp_path / "sub" / "pyproject.toml").write_text(
        "[tool.shoal]\nextend = '../pyproject.toml'\nbuiltins = []\n")
    run = run_subprocess("check", "--no-cache", "--workers", "0", "--output-format", "json",
                         cwd=tmp_path / "sub")
    assert run.codes() == [("mod.py", 2, "F841"), ("mod.py", 7, "F821")], run.out


def test_a_missing_extend_file_is_a_usage_error(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": "[tool.shoal]\nextend = 'nope.toml'\n",
                          "a.py": "x = 1\n"})
    run = run_subprocess("check", "--no-cache", cwd=tmp_path)
    assert run.code == 2
    assert "'extend': no such file" in run.err and "nope.toml" in run.err


def test_fix_mode_fixes_each_project_and_watch_takes_one(tmp_path):
    write_tree(tmp_path, {
        "one/setup.py": "", "one/app.py": "import os\nx = 1\n",
        "two/setup.cfg": "", "two/app.py": "import sys\ny = 2\n",
    })
    run = run_subprocess("check", "--no-cache", "--workers", "0", "--fix", "one/app.py",
                         "two/app.py", cwd=tmp_path)
    assert run.code == 0, run.out + run.err
    assert (tmp_path / "one" / "app.py").read_text() == "x = 1\n"
    assert (tmp_path / "two" / "app.py").read_text() == "y = 2\n"
    watch = run_subprocess("watch", "--no-cache", "one/app.py", "two/app.py", cwd=tmp_path)
    assert watch.code == 2
    assert "2 projects" in watch.err and str(tmp_path / "one") in watch.err


def test_nothing_is_missing_below_a_compiled_extension(tmp_path):
    # PyO3 and others register an extension's submodules in sys.modules from its init:
    # `from hypothesis._native.internal.floats import x` runs. Likewise below a file that
    # does not parse (its E999 says what is wrong).
    from importlib.machinery import EXTENSION_SUFFIXES

    write_tree(tmp_path, {
        ".git/HEAD": "",
        "pkg/__init__.py": "",
        "pkg/broken.py": "def (:\n",
        "pkg/use.py": "from pkg._native.internal.floats import count\nimport pkg.broken.sub\n"
                      "from pkg.plain.sub import thing\nprint(count, pkg, thing)\n",
        "pkg/plain.py": "x = 1\n",
    })
    (tmp_path / "pkg" / f"_native{EXTENSION_SUFFIXES[0]}").write_bytes(b"\x7fELF")
    # A plain module that parses plants nothing: its submodule is missing.
    assert _codes(tmp_path) == [("pkg/broken.py", 1, "E999"), ("pkg/use.py", 3, "SH004")]


def test_an_empty_stub_marks_a_module_present_not_nameless(tmp_path):
    # matplotlib ships an empty _backend_agg.pyi beside its compiled extension; a checkout
    # not built yet has the stub alone. A stub that says something is still believed.
    write_tree(tmp_path, {
        ".git/HEAD": "",
        "pkg/__init__.py": "",
        "pkg/_agg.pyi": "# placeholder for the compiled module\n",
        "pkg/_typed.pyi": "def render() -> None: ...\n",
        "pkg/use.py": "from pkg._agg import RendererAgg\nfrom pkg._typed import render, nope\n"
                      "print(RendererAgg, render, nope)\n",
    })
    assert _codes(tmp_path) == [("pkg/use.py", 2, "SH001")]


def test_a_stub_s_imports_and_calls_are_the_type_checker_s(tmp_path):
    # numpy's typing tests: a .pyi imports a name only the target's stub defines, and calls
    # a function wrongly on purpose. The same lines in a .py are reported.
    body = "from pkg.mod import _Options, f\nf(1, 2)\nx: _Options\n"
    write_tree(tmp_path, {
        ".git/HEAD": "",
        "pkg/__init__.py": "",
        "pkg/mod.py": "def f():\n    pass\n",
        "pkg/mod.pyi": "from typing import TypedDict\nclass _Options(TypedDict): ...\n"
                       "def f() -> None: ...\n",
        "pkg/use.pyi": body,
        "pkg/run.py": body,
    })
    assert _codes(tmp_path) == [("pkg/run.py", 1, "SH001"), ("pkg/run.py", 2, "SH002")]
