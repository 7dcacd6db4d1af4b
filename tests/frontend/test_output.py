"""Output formats: text, statistics, JSON (exact shape), SARIF (schema-valid), GitHub; exit codes."""
from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

from analyzer.interfaces import exit_codes
from analyzer.interfaces.output import (
    FORMATS,
    OutputOptions,
    Report,
    RuleInfo,
    escape_data,
    escape_property,
    get_formatter,
    render,
    should_color,
    write_report,
)
from analyzer.rules import Diagnostic, Edit, Fix

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
CWD = "/work/proj"

SAFE = Fix("safe", "Remove unused import: 'os'", (Edit("", 1, 1, 2, 1),))
UNSAFE = Fix("unsafe", "Replace with `is`", (Edit("is", 3, 6, 3, 8),))

DIAGS = [
    Diagnostic(f"{CWD}/pkg/b.py", 3, 4, "E711", "comparison to None", 3, 8, "none-comparison", UNSAFE),
    Diagnostic("pkg/a.py", 1, 1, "F401", "'os' imported but unused", 1, 10, "unused-import", SAFE),
    Diagnostic("/elsewhere/c.py", 2, 5, "F821", "undefined name 'é'", 2, 6, "undefined-name"),
    Diagnostic("pkg/a.py", 1, 1, "E999", "SyntaxError: bad, really: 100%\nnext", 0, 0, "syntax-error"),
]
RULES = [RuleInfo("F401", "unused-import", "Module imported but unused", True),
         RuleInfo("E711", "none-comparison", "Comparison to None", True),
         RuleInfo("F821", "undefined-name", "Undefined name")]


def report(diags=DIAGS) -> Report:
    return Report.of(diags, RULES, files_checked=3)


def options(**kw) -> OutputOptions:
    return OutputOptions(cwd=CWD, **kw)


def test_text_format_paths_sorted_marker_and_summary() -> None:
    # Sorted by Diagnostic.sort_key on the paths as the pipeline gives them (display paths in
    # practice); an absolute path inside the working directory is shown relative.
    out = render(report(), "text", options())
    assert out.splitlines() == [
        "/elsewhere/c.py:2:5: F821 undefined name 'é'",
        "pkg/b.py:3:4: E711 comparison to None",
        "pkg/a.py:1:1: E999 SyntaxError: bad, really: 100%",
        "next",
        "pkg/a.py:1:1: F401 [*] 'os' imported but unused",
        "Found 4 errors.",
        "[*] 1 fixable with the --fix option (1 unsafe fix available with --fix --unsafe-fixes).",
    ]


def test_text_clean_run_and_quiet_and_count() -> None:
    assert render(report([]), "text", options()) == "All checks passed!\n"
    one = report(DIAGS[2:3])
    assert render(one, "text", options(quiet=True)) == "/elsewhere/c.py:2:5: F821 undefined name 'é'\n"
    assert render(one, "text", options(count=True)).splitlines()[-1] == "1"
    assert render(one, "text", options()).splitlines()[-1] == "Found 1 error."


def test_text_colour() -> None:
    out = render(report(DIAGS[1:2]), "text", options(color=True))
    assert "\x1b[" in out and "pkg/a.py" in out and "[*]" in out
    assert "\x1b[" not in render(report(DIAGS[1:2]), "text", options())


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("mode", "tty", "env", "expected"),
    [("always", False, {}, True), ("never", True, {}, False), ("auto", True, {}, True),
     ("auto", False, {}, False), ("auto", True, {"NO_COLOR": ""}, False)],
)
def test_should_color(mode: str, tty: bool, env: dict, expected: bool) -> None:
    stream = _Tty() if tty else io.StringIO()
    assert should_color(mode, stream, env) is expected


def test_statistics() -> None:
    # A code is [*] when every finding of it is fixable (as ruff's table); z.py's is too.
    diags = DIAGS + [Diagnostic("pkg/z.py", 9, 1, "F401", "'sys' imported but unused", 9, 11, "unused-import", SAFE)]
    out = render(report(diags), "text", options(), statistics=True)
    assert out.splitlines()[:4] == [
        "2\tF401\t[*] unused-import",
        "1\tE711\t[ ] none-comparison",
        "1\tE999\t[ ] syntax-error",
        "1\tF821\t[ ] undefined-name",
    ]
    assert out.splitlines()[4] == "Found 5 errors."


def test_json_exact_shape() -> None:
    data = json.loads(render(report(), "json", options()))
    assert [list(item) for item in data] == [
        ["path", "line", "column", "end_line", "end_column", "code", "name", "message", "fix"]] * 4
    assert [(d["path"], d["code"]) for d in data] == [
        ("/elsewhere/c.py", "F821"), ("pkg/b.py", "E711"), ("pkg/a.py", "E999"), ("pkg/a.py", "F401")]
    assert data[3] == {
        "path": "pkg/a.py", "line": 1, "column": 1, "end_line": 1, "end_column": 10,
        "code": "F401", "name": "unused-import", "message": "'os' imported but unused",
        "fix": {"applicability": "safe", "message": "Remove unused import: 'os'",
                "edits": [{"content": "", "location": {"line": 1, "column": 1},
                           "end_location": {"line": 2, "column": 1}}]},
    }
    assert data[0]["fix"] is None
    assert (data[2]["end_line"], data[2]["end_column"]) == (1, 1)  # no end given: empty range
    assert json.loads(render(report([]), "json", options())) == []


def test_sarif_validates_against_the_official_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    log = json.loads(render(report(), "sarif", options()))
    jsonschema.validate(log, schema, cls=jsonschema.Draft4Validator)
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and run["columnKind"] == "unicodeCodePoints"
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["E711", "E999", "F401", "F821"]
    assert rules[2]["name"] == "unused-import"
    assert rules[2]["shortDescription"] == {"text": "Module imported but unused"}
    results = run["results"]
    assert [(r["ruleId"], rules[r["ruleIndex"]]["id"], r["level"]) for r in results] == [
        ("F821", "F821", "error"), ("E711", "E711", "error"), ("E999", "E999", "error"), ("F401", "F401", "error")]
    location = results[3]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "pkg/a.py", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 10}}
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "file:///elsewhere/c.py"}
    replacement = results[3]["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement == {"deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 2, "endColumn": 1},
                           "insertedContent": {"text": ""}}
    assert "fixes" not in results[0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///work/proj/"


def test_sarif_schema_file_is_the_oasis_one() -> None:
    schema = json.loads(SCHEMA.read_text())
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    # The schema really rejects what it must: a result without a message.
    bad = json.loads(render(report(DIAGS[:1]), "sarif", options()))
    del bad["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema, cls=jsonschema.Draft4Validator)


def test_github_format_and_escaping() -> None:
    out = render(report(), "github", options()).splitlines()
    assert out[3] == "::error file=pkg/a.py,line=1,col=1,endLine=1,endColumn=10,title=F401::'os' imported but unused"
    assert out[2] == ("::error file=pkg/a.py,line=1,col=1,endLine=1,endColumn=1,title=E999::"
                      "SyntaxError: bad, really: 100%25%0Anext")
    assert escape_property("a:b,c%d\r\n") == "a%3Ab%2Cc%25d%0D%0A"
    assert escape_data("a:b,c%d\r\n") == "a:b,c%25d%0D%0A"
    weird = Diagnostic("dir,x/a:b.py", 1, 1, "F401", "m")
    assert render(report([weird]), "github", options()).startswith("::error file=dir%2Cx/a%3Ab.py,")


def test_format_table_and_unknown_format() -> None:
    assert set(FORMATS) == {"concise", "full", "json", "sarif", "github", "gitlab", "junit",
                            "json-lines", "grouped", "pylint", "azure", "rdjson",
                            "statistics", "statistics-json"}
    assert get_formatter("text") is FORMATS["concise"]  # the older name
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        get_formatter("xml")


def test_write_report() -> None:
    stream = io.StringIO()
    write_report(report([]), "text", stream, options())
    assert stream.getvalue() == "All checks passed!\n"


@pytest.mark.parametrize(
    ("diags", "exit_zero", "code"),
    [([], False, exit_codes.SUCCESS), (DIAGS[:1], False, exit_codes.PROBLEMS), (DIAGS[:1], True, exit_codes.SUCCESS),
     ([Diagnostic("a.py", 1, 1, "SH900", "rule F401 raised")], True, exit_codes.ERROR)],
    ids=["clean", "problems", "exit-zero", "internal-error-beats-exit-zero"],
)
def test_exit_codes(diags, exit_zero: bool, code: int) -> None:
    assert report(diags).exit_code(exit_zero=exit_zero) == code
    assert (exit_codes.SUCCESS, exit_codes.PROBLEMS, exit_codes.ERROR) == (0, 1, 2)
