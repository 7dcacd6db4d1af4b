"""ruff's other output formats, as CI tools read them: ``json-lines``, ``grouped``,
``pylint``, ``azure`` (Azure Pipelines) and ``rdjson`` (reviewdog)."""
from __future__ import annotations

import json

import pytest

from analyzer.interfaces import exit_codes
from analyzer.interfaces.output import OutputOptions, Report, render
from analyzer.rules import Diagnostic, Edit, Fix
from tests.cli.helpers import write_tree

CHECK = ("check", "--no-cache", "--workers", "0", "--select", "F401,F821,E711")
SOURCE = "import os\n\n\ndef f(x):\n    if x == None:\n        return undefined\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    write_tree(tmp_path, {"pyproject.toml": "[tool.shoal]\n", "a.py": SOURCE,
                          "pkg/__init__.py": "", "pkg/b.py": "import re\n"})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_json_lines_is_the_json_objects_one_per_line(project, shoal):
    whole = shoal(*CHECK, "--output-format", "json").json()
    run = shoal(*CHECK, "--output-format", "json-lines")
    assert run.code == exit_codes.PROBLEMS
    lines = run.out.splitlines()
    assert [json.loads(line) for line in lines] == whole and len(lines) == 4
    assert shoal(*CHECK, "--output-format", "json-lines", "pkg/__init__.py").out == ""


def test_grouped_lists_each_files_findings_under_its_name(project, shoal):
    run = shoal(*CHECK, "--output-format", "grouped")
    assert run.code == exit_codes.PROBLEMS
    assert run.out.splitlines() == [
        "a.py:",
        "  1:1  F401 [*] 'os' imported but unused",
        "  5:10 E711 comparison to None should be 'if cond is None:'",
        "  6:16 F821 undefined name 'undefined'",
        "",
        "pkg/b.py:",
        "  1:1 F401 [*] 're' imported but unused",
        "",
        "Found 4 errors.",
        "[*] 2 fixable with the --fix option (1 unsafe fix available with --fix "
        "--unsafe-fixes).",
    ]
    assert shoal(*CHECK, "--output-format", "grouped", "--statistics").out == \
        shoal(*CHECK, "--statistics").out


def test_pylint_format(project, shoal):
    assert shoal(*CHECK, "--output-format", "pylint").out.splitlines() == [
        "a.py:1: [F401] 'os' imported but unused",
        "a.py:5: [E711] comparison to None should be 'if cond is None:'",
        "a.py:6: [F821] undefined name 'undefined'",
        "pkg/b.py:1: [F401] 're' imported but unused",
    ]


def test_azure_logging_commands(project, shoal):
    lines = shoal(*CHECK, "--output-format", "azure").out.splitlines()
    assert lines[0] == ("##vso[task.logissue type=error;sourcepath=a.py;linenumber=1;"
                        "columnnumber=1;code=F401;]'os' imported but unused")
    assert len(lines) == 4
    # what would end a property or the command is escaped, as the agent unescapes it
    odd = Diagnostic("x;y].py", 2, 3, "X1", "100% sure\nnot", 2, 4)
    assert render(Report([odd]), "azure", OutputOptions(cwd="/p")) == (
        "##vso[task.logissue type=error;sourcepath=x%3By%5D.py;linenumber=2;columnnumber=3;"
        "code=X1;]100%AZP25 sure%0Anot\n")


def test_rdjson_for_reviewdog_carries_ranges_codes_and_suggestions(project, shoal):
    document = json.loads(shoal(*CHECK, "--output-format", "rdjson").out)
    assert document["source"]["name"] == "shoal" and document["severity"] == "WARNING"
    first, comparison, undefined, other = document["diagnostics"]
    assert first["location"] == {"path": "a.py", "range": {"start": {"line": 1, "column": 1},
                                                           "end": {"line": 1, "column": 10}}}
    assert first["code"]["value"] == "F401" and first["code"]["url"].endswith("#rules")
    assert first["suggestions"] == [{"range": {"start": {"line": 1, "column": 1},
                                               "end": {"line": 2, "column": 1}}, "text": ""}]
    assert comparison["suggestions"][0]["text"] == "is"  # an unsafe fix is a suggestion too
    assert "suggestions" not in undefined
    assert other["location"]["path"] == "pkg/b.py"
    clean = json.loads(render(Report([]), "rdjson", OutputOptions(cwd="/p")))
    assert clean["diagnostics"] == []


def test_every_new_format_leaves_a_clean_run_silent_or_summarised() -> None:
    fix = Fix("safe", "m", (Edit(1, 1, 1, 2, ""),))
    finding = Diagnostic("a.py", 1, 1, "F401", "m", 1, 2, fix=fix)
    for fmt in ("json-lines", "pylint", "azure"):
        assert render(Report([]), fmt, OutputOptions(cwd="/p")) == ""
        assert render(Report([finding]), fmt, OutputOptions(cwd="/p")).count("\n") == 1
    assert render(Report([]), "grouped", OutputOptions(cwd="/p")) == "All checks passed!\n"
