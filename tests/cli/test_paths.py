"""File names that are not plain text: a byte that is not UTF-8 (legal on Linux, in a file name
or a directory above it) or a newline. Such a file is checked like any other, and every output
format names it so that the output stays valid UTF-8 and one finding stays one line:
backslash escapes in text (``caf\\xe9``, ``a\\nb.py``), percent-encoding in SARIF URIs."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]  # no stubs in the test extra
import pytest

from analyzer.interfaces import exit_codes

SCHEMA = Path(__file__).parent.parent / "frontend" / "data" / "sarif-schema-2.1.0.json"
CHECK = ("check", "--no-cache", "--workers", "1")
#: Real name (bytes) -> the name as text output shows it.
HOSTILE = {
    b"caf\xe9/a.py": "caf\\xe9/a.py",   # a Latin-1 directory name
    b"b\xff.py": "b\\xff.py",           # a byte no encoding of text starts with
    b"a\nb.py": "a\\nb.py",             # a newline
}
SHOWN = sorted(HOSTILE.values())


def make_hostile(root: Path) -> None:
    """Each HOSTILE file, holding one unused import, under ``root``."""
    base = os.fsencode(root)
    for name in HOSTILE:
        path = os.path.join(base, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(b"import os\n")


@pytest.fixture
def hostile(project):
    make_hostile(project)
    return project


def _valid(text: str) -> str:
    text.encode("utf-8")  # strict: a lone surrogate (an unescaped byte) raises
    return text


def test_every_file_is_checked_not_an_internal_error(hostile, shoal):
    run = shoal(*CHECK, "--output-format", "json")
    assert run.code == exit_codes.PROBLEMS, run.out + run.err
    found = json.loads(_valid(run.out))
    assert [d["code"] for d in found] == ["F401"] * 3
    # JSON quotes a newline itself; the byte that is not UTF-8 is escaped.
    assert sorted(d["path"] for d in found) == ["a\nb.py", "b\\xff.py", "caf\\xe9/a.py"]


@pytest.mark.parametrize("fmt", ["concise", "full"])
def test_text_formats_escape_the_names(hostile, shoal, fmt):
    run = shoal(*CHECK, "--output-format", fmt)
    assert run.code == exit_codes.PROBLEMS, run.err
    heads = [line for line in _valid(run.out).splitlines() if ": F401 " in line]
    assert sorted(line.split(":1:1: ")[0] for line in heads) == SHOWN
    if fmt == "full":  # the source is still read from the real name
        assert _valid(run.out).count("1 | import os") == 3


def test_sarif_percent_encodes_the_uris(hostile, shoal):
    run = shoal(*CHECK, "--output-format", "sarif")
    log = json.loads(_valid(run.out))
    jsonschema.validate(log, json.loads(SCHEMA.read_text()), cls=jsonschema.Draft4Validator)
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                  for r in log["runs"][0]["results"])
    assert uris == ["a%0Ab.py", "b%FF.py", "caf%E9/a.py"]


def test_github_gitlab_and_junit_stay_valid(hostile, shoal):
    github = _valid(shoal(*CHECK, "--output-format", "github").out).splitlines()
    files = sorted(line.split("file=")[1].split(",")[0] for line in github)
    assert files == ["a%0Ab.py", "b\\xff.py", "caf\\xe9/a.py"]  # GitHub's own %0A for \n
    gitlab = json.loads(_valid(shoal(*CHECK, "--output-format", "gitlab").out))
    assert sorted(d["location"]["path"] for d in gitlab) == ["a\nb.py", "b\\xff.py",
                                                              "caf\\xe9/a.py"]
    junit = _valid(shoal(*CHECK, "--output-format", "junit").out)
    root = ET.fromstring(junit.split("\n", 1)[1])
    assert sorted(str(s.get("name")) for s in root.findall("testsuite")) == ["a\nb.py", "b\\xff.py",
                                                                        "caf\\xe9/a.py"]


def test_show_files_and_fix_mode_name_them_escaped(hostile, shoal):
    assert _valid(shoal("check", "--show-files").out).splitlines() == SHOWN
    diff = _valid(shoal(*CHECK, "--diff").out)
    assert sorted(line[4:] for line in diff.splitlines() if line.startswith("--- ")) == SHOWN
    run = shoal(*CHECK, "--fix", "--show-fixes")
    assert run.code == exit_codes.SUCCESS, run.out + run.err
    assert sorted(line[2:-1] for line in _valid(run.out).splitlines()
                  if line.startswith("- ")) == SHOWN
    base = os.fsencode(hostile)
    for name in HOSTILE:
        with open(os.path.join(base, name), "rb") as handle:
            assert handle.read() == b""


def _subprocess(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    return subprocess.run([sys.executable, "-m", "analyzer", *CHECK, *args], cwd=cwd, env=env,
                          capture_output=True, timeout=120)


def test_a_strict_utf8_stdout_and_an_output_file(hostile):
    proc = _subprocess(hostile)
    assert proc.returncode == exit_codes.PROBLEMS, proc.stderr.decode(errors="replace")
    heads = [line for line in proc.stdout.decode("utf-8").splitlines() if ": F401 " in line]
    assert sorted(line.split(":1:1: ")[0] for line in heads) == SHOWN
    proc = _subprocess(hostile, "--output-file", "out.txt", "--output-format", "json")
    assert proc.returncode == exit_codes.PROBLEMS, proc.stderr.decode(errors="replace")
    found = json.loads((hostile / "out.txt").read_bytes().decode("utf-8"))
    assert len(found) == 3


def test_heap_table_keys_carry_any_file_name() -> None:
    from heap_native import SharedHeap

    heap = SharedHeap(heap_size="1M", hash_slots=64, dep_slots=64)
    try:
        table = heap.table("facts")
        key = os.fsdecode(b"mod\0/p/caf\xe9/a.py")
        assert table.add(key, "value")
        assert table.get(key) == "value"
        assert table.heap_key(key).endswith(b"caf\xe9/a.py")  # the file system's own bytes
    finally:
        heap.close()


def test_an_error_naming_such_a_path_stays_one_line(project, shoal):
    run = shoal("check", "no\nsuch.py")
    assert run.code == exit_codes.ERROR
    assert _valid(run.err).splitlines() == [
        "shoal: error: no\\nsuch.py: No such file or directory"]


def test_watch_log_lines_escape_the_names() -> None:
    from analyzer.interfaces._watch import _line
    from analyzer.rules import Diagnostic

    d = Diagnostic(os.fsdecode(b"caf\xe9/a\nb.py"), 1, 1, "F401", "'os' imported but unused")
    assert _valid(_line(d)) == "caf\\xe9/a\\nb.py:1:1: F401 'os' imported but unused"
