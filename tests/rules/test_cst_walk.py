"""The read-only libcst walk and the metadata stand-ins give what libcst itself gives."""
from __future__ import annotations

import textwrap as textwrap_module
from pathlib import Path

import libcst
import pytest
from libcst.metadata import (
    ExpressionContextProvider,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
    WhitespaceInclusivePositionProvider,
)

from analyzer.rules import _cst_walk
from analyzer.rules._cst_meta import FileMetadata

# Shapes whose visiting order or positions are easy to get wrong: a field libcst visits only
# when set (format_spec), star imports, decorators, walrus, match, lambdas, comprehensions,
# annotations, global/nonlocal, string concatenation, parenthesized whitespace.
TRICKY = '''\
"""doc"""
from __future__ import annotations
from os import *
import os.path as p, sys
@decorator(arg)
class C(Base, metaclass=M):
    x: int = 1
    def f(self, a, /, b=2, *c, d: "str" = (  # comment
            3), **e) -> list[int]:
        global G
        def g():
            nonlocal a
            a = lambda q, *r: q
        return [i for i in range(3) if (j := i)] + {k: v for k, v in {}.items()}
print(f"{x!r:>{width}.{prec}} and {y=}" "tail", sep='')
match command.split():
    case [action, *rest] if action:
        pass
    case {"k": v, **kw}:
        pass
    case Point(x=0) | None:
        pass
async def h():
    async with a as (b, c):
        await b
    async for i in c:
        yield i
try:
    pass
except* (ValueError, TypeError) as e:
    del e
x[1:2, ::3] = y if z else w
'''


def _sources() -> list[str]:
    return [TRICKY, Path(textwrap_module.__file__).read_text(encoding="utf-8")]


class _Recorder(libcst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, int]] = []

    def on_visit(self, node: libcst.CSTNode) -> bool:
        self.events.append(("visit", id(node)))
        return True

    def on_leave(self, original_node: libcst.CSTNode) -> None:
        self.events.append(("leave", id(original_node)))


def _walk_events(module: libcst.Module, classes: list[type]) -> list[tuple[str, int]]:
    events: list[tuple[str, int]] = []
    actions = {
        cls: ((lambda n: events.append(("visit", id(n))),), (lambda n: events.append(("leave", id(n))),))
        for cls in classes
    }
    _cst_walk.walk(module, actions, _raise, _cst_walk.Pruner(classes), {}, {})
    return events


def _raise(fn: object, exc: Exception, node: object) -> None:
    raise exc


@pytest.mark.parametrize("source", _sources(), ids=["tricky", "textwrap"])
def test_walk_visits_in_libcst_order(source):
    module = libcst.parse_module(source)
    recorder = _Recorder()
    module.visit(recorder)
    assert _walk_events(module, _cst_walk._concrete_classes()) == recorder.events


def test_pruned_walk_still_meets_every_wanted_node_in_order():
    module = libcst.parse_module(TRICKY)
    wanted = [libcst.Call, libcst.Name]
    recorder = _Recorder()
    module.visit(recorder)
    kinds = {id(n): type(n) for n in _every_node(module)}
    expected = [event for event in recorder.events if kinds[event[1]] in wanted]
    assert len(expected) > 50
    assert _walk_events(module, wanted) == expected


def test_pruner_skips_whitespace_but_not_what_may_hold_a_wanted_node():
    pruner = _cst_walk.Pruner([libcst.Call])
    assert not pruner._reaches(libcst.SimpleWhitespace)
    assert not pruner._reaches(libcst.Comma)
    assert pruner._reaches(libcst.Param)  # a default value may be a call
    assert pruner._reaches(libcst.Decorator)


def _every_node(module: libcst.Module) -> list[libcst.CSTNode]:
    parents, nodes = _cst_walk.all_parents(module)
    return list(nodes.values())


@pytest.mark.parametrize("source", _sources(), ids=["tricky", "textwrap"])
def test_metadata_stand_ins_equal_libcst(source):
    module = libcst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve_many(
        [ParentNodeProvider, PositionProvider, WhitespaceInclusivePositionProvider,
         QualifiedNameProvider]
    )
    meta = FileMetadata(module)
    # As during a lint run: the walk recorded only the parents of what it entered.
    _cst_walk.walk(module, {}, _raise, _cst_walk.Pruner([libcst.Call]), meta.parents, meta.nodes)
    assert not meta._complete
    for provider in (PositionProvider, WhitespaceInclusivePositionProvider, ParentNodeProvider):
        mine = meta.resolve(provider)
        for node, value in expected[provider].items():
            assert mine[node] == value, (provider.__name__, type(node).__name__)
    names = meta.resolve(QualifiedNameProvider)
    for node, value in expected[QualifiedNameProvider].items():
        assert names[node] == (value() if callable(value) else value), type(node).__name__
    assert meta.resolve(ParentNodeProvider).get(module, "root") == "root"


def test_stand_ins_refuse_nodes_outside_the_tree():
    meta = FileMetadata(libcst.parse_module("x = 1\n"))
    stranger = libcst.Name("x")
    for provider in (ParentNodeProvider, PositionProvider, QualifiedNameProvider):
        mapping = meta.resolve(provider)
        assert mapping.get(stranger, "none") == "none"
        with pytest.raises(KeyError):
            mapping[stranger]


@pytest.mark.parametrize(
    "source",
    ["a = 1\r\nif a:\r\n    b = (1,\r\n  2)\r\n", "a = 1\rb = 2\r", "x = 1\nif x:\n    y = 2"],
    ids=["crlf", "cr", "no-trailing-newline"],
)
def test_positions_count_lines_as_libcst_does(source):
    module = libcst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve_many(
        [PositionProvider, WhitespaceInclusivePositionProvider]
    )
    meta = FileMetadata(module)
    for provider, ranges in expected.items():
        mine = meta.resolve(provider)
        assert {id(n): mine[n] for n in ranges} == {id(n): r for n, r in ranges.items()}


def test_read_only_visits_give_libcst_scopes_and_leave_libcst_as_it_was():
    source = Path(textwrap_module.__file__).read_text(encoding="utf-8") + TRICKY
    plain = libcst.parse_module(source)
    expected = MetadataWrapper(plain, unsafe_skip_copy=True).resolve_many(
        [ScopeProvider, ExpressionContextProvider]
    )
    module = libcst.parse_module(source)
    meta = FileMetadata(module)
    scopes, contexts = meta.resolve(ScopeProvider), meta.resolve(ExpressionContextProvider)
    assert libcst.CSTNode.visit is _cst_walk._ORIGINAL_VISIT

    def summary(scope: object) -> object:
        if scope is None:
            return None
        return (type(scope).__name__, scope._name_prefix,
                sorted((name, len(v)) for name, v in scope._assignments.items()),
                sorted((name, len(v)) for name, v in scope._accesses_by_name.items()))

    pairs = list(zip(_every_node(plain), _every_node(module), strict=True))
    assert len(pairs) > 1000
    for a, b in pairs:
        assert summary(expected[ScopeProvider].get(a)) == summary(scopes.get(b))
        assert expected[ExpressionContextProvider].get(a) == contexts.get(b)


def test_transformers_still_rebuild_inside_read_only_visits():
    class Rename(libcst.CSTTransformer):
        def leave_Name(self, original_node, updated_node):
            return updated_node.with_changes(value="y")

    module = libcst.parse_module("x = x + 1\n")
    with _cst_walk.read_only_visits():
        assert module.visit(Rename()).code == "y = y + 1\n"
        assert libcst.CSTNode.visit is not _cst_walk._ORIGINAL_VISIT
    assert libcst.CSTNode.visit is _cst_walk._ORIGINAL_VISIT


def test_attribute_visitors_are_called_inside_read_only_visits():
    class Bases(libcst.CSTVisitor):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[str] = []

        def visit_ClassDef_bases(self, node):
            self.seen.append("enter " + node.name.value)

        def visit_Name(self, node):
            self.seen.append(node.value)

        def leave_ClassDef_bases(self, node):
            self.seen.append("leave " + node.name.value)

    module = libcst.parse_module("class A(B, C): pass\n")
    expected = Bases()
    module.visit(expected)
    fast = Bases()
    with _cst_walk.read_only_visits():
        module.visit(fast)
    assert fast.seen == expected.seen == ["A", "enter A", "B", "C", "leave A"]


def test_statement_replacement_in_place_equals_regenerating_the_module():
    source = "class A:\n    def f(self):\n        pass\n\n    x = 1\n"
    module = libcst.parse_module(source)
    function = module.body[0].body.body[0]
    renamed = function.with_changes(name=libcst.Name("g"))
    before, start, end, text = FileMetadata(module).statement_text(function, renamed)
    assert before[:start] + text + before[end:] == module.deep_replace(function, renamed).code


def test_statement_replacement_at_a_dropped_final_newline_is_left_to_the_caller():
    module = libcst.parse_module("x = 1\ndef f(): pass")
    function = module.body[-1]
    assert FileMetadata(module).statement_text(function, function.with_changes(name=libcst.Name("g"))) is None
