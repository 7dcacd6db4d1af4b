"""W291, W292 and W293 on what the example harness cannot show: lines of spaces, blanks in
a multi-line string (reported, their fix unsafe), a file without a final line ending."""
from __future__ import annotations

from analyzer.rules import check_source
from plugins.whitespace_rules import RULES

SOURCE = 'x = 1 \ny = """a  \n  \nb"""\n    \nw = 2\t\nlast = 1'


def test_each_line_is_reported_as_ruff_reports_it() -> None:
    found = [(d.line, d.column, d.code, d.fix.applicability if d.fix else None)
             for d in sorted(check_source(SOURCE, list(RULES)))]
    assert found == [
        (1, 6, "W291", "safe"),
        (2, 9, "W291", "unsafe"),  # inside the string: the fix would change its text
        (3, 1, "W293", "unsafe"),
        (5, 1, "W293", "safe"),
        (6, 6, "W291", "safe"),
        (7, 9, "W292", "safe"),
    ]


def test_the_final_line_ending_is_the_files_own() -> None:
    (finding,) = check_source("x = 1\r\ny = 2", list(RULES))
    assert finding.fix is not None and finding.fix.edits[0].content == "\r\n"
