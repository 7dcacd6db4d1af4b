"""The facts walk's C loop (``_traverse_native.c``) against its Python model, event by event."""
from __future__ import annotations

import ast
import pickle
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tests.native_support as support
from analyzer.model import _extract_walk, extract_facts
from analyzer.model._extract import statements
from analyzer.model._extract_refs import Usage
from analyzer.model._scope import Scope
from analyzer.model._state import ModuleState
from analyzer.rules import SourceLines
from tests.native_support import STDLIB, STDLIB_FILES, flag_under, native_module, run_memcheck

native = native_module("analyzer.model._traverse_native", "the C loop")

#: The handlers as built, before any test wraps them.
HANDLERS = dict(_extract_walk._HANDLERS)
# Between them: classes and nested functions, global/nonlocal, comprehensions and lambdas,
# try/except ImportError, TYPE_CHECKING blocks, match statements, sys.modules writes,
# function-level imports and many string constants.
SAMPLES = ["ast.py", "dataclasses.py", "asyncio/tasks.py", "argparse.py", "typing.py",
           "inspect.py", "json/decoder.py", "email/_header_value_parser.py", "importlib/__init__.py",
           "collections/__init__.py"]
EXTRA = '''
import sys, os.path as osp
from typing import TYPE_CHECKING
G = 1
def f(a, /, b: "int" = G, *c, d=osp.sep, **e) -> "str":
    global G, H
    G = H = [x for x in c if x]
    import json
    json.dumps(a)
    def g():
        nonlocal b
        b = lambda y, z=a: (y, z, "not an identifier", "x.y")
        if TYPE_CHECKING:
            import collections
        try:
            import zlib
        except ImportError:
            zlib = None
    return sys.modules[__name__]
class C(osp.Thing, metaclass=type):
    attr: "List[int]" = {k: v for k, v in globals().items()}
''' + support.newer_forms("    ").replace("match p", "match attr") + '''sys.modules["planted"] = C
setattr(sys.modules[__name__], "late", 1)
'''


def _source(name: str) -> str:
    return (STDLIB / name).read_text(encoding="utf-8") if name != "EXTRA" else EXTRA


def _use(loop, monkeypatch):
    monkeypatch.setattr(_extract_walk, "_native_traverse", native.traverse if loop == "c" else None)


class _LoggedSet(set):
    """usage.loads that logs each add (the C loop then calls ``add``, not PySet_Add)."""

    def __init__(self, log):
        super().__init__()
        self.log = log

    def add(self, name):
        self.log.append(("load", name))
        super().add(name)


class _LoggedUsage(Usage):
    def __init__(self, log):
        super().__init__()
        self.log = log
        self.loads = _LoggedSet(log)

    def add_string(self, value):
        self.log.append(("string", value))
        super().add_string(value)


def _where(node):
    """A node of one parse, as it can be compared with the same node of another parse."""
    return (type(node).__name__, getattr(node, "lineno", None), getattr(node, "col_offset", None),
            getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None))


def _events(source, loop, monkeypatch, extra_handlers=None, gated=False):
    """Every handler call, load and string of one walk, in order, with scopes numbered, and
    the names each scope ended up with. ``gated``: the C loop's gates stand before the logged
    ``_call`` and ``_attribute`` (else no handler is gated: the wrappers are not the ones
    ``_GATED`` names)."""
    _use(loop, monkeypatch)
    tree = ast.parse(source)
    state = ModuleState(SourceLines(source))
    statements(state, tree.body, False, "")
    module_scope = Scope(None)
    stack = [(stmt, module_scope, "") for stmt in reversed(tree.body)]
    context = _extract_walk._Walk(state, module_scope, stack.append)
    log = []
    context.usage = _LoggedUsage(log)
    scopes: dict[int, tuple[int, Scope]] = {}

    def number(scope):
        return scopes.setdefault(id(scope), (len(scopes), scope))[0]

    def logged(handler):
        def call(ctx, node, scope, guard):
            result = handler(ctx, node, scope, guard)
            log.append((handler.__name__, _where(node), number(scope), guard,
                        None if result is None else number(result), len(stack)))
            return result
        return call

    handlers = {**HANDLERS, **(extra_handlers or {})}
    wrapped = {k: logged(h) for k, h in handlers.items()}
    monkeypatch.setattr(_extract_walk, "_HANDLERS", wrapped)
    if gated:
        monkeypatch.setattr(_extract_walk, "_GATED", {k: wrapped[k] for k in GATED_TYPES})
    _extract_walk._traverse(context, stack)
    names = sorted((n, sorted(s.names), sorted(s.globals)) for n, s in scopes.values())
    usage = context.usage
    return log, names, (len(context.candidates), len(context.attributes),
                        sorted(usage.strings), sorted(usage.chains), sorted(context.local_imported))


def _walked(source, loop, monkeypatch):
    """The facts walk's own results, and the module's facts pickled."""
    _use(loop, monkeypatch)
    tree = ast.parse(source)
    state = ModuleState(SourceLines(source))
    statements(state, tree.body, False, "")
    calls, attributes, usage = _extract_walk.walk(state, tree)
    facts = extract_facts(tree, module="m", path="m.py", is_package=False, lines=SourceLines(source))
    return (calls, attributes, usage.loads, usage.strings, usage.chains,
            state.dynamic_namespace, sorted(state.dynamic_modules), pickle.dumps(facts))


@pytest.mark.parametrize("name", [*SAMPLES, "EXTRA"])
def test_the_c_loop_calls_what_the_python_loop_calls_in_the_same_order(name, monkeypatch):
    source = _source(name)
    expected = _events(source, "python", monkeypatch)
    assert len(expected[0]) > 50
    assert _events(source, "c", monkeypatch) == expected


@pytest.mark.parametrize("name", [*SAMPLES, "EXTRA"])
def test_the_c_loop_gives_the_same_facts(name, monkeypatch):
    source = _source(name)
    expected = _walked(source, "python", monkeypatch)
    assert expected[0] or expected[2]  # calls of imported names, or loads at least
    assert _walked(source, "c", monkeypatch) == expected


GATED_TYPES = (ast.Call, ast.Attribute)
GATED_HANDLERS = ("_call", "_attribute")

GATES = """
import os, sys as s
from pkg import thing
from typing import TYPE_CHECKING
import typing
def g(local, d):
    if TYPE_CHECKING:              # _if runs (and guards the import)
        import json
    if typing.TYPE_CHECKING:       # _if runs
        import csv
    if local:                      # skipped
        pass
    d[1]; local.attr[2]            # skipped
    s.modules["k"] = local         # _subscript runs
    local.modules[3]               # _subscript runs (it decides)
def f(local, other):
    import json
    local.method().attr            # a local's chain: skipped
    len(local); print(other)       # builtins: skipped
    (local or other).x             # a chain from an expression: skipped
    local()()                      # a call's callee that is a call: skipped
    os.path.join(local); thing.x   # imported: each handler runs
    json.dumps(local)              # imported in the function: _attribute runs
    globals(); vars(); locals()    # namespace calls: _call runs
    s.modules.update(x=1); local.update(); other._convert_(1)  # writers: _call runs
"""


@pytest.mark.parametrize("name", ["GATES", "EXTRA", *SAMPLES[:4]])
def test_the_gates_skip_only_handler_calls_that_record_nothing(name, monkeypatch):
    source = GATES if name == "GATES" else _source(name)
    log_py, _, found_py = _events(source, "python", monkeypatch)
    log_c, _, found_c = _events(source, "c", monkeypatch, gated=True)
    # (The scopes' names are compared by the facts tests: here scopes are numbered as the
    # log first meets them, and a skipped handler meets fewer.)
    assert found_c == found_py
    gated = GATED_HANDLERS

    def unnumbered(log, keep):
        return [(e[0], e[1], e[3], e[5]) if len(e) == 6 else e for e in log if keep(e[0])]

    assert (unnumbered(log_c, lambda kind: kind not in gated)
            == unnumbered(log_py, lambda kind: kind not in gated))
    ran = unnumbered(log_c, lambda kind: kind in gated)
    skipped = [e for e in log_py if e[0] in gated and (e[0], e[1], e[3], e[5]) not in ran]
    kept = [e for e in log_py if e[0] in gated and (e[0], e[1], e[3], e[5]) in ran]
    assert skipped and kept
    # a skipped handler returned the scope it was given: the node's children were walked alike
    assert all(e[4] == e[2] for e in skipped)


def test_the_gates_let_through_what_the_handlers_record(monkeypatch):
    log, _, (calls, attributes, _, chains, local) = _events(GATES, "c", monkeypatch, gated=True)
    ran = {(e[0], e[1][1]) for e in log if e[0] in GATED_HANDLERS}
    lines = {line for _, line in ran}
    assert {22, 23, 24, 25} <= lines and not {18, 19, 20, 21} & lines, sorted(ran)
    assert "os.path.join" in chains and "json.dumps" in chains and local == ["csv", "json"]
    assert calls and attributes


class _MyName(ast.Name):
    """A subclass the parser never makes: the gates must leave such nodes to the handlers."""


def _facts_of_changed_tree(source, change, monkeypatch):
    """Per loop (Python, then C), the facts of ``source`` parsed and then ``change``d."""
    results = []
    for loop in ("python", "c"):
        _use(loop, monkeypatch)
        tree = ast.parse(source)
        change(tree)
        results.append(extract_facts(tree, module="m", path="m.py", is_package=False,
                                     lines=SourceLines(source)))
    return results


def test_a_chain_ending_at_a_subclass_of_name_still_reaches_the_handler(monkeypatch):
    """The parser makes exact ast classes; for any other tree the gates call the handler,
    which decides by isinstance."""

    def change(tree):
        chain = tree.body[1].body[0].value.value  # m.x
        chain.value = ast.copy_location(_MyName(id="m", ctx=ast.Load()), chain.value)

    source = "import m\ndef f():\n    m.x.y\n"
    python, c = _facts_of_changed_tree(source, change, monkeypatch)
    assert [a.name for a in python.attributes] == [a.name for a in c.attributes] == ["m.x.y"]


STRINGS = ["", "name", "x.y", "two words", "café", "_private", "a" * 200, "b" * 201,
           "Optional[Node]", "1st", "tab\tsep", "x" * 199 + ".y"]


def test_the_string_gate_notes_what_add_string_notes(monkeypatch):
    source = "".join(f"v{i} = {value!r}\n" for i, value in enumerate(STRINGS))
    expected = _walked(source, "python", monkeypatch)
    got = _walked(source, "c", monkeypatch)
    assert got == expected
    strings = got[3]
    assert {"name", "café", "_private", "a" * 200, "x", "y", "Optional", "Node"} <= strings
    assert not {"", "b" * 201, "two words", "1st", "two", "words"} & strings


def test_a_usage_with_its_own_add_string_is_handed_every_string(monkeypatch):
    source = "".join(f"v{i} = {value!r}\n" for i, value in enumerate(STRINGS))
    log, *_ = _events(source, "c", monkeypatch, gated=True)
    assert [value for kind, value, *_ in log if kind == "string"] == STRINGS


def test_a_bad_string_gate_is_a_type_error():
    args = (None, [], {}, {}, print, frozenset(), frozenset())
    context = type("Context", (), {"module_scope": type("S", (), {"names": set()})(),
                                   "usage": Usage()})()
    with pytest.raises(TypeError, match="gated\\[str\\]"):
        native.traverse(context, *args[1:], {str: "no"}, frozenset(), frozenset())


def test_a_subscript_of_sys_modules_under_another_name_reaches_the_handler(monkeypatch):
    source = ("from sys import modules as mods\nimport sys as s\n"
              "def f(x):\n    mods['one'] = x\n    s.modules['two'] = x\n    x['three'] = x\n")
    expected = _walked(source, "python", monkeypatch)
    got = _walked(source, "c", monkeypatch)
    assert got == expected
    assert got[6] == ["one.", "two."]  # the planted modules (key prefixes)


def test_an_if_on_a_subclass_of_name_still_reaches_the_handler(monkeypatch):
    def change(tree):
        branch = tree.body[0].body[0]
        branch.test = ast.copy_location(_MyName(id="TYPE_CHECKING", ctx=ast.Load()), branch.test)

    source = "def f():\n    if TYPE_CHECKING:\n        import json\n"
    results = _facts_of_changed_tree(source, change, monkeypatch)
    imports = [[(i.module, i.guarded_by) for i in facts.imports] for facts in results]
    assert imports[0] == imports[1] == [("json", "TYPE_CHECKING")]


def test_the_extra_sample_reaches_every_branch(monkeypatch):
    # Names stored under ``global``, strings with and without identifiers, scopes from
    # functions, lambdas, classes and comprehensions: the events test above compares them.
    log, names, (calls, attributes, strings, chains, local) = _events(EXTRA, "c", monkeypatch)
    kinds = {event[0] for event in log}
    assert {"load", "string", "_function", "_lambda", "_class", "_comprehension", "_global",
            "_nonlocal", "_import", "_try", "_if", "_call", "_subscript", "_capture",
            "_match_mapping"} <= kinds
    assert {"x", "y"} <= set(strings) and "not" not in strings
    assert "G" in names[0][1] and "H" in names[0][1]
    assert local == ["collections", "json", "zlib"]


def _failing(error):
    def fail(context, node, scope, guard):
        raise error
    return fail


@pytest.mark.parametrize("error", [ValueError("handler"), KeyboardInterrupt()])
def test_a_handler_that_raises_stops_the_loop_and_propagates(error, monkeypatch):
    tree = ast.parse(EXTRA)
    left = {}
    for loop in ("python", "c"):
        _use(loop, monkeypatch)
        monkeypatch.setattr(_extract_walk, "_HANDLERS",
                            {**HANDLERS, ast.Call: _failing(error)})
        module_scope = Scope(None)
        stack = [(stmt, module_scope, "") for stmt in reversed(tree.body)]
        state = ModuleState(SourceLines(EXTRA))
        context = _extract_walk._Walk(state, module_scope, stack.append)
        with pytest.raises(type(error)) as raised:
            _extract_walk._traverse(context, stack)
        assert raised.value is error
        # Nothing caught: the stack holds what it held when the handler raised.
        left[loop] = ([(type(n).__name__, getattr(n, "lineno", None), g) for n, _, g in stack],
                      sorted(context.usage.loads), sorted(module_scope.names))
    assert left["c"] == left["python"]
    assert left["c"][0]


def test_a_bad_item_pushed_by_a_handler_fails_as_in_python(monkeypatch):
    def push_pair(context, node, scope, guard):
        context.push((node.func, scope))
        return scope

    errors = {}
    for loop in ("python", "c"):
        _use(loop, monkeypatch)
        monkeypatch.setattr(_extract_walk, "_HANDLERS", {ast.Call: push_pair})
        with pytest.raises(ValueError) as raised:
            _extract_walk.walk(ModuleState(SourceLines("f()")), ast.parse("f()"))
        errors[loop] = str(raised.value)
    assert errors["c"] == errors["python"] == "not enough values to unpack (expected 3, got 2)"


def test_a_chain_deeper_than_the_interpreter_allows_is_walked(monkeypatch):
    # ast.parse itself gives up a little above 2,000 terms; the recursion limit is 1,000.
    source = "x = " + "+".join(["1"] * 2_000) + "\ny = " + "+".join(["'s'"] * 2_000)
    assert sys.getrecursionlimit() < 2_000
    extra = {ast.BinOp: lambda context, node, scope, guard: scope}
    expected = _events(source, "python", monkeypatch, extra)
    assert sum(1 for event in expected[0] if event[0] == "<lambda>") == 2 * 1_999
    assert sum(1 for event in expected[0] if event[0] == "string") == 2_000
    assert _events(source, "c", monkeypatch, extra) == expected


def test_the_loop_holds_no_reference_once_done(monkeypatch):
    _use("c", monkeypatch)
    tree = ast.parse(EXTRA)
    state = ModuleState(SourceLines(EXTRA))
    statements(state, tree.body, False, "")
    _extract_walk.walk(state, tree)  # fills _CHILD_FIELDS for these node types first
    nodes = list(ast.walk(tree))
    guard = "a guard of its own"
    objects = [_extract_walk._HANDLERS, _extract_walk._CHILD_FIELDS, guard, *nodes]
    counts = [sys.getrefcount(o) for o in objects]
    state = ModuleState(SourceLines(EXTRA))
    statements(state, tree.body, False, "")
    module_scope = Scope(None)
    stack = [(stmt, module_scope, guard) for stmt in reversed(tree.body)]
    context = _extract_walk._Walk(state, module_scope, stack.append)
    _extract_walk._traverse(context, stack)
    assert context.usage.loads and not stack
    del context, stack, module_scope, state
    assert [sys.getrefcount(o) for o in objects] == counts


def test_bad_arguments_are_type_errors():
    args = (None, [], {}, {}, print, frozenset(), frozenset())
    with pytest.raises(TypeError, match="7 or 10 arguments"):
        native.traverse(None, [])
    with pytest.raises(TypeError, match="gated"):
        native.traverse(*args, [], frozenset(), frozenset())
    with pytest.raises(TypeError, match="gated"):
        native.traverse(*args, {}, [], frozenset())
    with pytest.raises(TypeError, match="stack"):
        native.traverse(*args[:1], (), *args[2:])
    with pytest.raises(TypeError, match="dicts"):
        native.traverse(*args[:2], [], *args[3:])
    with pytest.raises(TypeError, match="frozensets"):
        native.traverse(*args[:5], [], frozenset())


def test_shoal_native_facts_0_selects_the_python_loop():
    assert flag_under("SHOAL_NATIVE_FACTS", "0", "analyzer.model._extract_walk", "NATIVE_FACTS") == "False"
    assert flag_under("SHOAL_NATIVE_FACTS", "1", "analyzer.model._extract_walk", "NATIVE_FACTS") == "True"


_UNDER_VALGRIND = """
import ast, sys
from analyzer.model import _extract_walk, extract_facts
from analyzer.model._state import ModuleState
from analyzer.rules import SourceLines
assert _extract_walk.NATIVE_FACTS
source = open(sys.argv[1], encoding="utf-8").read() + "\\nx = " + "+".join(["'s'"] * 1500)
facts = extract_facts(ast.parse(source), module="m", path="m.py", is_package=False,
                      lines=SourceLines(source))
def fail(context, node, scope, guard):
    raise ValueError("handler")
_extract_walk._HANDLERS[ast.Call] = fail
try:
    _extract_walk.walk(ModuleState(SourceLines(source)), ast.parse(source))
except ValueError:
    pass
print(len(facts.imports) + len(facts.uses))
"""


@pytest.mark.valgrind
def test_the_c_loop_under_valgrind():
    """A walk, a deep chain and a walk stopped by a failing handler run clean under memcheck."""
    run = run_memcheck(_UNDER_VALGRIND, str(STDLIB / "json/decoder.py"))
    assert run.returncode == 0, run.stderr[-3000:]
    assert int(run.stdout) > 0


# ---------------------------------------------------------------------------------------------
# Property: any file of the standard library, the same facts from either loop



def _facts_with(loop, source):
    saved = _extract_walk._native_traverse
    _extract_walk._native_traverse = native.traverse if loop == "c" else None
    try:
        tree = ast.parse(source)
        state = ModuleState(SourceLines(source))
        statements(state, tree.body, False, "")
        calls, attributes, usage = _extract_walk.walk(state, tree)
        facts = extract_facts(ast.parse(source), module="m", path="m.py", is_package=False,
                              lines=SourceLines(source))
        return (calls, attributes, usage.loads, usage.strings, usage.chains,
                state.dynamic_namespace, sorted(state.dynamic_modules), pickle.dumps(facts))
    finally:
        _extract_walk._native_traverse = saved


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(STDLIB_FILES))
def test_any_stdlib_file_gives_the_same_facts_from_either_loop(name):
    source = support.parsable_stdlib_source(name)
    assert _facts_with("c", source) == _facts_with("python", source)
