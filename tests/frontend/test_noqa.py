"""# noqa: flake8's syntax and multi-line rule, file-level directives, SH900 immunity."""
from __future__ import annotations

import pickle

import pytest

from analyzer.engine import NoqaMap, apply_noqa, scan_noqa
from analyzer.rules import Diagnostic


def diag(line: int, code: str = "F401") -> Diagnostic:
    return Diagnostic("a.py", line, 1, code, "m")


def kept(source: str, *diagnostics: Diagnostic) -> list[tuple[int, str]]:
    result, _ = apply_noqa(list(diagnostics), scan_noqa(source))
    return [(d.line, d.code) for d in result]


LINE_CASES = [
    ("bare", "import os  # noqa\n", "F401", True),
    ("bare-upper", "import os  # NOQA\n", "F401", True),
    ("mixed-case", "import os  # NoQa\n", "F401", True),
    ("code", "import os  # noqa: F401\n", "F401", True),
    ("other-code", "import os  # noqa: E501\n", "F401", False),
    ("no-space", "import os  # noqa:F401\n", "F401", True),
    ("list-comma", "import os  # noqa:E501,F401\n", "F401", True),
    ("list-space", "import os  # noqa: E501 F401\n", "F401", True),
    ("list-comma-space", "import os  # noqa: E501, F401\n", "F401", True),
    ("lowercase-code", "import os  # noqa: f401\n", "F401", True),
    ("prefix-code", "import os  # noqa: F4\n", "F401", True),
    ("trailing-comma", "import os  # noqa:E501,\n", "F401", False),
    ("space-before-colon-is-blanket", "import os  # noqa : E501\n", "F401", True),
    ("leading-comma-is-blanket", "import os  # noqa:,E501\n", "F401", True),
    ("two-spaces-after-colon-is-blanket", "import os  # noqa:  E501\n", "F401", True),
    ("inside-a-string-counts-as-flake8", "x = '# noqa'\n", "F401", True),
    ("not-noqa", "import os  # no qa\n", "F401", False),
    ("in-other-comment", "import os  # type: ignore # noqa: F401\n", "F401", True),
]


@pytest.mark.parametrize(("source", "code", "suppressed"), [c[1:] for c in LINE_CASES], ids=[c[0] for c in LINE_CASES])
def test_line_noqa(source: str, code: str, suppressed: bool) -> None:
    assert kept(source, diag(1, code)) == ([] if suppressed else [(1, code)])


def test_noqa_applies_to_its_line_only() -> None:
    assert kept("import os  # noqa\nimport sys\n", diag(1), diag(2)) == [(2, "F401")]


def test_multi_line_string_spreads_noqa_over_all_its_lines() -> None:
    source = 'x = """\nline\n"""  # noqa: E501\ny = 1\n'
    assert kept(source, diag(1, "E501"), diag(2, "E501"), diag(3, "E501"), diag(4, "E501")) == [(4, "E501")]


def test_backslash_continuation_spreads_noqa() -> None:
    source = "import os, \\\n    sys  # noqa\nz = 1\n"
    assert kept(source, diag(1), diag(2), diag(3)) == [(3, "F401")]


def test_parenthesized_statement_does_not_spread_as_in_flake8() -> None:
    # flake8 7.5 (measured): NL tokens inside brackets end its noqa range, so a comment on the
    # last line of a bracketed statement does not cover the first.
    source = "y = (None == 1,\n  2)  # noqa\n"
    assert kept(source, diag(1, "E711"), diag(2, "E711")) == [(1, "E711")]


def test_untokenizable_file_keeps_physical_line_noqa() -> None:
    source = 'x = """\nunterminated  # noqa\n'
    assert kept(source, diag(1), diag(2)) == [(1, "F401")]


FILE_CASES = [
    ("shoal-blanket", "# shoal: noqa\nimport os\n", {"F401": True, "E711": True}),
    ("shoal-codes", "# shoal: noqa: F401\nimport os\n", {"F401": True, "E711": False}),
    ("shoal-codes-list", "# shoal: noqa:F4,E7\n", {"F401": True, "E711": True, "E999": False}),
    ("ruff", "# ruff: noqa: E711\n", {"F401": False, "E711": True}),
    ("flake8", "#flake8: noqa\n", {"F401": True}),
    ("flake8-equals", "# flake8=noqa\n", {"F401": True}),
    ("case", "# SHOAL: NOQA: f401\n", {"F401": True, "E711": False}),
    ("malformed-codes-ignored", "# shoal: noqa: oops\n", {"F401": False}),
    ("trailing-is-not-file-level", "import os  # shoal: noqa\n", {"F401": False}),
]


@pytest.mark.parametrize(("source", "expect"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
def test_file_level(source: str, expect: dict[str, bool]) -> None:
    for code, suppressed in expect.items():
        assert kept(source, diag(5, code)) == ([] if suppressed else [(5, code)]), code


@pytest.mark.parametrize("source", ["# shoal: noqa\n", "x = 1  # noqa\n", "x = 1  # noqa: SH900\n"])
def test_sh900_is_never_suppressed(source: str) -> None:
    assert kept(source, diag(1, "SH900")) == [(1, "SH900")]


def test_used_noqa_reports_which_comment_suppressed_what() -> None:
    source = "import os  # noqa: F401, E501\nimport sys  # noqa\nx = 1  # noqa: E711\n"
    noqa = scan_noqa(source)
    result, used = apply_noqa([diag(1), diag(2), diag(2, "E711")], noqa)
    assert result == []
    summary = {(u.comment.line, u.comment.codes): u.codes for u in used}
    assert summary == {(1, ("F401", "E501")): frozenset({"F401"}), (2, None): frozenset({"F401", "E711"})}
    assert [c.line for c in noqa.comments] == [1, 2, 3]  # line 3 is unused: SH100 material
    first = noqa.comments[0]
    assert (first.column, source[first.column - 1:first.end_column - 1]) == (12, "# noqa: F401, E501")


def test_no_noqa_is_cheap_and_empty() -> None:
    noqa = scan_noqa("import os\n" * 100)
    assert not noqa and noqa.by_line == {}
    assert kept("import os\n", diag(1)) == [(1, "F401")]


def test_noqa_map_pickles() -> None:
    noqa = scan_noqa('# shoal: noqa: E7\nx = """\n"""  # noqa\n')
    copy = pickle.loads(pickle.dumps(noqa))
    assert isinstance(copy, NoqaMap) and copy == noqa and copy.by_line[2] == copy.by_line[3]


def _flake8_ranges(text: str) -> list[tuple[int, int]] | None:
    """The oracle: flake8's own algorithm (processor._noqa_line_mapping) over tokenize."""
    import io
    import tokenize

    ranges: list[tuple[int, int]] = []
    first = last = -1
    try:
        for kind, _, start, end, _ in tokenize.generate_tokens(io.StringIO(text).readline):
            if kind in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            first = start[0] if first < 0 else min(first, start[0])
            last = max(last, end[0])
            if kind in (tokenize.NL, tokenize.NEWLINE):
                if last > first:
                    ranges.append((first, last))
                first = last = -1
    except (tokenize.TokenError, SyntaxError):
        return None
    return ranges


TRICKY = {
    "raw-escaped-quote": 'x = r"a\\"b"  # noqa\ny = """\n"""\n',
    "bytes-triple": "x = b'''\n\\'''\n'''  # noqa\n",
    "quote-in-comment": "# it's \"\nx = '''\n'''  # noqa\n",
    "continuation-in-brackets": "x = (1, \\\n 2,\n 3)  # noqa\n",
    "string-continuation": "x = 'a\\\nb'  # noqa\n",
    "crlf": 'x = """\r\n\r\n"""  # noqa\r\ny = 1 + \\\r\n 2\r\n',
    "chained": "x = 1 + \\\n'''\n''' + \\\n2  # noqa\n",
    "fstring": 'x = f"""{1}\n{2}"""  # noqa\nf"{x!r}"\n',
    "semicolon": 'a = 1; b = """\n"""  # noqa\n',
}


@pytest.mark.parametrize("source", TRICKY.values(), ids=TRICKY.keys())
def test_ranges_agree_with_flake8_on_tricky_sources(source: str) -> None:
    from analyzer.engine._suppressions import _logical_ranges

    assert _logical_ranges(source) == _flake8_ranges(source)


@pytest.mark.parametrize("module", ["textwrap", "shlex", "string", "tokenize", "argparse"])
def test_ranges_agree_with_flake8_on_stdlib(module: str) -> None:
    import importlib.util

    from analyzer.engine._suppressions import _logical_ranges

    origin = importlib.util.find_spec(module).origin
    with open(origin, encoding="utf-8") as handle:
        source = handle.read()
    expected = _flake8_ranges(source)
    assert expected  # each of these modules has multi-line strings
    assert _logical_ranges(source) == expected


def test_a_second_noqa_line_suppresses_too_and_counts_as_used() -> None:
    # ruff's "parent": F401 of a multi-line import sits on the statement, and a comment on the
    # imported name's own line (where ruff reports it) suppresses it as well.
    source = "from m import (\n    a,  # noqa: F401\n    b,\n)\n"
    noqa = scan_noqa(source)
    a = Diagnostic("a.py", 1, 1, "F401", "'m.a' imported but unused", noqa_line=2)
    b = Diagnostic("a.py", 1, 1, "F401", "'m.b' imported but unused", noqa_line=3)
    result, used = apply_noqa([a, b], noqa)
    assert [d.message for d in result] == ["'m.b' imported but unused"]
    assert [(u.comment.line, u.codes) for u in used] == [(2, frozenset({"F401"}))]
    assert pickle.loads(pickle.dumps(a)).noqa_line == 2


# ruff 0.15's own suppression comments; each case checked against ruff 0.17 itself.
RUFF_BLOCKS = """\
import os
# ruff: disable[F401]
import sys
import re
# ruff: enable[F401]
import json
def f():
    # ruff: disable[F841]
    a = 1

    if True:
        b = 4
    return 0
def g():
    c = 5
import csv  # ruff: ignore[F401]
import abc  # ruff: ignore[unused-import]
import ast  # ruff:ignore[F401]
s = \"\"\"
# ruff: disable[F401]
\"\"\"
import io  # ruff: disable[F401]
"""


def test_ruff_block_and_line_suppressions_as_ruff_reads_them() -> None:
    found = [diag(n, "F401") for n in (1, 3, 4, 6, 16, 17, 18, 22)]
    found += [diag(n, "F841") for n in (9, 12, 15)]
    assert sorted(kept(RUFF_BLOCKS, *found)) == [
        (1, "F401"), (6, "F401"), (15, "F841"),
        (17, "F401"),  # a rule's name is ruff's preview: not taken
        (22, "F401"),  # neither a disable in a string nor one after code on its line
    ]


@pytest.mark.parametrize(("source", "expect"), [
    # unmatched at module level: to the end of the file, functions included
    ("# ruff: disable[F401]\nimport sys\ndef f():\n    import re\n", []),
    # in a block: to the end of that block
    ("if c:\n    # ruff: disable[F401]\n    import sys\nimport re\n", [4]),
    # an enable closes only a disable naming the same codes
    ("# ruff: disable[F401, F841]\nimport os\n# ruff: enable[F401]\nimport re\n", []),
    ("# ruff: disable[F401]\n# ruff: enable[F401]\n# ruff: enable[F401]\nimport re\n", [4]),
    # a file-level one
    ("# ruff: file-ignore[F401]\nimport os\n", []),
    ("# ruff: file-ignore[E501]\nimport os\n", [2]),
])
def test_ruff_block_edges(source: str, expect: list[int]) -> None:
    lines = [n for n, text in enumerate(source.splitlines(), 1) if "import" in text]
    assert [n for n, _ in kept(source, *(diag(n) for n in lines))] == expect


def test_ruff_comments_are_never_called_unused_and_pickle() -> None:
    noqa = scan_noqa("# ruff: disable[F401]\nimport os  # ruff: ignore[E501]\n")
    assert noqa and all(not c.in_comment for c in noqa.comments)
    assert pickle.loads(pickle.dumps(noqa)) == noqa
