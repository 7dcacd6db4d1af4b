"""`shoal check` end to end on small projects: formats, selection, exit codes, workers."""
from __future__ import annotations

import ast
import json

import pytest

from analyzer.loading import Registry, rule_info
from analyzer.rules import ProjectRule
from tests.cli.helpers import run_subprocess, write_tree

UNUSED = "import os\n"
JSON_KEYS = ["path", "line", "column", "end_line", "end_column", "code", "name", "message", "fix"]


def test_clean_project_exits_zero(project, shoal):
    write_tree(project, {"pkg/__init__.py": "", "pkg/a.py": "x = 1\n"})
    run = shoal("check", "--workers", "0")
    assert run.code == 0, run.err
    assert "All checks passed" in run.out


def test_text_output_and_exit_one(project, shoal):
    write_tree(project, {"a.py": "import os\n\n\ndef f():\n    return undefined_thing\n"})
    run = shoal("check", "--workers", "0", "a.py")
    assert run.code == 1
    lines = run.out.splitlines()
    assert "a.py:1:1: F401 [*] 'os' imported but unused" in lines[0]
    assert "a.py:5:12: F821 undefined name 'undefined_thing'" in lines[1]


def test_json_schema_keys_and_fix(project, shoal):
    write_tree(project, {"a.py": UNUSED})
    run = shoal("check", "--workers", "0", "--format", "json", "a.py")
    assert run.code == 1
    (finding,) = run.json()
    assert list(finding) == JSON_KEYS
    assert finding["code"] == "F401" and finding["name"] == "unused-import"
    assert finding["fix"] is None or finding["fix"]["applicability"] in ("safe", "unsafe")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_worker_count_does_not_change_output(project, shoal, workers):
    files = {f"pkg/m{i}.py": f"import os\nimport sys\nfrom pkg import m{(i + 1) % 12}\n"
             f"x = y{i}\n" for i in range(12)}
    files["pkg/__init__.py"] = ""
    write_tree(project, files)
    serial = shoal("check", "--workers", "0", "--format", "json")
    parallel = shoal("check", "--workers", workers, "--format", "json")
    assert serial.code == parallel.code == 1
    assert serial.out == parallel.out
    assert len(serial.json()) >= 36


def test_unknown_selector_is_a_usage_error(project, shoal):
    write_tree(project, {"a.py": UNUSED})
    run = shoal("check", "--select", "ZZ9", "a.py")
    assert run.code == 2
    assert "ZZ9" in run.err


def test_unknown_config_key_is_an_error(project, shoal):
    (project / "pyproject.toml").write_text("[tool.shoal]\nselct = ['F']\n")
    write_tree(project, {"a.py": UNUSED})
    run = shoal("check", "a.py")
    assert run.code == 2
    assert "selct" in run.err


def test_missing_path_is_a_usage_error(project, shoal):
    run = shoal("check", "does_not_exist.py")
    assert run.code == 2
    assert "does_not_exist.py" in run.err


def test_select_and_ignore(project, shoal):
    write_tree(project, {"a.py": "import os\nx = undefined\n"})
    assert [c for _, _, c in shoal("check", "--workers", "0", "--format", "json",
                                   "--select", "F821").codes()] == ["F821"]
    assert [c for _, _, c in shoal("check", "--workers", "0", "--format", "json",
                                   "--ignore", "F821").codes()] == ["F401"]


def test_noqa_suppresses(project, shoal):
    write_tree(project, {"a.py": "import os  # noqa: F401\nimport sys  # noqa\nimport re\n"})
    run = shoal("check", "--workers", "0", "--format", "json", "a.py")
    assert run.codes() == [("a.py", 3, "F401")]


def test_a_noqa_on_an_all_entry_suppresses_what_ruff_reports_there(project, shoal):
    # copier's __init__.py: F405 and F822 are at the `__all__` statement (pyflakes's line),
    # and the `# noqa` a ruff user wrote on each entry's own line suppresses them too. Two
    # names without one stay, each at the statement.
    write_tree(project, {
        "star.py": "from os import *\n__all__ = [\n    'getcwd',  # noqa: F405\n"
                   "    'sep',\n    'listdir',\n]\n",
        "plain.py": "__all__ = [\n    'gone',  # noqa: F822\n    'missing',\n]\n",
    })
    run = shoal("check", "--workers", "0", "--format", "json", "star.py", "plain.py")
    assert run.codes() == [("plain.py", 1, "F822"), ("star.py", 1, "F403"),
                           ("star.py", 2, "F405"), ("star.py", 2, "F405")]
    assert {f["message"].split("'")[1] for f in run.json()
            if f["code"] != "F403"} == {"missing", "sep", "listdir"}


def test_per_file_ignores(project, shoal):
    (project / "pyproject.toml").write_text(
        "[tool.shoal]\nper-file-ignores = { 'tests/*' = ['F401'] }\n")
    write_tree(project, {"tests/t.py": UNUSED, "a.py": UNUSED})
    run = shoal("check", "--workers", "0", "--format", "json")
    assert run.codes() == [("a.py", 1, "F401")]


def test_exit_zero_statistics_and_count(project, shoal):
    write_tree(project, {"a.py": "import os\nimport sys\n"})
    run = shoal("check", "--workers", "0", "--exit-zero", "--statistics", "a.py")
    assert run.code == 0
    assert "F401" in run.out and "2" in run.out
    run = shoal("check", "--workers", "0", "--count", "a.py")
    assert run.code == 1
    assert run.out.strip().splitlines()[-1].strip().startswith("2")


def test_project_rules_see_the_whole_project_but_report_named_files(project, shoal):
    write_tree(project, {
        "pkg/__init__.py": "",
        "pkg/lib.py": "def f(a, b):\n    return a + b\n",
        "pkg/use.py": "from pkg.lib import f, g\n\nf(1)\nprint(g)\n",
        "pkg/other.py": "from pkg.lib import nope\n",
    })
    run = shoal("check", "--workers", "0", "--format", "json", "pkg/use.py")
    codes = sorted(c for _, _, c in run.codes())
    assert codes == ["SH001", "SH002"], run.out
    assert {p for p, _, _ in run.codes()} == {"pkg/use.py"}


def test_import_cycle_reported_once(project, shoal):
    write_tree(project, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg import b\n",
        "pkg/b.py": "from pkg import z\n",
        "pkg/z.py": "from pkg import a\n",
    })
    run = shoal("check", "--workers", "0", "--format", "json", "--select", "SH003")
    assert run.codes() == [("pkg/a.py", 1, "SH003")]


def test_stdin_is_checked_as_the_named_file(project):
    write_tree(project, {"pkg/__init__.py": "", "pkg/a.py": "x = 1\n"})
    run = run_subprocess("check", "--format", "json", "-", "--stdin-filename", "pkg/a.py",
                         cwd=project, stdin=b"import os\n")
    assert run.code == 1, run.err
    assert [(d["path"], d["code"]) for d in json.loads(run.out)] == [("pkg/a.py", "F401")]


def test_real_exit_codes_from_a_process(project):
    write_tree(project, {"a.py": UNUSED, "b.py": "x = 1\n"})
    assert run_subprocess("check", "b.py", cwd=project).code == 0
    assert run_subprocess("check", "a.py", cwd=project).code == 1
    assert run_subprocess("check", "--select", "NOPE", "a.py", cwd=project).code == 2


def test_rules_and_rule_commands(shoal):
    run = shoal("rules")
    assert run.code == 0
    for code in ("F401", "F821", "E711", "B006", "SH001", "SH003", "E999", "SH900"):
        assert code in run.out
    run = shoal("rule", "F401")
    assert run.code == 0 and "unused-import" in run.out
    assert shoal("rule", "X123").code == 2


def test_heap_too_small_for_the_facts_is_exit_two_naming_the_setting(project, shoal):
    body = "".join(f"def function_{j}(alpha, beta, *, gamma=1):\n    return alpha\n"
                   for j in range(200))
    write_tree(project, {f"m{i}.py": body for i in range(20)})
    run = shoal("check", "--workers", "1", "--heap-size", "16K")
    assert run.code == 2
    assert "heap" in run.err and "--heap-size" in run.err
    assert "Traceback" not in run.err


class CountsFunctions(ProjectRule):
    """Test rule: reports how many functions the module's tree holds (module level: rule
    classes travel to the workers by reference)."""

    CODE = "X901"
    NAME = "counts-functions"
    MESSAGE = "m"
    NEEDS_TREE = True

    def check(self, facts, index):
        """Count the functions of the tree the pipeline hands over."""
        tree = self.context.tree
        n = sum(isinstance(node, ast.FunctionDef) for node in ast.walk(tree))
        self.report(1, 1, f"{n} functions")


def test_a_project_rule_that_needs_the_tree_gets_it(project, shoal, monkeypatch):
    original = Registry.for_config.__func__

    def for_config(cls, *args, **kwargs):
        registry, warnings = original(cls, *args, **kwargs)
        registry.by_code["X901"] = rule_info(CountsFunctions, "tests")
        return registry, warnings

    monkeypatch.setattr(Registry, "for_config", classmethod(for_config))
    write_tree(project, {"a.py": "def f():\n    def g():\n        pass\n    return g\n"})
    run = shoal("check", "--no-cache", "--workers", "1", "--format", "json",
                "--select", "X901", "a.py")
    assert [(d["code"], d["message"]) for d in run.json()] == [("X901", "2 functions")]


def test_a_namespace_package_stops_shadowing_the_stdlib_once_configured(project, shoal):
    write_tree(project, {
        "jaraco/functools/__init__.py": "def pass_none(f):\n    return f\n",
        "app.py": "from functools import wraps\nfrom jaraco.functools import pass_none, nope\n"
                  "print(wraps, pass_none, nope)\n",
    })
    run = shoal("check", "--no-cache", "--workers", "0", "--format", "json")
    # Without namespace-packages, `jaraco` is no package: its module is never named
    # `functools` (which would shadow the stdlib's), and `jaraco.*` is not the project's.
    assert run.code == 0, run.out
    (project / "pyproject.toml").write_text('[tool.shoal]\nnamespace-packages = ["jaraco"]\n')
    run = shoal("check", "--no-cache", "--workers", "0", "--format", "json")
    assert run.codes() == [("app.py", 2, "SH001")], run.out


def test_an_extension_module_is_a_project_module_with_unknown_names(project, shoal):
    write_tree(project, {
        "pkg/__init__.py": "",
        "pkg/use.py": "from pkg import _speedups\nfrom pkg._speedups import fast_path\n"
                      "print(_speedups, fast_path)\n",
    })
    run = shoal("check", "--no-cache", "--workers", "0", "--format", "json")
    assert {code for _, _, code in run.codes()} == {"SH001", "SH004"}
    (project / "pkg" / "_speedups.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF\0\0")
    run = shoal("check", "--no-cache", "--workers", "0", "--format", "json")
    assert (run.code, run.json()) == (0, [])


def test_scheduler_without_dask_installed_is_exit_two_naming_the_extra(project, shoal, monkeypatch):
    import parallel._dask

    def missing():
        raise ImportError("DaskPool needs dask.distributed: install it with pip install "
                          "'shoal[distributed]'")

    monkeypatch.setattr(parallel._dask, "_import_distributed", missing)
    write_tree(project, {"a.py": "x = 1\n"})
    run = shoal("check", "--no-cache", "--scheduler", "local")
    assert run.code == 2
    assert "shoal[distributed]" in run.err and "Traceback" not in run.err


@pytest.mark.parametrize("columns", [None, "57", "0", "wide", "140"])
def test_help_is_as_wide_as_shutil_says(monkeypatch, columns):
    # The parser's formatter finds the width itself (importing shutil loads bz2 and lzma).
    import shutil

    from analyzer.interfaces import _parser

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert _parser._columns() == shutil.get_terminal_size().columns
    text = _parser.build_parser().format_help()
    width = shutil.get_terminal_size().columns
    assert max(len(line) for line in text.splitlines()) <= width - 2
    # argparse wraps the description at the width: the narrowest case shows it did.
    assert columns != "57" or len(text.splitlines()) > 12
