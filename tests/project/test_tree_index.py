"""``ProjectIndex.tree``: another module's tree, read as a dependency on its whole content
(the key ``content[mod]``, fired by the module's ``content[]`` digest entry), and the key's
naming (``key_owner``)."""
from __future__ import annotations

import ast

import pytest
from project_support import facts_of

from analyzer.model import (
    CONTENT_ENTRY,
    ProjectIndex,
    changed_keys,
    content_key,
    key_owner,
)
from analyzer.model._index import TREES_KEPT

SOURCES = {"lib": "def f(**kw):\n    return kw.get('a')\n", "app": "from lib import f\nf(a=1)\n",
           "broken": "def (:\n"}


def _index(recorded: list[str] | None = None, loads: list[str] | None = None,
           trees: bool = True) -> ProjectIndex:
    facts = {m: facts_of(s, f"{m}.py") for m, s in SOURCES.items()}

    def tree(module: str) -> ast.Module | None:
        if loads is not None:
            loads.append(module)
        return ast.parse(SOURCES[module])

    return ProjectIndex(facts.keys(), facts.get, None if recorded is None else recorded.append,
                        trees=tree if trees else None)


def test_a_tree_read_records_the_modules_content_key() -> None:
    recorded: list[str] = []
    tree = _index(recorded).tree("lib")
    assert ast.dump(tree) == ast.dump(ast.parse(SOURCES["lib"]))
    assert recorded == ["content[lib]"]


@pytest.mark.parametrize("module", ["broken", "nope", "lib.sub"])
def test_no_tree_for_a_module_that_does_not_parse_or_is_not_in_the_project(module) -> None:
    recorded: list[str] = []
    loads: list[str] = []
    assert _index(recorded, loads).tree(module) is None
    # still a dependency: the module may parse (or appear) later, and that fires the key
    assert recorded == [content_key(module)]
    assert loads == []


def test_without_a_tree_loader_every_tree_is_none() -> None:
    assert _index(trees=False).tree("lib") is None


def test_a_few_trees_are_kept_and_each_reader_records_its_read() -> None:
    loads: list[str] = []
    shared = _index(loads=loads)
    first: list[str] = []
    second: list[str] = []
    a = shared.for_reader(first.append).tree("lib")
    b = shared.for_reader(second.append).tree("lib")
    assert a is b and loads == ["lib"]
    assert first == second == ["content[lib]"]
    # past TREES_KEPT other modules, lib's tree is let go and loaded again
    many = {f"m{i}": "x = 1\n" for i in range(TREES_KEPT)}
    SOURCES.update(many)
    try:
        index = _index(loads=loads)
        index.tree("lib")
        for module in many:
            index.tree(module)
        loads.clear()
        index.tree("lib")
        assert loads == ["lib"]
    finally:
        for module in many:
            del SOURCES[module]


def test_the_content_entry_fires_the_content_key_on_every_change() -> None:
    old = {"": "m", "f": "sig", CONTENT_ENTRY: "d1"}
    body_edited = {**old, CONTENT_ENTRY: "d2"}  # the interface as it was
    assert changed_keys("lib", old, body_edited) == {"content[lib]"}
    assert changed_keys("lib", old, dict(old)) == set()
    # a module that goes (deleted, renamed) or comes fires it with the rest
    assert "content[lib]" in changed_keys("lib", old, None)
    assert "content[lib]" in changed_keys("lib", None, old)
    # the entry is no name of the module
    assert "lib:content[]" not in changed_keys("lib", old, body_edited)


@pytest.mark.parametrize("key,owner", [
    ("pkg.mod", "pkg.mod"), ("pkg.mod:f", "pkg.mod"), ("pkg.mod:*", "pkg.mod"),
    ("content[pkg.mod]", "pkg.mod"), ("ref[pkg.mod]", "pkg.mod"),
    ("fact[routes]:pkg.mod", "pkg.mod"), ("fact[routes]", "fact[routes]"),
    ("*", "*"), ("sys.modules[]", "sys.modules[]"),
])
def test_key_owner_names_the_module_a_key_describes(key, owner) -> None:
    assert key_owner(key) == owner
