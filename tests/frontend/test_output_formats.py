"""ruff's output conventions from the CLI: --output-format (full, concise, gitlab, junit),
--statistics with every format, the fix on every fixable finding, SARIF rule documentation and
plain-text rule descriptions."""
from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]  # no stubs in the test extra
import pytest

from analyzer.interfaces import exit_codes
from analyzer.interfaces._parser import FORMATS as CLI_FORMATS
from analyzer.interfaces._parser import build_parser
from analyzer.interfaces.output import (
    CHECK_FORMATS,
    OutputOptions,
    Report,
    plain_text,
    render,
    resolve_format,
)
from analyzer.rules import Diagnostic
from tests.cli.helpers import run_subprocess, write_tree

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
CHECK = ("check", "--no-cache", "--workers", "0")
#: Two unused imports on one statement (one fix for both), one on its own, one finding with an
#: unsafe fix, one without a fix; a tab and a wide character before a span.
SOURCE = (
    "import os, sys\n"
    "import json\n"
    "\n"
    "\n"
    "def f(x):\n"
    "\tif x == None:\n"
    '\t\treturn "é😀" + undefined\n'
)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A configured project with SOURCE in a.py, made the working directory."""
    # E401 left out: SOURCE puts two imports on one line to show a fix shared by two findings
    write_tree(tmp_path, {"pyproject.toml": '[tool.shoal]\nextend-ignore = ["E401"]\n',
                          "a.py": SOURCE})
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- the flag ----------------------------------------------------------------------------


def test_output_format_is_the_flag_and_format_its_alias(project, shoal):
    by_flag = shoal(*CHECK, "--output-format", "json", "a.py")
    by_alias = shoal(*CHECK, "--format", "json", "a.py")
    assert by_flag.code == by_alias.code == exit_codes.PROBLEMS
    assert by_flag.json() == by_alias.json() and by_flag.json()
    assert shoal(*CHECK, "--format", "text", "a.py").out == \
        shoal(*CHECK, "--output-format", "concise", "a.py").out
    args = build_parser().parse_args(["watch", "--output-format", "json"])
    assert args.format == "json"
    assert build_parser().parse_args(["watch", "--format", "text"]).format == "concise"
    assert build_parser().parse_args(["rules", "--output-format", "json"]).format == "json"
    assert set(CLI_FORMATS) == set(CHECK_FORMATS)


def test_a_bad_format_is_a_usage_error_naming_output_format(project, shoal):
    with pytest.raises(SystemExit) as exc:
        shoal(*CHECK, "--format", "xml", "a.py")
    assert exc.value.code == exit_codes.ERROR


def test_the_usage_error_message_names_output_format(project):
    run = run_subprocess(*CHECK, "--format", "xml", "a.py", cwd=project)
    assert run.code == exit_codes.ERROR
    assert "argument --output-format" in run.err and "invalid choice: 'xml'" in run.err


def test_in_a_pipe_the_default_is_concise(project):
    run = run_subprocess(*CHECK, "a.py", cwd=project)
    assert run.code == exit_codes.PROBLEMS
    assert run.out.splitlines()[:2] == ["a.py:1:1: F401 [*] 'os' imported but unused",
                                        "a.py:1:1: F401 [*] 'sys' imported but unused"]
    assert " | " not in run.out and "help:" not in run.out


def _run_on_a_terminal(*args: str, cwd: Path) -> tuple[int, str]:
    """`shoal ARGS` with stdout on a pseudo-terminal; (exit code, what the terminal got)."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "analyzer", *args], cwd=cwd,
                                stdout=slave, stderr=subprocess.DEVNULL,
                                env={**os.environ, "NO_COLOR": "1"})
        os.close(slave)
        slave = -1
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer of the terminal has closed it
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = proc.wait(timeout=120)
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)
    return code, b"".join(chunks).decode().replace("\r\n", "\n")


def test_on_a_terminal_the_default_is_full(project):
    code, out = _run_on_a_terminal(*CHECK, "a.py", cwd=project)
    assert code == exit_codes.PROBLEMS
    assert out.startswith("a.py:1:1: F401 [*] 'os' imported but unused\n  |\n1 | import os, sys\n")
    assert "  = help: Remove unused import" in out
    assert "\x1b[" not in out  # NO_COLOR


FULL = """\
a.py:1:1: F401 [*] 'os' imported but unused
  |
1 | import os, sys
  | ^^^^^^^^^^^^^^ F401
2 | import json
  |
  = help: Remove unused import

a.py:1:1: F401 [*] 'sys' imported but unused
  |
1 | import os, sys
  | ^^^^^^^^^^^^^^ F401
2 | import json
  |
  = help: Remove unused import

a.py:2:1: F401 [*] 'json' imported but unused
  |
1 | import os, sys
2 | import json
  | ^^^^^^^^^^^ F401
  |
  = help: Remove unused import

a.py:6:7: E711 comparison to None should be 'if cond is None:'
  |
5 | def f(x):
6 |     if x == None:
  |          ^^ E711
7 |         return "é😀" + undefined
  |
  = help: Replace with `is`

a.py:7:17: F821 undefined name 'undefined'
  |
5 | def f(x):
6 |     if x == None:
7 |         return "é😀" + undefined
  |                        ^^^^^^^^^ F821
  |

Found 5 errors.
[*] 3 fixable with the --fix option (1 unsafe fix available with --fix --unsafe-fixes).
"""


def test_full_shows_source_carets_and_the_fix(project, shoal):
    # Blank lines 3-4 are trimmed from the context; tabs become four columns; 😀 is two wide.
    run = shoal(*CHECK, "--output-format", "full", "a.py")
    assert run.code == exit_codes.PROBLEMS
    assert run.out == FULL


def test_full_shows_the_source_read_from_stdin(project):
    run = run_subprocess(*CHECK, "--output-format", "full", "-", "--stdin-filename", "a.py",
                         cwd=project, stdin=b"x = 1\nimport json\n")
    assert run.code == exit_codes.PROBLEMS, run.err
    assert "2 | import json\n  | ^^^^^^^^^^^ F401\n" in run.out
    assert "import os, sys" not in run.out  # the file on disk is not what was checked


def test_full_frames_the_edges_of_a_file_and_hides_control_characters() -> None:
    diags = [Diagnostic("b.py", 1, 1, "E902", "cannot read", 1, 1),
             Diagnostic("c.py", 1, 5, "F821", "undefined name 'y'", 1, 6),
             Diagnostic("c.py", 2, 3, "F999", "span runs on", 3, 2)]
    sources = {"c.py": "x = y\x1b[31m\ndef (\n):\n", "b.py": "whatever\n"}
    out = render(Report(diags), "full", OutputOptions(cwd="/nowhere", sources=sources))
    # The whole-file finding shows no source; ESC is shown as its picture, never sent.
    assert out.startswith("b.py:1:1: E902 cannot read\n\nc.py:1:5: F821 undefined name 'y'\n"
                          "  |\n1 | x = y␛[31m\n  |     ^ F821\n2 | def (\n")
    assert "\x1b" not in out
    # A span over several lines underlines the rest of its first line.
    assert "2 | def (\n  |   ^^^ F999\n3 | ):\n" in out


# --- gitlab and junit ------------------------------------------------------------------------


def test_gitlab_code_quality_report(project, shoal):
    run = shoal(*CHECK, "--output-format", "gitlab", "a.py")
    assert run.code == exit_codes.PROBLEMS
    items = run.json()
    assert len(items) == 5
    for item in items:
        assert set(item) == {"check_name", "description", "severity", "fingerprint", "location"}
        assert item["severity"] == "major"
        assert item["description"].startswith(item["check_name"] + ": ")
        assert re.fullmatch(r"[0-9a-f]{32}", item["fingerprint"])
        assert item["location"]["path"] == "a.py"
        lines = item["location"]["lines"]
        assert isinstance(lines["begin"], int) and lines["end"] >= lines["begin"] >= 1
    assert [i["check_name"] for i in items] == ["F401", "F401", "F401", "E711", "F821"]
    assert items[1]["location"]["lines"] == {"begin": 1, "end": 1}
    assert len({i["fingerprint"] for i in items}) == 5
    # A line inserted above moves every finding and keeps every fingerprint.
    (project / "a.py").write_text("# a comment\n" + SOURCE, encoding="utf-8")
    moved = shoal(*CHECK, "--output-format", "gitlab", "a.py").json()
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in items]
    assert moved[0]["location"]["lines"]["begin"] == 2


def test_gitlab_identical_findings_get_distinct_fingerprints() -> None:
    twice = [Diagnostic("a.py", n, 1, "F821", "undefined name 'x'", n, 2) for n in (1, 2)]
    items = json.loads(render(Report(twice), "gitlab", OutputOptions(cwd="/p")))
    assert items[0]["fingerprint"] != items[1]["fingerprint"]


def test_gitlab_paths_are_relative_to_the_ci_project_dir(project, shoal, monkeypatch):
    monkeypatch.setenv("CI_PROJECT_DIR", str(project.parent))
    items = shoal(*CHECK, "--output-format", "gitlab", "a.py").json()
    assert {i["location"]["path"] for i in items} == {f"{project.name}/a.py"}


def _find(element: ET.Element, path: str) -> ET.Element:
    found = element.find(path)
    assert found is not None, f"no {path} in {ET.tostring(element, encoding='unicode')}"
    return found


def test_junit_report(project, shoal):
    write_tree(project, {"pkg/__init__.py": "", "pkg/b.py": "import re\n"})
    run = shoal(*CHECK, "--output-format", "junit", "a.py", "pkg/b.py")
    assert run.code == exit_codes.PROBLEMS
    assert run.out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(run.out.split("\n", 1)[1])
    assert root.tag == "testsuites"
    assert (root.get("name"), root.get("tests"), root.get("failures"), root.get("errors")) == \
        ("shoal", "6", "6", "0")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["a.py", "pkg/b.py"]
    assert [(s.get("tests"), s.get("failures")) for s in suites] == [("5", "5"), ("1", "1")]
    cases = suites[0].findall("testcase")
    assert [c.get("name") for c in cases] == ["org.shoal.F401"] * 3 + ["org.shoal.E711",
                                                                       "org.shoal.F821"]
    assert {c.get("classname") for c in cases} == {"a"}
    assert _find(suites[1], "testcase").get("classname") == "pkg/b"
    failure = _find(cases[4], "failure")
    assert (cases[4].get("line"), cases[4].get("column")) == ("7", "17")
    assert failure.get("message") == "undefined name 'undefined'"
    assert failure.text == "line 7, col 17, undefined name 'undefined'"


def test_junit_clean_run_and_unprintable_messages() -> None:
    root = ET.fromstring(render(Report([]), "junit", OutputOptions(cwd="/p")).split("\n", 1)[1])
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "shoal" and suite.get("failures") == "0"
    assert [c.get("name") for c in suite.findall("testcase")] == ["No errors found"]
    assert _find(suite, "testcase").find("failure") is None
    odd = Diagnostic("a.py", 1, 1, "E999", "bad \x00 byte \x1b", 1, 1)
    xml = render(Report([odd]), "junit", OutputOptions(cwd="/p"))
    case = _find(ET.fromstring(xml.split("\n", 1)[1]), "testsuite/testcase")
    assert _find(case, "failure").get("message") == "bad \\x00 byte \\x1b"


# --- statistics and fixes ----------------------------------------------------------------------


def test_statistics_table_counts_every_fixable_finding(project, shoal):
    run = shoal(*CHECK, "--statistics", "a.py")
    assert run.code == exit_codes.PROBLEMS
    assert run.out.splitlines() == [
        "3\tF401\t[*] unused-import",
        "1\tE711\t[ ] none-comparison",
        "1\tF821\t[ ] undefined-name",
        "Found 5 errors.",
        "[*] 3 fixable with the --fix option (1 unsafe fix available with --fix --unsafe-fixes).",
    ]
    assert shoal(*CHECK, "--statistics", "--output-format", "full", "a.py").out == run.out


def test_statistics_as_json(project, shoal):
    run = shoal(*CHECK, "--statistics", "--output-format", "json", "a.py")
    assert run.code == exit_codes.PROBLEMS
    assert run.json() == [
        {"code": "F401", "name": "unused-import", "count": 3, "fixable": True},
        {"code": "E711", "name": "none-comparison", "count": 1, "fixable": False},
        {"code": "F821", "name": "undefined-name", "count": 1, "fixable": False},
    ]
    (project / "a.py").write_text("x = 1\n", encoding="utf-8")
    assert shoal(*CHECK, "--statistics", "--format", "json", "a.py").json() == []


@pytest.mark.parametrize("fmt", ["sarif", "github", "gitlab", "junit", "json-lines", "pylint",
                                 "azure", "rdjson"])
def test_statistics_with_another_format_is_a_usage_error(project, shoal, fmt):
    run = shoal(*CHECK, "--statistics", "--output-format", fmt, "a.py")
    assert run.code == exit_codes.ERROR
    assert run.out == ""
    assert (f"--statistics works with --output-format concise, full, grouped, json, not {fmt}"
            in run.err)


def test_every_finding_of_a_statement_carries_its_fix_applied_once(project, shoal):
    findings = [d for d in shoal(*CHECK, "--format", "json", "a.py").json() if d["code"] == "F401"]
    assert [d["fix"] is not None for d in findings] == [True, True, True]
    assert findings[0]["fix"] == findings[1]["fix"] != findings[2]["fix"]
    run = shoal(*CHECK, "--fix", "--select", "F401", "a.py")
    assert run.code == exit_codes.SUCCESS, run.err
    assert "Found 3 errors (3 fixed, 0 remaining)." in run.out
    assert (project / "a.py").read_text(encoding="utf-8") == \
        SOURCE.replace("import os, sys\nimport json\n", "")


def test_a_reexported_name_makes_the_statement_fix_unsafe_on_every_finding(project, shoal):
    write_tree(project, {"lib.py": "import os, sys\n", "use.py": "from lib import sys\nsys\n"})
    findings = shoal(*CHECK, "--format", "json", "lib.py").json()
    assert [d["code"] for d in findings] == ["F401", "F401"]
    assert findings[0]["fix"] == findings[1]["fix"]
    assert findings[0]["fix"]["applicability"] == "unsafe"
    assert "use.py imports `sys`" in findings[0]["fix"]["message"]
    shoal(*CHECK, "--fix", "lib.py")
    assert (project / "lib.py").read_text(encoding="utf-8") == "import os, sys\n"


# --- rule documentation ------------------------------------------------------------------------


def test_sarif_rules_carry_help_uri_and_full_description(project, shoal):
    run = shoal(*CHECK, "--output-format", "sarif", "a.py")
    log = json.loads(run.out)
    jsonschema.validate(log, json.loads(SCHEMA.read_text()), cls=jsonschema.Draft4Validator)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    for rule in rules.values():
        assert re.fullmatch(r"https?://\S+", rule["helpUri"]), rule
        assert rule["fullDescription"]["text"] and rule["shortDescription"]["text"]
        for text in (rule["fullDescription"]["text"], rule["shortDescription"]["text"]):
            assert "`" not in text, (rule["id"], text)
    assert rules["F401"]["helpUri"].endswith("#rules")
    assert rules["F401"]["shortDescription"]["text"] == \
        "An imported name that the module never reads nor lists in __all__."
    # The docstring's code prefix is not repeated ("F501: a ..." -> "A ...").
    assert rules["F501"]["shortDescription"]["text"].startswith("A % format string")


def test_rules_and_rule_show_plain_text(project, shoal):
    listing = shoal("rules")
    assert listing.code == exit_codes.SUCCESS
    assert "``" not in listing.out and "`" not in listing.out
    assert "F401   [*] unused-import" in listing.out
    rows = shoal("rules", "--output-format", "json").json()
    assert all("`" not in row["description"] for row in rows)
    assert {row["code"]: row["url"] for row in rows}["SH002"].endswith("#rules")
    one = shoal("rule", "E711")
    assert one.code == exit_codes.SUCCESS
    assert "== None calls __eq__" in one.out and "`" not in one.out.split("Invalid:")[0]


def test_rule_prints_project_rule_examples_dedented(project, shoal):
    out = shoal("rule", "SH002").out
    block = out.split("  Invalid:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert block[:3] == ["    # file: app.py", "    from lib import scale", "    scale(2, 3, 4)"]
    assert all(not line.endswith(" ") for line in out.splitlines())


def test_plain_text() -> None:
    assert plain_text("``x == None`` and :class:`~pkg.mod.Name`") == "x == None and Name"
    assert plain_text(":func:`the docs <pkg.f>` or `default` or `link`_") == \
        "the docs or default or link"
    assert plain_text("no markup: 100% sure") == "no markup: 100% sure"


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_resolve_format() -> None:
    assert resolve_format(None, _Stream(True)) == "full"
    assert resolve_format(None, _Stream(False)) == "concise"
    assert resolve_format(None, _Stream(True), to_file=True) == "concise"
    assert resolve_format("text", _Stream(True)) == "concise"
    assert resolve_format("json", _Stream(True)) == "json"


def test_statistics_marks_a_code_fixable_only_when_every_finding_is() -> None:
    from analyzer.rules import Edit, Fix

    fix = Fix("safe", "Remove unused import", (Edit("", 1, 1, 2, 1),))
    diags = [Diagnostic("a.py", 1, 1, "F401", "'os' imported but unused", 1, 10, "unused-import", fix),
             Diagnostic("b.py", 1, 1, "F401", "'re' imported but unused", 1, 10, "unused-import")]
    out = render(Report(diags), "concise", OutputOptions(cwd="/p"), statistics=True)
    assert out.splitlines()[0] == "2\tF401\tunused-import"  # no [*]/[ ] column at all
    rows = json.loads(render(Report(diags), "json", OutputOptions(cwd="/p"), statistics=True))
    assert rows == [{"code": "F401", "name": "unused-import", "count": 2, "fixable": False}]


def test_paths_are_escaped_so_output_stays_valid_utf8_lines() -> None:
    from analyzer.interfaces.output import escape_path, escape_surrogates

    latin1 = os.fsdecode(b"caf\xe9/a.py")  # what os.scandir gives for the byte 0xE9
    assert escape_path(latin1) == "caf\\xe9/a.py"
    assert escape_path("a\nb\tc\r\x1b\x7f.py") == "a\\nb\\tc\\r\\x1b\\x7f.py"
    assert escape_path("é😀/ok.py") == "é😀/ok.py"  # valid text is kept as it is
    assert escape_path("\ud800") == "\\ud800"
    assert escape_surrogates("a\n" + latin1) == "a\ncaf\\xe9/a.py"
    odd = [Diagnostic(latin1, 1, 1, "F401", "'os' imported but unused", 1, 10),
           Diagnostic("a\nb.py", 1, 1, "F401", "'os' imported but unused", 1, 10)]
    options = OutputOptions(cwd="/p")
    for fmt in CHECK_FORMATS:
        text = render(Report(odd), fmt, options)
        text.encode("utf-8")  # strict
        if fmt in ("concise", "full"):
            heads = [line for line in text.splitlines() if ": F401 " in line]
            assert sorted(h.split(":1:1:")[0] for h in heads) == ["a\\nb.py", "caf\\xe9/a.py"]


def test_write_text_escapes_what_a_strict_stream_cannot_encode() -> None:
    from analyzer.interfaces.output import write_text

    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    write_text(stream, "ok\ncafé\n")
    assert raw.getvalue() == b"ok\ncaf\\xe9\n"
