"""The invariant of incremental analysis, on random projects and random edit sequences:
after every edit, a session's diagnostics equal those of a cold check of the same tree.

The projects load a plugin: the README's route extractor (a plugin-defined fact) and the
project rule that reads every module's value of it (X301), so random route edits check the
plugin facts' early cutoff and their readers' rechecks too; SH006 (off by default) is
selected for the attribute chains the random calls write (``m.f``, ``pkg.m.f``), and SH005
(off by default too) for the references every import, call and chain adds or drops. A second
plugin reads other modules' trees (X960, ``tests/data/ignored_keyword.py``: a keyword the
callee's body never reads from its ``**kw``), so an edit of a callee's body alone, which
changes no interface, must recheck its callers."""
from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import SELECT, Engine, chdir, project

#: Files a random project may hold (module names: a, b, c, pkg, pkg.m, pkg.n, pkg.sub.x).
FILES = ("a.py", "b.py", "c.py", "pkg/__init__.py", "pkg/m.py", "pkg/n.py", "pkg/m.pyi",
         "pkg/sub/__init__.py", "pkg/sub/x.py", "pkg.py")
TARGETS = ("a", "b", "c", "pkg", "pkg.m", "pkg.n", "pkg.sub", "pkg.sub.x", "pkg.zz")
RELATIVE = (".", ".m", ".n", "..", ".sub", ".x")
NAMES = ("f", "g", "C", "x", "_p")

#: Functions of one signature whose bodies read different keys of ``**kw`` (X960 reads them).
KW_BODIES = (
    "def {n}(a, **kw):\n    return kw.get('b')",
    "def {n}(a, **kw):\n    return kw.get('z')",
    "def {n}(**kw):\n    if 'z' in kw:\n        return kw['b']\n    return 0",
)

_defs = st.sampled_from([
    "def {n}(a):\n    return a",
    "def {n}(a, b=1):\n    return a",
    "def {n}(*args, **kwargs):\n    return args",
    "def deco(fn):\n    return fn\n@deco\ndef {n}(a):\n    return a",
    "class {n}:\n    def __init__(self, a):\n        self.a = a",
    "class {n}:\n    pass",
    "{n} = 1",
    "if 1:\n    {n} = 2",
    *KW_BODIES,
]).flatmap(lambda t: st.sampled_from(("f", "f", "g", "C", "C") + NAMES[3:]).map(
    lambda n: t.format(n=n)))

_imports = st.one_of(
    st.tuples(st.sampled_from(TARGETS), st.sampled_from(NAMES + ("*",))).map(
        lambda p: f"from {p[0]} import {p[1]}"),
    st.tuples(st.sampled_from(RELATIVE), st.sampled_from(NAMES + ("*", "m", "x"))).map(
        lambda p: f"from {p[0]} import {p[1]}"),
    st.sampled_from(TARGETS).map(lambda t: f"import {t}"),
    st.tuples(st.sampled_from(TARGETS), st.sampled_from(NAMES)).map(
        lambda p: f"try:\n    from {p[0]} import {p[1]}\nexcept ImportError:\n    pass"),
)

_calls = st.tuples(st.sampled_from(NAMES + ("m.f", "pkg.m.f", "a.f")),
                   st.integers(0, 3), st.sampled_from(["", "b=2", "z=3"])).map(
    lambda p: f"{p[0]}({', '.join([str(i) for i in range(p[1])] + ([p[2]] if p[2] else []))})")

_all = st.one_of(
    st.lists(st.sampled_from(NAMES), max_size=3).map(lambda ns: f"__all__ = {ns!r}"),
    st.sampled_from(TARGETS[:5]).map(lambda t: f"import {t}\n__all__ = {t}.__all__ + ['f']"),
)

_linked = st.tuples(st.sampled_from(TARGETS[:5]), st.sampled_from(NAMES[:3]),
                    st.integers(0, 2), st.sampled_from(["", "", "b=2", "z=3"])).map(
    lambda p: f"from {p[0]} import {p[1]}\n"
              f"{p[1]}({', '.join(['1'] * p[2] + ([p[3]] if p[3] else []))})")

#: A route declaration for the plugin's extractor; the function name is a name other
#: modules import, so one edit moves a route and an export at once.
_routes = st.tuples(st.sampled_from(("/a", "/b", "/c")), st.sampled_from(NAMES[:3])).map(
    lambda p: f'@app.route("{p[0]}")\ndef {p[1]}():\n    pass')

_statement = st.one_of(_defs, _defs, _defs, _defs, _imports, _imports, _linked, _linked, _linked,
                       _calls, _all, _routes, _routes,
                       st.just("def (:"))  # a syntax error, now and then

_source = st.lists(_statement, max_size=6).map(lambda ss: "\n".join(ss) + "\n")

#: One edit: a file and its new content (None: delete it).
#: An edit of a body alone: the file as it is, with the keys its ``**kw`` bodies read swapped
#: ('b' <-> 'z'), which changes no interface digest (only the content, which X960 reads).
BODY_SWAP = "<swap the keys the bodies read>"

_edit = st.tuples(st.sampled_from(FILES),
                  st.one_of(st.none(), _source, _source, st.just(BODY_SWAP)))


def _swapped(path: Path) -> str | None:
    """``path``'s text with ``kw.get('b')`` and ``kw.get('z')`` (and the like) swapped; None
    when there is no such file (the edit is then skipped)."""
    if not path.exists():
        return None
    text = path.read_text()
    return (text.replace("'b'", "'\0'").replace("'z'", "'b'").replace("'\0'", "'z'"))


def _route_plugin() -> str:
    """The README's project-wide rule example (a fact extractor and the rule reading it)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Writing a project-wide rule")
    return re.findall(r"```python\n(.*?)```", readme[start:], flags=re.S)[0]


PLUGIN = _route_plugin()
#: The plugin whose rule reads other modules' trees.
TREE_PLUGIN = (Path(__file__).resolve().parents[1] / "data" / "ignored_keyword.py").read_text()


def _run(files: dict[str, str], edits: list[list[tuple[str, str | None]]], workers: int) -> None:
    base = Path(tempfile.mkdtemp(prefix="shoal-inv-"))
    try:
        root = project(base / "proj", files)
        (root / "pyproject.toml").write_text(
            '[tool.shoal]\nplugins = ["tools/routes.py", "tools/ignored_keyword.py"]\n')
        (root / "tools").mkdir()
        (root / "tools" / "routes.py").write_text(PLUGIN)
        (root / "tools" / "ignored_keyword.py").write_text(TREE_PLUGIN)
        with chdir(root), Engine(root, workers=workers,
                                 select=SELECT + ",SH005,SH006,X301,X960") as engine:
            engine.verify()
            for batch in edits:
                edit = {}
                for name, text in batch:
                    if text == BODY_SWAP:
                        text = _swapped(root / name)
                        if text is None:
                            continue
                    edit[name] = text
                if edit:
                    engine.edit(edit)
    finally:
        shutil.rmtree(base)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    files=st.dictionaries(st.sampled_from(FILES), _source, min_size=1, max_size=7),
    edits=st.lists(st.lists(_edit, min_size=1, max_size=3), min_size=1, max_size=5),
)
def test_random_edit_sequences_match_a_cold_check(files, edits):
    _run(files, edits, workers=0)


#: Callers of ``a.f`` with keywords its body may or may not read (X960 reads a's tree).
_callers = st.lists(st.sampled_from([
    "from a import f\nf(1, b=2)", "from a import f\nf(1, z=3)", "import a\na.f(2, z=3)",
    "from pkg import f\nf(1, b=2, z=3)", "from a import *\nf(z=1)",
]), min_size=1, max_size=3).map(lambda ss: "\n".join(ss) + "\n")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.sampled_from(KW_BODIES).map(lambda t: t.format(n="f")),
    callers=st.dictionaries(st.sampled_from(("b.py", "c.py", "pkg/m.py")), _callers,
                            min_size=1, max_size=3),
    edits=st.lists(st.lists(st.one_of(
        st.just(("a.py", BODY_SWAP)), st.just(("a.py", BODY_SWAP)), _edit,
        st.tuples(st.sampled_from(("b.py", "c.py", "pkg/m.py")), _callers)),
        min_size=1, max_size=2), min_size=1, max_size=5),
)
def test_random_body_edits_of_a_callee_match_a_cold_check(body, callers, edits):
    """A callee whose body alone changes, read by callers through its tree (X960)."""
    files = {"a.py": body + "\n", "pkg/__init__.py": "from a import f\n", **callers}
    _run(files, edits, workers=0)


@pytest.mark.parametrize("seed_files,edits", [
    ({"a.py": "def f(a):\n    return a\n", "b.py": "from a import f\nf(1, 2)\n",
      "pkg/__init__.py": "from .m import *\n", "pkg/m.py": "def g(a):\n    pass\n",
      "c.py": "from pkg import g\ng()\nimport b\n"},
     [[("a.py", "def f(a, b):\n    return a\n")], [("pkg/m.py", "g = 1\n")],
      [("pkg/__init__.py", None)], [("pkg/__init__.py", "__all__ = ['m']\n"), ("b.py", None)],
      [("a.py", "import c\ndef (:\n")], [("a.py", "import c\n")]]),
    ({"a.py": '@app.route("/a")\ndef f():\n    pass\n', "b.py": "from a import f\n",
      "pkg/m.py": '@app.route("/a")\ndef g():\n    pass\n'},
     [[("b.py", '@app.route("/a")\ndef h():\n    pass\n')],
      [("a.py", 'x = 1\n@app.route("/a")\ndef f():\n    pass\n')],
      [("pkg/m.py", '@app.route("/b")\ndef g():\n    pass\n')], [("b.py", None)],
      [("a.py", "def (:\n")]]),
    # X960: body-only edits of a callee (no interface changes), and its deletion and return
    ({"a.py": "def f(a, **kw):\n    return kw.get('b')\n",
      "b.py": "from a import f\nf(1, z=3)\nf(1, b=2)\n", "c.py": "import a\na.f(2, z=3)\n",
      "pkg/m.py": "from a import f\n"},
     [[("a.py", "def f(a, **kw):\n    return kw.get('z')\n")],
      [("pkg/m.py", "from a import f\nf(1, b=2)\n")],
      [("a.py", "def f(a, **kw):\n    return kw\n")], [("a.py", None)],
      [("a.py", "def f(a, **kw):\n    return kw.get('b')\n")], [("a.py", "def (:\n")]]),
])
def test_examples_on_a_real_pool(seed_files, edits):
    _run(seed_files, edits, workers=2)
