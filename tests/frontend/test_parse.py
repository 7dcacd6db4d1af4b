"""A module parsed in pieces (analyzer.frontend.parse_module) against ``ast.parse`` of the
whole text: the same tree, positions included, and the same error, whatever the cuts."""
from __future__ import annotations

import ast
import subprocess
import sys
import sysconfig
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.frontend import parse_module
from analyzer.frontend._parse import PIECE, _piece_starts


def _outcome(parse, text: str):
    """The tree's full dump, or the error's message and position."""
    try:
        return ast.dump(parse(text), include_attributes=True)
    except SyntaxError as exc:
        return (type(exc).__name__, exc.msg, exc.lineno, exc.offset)


def _same(text: str, piece: int) -> None:
    whole = _outcome(lambda t: ast.parse(t, filename="m.py"), text)
    assert _outcome(lambda t: parse_module(t, "m.py", piece), text) == whole


#: top-level statements, among them ones whose lines at column 0 look like a statement's
#: start but are not (in a string, in brackets, after a backslash or a decorator) and the
#: clauses that continue a statement at column 0
SNIPPETS = [
    "import os\n",
    "x = 1\n",
    "def f(a, b=2):\n    return a + b\n",
    "class C(Base):\n    attr: int = 3\n\n    def m(self):\n        pass\n",
    '"""A docstring\nwith a line\ndef looks_like_code():\n"""\n',
    "s = '''\nclass Inside:\n    pass\n'''\n",
    "t = (1,\n2,\nthree)\n",
    "u = [\nvalue\n]\n",
    "v = 1 + \\\nw\n",
    "@decorator\ndef g():\n    pass\n",
    "@decorator(\nargument)\nclass D:\n    pass\n",
    "if x:\n    y = 1\nelse:\n    y = 2\n",
    "try:\n    pass\nexcept ValueError:\n    pass\nfinally:\n    pass\n",
    "for i in range(3):\n    pass\nelse:\n    pass\n",
    "if a:\n    pass\nelif b:\n    pass\n",
    "résumé = 'non-ASCII name at column 0'\n",
    "_private = f'{x!r:>{width}}'\n",
    "async def h():\n    await z\n",
    "match point:\n    case (0, 0):\n        pass\n",
    "# a comment\n\n",
    "lambda_ = lambda: (yield)\n",
    "with open(p) as f, \\\n     open(q) as g:\n    pass\n",
]

#: statements the parser refuses, each alone
BROKEN = ["def broken(:\n    pass\n", "x = (\n", "finally:\n    pass\n", "s = '''\nnever closed\n",
          "  indented = 1\n", "class E:\npass\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=24),
       st.integers(min_value=1, max_value=120))
def test_pieces_parse_as_the_whole(snippets, piece):
    _same("".join(snippets), piece)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(SNIPPETS), min_size=0, max_size=12),
       st.sampled_from(BROKEN), st.lists(st.sampled_from(SNIPPETS), max_size=12),
       st.integers(min_value=1, max_value=80))
def test_an_error_anywhere_is_cpythons_for_the_whole_file(before, broken, after, piece):
    text = "".join([*before, broken, *after])
    assert isinstance(_outcome(ast.parse, text), tuple)  # the text is broken
    _same(text, piece)


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_other_line_endings(newline):
    text = "".join(SNIPPETS).replace("\n", newline)
    _same(text, 40)


def test_a_lone_carriage_return_is_not_cut():
    # CPython ends a line at a lone "\r": counting "\n" would misplace every later line.
    text = "x = 1\rdef f():\n    pass\n" * 40
    assert _piece_starts(text, 40) == []
    _same(text, 40)


def test_the_future_that_changes_the_grammar_is_not_cut():
    text = "from __future__ import barry_as_FLUFL\n" + "x = 1 <> 2\n" * 20
    assert _piece_starts(text, 10) == []
    _same(text, 10)


def test_pieces_start_at_statements_a_piece_apart():
    text = "x = 1\n" * 10 + "def f():\n    pass\n" + "else_ = 1\n" + "else:\n" + "@d\n"
    starts = _piece_starts(text, 30)
    assert starts and all(b - a >= 30 for a, b in zip([0, *starts], starts, strict=False))
    assert all(text[s - 1] == "\n" and text[s] != " " for s in starts)
    assert not any(text.startswith("else:", s) for s in starts)
    assert _piece_starts("x = 1\n" * 5, 30) == []  # short: parsed whole


#: a module whose parse warns (an invalid escape; Python's warning changes class in 3.12), the
#: second escape in a piece that fails first, inside a string that spans a piece's start
WARNS = ("import re\nx = re.compile('\\d+')\n" + "def f():\n    pass\n" * 4
         + 's = """\n\\w\nnot = a statement\n"""\n' + "def g():\n    pass\n" * 4)


@pytest.mark.parametrize("piece", [PIECE, 20])
def test_the_parser_s_warnings_are_the_checked_code_s(piece):
    # Under an "error" filter (``-W error``, PYTHONWARNINGS) the warning would be raised as
    # a SyntaxError: a false E999. Under "always" it would be printed, twice for a piece
    # parsed again.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = ast.dump(ast.parse(WARNS), include_attributes=True)
    assert piece == PIECE or _piece_starts(WARNS, piece)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ast.dump(parse_module(WARNS, piece=piece), include_attributes=True) == expected
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parse_module(WARNS, piece=piece)
        assert caught == []
        warnings.warn("the caller's filters are back", UserWarning, stacklevel=1)
        assert len(caught) == 1


def _stdlib_sample() -> list[Path]:
    """Every 12th of the standard library's files longer than a piece (about 20 of 260)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(f for f in root.rglob("*.py") if "site-packages" not in f.parts)
    return [f for f in files if f.stat().st_size > PIECE][::12]


@pytest.mark.parametrize("path", _stdlib_sample(), ids=lambda p: p.name)
def test_the_standard_library_s_large_files(path):
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        pytest.skip("not a UTF-8 file")
    _same(text, PIECE)
    _same(text, 2048)


_PEAK = """
import ast, sys
sys.path[:0] = {path!r}
from analyzer.frontend import parse_module
text = "".join(f"def f{{i}}(a, b):\\n    return [a * {{i}} + b for _ in range(a)]\\n" for i in range(12000))
tree = {call}
# VmHWM, not ru_maxrss: Linux carries the latter over exec, from the forking process.
print(next(int(line.split()[1]) for line in open("/proc/self/status")
           if line.startswith("VmHWM")) // 1024)
"""


def test_pieces_keep_the_parser_s_arena_off_the_peak():
    # One process each, a 600 KB module: the whole parse holds its arena beside the tree.
    peaks = {}
    for name, call in (("whole", "ast.parse(text)"), ("pieces", "parse_module(text)")):
        code = _PEAK.format(path=sys.path, call=call)
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
        peaks[name] = int(run.stdout)
    assert peaks["pieces"] < peaks["whole"] - 15, peaks
