"""The scope analysis' C dispatch (``_scope_native.c``) against its Python model.

The C base skips the handlers of nodes that bind and decide nothing, so the two are compared
on what the analysis does: every name read (``_load``), binding added (``_add``) and piece
of work deferred (``_defer``), in order, and the whole analysis they produce.
"""
from __future__ import annotations

import ast
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tests.native_support as support
from analyzer.rules import _scope, _scope_state
from analyzer.rules._scope import _Analyzer, analyze_scopes
from analyzer.rules._scope_state import _PythonWalk
from tests.native_support import STDLIB, STDLIB_FILES, flag_under, native_module, run_memcheck

native = native_module("analyzer.rules._scope_native", "the C scope dispatch")

SAMPLES = ["ast.py", "dataclasses.py", "asyncio/tasks.py", "argparse.py", "typing.py",
           "inspect.py", "json/decoder.py", "email/_header_value_parser.py"]
# Every node the C side handles itself, in each of the forms that send it to its handler
# instead: a target tuple, a stored name, a constant in an annotation, a call of `locals`
# or of a typing member, a typing-bound attribute callee; and what walks generically.
EXTRA = '''
from typing import cast, TypeVar
import typing as t
import os.path
a, [b, *c] = d = {1: e, **f}, {g, h}
x: "List[int]" = cast("int", y) + t.cast(int, z) - -w
T = TypeVar("T", bound="Base")
def reads_locals():
    return locals()
def passes_locals():
    return vars(locals)
def fn(p, *q, r=1, **s):
    print(p.q.r[1:2, ::3], not p, p < q <= r, p and q or r)
    del p, (q, r)
    return f"{p!r:>{q}} {os.path.join(p, s)}" if p else [*q, {**s}]
class K(Base, metaclass=M):
    attr: int = lambda u, *v: (u := v)
    assert attr, "message"
    raise ValueError(attr) from None
async def co():
    async with a as b2, c:
        return [x async for x in y if await x]
''' + support.newer_forms()

_PY_METHODS = ("visit", "_visit_opt", "_visit_all", "_new", "_add", "_check_local",
               "_store_name", "_store")


def _at(node):
    """A node as the log names it: trees parsed from string annotations are new each run."""
    return (type(node).__name__, getattr(node, "lineno", None), getattr(node, "col_offset", None))


def _logging(base, log):
    """``base`` with its bindings, reads and deferred work logged."""

    def _load(self, name, node):
        log.append(("load", name, _at(node)))
        return base._load(self, name, node)

    def _add(self, b):
        log.append(("add", b.name, b.kind, _at(b.node)))
        return base._add(self, b)

    def _defer(self, fn, arg):
        log.append(("defer", fn.__name__, _at(arg)))
        return base._defer(self, fn, arg)

    return type(base.__name__, (base,), {"_load": _load, "_add": _add, "_defer": _defer})


def _python(base):
    """``base`` dispatching in Python whatever its C base."""
    return type("Python" + base.__name__, (base,),
                {name: _PythonWalk.__dict__[name] for name in _PY_METHODS})


def _analysis(source, kind, log=None, base=_Analyzer, monkeypatch=None):
    cls = base if kind == "c" else _python(base)
    if log is not None:
        cls = _logging(cls, log)
    saved = _scope._Analyzer
    _scope._Analyzer = cls
    try:
        return analyze_scopes(ast.parse(source), source)
    finally:
        _scope._Analyzer = saved


def _digest(analysis):
    """The whole analysis as text, without the addresses of the nodes it names."""
    parts = [(name, getattr(analysis, name)) for name in dir(analysis)
             if not name.startswith("_")]
    return re.sub(r" at 0x[0-9a-f]+", "", repr(parts))


def _source(name):
    return EXTRA if name == "EXTRA" else (STDLIB / name).read_text(encoding="utf-8")


def test_the_analyzer_dispatches_in_c_when_built():
    assert _scope_state.NATIVE_SCOPE
    assert _Analyzer.visit is native.Walk.visit


@pytest.mark.parametrize("name", [*SAMPLES, "EXTRA"])
def test_the_c_dispatch_reads_binds_and_defers_what_python_does_in_order(name):
    source = _source(name)
    expected: list = []
    _analysis(source, "python", expected)
    got: list = []
    _analysis(source, "c", got)
    assert len(expected) > 40
    assert got == expected


@pytest.mark.parametrize("name", [*SAMPLES, "EXTRA"])
def test_the_c_dispatch_gives_the_same_analysis(name):
    source = _source(name)
    assert _digest(_analysis(source, "c")) == _digest(_analysis(source, "python"))


# Each read the C side resolves itself (``_scope_load.h``), and each it leaves to ``_load``.
READS = {
    "builtin": "print(len)\n",
    "module name from a function": "x = 1\ndef f():\n    return x\n",
    "class body skipped by a method": "x = 1\nclass C:\n    x = 2\n    def m(self):\n        return x\n",
    "class body read in it": "class C:\n    x = 2\n    y = x\n",
    "comprehension in a class body": "class C:\n    x = 2\n    y = [x for _ in x]\n",
    "__class__ in a method": "class C:\n    def m(self):\n        return __class__\n",
    "__class__ bound in a class body": "class C:\n    __class__ = 1\n    print(__class__)\n",
    "annotation then a read": "def f():\n    x: int\n    print(x)\n",
    "import used": "import os\nos.sep\n",
    "aliased import uses the plain one": (
        "import multiprocessing.connection\nimport multiprocessing as mp\nmp.x\n"),
    "from-import under another name": "from os import path as p\np\n",
    "dotted import": "import os.path\nos.path\n",
    "star import": "from os import *\nsep\n",
    "undefined": "undefined_name\n",
    "unused": "import json\nx = 1\n",
    "walrus in a comprehension": "[y := 1 for _ in ()]\nprint(y)\n",
    "postponed annotation of a name the module binds too": (
        "from __future__ import annotations\nimport m\n"
        "def f():\n    import m\n    x: m = m\n    return x\n"),
    "string annotation of a name the module binds too": (
        "import m\ndef f():\n    import m\n    x: 'm' = m\n    return x\n"),
    "runtime annotation of a name the module binds too": (
        "import m\ndef f():\n    import m\n    x: m = m\n    return x\n"),
}


# Each binding the C side stores itself (``_scope_bind.h``), and each it leaves to Python.
BINDS = {
    "new local": "def f():\n    x = 1\n    return x\n",
    "arguments": "def f(a, /, b, *c, d, **e):\n    return a, b, c, d, e\n",
    "rebinding": "def f():\n    x = 1\n    x = 2\n    return x\n",
    "unused import redefined": "import os\nimport os\n",
    "import shadowed by a loop variable": "import os\nfor os in []:\n    pass\n",
    "a builtin rebound at module level": "len(1)\nlen = 2\nprint(len)\n",
    "a builtin shadowed in a function": "def f():\n    list = []\n    return list\n",
    "a builtin rebound after its read": "print(id)\nid = 1\n",
    "module name read then bound locally (F823)": "x = 1\ndef f():\n    print(x)\n    x = 2\n",
    "builtin read then bound locally (F823)": "def f():\n    print(len)\n    len = 2\n",
    "read in a nested function, bound in the outer": (
        "def f():\n    def g():\n        return y\n    y = 1\n    return g\n"),
    "bare annotation then a value": "def f():\n    x: int\n    x = 1\n    return x\n",
    "annotation over a builtin": "len: int\nprint(len)\n",
    "walrus": "def f(z):\n    if (n := len(z)) > 1:\n        return n\n",
    "walrus in a comprehension": "def f(z):\n    [y := i for i in z]\n    return y\n",
    "del then rebind": "def f():\n    x = 1\n    del x\n    x = 2\n    return x\n",
    "overloads": ("from typing import overload\n@overload\ndef f(x: int) -> int: ...\n"
                  "@overload\ndef f(x: str) -> str: ...\ndef f(x): return x\n"),
    "branches": "if a:\n    import os\nelse:\n    import os\ntry:\n    x = 1\nexcept E:\n    x = 2\n",
    "class attributes and methods": "class C:\n    x = 1\n    def x(self):\n        pass\n",
    "global and nonlocal": (
        "g = 0\ndef f():\n    global g\n    g = 1\n    h = 0\n"
        "    def k():\n        nonlocal h\n        h = 2\n    return k\n"),
    "__all__": "import os\n__all__ = ['os']\n__all__ += ['x']\nx = 1\n",
}


def test_the_bindings_made_in_c_are_complete_bindings():
    for kind in ("c", "python"):
        analysis = _analysis(BINDS["module name read then bound locally (F823)"], kind)
        assert [(u.name, u.line) for u in analysis.undefined_locals] == [("x", 3)], kind
        analysis = _analysis(BINDS["builtin read then bound locally (F823)"], kind)
        assert [u.name for u in analysis.undefined_locals] == ["len"], kind
        analysis = _analysis(BINDS["unused import redefined"], kind)
        assert [r.name for r in analysis.redefinitions] == ["os"], kind
        analysis = _analysis(BINDS["a builtin shadowed in a function"], kind)
        (binding,) = [b for b in analysis.bindings if b.name == "list"]
        assert binding.used and binding.kind == "assignment" and binding.scope == 1, kind


CASES = {**{f"read: {k}": v for k, v in READS.items()},
         **{f"binding: {k}": v for k, v in BINDS.items()}}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_kind_of_read_and_binding_gives_the_same_analysis_from_either_side(case):
    source = CASES[case]
    assert _digest(_analysis(source, "c")) == _digest(_analysis(source, "python"))


def test_a_read_resolved_in_c_marks_what_load_marks():
    for kind in ("c", "python"):
        analysis = _analysis(READS["aliased import uses the plain one"], kind)
        assert analysis.unused_imports == (), kind
        analysis = _analysis("import os, json\nos.sep\n", kind)
        assert [u.name for u in analysis.unused_imports] == ["json"], kind
        analysis = _analysis("def f():\n    x: int\n    print(x)\n", kind)
        # a bare annotation binds nothing to read (pyflakes: an undefined name)
        assert [name for name, *_ in analysis.undefined_names] == ["x"], kind


def test_the_extra_sample_reaches_the_handlers_the_c_side_defers_to():
    log: list = []
    analysis = _analysis(EXTRA, "c", log)
    loads = [name for kind, name, *_ in log if kind == "load"]
    # a locals() call, typing calls with string annotations, f-string parts, a walrus
    assert {"locals", "cast", "t", "os", "p", "q", "s", "v", "M"} <= set(loads)
    deferred = [name for kind, name, *_ in log if kind == "defer"]
    assert "_string_annotation" in deferred
    # read inside the string annotations: "List[int]", TypeVar's bound="Base"
    assert {"List", "Base"} <= set(loads)
    by_name = {scope.name: scope for scope in analysis.scopes}
    assert by_name["reads_locals"].uses_locals and by_name["passes_locals"].uses_locals
    assert not by_name["fn"].uses_locals


def test_long_chains_walk_without_recursion():
    source = "x = " + " + ".join(["a.b.c"] * 2000) + "\n" + "y = " + ".".join(["a"] * 2000) + "\n"
    got: list = []
    _analysis(source, "c", got)
    expected: list = []
    _analysis(source, "python", expected)
    assert got == expected
    assert sum(1 for event in got if event[0] == "load") == 2001


def test_a_handler_that_raises_propagates_from_below_c_frames():
    class Failing(_Analyzer):
        def v_Lambda(self, node):
            raise ValueError("lambda")

    for kind in ("c", "python"):
        with pytest.raises(ValueError, match="lambda"):
            _analysis("x = f(g(1) + [h.i, lambda: 0])\n", kind, base=Failing)


def test_bad_tables_are_type_errors():
    class Broken(native.Walk):
        _dispatch = None
        _generic_fields: dict = {}

    with pytest.raises(TypeError, match="must be dicts"):
        Broken().visit(ast.parse("x"))
    with pytest.raises(AttributeError):
        native.Walk().visit(ast.parse("x"))


KINDS = {"class": 1, "comprehension": 4, "annotation": 22, "future": 5, "module": 0,
         "function": 2, "lambda": 3, "named": 11}


def test_configure_refuses_classes_without_the_slots_and_keeps_what_it_had():
    class NoSlots:
        kind = bindings = index = use = used = full_name = None

    with pytest.raises(TypeError, match="is not a slot"):
        native.configure(NoSlots, NoSlots, None, _Analyzer._load, KINDS)
    for missing in ("future", "named"):
        kinds = {k: v for k, v in KINDS.items() if k != missing}
        with pytest.raises(TypeError, match=rf"kinds\[{missing}\]"):
            native.configure(_scope_state._Scope, _scope_state._B, _scope_state._BUILTIN,
                             _Analyzer._load, kinds)
    source = READS["aliased import uses the plain one"]
    assert _digest(_analysis(source, "c")) == _digest(_analysis(source, "python"))


def test_shoal_native_scope_0_selects_the_python_dispatch():
    module = "analyzer.rules._scope_state"
    assert flag_under("SHOAL_NATIVE_SCOPE", "0", module, "NATIVE_SCOPE") == "False"
    assert flag_under("SHOAL_NATIVE_SCOPE", "1", module, "NATIVE_SCOPE") == "True"


_UNDER_VALGRIND = """
import ast, sys
from analyzer.rules._scope import analyze_scopes, _Analyzer
source = open(sys.argv[1], encoding="utf-8").read()
analysis = analyze_scopes(ast.parse(source), source)
deep = "x = " + " + ".join(["a.b"] * 2000)
analyze_scopes(ast.parse(deep), deep)
class Failing(_Analyzer):
    def v_Lambda(self, node):
        raise ValueError
import analyzer.rules._scope as scope
scope._Analyzer = Failing
try:
    analyze_scopes(ast.parse("f(1, [lambda: 0])"), "")
except ValueError:
    pass
print(len(analysis.bindings))
"""


@pytest.mark.valgrind
def test_the_c_dispatch_under_valgrind():
    """An analysis, a long chain and one stopped by a failing handler run clean under memcheck."""
    run = run_memcheck(_UNDER_VALGRIND, str(STDLIB / "json/decoder.py"))
    assert run.returncode == 0, run.stderr[-3000:]
    assert int(run.stdout) > 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(STDLIB_FILES))
def test_any_stdlib_file_gives_the_same_analysis_from_either_dispatch(name):
    source = support.parsable_stdlib_source(name)
    log_c: list = []
    log_py: list = []
    analysis_c = _analysis(source, "c", log_c)
    analysis_py = _analysis(source, "python", log_py)
    assert log_c == log_py
    assert _digest(analysis_c) == _digest(analysis_py)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(STDLIB_FILES))
def test_any_stdlib_file_gives_the_same_analysis_with_every_c_path_on(name):
    """Without the logging subclass, whose ``_load`` override turns the C name read off."""
    source = support.parsable_stdlib_source(name)
    assert _digest(_analysis(source, "c")) == _digest(_analysis(source, "python"))
