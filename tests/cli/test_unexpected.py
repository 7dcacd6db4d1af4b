"""An error nobody expected is one line and exit code 2 (the traceback only when asked for);
an unwritable --output-file is a usage error found before the check runs."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import analyzer.engine._session
import analyzer.interfaces._watch
from tests.cli.helpers import Run, write_tree

CHECK = ("check", "--workers", "0", "--no-cache", "a.py")


def _explode(*args, **kwargs):
    raise RuntimeError("injected fault\nsecond line")


@pytest.fixture
def broken(project, monkeypatch):
    """A project whose check fails in a way shoal does not expect."""
    monkeypatch.delenv("SHOAL_DEBUG", raising=False)
    monkeypatch.setattr(analyzer.engine._session.Session, "check", _explode)
    write_tree(project, {"a.py": "import os\n"})
    return project


def assert_one_line_report(run: Run) -> None:
    assert run.code == 2
    assert "Traceback" not in run.err
    (line,) = run.err.splitlines()
    assert line.startswith("shoal: internal error: RuntimeError: injected fault second line")
    # The innermost shoal frame: run_check's call of the failing Session.check.
    assert "(at analyzer/engine/_check.py:" in line, line
    assert "--verbose" in line and "README" in line, line


def test_an_unexpected_error_is_one_line_and_exit_two(broken, shoal):
    run = shoal(*CHECK)
    assert_one_line_report(run)
    assert run.out == ""


@pytest.mark.parametrize("argv", [("-v", *CHECK), (*CHECK, "--verbose"), CHECK])
def test_the_traceback_is_shown_on_request(broken, shoal, monkeypatch, argv):
    if argv == CHECK:
        monkeypatch.setenv("SHOAL_DEBUG", "1")
    run = shoal(*argv)
    assert run.code == 2
    assert run.err.startswith("Traceback (most recent call last):"), run.err
    assert "_explode" in run.err
    # The one line comes last, where a terminal leaves it in view.
    assert run.err.splitlines()[-1].startswith("shoal: internal error: RuntimeError")


def test_ctrl_c_keeps_its_own_exit(project, shoal, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(analyzer.engine._session.Session, "check", interrupted)
    write_tree(project, {"a.py": "x = 1\n"})
    run = shoal(*CHECK)
    assert (run.code, run.err) == (130, "shoal: interrupted\n")


#: Runs shoal in a new process with ``Session.check`` raising ``FAULT`` (an error shoal's own
#: code cannot be made to raise on purpose from the command line).
INJECT = """\
import sys
import analyzer.engine._session as session
from analyzer.interfaces import main
def fault(*args, **kwargs):
    raise {fault}
session.Session.check = fault
sys.exit(main(sys.argv[1:]))
"""


def run_with_fault(fault: str, *args: str, cwd, debug: bool = False) -> Run:
    env = {k: v for k, v in os.environ.items() if k != "SHOAL_DEBUG"}
    if debug:
        env["SHOAL_DEBUG"] = "1"
    proc = subprocess.run([sys.executable, "-c", INJECT.format(fault=fault), *args],
                          cwd=cwd, env=env, capture_output=True, timeout=120)
    return Run(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def test_an_unexpected_error_in_a_process(broken):
    fault = 'RuntimeError("injected fault\\nsecond line")'
    assert_one_line_report(run_with_fault(fault, *CHECK, cwd=broken))
    run = run_with_fault(fault, *CHECK, cwd=broken, debug=True)
    assert run.code == 2
    assert "Traceback (most recent call last):" in run.err
    assert run.err.splitlines()[-1].startswith("shoal: internal error: RuntimeError")


def test_a_closed_pipe_keeps_its_quiet_exit(broken):
    run = run_with_fault("BrokenPipeError()", *CHECK, cwd=broken)
    assert (run.code, run.err) == (2, "")


# -- --output-file ---------------------------------------------------------------------------


@pytest.fixture
def no_check(project, monkeypatch):
    """A project in which a check or watch that starts fails the test."""
    started = []

    def start(*args, **kwargs):
        started.append(args)
        return 0

    monkeypatch.setattr(analyzer.engine._session.Session, "check", start)
    monkeypatch.setattr(analyzer.interfaces._watch, "run_watch", start)
    write_tree(project, {"a.py": "import os\n", "sub/keep.txt": ""})
    yield project
    assert started == [], "the check ran before the --output-file was checked"


@pytest.mark.parametrize("command", [
    ("check", "--workers", "0", "--no-cache", "a.py"),
    ("check", "--workers", "0", "--no-cache", "--fix", "a.py"),
    ("watch", "--workers", "0", "--no-cache", "a.py"),
])
@pytest.mark.parametrize("target, reason", [
    ("missing/dir/out.txt", "no such directory {root}/missing/dir"),
    ("sub", "it is a directory"),
    ("a.py/out.txt", "{root}/a.py is not a directory"),
])
def test_an_unwritable_output_file_is_a_usage_error(no_check, shoal, command, target, reason):
    run = shoal(*command, "--output-file", target)
    assert run.code == 2
    assert run.err == (f"shoal: error: cannot write --output-file {target}: "
                       f"{reason.format(root=no_check)}\n")
    assert run.out == ""
    assert (no_check / "a.py").read_text() == "import os\n"  # --fix changed nothing


def test_an_output_directory_gone_during_the_check_is_one_line(project, shoal, monkeypatch):
    session_check = analyzer.engine._session.Session.check

    def check_then_remove(self, *args, **kwargs):
        (project / "out" / "keep.txt").unlink()
        (project / "out").rmdir()
        return session_check(self, *args, **kwargs)

    monkeypatch.setattr(analyzer.engine._session.Session, "check", check_then_remove)
    write_tree(project, {"a.py": "import os\n", "out/keep.txt": ""})
    run = shoal(*CHECK, "--output-file", "out/report.txt")
    assert run.code == 2
    assert run.err == ("shoal: error: cannot write --output-file out/report.txt: "
                       "No such file or directory\n")
