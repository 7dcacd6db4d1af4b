"""Usage errors that used to end in a traceback: a heap larger than a heap can be (one line
naming the limit and the memory available, exit 2), and a named directory that cannot be
listed (E902 at that path, as ruff reports it, while the other paths are checked)."""
from __future__ import annotations

import os

import pytest

from analyzer.interfaces import exit_codes
from analyzer.interfaces._prepare import MAX_HEAP_SIZE, _available_memory
from tests.cli.helpers import write_tree

GOOD = "import os\n"


def _one_line_error(run) -> str:
    assert run.code == exit_codes.ERROR, run.out + run.err
    assert run.out == ""
    (line,) = run.err.splitlines()
    assert line.startswith("shoal: error: ") and "Traceback" not in run.err
    return line


@pytest.mark.parametrize("size", ["1T", "300G", str(MAX_HEAP_SIZE + 1)])
def test_heap_size_option_above_the_limit(project, shoal, size):
    write_tree(project, {"a.py": GOOD})
    line = _one_line_error(shoal("check", "--no-cache", "--heap-size", size))
    assert f"--heap-size {size}" in line
    assert "limit of 255 GiB" in line and "available" in line


def test_heap_size_setting_above_the_limit(project, shoal):
    write_tree(project, {"pyproject.toml": '[tool.shoal]\nheap-size = "300G"\n', "a.py": GOOD})
    line = _one_line_error(shoal("check", "--no-cache"))
    assert "pyproject.toml" in line and "300 GiB" in line and "255 GiB" in line


def test_the_largest_heap_is_accepted(project, shoal):
    # The region is sparse: asking for the limit costs only the pages written.
    write_tree(project, {"a.py": GOOD})
    run = shoal("check", "--no-cache", "--workers", "0", "--heap-size", "255G")
    assert run.code == exit_codes.PROBLEMS, run.err


def test_available_memory_is_named() -> None:
    assert _available_memory().endswith("GiB")


def _deny_listing(monkeypatch, name: str) -> None:
    """What chmod 000 on a directory called ``name`` does to a user (the suite runs as root,
    who may list anything): the directory itself can be stat'ed, but listing it and
    stat'ing anything in it fail with EACCES."""
    real_scandir, real_stat = os.scandir, os.stat
    inside = os.sep + name + os.sep

    def scandir(path="."):
        if os.path.basename(os.fspath(path)) == name:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    def stat(path, *args, **kwargs):
        if isinstance(path, (str, os.PathLike)) and inside in os.fspath(path):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "stat", stat)


@pytest.mark.fault
@pytest.mark.parametrize("named", [["locked", "ok"], ["."], ["ok", "locked/inner.py"]])
def test_a_directory_that_cannot_be_listed_is_e902_and_the_run_goes_on(
        project, shoal, monkeypatch, named):
    write_tree(project, {"locked/x.py": GOOD, "locked/inner.py": GOOD, "ok/y.py": GOOD})
    _deny_listing(monkeypatch, "locked")
    run = shoal("check", "--no-cache", "--workers", "0", "--output-format", "json", *named)
    assert run.code == exit_codes.PROBLEMS, run.err
    found = {(d["path"], d["code"]) for d in run.json()}
    if "locked/inner.py" in named:  # a named file in it cannot even be stat'ed
        assert found == {("ok/y.py", "F401"), ("locked/inner.py", "E902")}
    else:
        assert ("locked", "E902") in found and ("ok/y.py", "F401") in found
        (e902,) = [d for d in run.json() if d["code"] == "E902"]
        assert "Permission denied" in e902["message"] and e902["line"] == 1


@pytest.mark.fault
def test_an_unlistable_directory_outside_the_named_paths_is_not_reported(
        project, shoal, monkeypatch):
    write_tree(project, {"locked/x.py": GOOD, "ok/y.py": GOOD})
    _deny_listing(monkeypatch, "locked")
    run = shoal("check", "--no-cache", "--workers", "0", "--output-format", "json", "ok")
    assert run.codes() == [("ok/y.py", 1, "F401")]


@pytest.mark.fault
def test_a_named_path_that_cannot_be_reached_is_e902(project, shoal, monkeypatch):
    write_tree(project, {"ok/y.py": GOOD})
    real = os.stat

    def stat(path, *args, **kwargs):
        if os.fspath(path).endswith("hidden/z.py"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    run = shoal("check", "--no-cache", "--workers", "0", "--output-format", "json",
                "hidden/z.py", "ok")
    assert run.code == exit_codes.PROBLEMS, run.err
    assert {(d["path"], d["code"]) for d in run.json()} == {("hidden/z.py", "E902"),
                                                            ("ok/y.py", "F401")}


@pytest.mark.skipif(os.geteuid() == 0, reason="root lists any directory: the monkeypatched "
                    "os.scandir tests above stand in for chmod 000")
def test_chmod_000_directory(project, shoal):
    write_tree(project, {"locked/x.py": GOOD, "ok/y.py": GOOD})
    (project / "locked").chmod(0)
    try:
        run = shoal("check", "--no-cache", "--workers", "0", "--output-format", "json",
                    "locked", "ok")
    finally:
        (project / "locked").chmod(0o755)
    assert {(d["path"], d["code"]) for d in run.json()} == {("locked", "E902"),
                                                            ("ok/y.py", "F401")}
