"""``--format sarif``: SARIF 2.1.0 (validated against the OASIS schema in the tests).

Paths inside the working directory are URIs relative to ``%SRCROOT%`` (declared in
``originalUriBaseIds`` as the working directory), so GitHub code scanning maps them onto the
repository; paths outside it are absolute ``file://`` URIs. Columns are code points
(``columnKind: unicodeCodePoints``), 1-based, end exclusive, like every shoal position.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from analyzer import __version__
from analyzer.interfaces.output._base import (
    Formatter,
    OutputOptions,
    escape_surrogates,
    shown_path,
)
from analyzer.interfaces.output._cells import span
from analyzer.interfaces.output._report import Report, RuleInfo
from analyzer.interfaces.output._rule_docs import rule_doc, rule_help_uri, rule_summary
from analyzer.rules import Diagnostic, Fix

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"


def _location(path: str, cwd: str) -> dict[str, str]:
    shown = shown_path(path, cwd)
    if os.path.isabs(shown):
        return {"uri": Path(shown).as_uri()}  # percent-encodes os.fsencode's bytes
    # From the file system's bytes: a name that is not UTF-8 becomes %E9, never a crash.
    return {"uri": quote(os.fsencode(shown.replace(os.sep, "/"))), "uriBaseId": SRCROOT}


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _fix(fix: Fix, artifact: dict[str, str]) -> dict[str, Any]:
    return {
        "description": {"text": fix.message or f"{fix.applicability} fix"},
        "artifactChanges": [{
            "artifactLocation": artifact,
            "replacements": [
                {
                    "deletedRegion": _region(e.line, e.column, e.end_line, e.end_column),
                    "insertedContent": {"text": e.content},
                }
                for e in fix.edits
            ],
        }],
        "properties": {"applicability": fix.applicability},
    }


def _rules(report: Report) -> list[RuleInfo]:
    rules = dict(report.rules)
    for d in report.diagnostics:
        if d.code not in rules:
            rules[d.code] = RuleInfo(d.code, report.rule_name(d))
    return [rules[code] for code in sorted(rules)]


def _result(d: Diagnostic, index: int, cwd: str) -> dict[str, Any]:
    artifact = _location(d.path, cwd)
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": index,
        "level": "error",
        "message": {"text": escape_surrogates(d.message)},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact,
                "region": _region(*span(d, cwd)),
            }
        }],
    }
    if d.fix is not None and d.fix.edits:
        result["fixes"] = [_fix(d.fix, artifact)]
    return result


def _descriptor(rule: RuleInfo) -> dict[str, Any]:
    """A ``reportingDescriptor``: plain-text descriptions (viewers show them as they are) and
    the documentation URL when the rule's provider declares one (docs/contracts.md §6)."""
    summary = rule_summary(rule) or rule.name or rule.code
    descriptor: dict[str, Any] = {
        "id": rule.code,
        **({"name": rule.name} if rule.name else {}),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": rule_doc(rule) or summary},
        "help": {"text": summary},
    }
    help_uri = rule_help_uri(rule)
    if help_uri:
        descriptor["helpUri"] = help_uri
    descriptor["properties"] = {"fixable": rule.fixable}
    return descriptor


def sarif_log(report: Report, cwd: str) -> dict[str, Any]:
    """The SARIF log as a dict (one run)."""
    rules = _rules(report)
    index = {rule.code: i for i, rule in enumerate(rules)}
    driver: dict[str, Any] = {
        "name": "shoal",
        "version": __version__,
        "rules": [_descriptor(rule) for rule in rules],
    }
    base_uri = Path(cwd).as_uri().rstrip("/") + "/"
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "originalUriBaseIds": {SRCROOT: {"uri": base_uri}},
            "columnKind": "unicodeCodePoints",
            "results": [_result(d, index[d.code], cwd) for d in report.diagnostics],
        }],
    }


class SarifFormatter(Formatter):
    """SARIF 2.1.0, one run; every result is ``level: error`` (shoal has no severities)."""

    name = "sarif"

    def render(self, report: Report, options: OutputOptions) -> str:
        """The log as indented JSON."""
        return json.dumps(sarif_log(report, options.cwd), indent=2, ensure_ascii=False) + "\n"
