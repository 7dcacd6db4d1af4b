"""`shoal check --baseline / --write-baseline / --update-baseline` on multi-module projects
written by the tests: findings matched by fingerprint (code, path, line text, occurrence),
not by line number."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.cli.helpers import write_tree

FLAGS = ("--workers", "0", "--no-progress", "--no-cache")

MODULES: dict[str, str | bytes] = {
    "pkg/__init__.py": "",
    "pkg/a.py": """\
        import os
        import sys


        def f(x):
            return x == None
    """,
    "pkg/b.py": """\
        import json
        from pkg.a import f

        print(f(1))
    """,
}


def check(shoal, *args: str):
    return shoal("check", *FLAGS, "--select", "F401,E711", *args)


def found(run) -> list[tuple[str, str]]:
    """(path, code) of each JSON finding."""
    return sorted((d["path"], d["code"]) for d in run.json())


@pytest.fixture
def legacy(project, shoal):
    """The project, with a baseline of its current findings in base.json."""
    write_tree(project, MODULES)
    run = check(shoal, "--write-baseline", "base.json")
    assert run.code == 0, run.err
    assert "wrote 4 findings" in run.err
    return project


def edit(root: Path, rel: str, text: str) -> None:
    (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")


def test_written_file_is_sorted_relative_and_stable(legacy, shoal):
    document = json.loads((legacy / "base.json").read_text())
    assert document["version"] == 1
    keys = [(e["path"], e["code"], e["text"], e["occurrence"]) for e in document["findings"]]
    assert keys == sorted(keys)
    assert {e["path"] for e in document["findings"]} == {"pkg/a.py", "pkg/b.py"}
    assert ("pkg/a.py", "E711", "return x == None", 0) in keys
    before = (legacy / "base.json").read_bytes()
    assert check(shoal, "--write-baseline", "base.json").code == 0
    assert (legacy / "base.json").read_bytes() == before


def test_baselined_findings_are_neither_printed_nor_counted(legacy, shoal):
    run = check(shoal, "--baseline", "base.json", "--output-format", "json")
    assert (run.code, run.json()) == (0, [])


def test_moved_lines_stay_suppressed(legacy, shoal):
    # Lines inserted above and the flagged line re-indented: no line number matches any more.
    edit(legacy, "pkg/a.py", """\
        '''A docstring pushes everything down.'''
        import os

        import sys


        def f(x):
            if x:
                pass
            return   x == None
    """)
    run = check(shoal, "--baseline", "base.json", "--output-format", "json")
    assert (run.code, run.json()) == (0, [])


def test_added_findings_are_reported(legacy, shoal):
    edit(legacy, "pkg/b.py", """\
        import json
        import re
        from pkg.a import f

        print(f(1) != None)
    """)
    run = check(shoal, "--baseline", "base.json", "--output-format", "json")
    assert run.code == 1
    assert found(run) == [("pkg/b.py", "E711"), ("pkg/b.py", "F401")]
    assert [d["message"] for d in run.json() if d["code"] == "F401"] == ["'re' imported but unused"]


def test_fixed_findings_are_counted_then_removed_by_update(legacy, shoal):
    edit(legacy, "pkg/a.py", """\
        import os


        def f(x):
            return x is None
    """)
    run = check(shoal, "--baseline", "base.json", "--statistics")
    assert run.code == 0
    assert "Baseline base.json: 2 findings not shown, 2 fixed (--update-baseline" in run.err
    # Counting changes nothing on disk.
    assert len(json.loads((legacy / "base.json").read_text())["findings"]) == 4

    run = check(shoal, "--baseline", "base.json", "--update-baseline")
    assert run.code == 0
    assert "removed 2 fixed findings" in run.err
    left = json.loads((legacy / "base.json").read_text())["findings"]
    assert sorted((e["path"], e["code"], e["text"]) for e in left) == [
        ("pkg/a.py", "F401", "import os"), ("pkg/b.py", "F401", "import json")]
    run = check(shoal, "--baseline", "base.json", "--statistics")
    assert (run.code, "0 fixed" in run.err) == (0, True)


def test_identical_lines_count_by_occurrence(project, shoal):
    same = """\
        def f(x):
            if x == None:
                return 1
            if x == None:
                return 2
    """
    files: dict[str, str | bytes] = {"pkg/__init__.py": "", "pkg/twice.py": same,
                                     "pkg/other.py": same}
    write_tree(project, files)
    assert check(shoal, "--write-baseline", "base.json").code == 0
    entries = json.loads((project / "base.json").read_text())["findings"]
    assert [(e["path"], e["text"], e["occurrence"]) for e in entries] == [
        ("pkg/other.py", "if x == None:", 0), ("pkg/other.py", "if x == None:", 1),
        ("pkg/twice.py", "if x == None:", 0), ("pkg/twice.py", "if x == None:", 1)]
    # One of the two fixed in one file: one entry left over, counted as fixed.
    edit(project, "pkg/twice.py", """\
        def f(x):
            if x is None:
                return 1
            if x == None:
                return 2
    """)
    run = check(shoal, "--baseline", "base.json", "--statistics")
    assert run.code == 0, run.out
    assert "3 findings not shown, 1 fixed" in run.err
    # A third copy is one more than the baseline holds: reported.
    edit(project, "pkg/other.py", textwrap.dedent(same) + "    if x == None:\n        return 3\n")
    run = check(shoal, "--baseline", "base.json", "--output-format", "json")
    assert run.code == 1
    assert [(d["path"], d["line"]) for d in run.json()] == [("pkg/other.py", 6)]
    # --update-baseline drops exactly the fixed occurrence.
    assert check(shoal, "--baseline", "base.json", "--update-baseline").code == 1
    entries = json.loads((project / "base.json").read_text())["findings"]
    assert [(e["path"], e["occurrence"]) for e in entries] == [
        ("pkg/other.py", 0), ("pkg/other.py", 1), ("pkg/twice.py", 0)]


def test_baseline_from_the_configuration(legacy, shoal, monkeypatch):
    (legacy / "lint").mkdir()
    (legacy / "base.json").rename(legacy / "lint" / "known.json")
    (legacy / "pyproject.toml").write_text('[tool.shoal]\nbaseline = "lint/known.json"\n')
    (legacy / "pkg" / "c.py").write_text("import re\n")
    # From a subdirectory: the file is found relative to the configuration, and entries
    # (relative to the project root) still match paths shown relative to here.
    monkeypatch.chdir(legacy / "pkg")
    run = check(shoal, "--output-format", "json", ".")
    assert (run.code, found(run)) == (1, [("c.py", "F401")])


def test_fix_leaves_baselined_findings_alone(legacy, shoal):
    edit(legacy, "pkg/b.py", """\
        import json
        import re
        from pkg.a import f

        print(f(1))
    """)
    run = check(shoal, "--baseline", "base.json", "--fix")
    assert run.code == 0, run.out + run.err
    assert (legacy / "pkg" / "b.py").read_text().startswith("import json\nfrom pkg.a import f\n")
    assert (legacy / "pkg" / "a.py").read_text().startswith("import os\nimport sys\n")


def test_add_noqa_leaves_baselined_findings_alone(legacy, shoal):
    edit(legacy, "pkg/b.py", "import json\nimport re\nfrom pkg.a import f\n\nprint(f(1))\n")
    run = check(shoal, "--baseline", "base.json", "--add-noqa")
    assert run.code == 0, run.err
    assert "Added 1 noqa directive" in run.err
    assert (legacy / "pkg" / "b.py").read_text().splitlines()[:2] == [
        "import json", "import re  # noqa: F401"]
    assert "noqa" not in (legacy / "pkg" / "a.py").read_text()


@pytest.mark.parametrize(("content", "message"), [
    ("{", "is not valid JSON"),
    ('{"version": 7, "findings": []}', "has version 7"),
    ('{"version": 1, "findings": [{"code": "F401"}]}', "finding 0 lacks"),
    ('[]', "is not a shoal baseline"),
])
def test_invalid_baseline_is_one_line_exit_2(project, shoal, content, message):
    write_tree(project, MODULES)
    (project / "base.json").write_text(content)
    run = check(shoal, "--baseline", "base.json")
    assert run.code == 2
    assert message in run.err and run.err.count("\n") == 1 and run.out == ""


def test_missing_baseline_and_bad_flags_exit_2(project, shoal):
    write_tree(project, MODULES)
    run = check(shoal, "--baseline", "nope.json")
    assert (run.code, run.err.strip()) == (
        2, "shoal: error: cannot read baseline nope.json: No such file or directory")
    run = check(shoal, "--update-baseline")
    assert run.code == 2 and "--update-baseline needs --baseline" in run.err
    run = check(shoal, "--write-baseline", "base.json", "--fix")
    assert (run.code, run.err.strip()) == (
        2, "shoal: error: --write-baseline cannot be combined with --fix")
    assert not (project / "base.json").exists()


def test_baseline_view_filters_a_resident_session(legacy):
    """What `shoal watch` and the language server call: a session's findings and each
    update's new/fixed lists, minus the baseline; editor buffers read before the disk."""
    from analyzer.engine import Session
    from analyzer.interfaces._baseline_run import watch_view
    from analyzer.interfaces._parser import build_parser
    from analyzer.interfaces._prepare import prepare

    args = build_parser().parse_args(["watch", ".", "--select", "F401,E711", "--workers", "0",
                                      "--no-cache"])
    plan = prepare(args)
    view = watch_view(plan, "base.json")
    assert view is not None
    with Session(plan) as session:
        report = session.check()
        assert len(report.new) == 4  # the session itself knows every finding
        shown = view.shown_result(report, session, session.result())
        assert (shown.diagnostics, report.new, report.problem_count) == ([], [], 0)
        assert len(session.result().diagnostics) == 4  # the session's own result untouched
        edit(legacy, "pkg/b.py", "import json\nimport re\nfrom pkg.a import f\n\nprint(f(1))\n")
        report = session.recheck([legacy / "pkg" / "b.py"])
        shown = view.shown_result(report, session, session.result())
        assert [(d.code, d.line) for d in shown.diagnostics] == [("F401", 2)]
        assert ([d.message for d in report.new], report.fixed) == (["'re' imported but unused"], [])
        # An unsaved buffer that moves the baselined lines: still suppressed.
        a = legacy / "pkg" / "a.py"
        session.overlays = {str(a): b"\n\n" + a.read_bytes()}
        report = session.recheck([a])
        view.adjust(report, session)
        assert (report.new, report.fixed, report.problem_count) == ([], [], 1)


@pytest.mark.slow
def test_watch_reports_only_findings_outside_the_baseline(legacy):
    import signal
    import subprocess
    import sys

    from tests.cli.helpers import LiveOutput, reap

    output = legacy / "out.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "analyzer", "watch", ".", "--workers", "0", "--no-cache",
         "--select", "F401,E711", "--baseline", "base.json", "--format", "json",
         "--output-file", str(output), "--verbose"],  # --verbose: the `+` change log
        cwd=legacy, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    def lines_in_output() -> list[int] | None:
        try:
            return [d["line"] for d in json.loads(output.read_text())]
        except (FileNotFoundError, ValueError):
            return None

    try:
        live = LiveOutput(proc, 60.0)
        # The output file is rewritten before each status line: tested as each line arrives.
        live.wait_for(lambda: lines_in_output() == [], "the startup output, all baselined")
        edit(legacy, "pkg/b.py", "import json\nimport re\nfrom pkg.a import f\n\nprint(f(1))\n")
        live.wait_for(lambda: lines_in_output() == [2], "the new finding alone")
        assert json.loads(output.read_text())[0]["path"].endswith("b.py")
        proc.send_signal(signal.SIGINT)
        assert live.finish() == 0, live.text
    finally:
        reap(proc)


def test_checking_some_files_leaves_the_others_entries_alone(legacy, shoal):
    edit(legacy, "pkg/a.py", "import os\nimport sys\n\n\ndef f(x):\n    return x is None\n")
    run = check(shoal, "--baseline", "base.json", "--update-baseline", "--statistics",
                "pkg/a.py")
    assert run.code == 0
    assert "2 findings not shown, 1 fixed" in run.err  # b.py was not looked at: not fixed
    entries = json.loads((legacy / "base.json").read_text())["findings"]
    assert sorted((e["path"], e["code"]) for e in entries) == [
        ("pkg/a.py", "F401"), ("pkg/a.py", "F401"), ("pkg/b.py", "F401")]


def test_standard_input_is_matched_on_its_own_text(legacy):
    from tests.cli.helpers import run_subprocess

    # The file on disk is not what is checked: the baseline matches the text read from stdin.
    source = b"\n\nimport os\nimport re\n\n\ndef f(x):\n    return x == None\n"
    run = run_subprocess("check", *FLAGS, "--select", "F401,E711", "--baseline", "base.json",
                         "--stdin-filename", "pkg/a.py", "--output-format", "json", "-",
                         cwd=legacy, stdin=source)
    assert run.code == 1, run.err
    assert [(d["code"], d["line"]) for d in run.json()] == [("F401", 4)]
    run = run_subprocess("check", *FLAGS, "--select", "F401,E711", "--baseline", "base.json",
                         "--stdin-filename", "pkg/a.py", "--fix", "-", cwd=legacy, stdin=source)
    assert run.code == 0, run.err
    assert run.out == source.decode().replace("import re\n", "")
