"""The project index: resolve, lookup through re-exports and star imports, recorded keys."""
from __future__ import annotations

import pickle

import pytest
from project_support import build_project

from analyzer.model import EXTERNAL, MISSING, UNKNOWN, ModuleFacts, Symbol, absolute_module

FILES = {
    "pkg/__init__.py": "from .a import f\nfrom . import sub\n",
    "pkg/a.py": "def f(x): pass\nclass K: pass\n_private = 1\nimport os\nfrom os import path\n",
    "pkg/b.py": "from pkg.a import f as g, K\n",
    "pkg/c.py": "from .b import g\n",
    "pkg/sub.py": "VALUE = 1\n",
    "pkg/star.py": "from .a import *\n",
    "pkg/star_all.py": "__all__ = ['_private']\nfrom .a import *\n",
    "pkg/broken.py": "def (\n",
    "pkg/dyn.py": "__all__ = other.__all__\n",
    "pkg/lazy.py": "def __getattr__(name): pass\n",
    "pkg/uses_broken.py": "from .broken import *\n",
    "pkg/bad_reexport.py": "from .a import nope\n",
    "pkg/cyc1.py": "from .cyc2 import x\n",
    "pkg/cyc2.py": "from .cyc1 import x\n",
    "pkg/s1.py": "from .s2 import *\nfrom .a import *\n",
    "pkg/s2.py": "from .s1 import *\nown = 1\n",
    "ns/inner/mod.py": "X = 1\n",
}


@pytest.fixture
def p():
    return build_project(FILES)


def test_defined_symbol_and_keys(p) -> None:
    result = p.index.lookup("pkg.a", "f")
    assert isinstance(result, Symbol)
    assert (result.module, result.name, result.kind) == ("pkg.a", "f", "function")
    assert result.export is not None and result.export.signature is not None
    assert p.recorded == ["pkg.a", "pkg.a:f"]


def test_reexport_chain_is_followed_and_recorded_hop_by_hop(p) -> None:
    result = p.index.lookup("pkg.c", "g")
    assert isinstance(result, Symbol) and (result.module, result.name) == ("pkg.a", "f")
    assert p.recorded == ["pkg.c", "pkg.c:g", "pkg.b", "pkg.b:g", "pkg.a", "pkg.a:f"]


def test_memoized_chain_replays_its_keys_for_the_next_reader(p) -> None:
    p.index.lookup("pkg.c", "g")
    loads = list(p.loads)
    second: list[str] = []
    reader = p.index.for_reader(second.append)
    assert reader.lookup("pkg.b", "g") == p.index.lookup("pkg.b", "g")
    assert second == ["pkg.b", "pkg.b:g", "pkg.a", "pkg.a:f"]
    assert p.loads == loads  # nothing loaded twice


def test_star_import(p) -> None:
    result = p.index.lookup("pkg.star", "K")
    assert isinstance(result, Symbol) and (result.module, result.kind) == ("pkg.a", "class")
    assert "pkg.a:*" in p.recorded and "pkg.star:K" in p.recorded
    # No __all__ in pkg.a: underscore names are not star-exported.
    assert p.index.lookup("pkg.star", "_private") is MISSING
    assert p.index.lookup("pkg.star", "nothing") is MISSING


def test_star_import_respects_dunder_all(p) -> None:
    build = dict(FILES)
    build["pkg/a.py"] = "__all__ = ['_private']\n" + FILES["pkg/a.py"]
    q = build_project(build)
    assert isinstance(q.index.lookup("pkg.star", "_private"), Symbol)
    assert q.index.lookup("pkg.star", "f") is MISSING


def test_star_import_cycle_terminates_and_still_finds_names(p) -> None:
    assert isinstance(p.index.lookup("pkg.s2", "K"), Symbol)
    assert isinstance(p.index.lookup("pkg.s1", "own"), Symbol)
    assert p.index.lookup("pkg.s1", "nothing") is MISSING
    assert p.index.lookup("pkg.s2", "nothing") is MISSING


def test_reexport_cycle_is_unknown(p) -> None:
    assert p.index.lookup("pkg.cyc1", "x") is UNKNOWN
    assert p.index.lookup("pkg.cyc2", "x") is UNKNOWN


def test_submodules(p) -> None:
    result = p.index.lookup("pkg", "sub")
    assert result == Symbol("pkg.sub", "", "module")
    p.recorded.clear()
    assert p.index.lookup("pkg", "later") is MISSING
    # The submodule key is recorded, so creating pkg/later.py rechecks this reader; so is
    # what sys.modules writes plant, so a write that could plant pkg.later does too.
    assert p.recorded == ["pkg", "pkg:later", "pkg.later", "sys.modules[]"]


def test_from_dot_import_sub_in_init_is_the_submodule(p) -> None:
    assert p.index.lookup("pkg", "sub") == Symbol("pkg.sub", "", "module")


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("pkg.broken", "anything"),
        ("pkg.dyn", "anything"),
        ("pkg.lazy", "anything"),
        ("pkg.uses_broken", "anything"),
        ("pkg.bad_reexport", "nope"),
    ],
)
def test_unknown(p, module: str, name: str) -> None:
    assert p.index.lookup(module, name) is UNKNOWN
    assert p.recorded[:2] == [module, f"{module}:{name}"]


def test_dynamic_all_still_finds_defined_names(p) -> None:
    assert isinstance(p.index.lookup("pkg.dyn", "__all__"), Symbol)


def test_resolve(p) -> None:
    assert isinstance(p.index.resolve("pkg.a"), ModuleFacts)
    assert p.index.resolve("pkg.broken") is UNKNOWN
    assert p.index.resolve("pkg.nope") is MISSING
    assert p.index.resolve("os") is EXTERNAL
    namespace = p.index.resolve("ns")
    assert isinstance(namespace, ModuleFacts) and namespace.is_package and namespace.path == ""
    # A module the project lacks also records its top-level name: that name's appearance
    # (or removal) is what can change MISSING / EXTERNAL.
    assert p.recorded == ["pkg.a", "pkg.broken", "pkg.nope", "pkg", "sys.modules[]", "os", "ns"]


def test_in_project_records_the_module(p) -> None:
    assert p.index.in_project("pkg.a") and not p.index.in_project("pkg.zzz")
    assert p.recorded == ["pkg.a", "pkg.zzz"]


def test_namespace_package_submodules(p) -> None:
    assert p.index.lookup("ns", "inner") == Symbol("ns.inner", "", "module")
    assert p.index.lookup("ns.inner", "mod") == Symbol("ns.inner.mod", "", "module")
    assert p.index.lookup("ns", "nothing") is MISSING


def test_external(p) -> None:
    assert p.index.lookup("os", "path") is EXTERNAL
    assert p.index.lookup("pkg.a", "path") == Symbol("os", "path", "external")
    assert p.index.lookup("pkg.a", "os") == Symbol("os", "", "external")


def test_modules_records_the_module_set(p) -> None:
    assert p.index.modules() == sorted(p.facts)
    assert p.recorded == ["*"]


def test_index_without_recorder_and_pickled_outcomes(p) -> None:
    silent = p.index.for_reader(None)
    assert isinstance(silent.lookup("pkg.c", "g"), Symbol)
    assert pickle.loads(pickle.dumps(UNKNOWN)) is UNKNOWN


@pytest.mark.parametrize(
    ("from_module", "is_package", "level", "module", "expected"),
    [
        ("a.b.c", False, 0, "x.y", "x.y"),
        ("a.b.c", False, 1, "", "a.b"),
        ("a.b.c", False, 1, "d", "a.b.d"),
        ("a.b.c", False, 2, "d", "a.d"),
        ("a.b.c", False, 3, "d", None),
        ("a.b", True, 1, "d", "a.b.d"),
        ("a.b", True, 2, "", "a"),
        ("a", True, 2, "", None),
        ("top", False, 1, "x", None),
    ],
)
def test_absolute_module(from_module, is_package, level, module, expected) -> None:
    assert absolute_module(from_module, is_package, level, module) == expected


def test_implicit_module_attributes_and_dynamic_namespaces() -> None:
    q = build_project(
        {
            "m.py": "x = 1\n",
            "g.py": "globals().update(table)\n",
            "v.py": "for k in ks:\n    vars()[k] = 1\n",
            "e.py": "import enum\n@enum.global_enum\nclass Flags(enum.IntFlag):\n    A = 1\n",
        }
    )
    assert q.index.lookup("m", "__doc__") == Symbol("m", "__doc__", "variable")
    assert q.index.lookup("m", "nothing") is MISSING
    for module in ("g", "v", "e"):
        assert q.facts[module].dynamic_namespace
        assert q.index.lookup(module, "nothing") is UNKNOWN


def test_a_later_star_import_rebinds_a_defined_name() -> None:
    q = build_project(
        {
            "fast.py": "def f(a, b): pass\n",
            "slow.py": "def f(a): pass\ntry:\n    from _speedups import *\nexcept ImportError:\n    pass\n",
            "mixed.py": "def f(a): pass\nfrom fast import *\n",
            "early.py": "from fast import *\ndef f(a): pass\n",
        }
    )
    assert q.index.lookup("slow", "f") is UNKNOWN  # the C version may replace it
    found = q.index.lookup("mixed", "f")
    assert isinstance(found, Symbol) and found.module == "fast"
    found = q.index.lookup("early", "f")
    assert isinstance(found, Symbol) and found.module == "early"


def test_a_rebound_import_is_unknown_not_its_last_binding() -> None:
    """`try: from .c import f` / `except ImportError: from .py import f`, or a re-export bound
    again under a run-time condition (dask.array's `Array`): the live binding is a run-time
    matter, so the lookup does not follow the last one (SH002 would judge a call against
    the wrong signature)."""
    q = build_project(
        {
            "impl_c.py": "def f(a, b): pass\n",
            "impl_py.py": "def f(a): pass\n",
            "api.py": "try:\n    from impl_c import f\nexcept ImportError:\n"
                      "    from impl_py import f\n",
            "twice.py": "from impl_py import f\nif flag:\n    from impl_c import f\n",
            "same.py": "from impl_py import f\nfrom impl_py import f\n",
            "user.py": "from api import f\nf(1)\n",
        }
    )
    assert q.index.lookup("api", "f") is UNKNOWN
    assert q.index.lookup("twice", "f") is UNKNOWN
    found = q.index.lookup("same", "f")  # the same source twice is not a rebinding
    assert isinstance(found, Symbol) and found.module == "impl_py"


def test_a_new_index_over_other_modules_does_not_reuse_the_last_layout() -> None:
    # Workers keep the last layout (tops, namespaces) while the module names are the same;
    # another set of names must get its own, in both directions.
    from analyzer.model import ProjectIndex

    def index(*names: str) -> ProjectIndex:
        return ProjectIndex(names, lambda module: None)

    assert index("a.b", "c").in_project("a")  # an implicit namespace package
    assert not index("c").in_project("a")
    assert index("a.b", "c").in_project("a")
    assert index("x.y.z").in_project("x.y") and not index("x").in_project("x.y")


def test_a_reader_recording_into_a_set_gets_every_key(p) -> None:
    # A set's ``add`` is filled with one update per read (``_emit``): the same keys as one
    # call per key.
    into: set[str] = set()
    listed: list[str] = []
    for record in (into.add, listed.append):
        reader = p.index.for_reader(record)
        for module, name in (("pkg.c", "g"), ("pkg.star", "f"), ("pkg.s1", "own"), ("pkg", "sub")):
            reader.lookup(module, name)
        reader.resolve("pkg.nothere")
    assert listed and into == set(listed)


def test_resolving_through_a_module_leaves_its_body_encoded() -> None:
    # The index reads a dependency's head only (exports, imports, __all__): what phase 2's
    # memory on a whole project rests on.
    project = build_project(FILES)
    project.facts = {name: pickle.loads(pickle.dumps(facts)) for name, facts in project.facts.items()}
    project.__post_init__()
    for module, name in [("pkg.c", "g"), ("pkg.star", "f"), ("pkg.s1", "own"), ("pkg", "sub")]:
        assert not isinstance(project.index.lookup(module, name), type(UNKNOWN))
    assert project.loads and not any(project.facts[m].body_loaded for m in project.loads)
