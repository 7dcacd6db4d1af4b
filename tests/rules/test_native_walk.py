"""The C walk of the module rules (``_walk_native.c``) against its Python model, event by event."""
from __future__ import annotations

import ast
import sys

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import tests.native_support as support
from analyzer.rules import _ast_walk
from analyzer.rules._ast_walk import _FIELDS, walk_ast_python
from tests.native_support import STDLIB, STDLIB_FILES, flag_under, native_module, run_memcheck

native = native_module("analyzer.rules._walk_native", "the C walk")

# Files with every kind of node between them: match statements, async, f-strings, decorators,
# try/except*, comprehensions, lambdas, global/nonlocal, type comments aside.
SAMPLES = ["ast.py", "dataclasses.py", "asyncio/tasks.py", "argparse.py", "typing.py",
           "inspect.py", "json/decoder.py", "email/_header_value_parser.py"]
EXTRA = support.newer_forms() + """
async def f():
    async with a as b, c:
        return [x async for x in y if await x]
x: int = lambda *a, b=1, **k: f"{a!r:>{b}}"
del x[1:2, ::3]
"""


def _events(tree, walker, *, budget=200, singletons=False, fail_on=(), inert=True):
    """Every visit and leave of a rule set that visits every class, through ``walker``."""
    log = []

    class Rule:
        def visit(self, node):
            log.append(("visit", node))
            if type(node).__name__ in fail_on:
                raise ValueError(type(node).__name__)

        def leave(self, node):
            log.append(("leave", node))

    rule = Rule()
    fields = _FIELDS[singletons]
    classes = [c for c in vars(ast).values() if isinstance(c, type) and issubclass(c, ast.AST)]
    actions = {cls: ((rule.visit,), (rule.leave,)) for cls in classes
               if singletons or not issubclass(cls, _ast_walk._SINGLETON_BASES)}

    def on_error(fn, exc, node):
        log.append(("error", fn.__name__, str(exc), node, exc.__traceback__ is not None,
                    sys.exc_info()[1] is exc))
        # Unbind the rule's leave of this class, as the runner unbinds a failed rule.
        actions[type(node)] = (actions[type(node)][0], ())

    inert_classes = frozenset(cls for cls in classes if cls not in actions and not fields[cls])
    walker(tree, actions, fields, inert_classes if inert else frozenset(), on_error, budget)
    return log


def _native(tree, actions, fields, inert, on_error, _budget):
    native.walk(tree, actions, fields, inert, on_error, ast.AST)


@pytest.mark.parametrize("name", SAMPLES)
@pytest.mark.parametrize("singletons", [False, True])
def test_the_c_walk_calls_what_the_python_walk_calls_in_the_same_order(name, singletons):
    tree = ast.parse((STDLIB / name).read_text(encoding="utf-8"))
    expected = _events(tree, walk_ast_python, singletons=singletons)
    assert len(expected) > 1000
    assert _events(tree, _native, singletons=singletons) == expected


def test_the_python_walk_beyond_its_budget_is_the_model_too():
    # The model's explicit-stack path (past the recursion budget) gives the same events.
    tree = ast.parse(EXTRA)
    assert _events(tree, walk_ast_python, budget=2) == _events(tree, walk_ast_python)
    assert _events(tree, _native) == _events(tree, walk_ast_python)


def test_failures_reach_on_error_while_handled_and_the_walk_goes_on():
    tree = ast.parse(EXTRA)
    failing = ("Name", "MatchClass", "Lambda")
    events = _events(tree, _native, fail_on=failing)
    assert events == _events(tree, walk_ast_python, fail_on=failing)
    errors = [e for e in events if e[0] == "error"]
    # Two kinds of failure, several of each: every one reported, each with its traceback,
    # as the exception being handled; the unbound leave of a failed node is not called.
    assert {e[2] for e in errors} == set(failing)
    assert sum(e[2] == "Name" for e in errors) > 5
    assert all(e[4] and e[5] for e in errors)
    failed_nodes = {id(e[3]) for e in errors}
    assert not [e for e in events if e[0] == "leave" and id(e[1]) in failed_nodes
                and type(e[1]).__name__ in ("MatchClass", "Lambda")]


def test_base_exceptions_and_on_error_failures_stop_the_walk():
    tree = ast.parse("a + b\nc\n")
    seen = []

    def interrupt(node):
        seen.append(node)
        raise KeyboardInterrupt

    def on_error(fn, exc, node):  # pragma: no cover - a KeyboardInterrupt never reaches it
        seen.append("on_error")

    actions = {ast.Name: ((interrupt,), ())}
    with pytest.raises(KeyboardInterrupt):
        native.walk(tree, actions, _FIELDS[False], frozenset(), on_error, ast.AST)
    assert len(seen) == 1

    def bad_handler(fn, exc, node):
        raise RuntimeError("handler") from None

    def fail(node):
        raise ValueError("rule")

    with pytest.raises(RuntimeError, match="handler"):
        native.walk(tree, {ast.Name: ((fail,), ())}, _FIELDS[False], frozenset(), bad_handler, ast.AST)


def test_a_chain_deeper_than_the_interpreter_allows_is_walked():
    # ast.parse itself gives up a little above 2,000 terms; the recursion limit is 1,000.
    tree = ast.parse("x = " + "+".join(["1"] * 2_000))
    assert sys.getrecursionlimit() < 2_000
    events = _events(tree, _native)
    assert events == _events(tree, walk_ast_python)
    assert sum(1 for kind, *_ in events if kind == "visit") > 4_000


def test_the_walk_holds_no_reference_once_done():
    tree = ast.parse(EXTRA)
    counts = [sys.getrefcount(node) for node in ast.walk(tree)]
    actions = {ast.Name: ((lambda node: None,), (lambda node: None,))}
    before = sys.getrefcount(actions)
    native.walk(tree, actions, _FIELDS[False], frozenset(), print, ast.AST)
    assert [sys.getrefcount(node) for node in ast.walk(tree)] == counts
    assert sys.getrefcount(actions) == before


def test_bad_arguments_are_type_errors():
    tree = ast.parse("x")
    with pytest.raises(TypeError, match="6 arguments"):
        native.walk(tree, {})
    with pytest.raises(TypeError, match="actions"):
        native.walk(tree, [], _FIELDS[False], frozenset(), print, ast.AST)
    with pytest.raises(TypeError, match="inert"):
        native.walk(tree, {}, _FIELDS[False], [], print, ast.AST)


def _names_read(tree, extra_fields):
    """The ids of the Name nodes the C walk reaches, with ``extra_fields`` for classes of our own."""
    seen = []
    fields = {**_FIELDS[False], **extra_fields}
    native.walk(tree, {ast.Name: ((lambda node: seen.append(node.id),), ())}, fields,
                frozenset(), print, ast.AST)
    return seen


def _with_dict_value(cls):
    """An instance of ``cls`` whose instance dict holds ``value`` = Name 'in_dict'."""
    node = cls.__new__(cls)  # no __init__: 3.13 warns of a required field left out
    node.__dict__["value"] = ast.Name("in_dict", ast.Load())
    return ast.Module(body=[node], type_ignores=[])


def test_a_field_behind_a_data_descriptor_is_read_as_getattr_reads_it():
    # The instance dict is read first only for classes without data descriptors of their own.
    class Shadowed(ast.Expr):
        value = property(lambda self: ast.Name("from_property", ast.Load()))

    assert _names_read(_with_dict_value(Shadowed), {Shadowed: ("value",)}) == ["from_property"]
    assert _names_read(_with_dict_value(ast.Expr), {}) == ["in_dict"]


def test_a_class_changed_after_a_walk_is_read_as_changed():
    class Later(ast.Expr):
        pass

    tree = _with_dict_value(Later)
    assert _names_read(tree, {Later: ("value",)}) == ["in_dict"]
    assert _names_read(tree, {Later: ("value",)}) == ["in_dict"]  # the type is known plain now
    Later.value = property(lambda self: ast.Name("from_property", ast.Load()))
    assert _names_read(tree, {Later: ("value",)}) == ["from_property"]


def test_shoal_native_walk_0_selects_the_python_walk():
    assert flag_under("SHOAL_NATIVE_WALK", "0", "analyzer.rules._ast_walk", "NATIVE_WALK") == "False"
    assert flag_under("SHOAL_NATIVE_WALK", "1", "analyzer.rules._ast_walk", "NATIVE_WALK") == "True"


_UNDER_VALGRIND = """
import ast, sys
from analyzer.rules._ast_walk import _FIELDS
from analyzer.rules._walk_native import walk
tree = ast.parse(open(sys.argv[1], encoding="utf-8").read() + "\\nx = " + "+".join(["1"] * 1500))
seen = []
def visit(node):
    seen.append(node)
    if len(seen) % 7 == 0:
        raise ValueError("odd")
def on_error(fn, exc, node):
    actions[type(node)] = ((visit,), ())
actions = {cls: ((visit,), (seen.append,)) for cls in (ast.Name, ast.Call, ast.BinOp, ast.FunctionDef)}
walk(tree, actions, _FIELDS[False], frozenset(), on_error, ast.AST)
try:
    walk(tree, {ast.Name: ((sys.exit,), ())}, _FIELDS[False], frozenset(), on_error, ast.AST)
except SystemExit:
    pass
from analyzer.rules._guards import Guarded
def predicate(node):
    if node.lineno % 5 == 0:
        raise KeyError("shape")
    return node.lineno % 2
def member(node):
    seen.append(node)
    if node.lineno % 3 == 0:
        raise ValueError("member")
entry = Guarded(predicate, [member, member], lambda fn, exc, node: seen.append(exc))
walk(tree, {ast.Call: ((entry,), ())}, _FIELDS[False], frozenset(), on_error, ast.AST)
print(len(seen))
"""


@pytest.mark.valgrind
def test_the_c_walk_under_valgrind():
    """Walks, failures, an interrupted walk and guarded entries run clean under memcheck."""
    run = run_memcheck(_UNDER_VALGRIND, str(STDLIB / "json/decoder.py"))
    assert run.returncode == 0, run.stderr[-3000:]
    assert int(run.stdout) > 1500


# ---------------------------------------------------------------------------------------------
# Property: any rule set, any failures, any file: the C walk calls what the Python walk calls

_CLASSES = sorted((c for c in vars(ast).values() if isinstance(c, type) and issubclass(c, ast.AST)
                   and c.__subclasses__() == [] and c is not ast.AST), key=lambda c: c.__name__)


def _parsed(name):
    try:
        return ast.parse((STDLIB / name).read_bytes())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _random_events(tree, walker, visited, left, failing, unbind, singletons):
    log = []

    def visit(node):
        log.append(("visit", node))
        if type(node) in failing:
            raise LookupError(type(node).__name__)

    def leave(node):
        log.append(("leave", node))
        if type(node) in failing and type(node) not in visited:
            raise LookupError("leave " + type(node).__name__)

    actions = {cls: ((visit,) if cls in visited else (), (leave,) if cls in left else ())
               for cls in visited | left}

    def on_error(fn, exc, node):
        log.append(("error", fn.__name__, str(exc), node))
        if unbind:
            for cls in list(actions):
                actions[cls] = ((), ()) if type(node) is cls else actions[cls]

    fields = _FIELDS[singletons]
    inert = frozenset(c for c in _CLASSES if c not in actions and not fields[c])
    walker(tree, actions, fields, inert, on_error, 200)
    return log


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(STDLIB_FILES), data=st.data())
def test_any_rule_set_any_failures_any_file(name, data):
    tree = _parsed(name)
    assume(tree is not None)
    visited = frozenset(data.draw(st.sets(st.sampled_from(_CLASSES), max_size=12)))
    left = frozenset(data.draw(st.sets(st.sampled_from(_CLASSES), max_size=8)))
    failing = frozenset(data.draw(st.sets(st.sampled_from(sorted(visited | left, key=str)
                                                          or _CLASSES), max_size=3)))
    unbind, singletons = data.draw(st.booleans()), data.draw(st.booleans())
    args = (visited, left, failing, unbind, singletons)
    assert _random_events(tree, _native, *args) == _random_events(tree, walk_ast_python, *args)
