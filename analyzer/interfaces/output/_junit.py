"""``--output-format junit``: JUnit XML as ruff emits it, for CI test-report views.

``<testsuites name="shoal" tests failures errors>`` holds one ``<testsuite name=PATH>`` per file
with findings, and each finding is a ``<testcase name="org.shoal.CODE" classname=PATH-WITHOUT-
SUFFIX line column>`` holding a ``<failure message=MESSAGE>line L, col C, MESSAGE</failure>``.
A clean run is one suite ``shoal`` with one passing case ``No errors found``, so a CI view
shows that the check ran. Characters XML 1.0 cannot carry (control characters, lone
surrogates) are shown as ``\\xNN`` escapes.
"""
from __future__ import annotations

import functools
import os
import re
from itertools import groupby
from typing import TYPE_CHECKING

from analyzer.interfaces.output._base import Formatter, OutputOptions, escape_path, shown_path
from analyzer.interfaces.output._cells import cell_bounds, span
from analyzer.interfaces.output._report import Report
from analyzer.rules import Diagnostic

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

__all__ = ["JunitFormatter"]

PACKAGE = "org.shoal"


@functools.cache
def _not_xml() -> re.Pattern[str]:
    # Compiled on first use: the class spans all of Unicode (3 ms), and few runs write JUnit.
    return re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _not_xml().sub(lambda m: _xml_escape(m.group()), text)


def _xml_escape(char: str) -> str:
    shown = escape_path(char)  # a file name's byte that is not UTF-8: its own \\xNN
    return shown if shown != char else f"\\u{ord(char):04x}"


def _suite(parent: ET.Element, name: str, tests: int, failures: int) -> ET.Element:
    import xml.etree.ElementTree as ET

    return ET.SubElement(parent, "testsuite", {
        "name": _xml(name), "tests": str(tests), "disabled": "0", "errors": "0",
        "failures": str(failures), "package": PACKAGE,
    })


class JunitFormatter(Formatter):
    """One test suite per file, one failing test case per finding."""

    name = "junit"

    def render(self, report: Report, options: OutputOptions) -> str:
        """The XML document, with its declaration."""
        # Imported here: every run imports the formatters, few write JUnit (pyexpat, ~4 ms).
        import xml.etree.ElementTree as ET

        total = len(report.diagnostics)
        root = ET.Element("testsuites", {
            "name": "shoal", "tests": str(total or 1), "failures": str(total), "errors": "0"})
        if not total:
            suite = _suite(root, "shoal", 1, 0)
            ET.SubElement(suite, "testcase", {"name": "No errors found", "classname": "shoal"})
        for path, group in groupby(report.diagnostics,
                                   key=lambda d: shown_path(d.path, options.cwd)):
            found = list(group)
            suite = _suite(root, path, len(found), len(found))
            classname = _xml(os.path.splitext(path)[0])
            for d in found:
                line, column, _, _ = span(d, options.cwd)
                case = ET.SubElement(suite, "testcase", {
                    "name": f"{PACKAGE}.{d.code}", "classname": classname,
                    "line": str(line), "column": str(column)})
                failure = ET.SubElement(case, "failure", {"message": _xml(d.message)})
                failure.text = _xml(f"{_where(d, options.cwd)}, {d.message}")
        ET.indent(root)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                + ET.tostring(root, encoding="unicode") + "\n")


def _where(d: Diagnostic, cwd: str) -> str:
    line, column, _, _ = span(d, cwd)
    bounds = cell_bounds(d, cwd)
    cell = "" if bounds is None else f"cell {bounds[0]}, "
    return f"{cell}line {line}, col {column}"
