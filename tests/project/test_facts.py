"""Facts extraction: exports, signatures, imports, call sites, __all__ (table-driven)."""
from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from project_support import facts_of

from analyzer.model import (
    FACTS_VERSION,
    KEYWORD_ONLY,
    POSITIONAL_ONLY,
    POSITIONAL_OR_KEYWORD,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    Export,
    ImportSource,
    Param,
    Signature,
    unknown_facts,
)
from analyzer.model._extract_calls import within


def kinds(source: str) -> dict[str, str]:
    return {e.name: e.kind for e in facts_of(source).exports}


EXPORT_KINDS = [
    ("def f(): pass", {"f": "function"}),
    ("async def f(): pass", {"f": "function"}),
    ("class C: pass", {"C": "class"}),
    ("x = 1\n_y: int = 2\nz: int", {"x": "variable", "_y": "variable", "z": "variable"}),
    ("a, (b, *c) = 1, (2, 3)", {"a": "variable", "b": "variable", "c": "variable"}),
    ("import os.path\nimport json as j", {"os": "import", "j": "import"}),
    ("from . import x as y\nfrom m import *", {"y": "import"}),
    ("for i in range(3): pass\nwith open('f') as fh: pass", {"i": "variable", "fh": "variable"}),
    ("if (n := 3): pass", {"n": "variable"}),
    ("def f():\n    global g\n    g = 1", {"f": "function", "g": "variable"}),
    ("match 1:\n    case [a, *rest]: pass", {"a": "variable", "rest": "variable"}),
    ("try:\n    import a\nexcept ImportError:\n    a = None", {"a": "variable"}),
]


@pytest.mark.parametrize(("source", "expected"), EXPORT_KINDS, ids=[s for s, _ in EXPORT_KINDS])
def test_export_kinds(source: str, expected: dict[str, str]) -> None:
    assert kinds(source) == expected


def test_export_flags_and_position() -> None:
    facts = facts_of(
        """\
        x = 1
        if cond:
            def f(): pass
        x = 2
        """
    )
    x = facts.export("x")
    f = facts.export("f")
    assert x is not None and x.rebound and not x.conditional and (x.line, x.column) == (4, 1)
    assert f is not None and f.conditional and not f.rebound and (f.line, f.column) == (3, 5)


SIGNATURES = [
    (
        "def f(a, /, b, c=1, *args, d, e=2, **kw): pass",
        (
            Param("a", POSITIONAL_ONLY),
            Param("b", POSITIONAL_OR_KEYWORD),
            Param("c", POSITIONAL_OR_KEYWORD, True),
            Param("args", VAR_POSITIONAL),
            Param("d", KEYWORD_ONLY),
            Param("e", KEYWORD_ONLY, True),
            Param("kw", VAR_KEYWORD),
        ),
    ),
    ("def f(a=1, /, b=2): pass", (Param("a", POSITIONAL_ONLY, True), Param("b", POSITIONAL_OR_KEYWORD, True))),
    ("def f(*, k): pass", (Param("k", KEYWORD_ONLY),)),
    ("def f(): pass", ()),
]


@pytest.mark.parametrize(("source", "params"), SIGNATURES, ids=[s for s, _ in SIGNATURES])
def test_function_signature(source: str, params: tuple[Param, ...]) -> None:
    export = facts_of(source).export("f")
    assert export is not None and export.signature == Signature(params)


def test_async_and_decorators() -> None:
    export = facts_of(
        """\
        @functools.lru_cache(maxsize=3)
        @staticmethod
        async def f(a): pass
        """
    ).export("f")
    assert export is not None
    assert export.signature is not None and export.signature.is_async
    assert export.decorators == ("functools.lru_cache(maxsize=3)", "staticmethod")


CONSTRUCTORS = [
    ("class C:\n    def __init__(self, a, b=1): pass", (Param("a", POSITIONAL_OR_KEYWORD), Param("b", POSITIONAL_OR_KEYWORD, True))),
    ("class C(Base):\n    def __init__(self, *a): pass", (Param("a", VAR_POSITIONAL),)),
    ("class C:\n    def __new__(cls, x): pass", (Param("x", POSITIONAL_OR_KEYWORD),)),
    ("class C: pass", ()),
    ("class C(object): x = 1", ()),
    ("class C(Base): pass", None),
    ("class C(metaclass=M):\n    def __init__(self): pass", None),
    ("class C(enum.Enum):\n    def __init__(self, a): pass", None),
    ("class C(IntFlag): pass", None),
    ("class C:\n    def __init__(self): pass\n    def __new__(cls): pass", None),
    ("class C:\n    @deco\n    def __init__(self): pass", None),
    ("class C:\n    def __init__(self): pass\n    def __init__(self, a): pass", None),
]


@pytest.mark.parametrize(("source", "params"), CONSTRUCTORS, ids=[s for s, _ in CONSTRUCTORS])
def test_class_constructor(source: str, params: tuple[Param, ...] | None) -> None:
    export = facts_of(source).export("C")
    assert export is not None
    assert export.signature == (None if params is None else Signature(params))


def test_class_bases_decorators_members() -> None:
    export = facts_of(
        """\
        @dataclass
        class C(a.Base, Generic[T], metaclass=Meta):
            x: int
            y = z = 1
            def m(self): pass
            class Inner: pass
            if flag:
                w = 2
        """
    ).export("C")
    assert export is not None
    assert export.bases == ("a.Base", "Generic[T]", "metaclass=Meta")
    assert export.decorators == ("dataclass",)
    assert export.members == ("Inner", "m", "w", "x", "y", "z")


def test_imports() -> None:
    facts = facts_of(
        """\
        import a.b as c, d
        from ..pkg import (x,
            y as z)
        from . import *
        try:
            from opt import fast
        except (ValueError, ImportError):
            fast = None
        if TYPE_CHECKING:
            from typing_only import T
        else:
            import runtime
        class K:
            import in_class
        def f():
            import in_function
        """,
        path="p/q/m.py",
    )
    got = [
        (i.module, i.name, i.alias, i.level, i.line, i.column, i.guarded_by, i.import_time)
        for i in facts.imports
    ]
    assert got == [
        ("a.b", None, "c", 0, 1, 8, "", True),
        ("d", None, None, 0, 1, 18, "", True),
        ("pkg", "x", None, 2, 2, 20, "", True),
        ("pkg", "y", "z", 2, 3, 5, "", True),
        ("", "*", None, 1, 4, 15, "", True),
        ("opt", "fast", None, 0, 6, 21, "ImportError", True),
        ("typing_only", "T", None, 0, 10, 29, "TYPE_CHECKING", True),
        ("runtime", None, None, 0, 12, 12, "", True),
        ("in_class", None, None, 0, 14, 12, "", True),
        ("in_function", None, None, 0, 16, 12, "", False),
    ]
    z = facts.imports[3]
    assert (z.end_line, z.end_column, z.stmt_line, z.stmt_column) == (3, 11, 2, 1)
    assert facts.export("c") == Export("c", "import", 1, 8, source=ImportSource(0, "a.b", None))
    assert facts.export("z") is not None and facts.export("z").source == ImportSource(2, "pkg", "y")
    assert [i.module for i in facts.star_imports] == [""]


def test_a_fallback_import_in_an_import_error_handler_is_guarded() -> None:
    # `except ImportError:` runs in another environment (an older dependency, another
    # Python): its imports are fallbacks (mccabe's `from flake8.util import ast`). Another
    # handler of the same try is no fallback; at module level and in a function alike.
    facts = facts_of(
        """\
        try:
            import ast
        except ImportError:
            from flake8.util import ast
        except ValueError:
            import after_value_error
        def f():
            try:
                import new_name
            except (ModuleNotFoundError, TypeError):
                import old_name
            except KeyError:
                import after_key_error
        """)
    assert [(i.module, i.guarded_by) for i in facts.imports] == [
        ("ast", "ImportError"), ("flake8.util", "ImportError"), ("after_value_error", ""),
        ("new_name", "ImportError"), ("old_name", "ImportError"), ("after_key_error", ""),
    ]


def test_what_follows_a_raise_or_a_skip_in_a_body_is_unreachable() -> None:
    facts = facts_of(
        """\
        from m import f
        def test_a():
            import before_skip
            pytest.skip("later")
            import after_skip
            f(after_skip)
        def test_b(self):
            if windows:
                self.skipTest("posix")
            import after_a_conditional_skip
            raise NotImplementedError
            import after_raise
        def test_c():
            sys.exit(f(1))
            def inner():
                import inside_the_unreachable
        f(2)
        """)
    assert [(i.module, i.guarded_by) for i in facts.imports] == [
        ("m", ""), ("before_skip", ""), ("after_skip", "ImportError"), ("after_a_conditional_skip", ""),
        ("after_raise", "ImportError"), ("inside_the_unreachable", "ImportError"),
    ]
    assert [(c.callee, c.line) for c in facts.calls] == [("f", 14), ("f", 17)]


def test_a_function_a_decorator_takes_as_an_argument_has_no_signature() -> None:
    facts = facts_of(
        """\
        def from_data(): raise RuntimeError
        def plain(): pass
        class Kept: pass
        @type_callable(from_data)
        def typer(context): pass
        @register(Kept, key=plain)
        class Registry: pass
        """)
    signatures = {e.name: e.signature for e in facts.exports}
    assert signatures["from_data"] is None
    assert signatures["plain"] == Signature(())  # a keyword argument registers nothing
    assert signatures["Kept"] == Signature(())  # only functions lose theirs
    assert signatures["typer"] is not None


def test_columns_count_characters_not_bytes() -> None:
    facts = facts_of("s = 'é'; from m import x\nt = 'ü' ; f(1)\nfrom m import f\n")
    assert facts.imports[0].column == 24
    assert [(c.line, c.column, c.end_column) for c in facts.calls] == [(2, 11, 15)]


ALL_CASES = [
    ("__all__ = ['a', 'b']", ("a", "b"), False),
    ("__all__ = ('a',) + ('b',)", ("a", "b"), False),
    ("__all__ = ['a']\n__all__ += ['b']\n__all__.extend(['c'])\n__all__.append('d')\n__all__.remove('a')", ("b", "c", "d"), False),
    ("__all__: list = ['a', 'a']", ("a",), False),
    ("__all__ = x.__all__ + ['a']", None, True),
    ("__all__ = ['a']\n__all__ += other", None, True),
    ("__all__ = ['a']\n__all__.append(name)", None, True),
    ("__all__ = [n for n in dir()]", None, True),
    ("x = 1", None, False),
    ("__all__ = " + " + ".join(["['a']"] * 1200), ("a",), False),  # no recursion limit
    # On their own (no literal __all__ before): nothing to extend, append to or remove from.
    ("__all__.extend(['a'])", None, True),
    ("__all__.append('a')", None, True),
    ("__all__.remove('a')", None, True),
]


@pytest.mark.parametrize(
    ("source", "names", "dynamic"), ALL_CASES, ids=[s[:60] for s, *_ in ALL_CASES]
)
def test_dunder_all(source: str, names: tuple[str, ...] | None, dynamic: bool) -> None:
    facts = facts_of(source)
    assert (facts.all_names, facts.all_dynamic) == (names, dynamic)


def test_public_names() -> None:
    assert facts_of("a = 1\n_b = 2\nimport c").public_names == ("a", "c")
    assert facts_of("a = 1\n_b = 2\n__all__ = ['_b']").public_names == ("_b",)


def test_call_sites_of_imported_names() -> None:
    facts = facts_of(
        """\
        import mod
        from m import f, g, h
        local = 1
        f(1, 2, k=3)
        mod.sub.C(*a, **kw)
        local(1)
        def use(g):
            g(1)          # parameter shadows the import
            h(x, y=2)
            [f for f in fs if f(0)]
        def shadow():
            h = lambda: 0
            h()
        def uses_global():
            global h
            h = 1
            h(5)
        class K:
            f(9)
        """
    )
    got = [(c.callee, c.line, c.positional, c.keywords, c.star_args, c.star_kwargs) for c in facts.calls]
    assert got == [
        ("f", 4, 2, ("k",), False, False),
        ("mod.sub.C", 5, 0, (), True, True),
        ("h", 9, 1, ("y",), False, False),
        ("h", 17, 1, (), False, False),
        ("f", 19, 1, (), False, False),
    ]


def test_unknown_facts_and_pickle_round_trip() -> None:
    unknown = unknown_facts("m", "m.py", False)
    assert not unknown.parse_ok and unknown.exports == () and unknown.version == FACTS_VERSION
    facts = facts_of("import a\nfrom b import c\ndef f(x, *y): a.g(1)\nclass K(c): pass\n")
    assert pickle.loads(pickle.dumps(facts)) == facts
    assert facts_of("def (") == unknown_facts("m", "m.py", False)


# Sources where a local binding hides an imported name at the call: no call is recorded.
HIDDEN_CALLS = [
    "import os\nf = lambda os: os.path()",
    "import os\nd = {os: os.path() for os in names}",
    # Not compilable (no binding for nonlocal 'os'), but parsed: the declaration alone
    # makes the name the function's.
    "import os\ndef f():\n    nonlocal os\n    os.path()",
    "import os\ndef f(x):\n    match x:\n        case {**os}: os.path()",
    "import os\ndef f(x):\n    match x:\n        case [*os]: os.path()",
    "import os\ndef f(x):\n    match x:\n        case int() as os: os.path()",
]


@pytest.mark.parametrize("source", HIDDEN_CALLS, ids=[s.splitlines()[-1] for s in HIDDEN_CALLS])
def test_a_local_binding_hides_the_import_at_the_call(source: str) -> None:
    assert facts_of(source).calls == ()
    # The same call with nothing hiding the import is recorded: the rows are not vacuous.
    assert [c.callee for c in facts_of("import os\nos.path()").calls] == ["os.path"]


def test_module_level_async_for_and_async_with_bind_their_targets() -> None:
    facts = facts_of("x = 1\nasync for i in y: pass\nasync with a() as c: pass\n")
    got = [(e.name, e.kind, e.line, e.conditional) for e in facts.exports]
    assert got == [("x", "variable", 1, False), ("i", "variable", 2, True), ("c", "variable", 3, True)]


#: Module-level names only the full walk finds (walrus, match capture, ``global`` in a
#: function), many of them: their order in the facts must not follow string hashes.
WALK_ONLY = "\n".join(
    [f"if (w{i} := {i}): pass" for i in range(12)]
    + ["match v:", *[f"    case [m{i}]: pass" for i in range(12)]]
    + ["def f():", "    global " + ", ".join(f"g{i}" for i in range(12))]
    + [f"    g{i} = {i}" for i in range(12)]
)

_EXTRACT_IN_A_SUBPROCESS = """\
import ast, sys
from analyzer.model import extract_facts
from analyzer.rules import SourceLines
source = sys.stdin.read()
facts = extract_facts(ast.parse(source), module="m", path="m.py", is_package=False,
                      lines=SourceLines(source))
print(repr(facts))
"""


def test_facts_do_not_depend_on_the_hash_seed() -> None:
    import os
    import subprocess
    import sys

    def extract(seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        return subprocess.run([sys.executable, "-c", _EXTRACT_IN_A_SUBPROCESS], input=WALK_ONLY,
                              env=env, capture_output=True, text=True, check=True).stdout

    first, second = extract("0"), extract("1")
    assert "w11" in first and "m11" in first and "g11" in first
    assert first == second


def test_main_guard_imports_do_not_run_at_import_time() -> None:
    facts = facts_of("if '__main__' == __name__:\n    import doctest\nelse:\n    import os\n")
    assert [(i.module, i.import_time) for i in facts.imports] == [("doctest", False), ("os", True)]


def test_an_unpickled_module_decodes_its_body_on_first_read_only() -> None:
    import dataclasses

    from analyzer.model import ModuleFacts
    from analyzer.model._facts import BODY_FIELDS

    facts = facts_of("import a\nfrom b import c\ndef f(x): a.g(1)\nc.d.e\nprint(f)\n")
    assert facts.calls and facts.attributes and facts.references and facts.uses
    loaded = pickle.loads(pickle.dumps(facts, protocol=5))
    assert not loaded.body_loaded
    assert loaded.exports == facts.exports and not loaded.body_loaded  # the head is not the body
    again = pickle.loads(pickle.dumps(loaded, protocol=5))  # re-pickled without decoding
    assert not loaded.body_loaded and again == facts
    assert loaded.uses == facts.uses and loaded.body_loaded  # one field read decodes them all
    assert all(getattr(loaded, name) == getattr(facts, name) for name in BODY_FIELDS)
    assert dataclasses.replace(pickle.loads(pickle.dumps(facts)), module="n").calls == facts.calls
    bare = ModuleFacts(module="m", path="m.py", is_package=False, parse_ok=True)
    assert all(getattr(bare, name) == () for name in BODY_FIELDS) and bare.body_loaded
    # An empty body (the master's import summaries) travels as no blob at all.
    bare_again = pickle.loads(pickle.dumps(bare))
    assert bare_again.body_loaded and bare_again == bare
    assert len(pickle.dumps(bare)) < len(pickle.dumps(dataclasses.replace(bare, uses=("x",))))
    # Two threads: this one missed ``calls`` while another decoded the body; it still
    # gets the field (the lookup falls through to ``__getattr__`` after the decode).
    racing = pickle.loads(pickle.dumps(facts))
    assert racing.uses == facts.uses  # "the other thread" decodes
    assert racing.__getattr__("calls") == facts.calls
    misspelt = "cals"
    with pytest.raises(AttributeError, match="no attribute 'cals'"):
        getattr(loaded, misspelt)


def test_records_pickle_as_their_class_and_every_field_in_order(monkeypatch) -> None:
    """A record's reduction is (class, field values in declaration order), whatever reads
    them: the bytes are those of a plain read of each field, for every kind of record."""
    from analyzer.model import _facts

    facts = facts_of(
        "import os\nfrom m import a as b\nclass C(b.Base):\n    def f(self, x, *, y=1): ...\n"
        "def g(a, /, b=2, *c, **d): return os.path.join(a)\nb.thing.call(1, k=2)\n"
        "__all__ = ['C', 'g']\n"
    )
    fast = pickle.dumps(facts, protocol=5)

    def plain(self):
        return (type(self), tuple(getattr(self, name) for name in self.__match_args__))

    monkeypatch.setattr(_facts._Record, "__reduce__", plain)
    assert pickle.dumps(facts, protocol=5) == fast
    kinds = {type(r).__name__ for r in (*facts.exports, *facts.imports, *facts.calls,
                                        *facts.attributes)}
    assert {"Export", "Import", "Call", "Attribute"} <= kinds
    assert pickle.loads(fast) == facts


def test_the_field_reader_gives_a_tuple_for_any_number_of_fields() -> None:
    """operator.attrgetter of one name gives the bare value: a one-field record must still
    reduce to a tuple (no record has one field today; a new one would)."""
    from types import SimpleNamespace

    from analyzer.model._facts import _getter

    record = SimpleNamespace(a=1, b=(2,), c="3")
    assert _getter(("a", "b", "c"))(record) == (1, (2,), "3")
    assert _getter(("b",))(record) == ((2,),)
    assert _getter(())(record) == ()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 60), st.integers(0, 20)), max_size=12),
       st.integers(0, 90))
def test_the_lines_in_blocks_that_expect_a_type_error_as_a_plain_model(spans, line) -> None:
    # Merged and bisected (nested and overlapping blocks, as `with` in `try` gives): the
    # same answer as testing each block.
    blocks = [(first, first + length) for first, length in spans]
    assert within(blocks)(line) == any(first <= line <= last for first, last in blocks)
