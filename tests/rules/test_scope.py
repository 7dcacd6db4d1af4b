"""The scope provider on small programs: one row per construct, pyflakes' expectations."""
from __future__ import annotations

import ast
import sys
import textwrap

import pytest

from analyzer.rules._scope import ScopeAnalysis, analyze_scopes


def findings(analysis: ScopeAnalysis) -> list[tuple[str, str, int]]:
    """(code, name, line) of every finding, sorted: the shape the tables below use."""
    out = [("F401", u.imported_name, u.line) for u in analysis.unused_imports]
    out += [("F811", r.name, r.line) for r in analysis.redefinitions]
    out += [("F821", u.name, u.line) for u in analysis.undefined_names]
    out += [("F822", u.name, u.line) for u in analysis.undefined_exports]
    out += [("F841", u.name, u.line) for u in analysis.unused_variables]
    return sorted(out)


def assert_findings(source: str, expected: list[tuple[str, str, int]], **options) -> None:
    """Analyse dedented ``source``; on mismatch show the input, what was expected and got."""
    source = textwrap.dedent(source)
    got = findings(analyze_scopes(ast.parse(source), source, **options))
    assert got == sorted(expected), (
        f"\n--- input ---\n{source}--- expected ---\n{sorted(expected)}\n--- got ---\n{got}"
    )


CASES = {
    # imports
    "unused-import": ("import os\n", [("F401", "os", 1)]),
    # starlette/types.py: collections.abc's Callable takes forward references, as typing's
    "abc-subscript-string-is-a-reference": (
        "from collections.abc import Callable\nfrom m import Request\n"
        "Handler = Callable[['Request'], None]\n", []),
    "typing-subscript-string-is-a-reference": (
        "from typing import Optional\nfrom m import Request\nR = Optional['Request']\n", []),
    "plain-subscript-string-is-a-value": (
        "from m import Request, table\nx = table['Request']\n", [("F401", "m.Request", 1)]),
    # pandas, textual, scrapy: PEP 563, a postponed annotation resolves in the module first
    "postponed-annotation-reads-module-first": (
        "from __future__ import annotations\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from m import Bar\n"
        "def f():\n    from m import Bar\n    x: Bar = Bar()\n    return x\n", []),
    "string-annotation-reads-module-first": (
        "from m import Bar\ndef f():\n    from m import Bar\n    x: 'Bar' = None\n    return x\n",
        [("F401", "m.Bar", 3)]),
    "runtime-annotation-reads-its-own-scope": (
        "from m import Bar\ndef f():\n    from m import Bar\n    def h(x: Bar): pass\n"
        "    return h\n", [("F401", "m.Bar", 1), ("F811", "Bar", 3)]),
    "postponed-annotation-skips-bare-module-annotation": (
        "from __future__ import annotations\nBar: int\n"
        "def f():\n    from m import Bar\n    x: Bar = None\n    return x\n", []),
    # hatchling: a typing call's type argument is evaluated where it stands, no forward
    # reference even under `from __future__ import annotations`.
    "cast-argument-reads-its-own-scope": (
        "from __future__ import annotations\nfrom typing import TYPE_CHECKING, cast\n"
        "if TYPE_CHECKING:\n    from m import Bar\n"
        "def f(x) -> Bar:\n    from m import Bar\n    return cast(Bar, x)\n", []),
    "used-import": ("import os\nos.sep\n", []),
    "submodule": ("import os.path\n", [("F401", "os.path", 1)]),
    "submodule-used-by-root": ("import os.path\nos.getcwd()\n", []),
    "alias": ("import a.b as c\n", [("F401", "a.b as c", 1)]),
    "from-alias": ("from x import y as z\n", [("F401", "x.y as z", 1)]),
    "relative": ("from . import x\nfrom .. import y as z\n",
                 [("F401", ".x", 1), ("F401", "..y as z", 2)]),
    "star-unused": ("from m import *\n", []),  # a re-export, as ruff reads it
    "star-hides-undefined": ("from m import *\nprint(thing)\n", []),
    "future": ("from __future__ import annotations\n", []),
    "alias-uses-root-binding": ("import multiprocessing as mp\nimport multiprocessing.connection\n"
                                "mp.Process\n", []),
    "function-level-import": ("def f():\n    import os\n", [("F401", "os", 2)]),
    "class-level-import-is-attribute": ("class C:\n    import os\n", []),
    "import-used-later-in-function": ("import os\ndef f():\n    os.sep\n", []),
    # __all__
    "all-exports-import": ("import os\n__all__ = ['os']\n", []),
    "all-concat": ("import a, b\n__all__ = ['a'] + ['b']\n", []),
    "all-augmented": ("import a, b\n__all__ = ['a']\n__all__ += ['b', 'c']\n",
                      [("F822", "c", 3)]),
    "all-extend": ("import a\n__all__ = []\n__all__.extend(['a', 'q'])\n", [("F822", "q", 2)]),
    "all-append": ("import a\n__all__ = []\n__all__.append('a')\n", []),
    "all-undefined": ("__all__ = ['nope']\n", [("F822", "nope", 1)]),
    "all-builtin-is-defined": ("__all__ = ['open']\n", []),
    "all-with-star": ("from m import *\n__all__ = ['nope']\n", []),
    # redefinitions
    "redefined-import": ("import os\nimport os\nos\n", [("F811", "os", 2)]),
    "redefined-function": ("def f(): pass\ndef f(): pass\n", [("F811", "f", 2)]),
    "redefined-after-use": ("import os\nos\nimport os\nos\n", []),
    "try-except-import": ("try:\n    import json\nexcept ImportError:\n    json = None\njson\n", []),
    "if-else-import": ("if x:\n    import a\nelse:\n    import a\na\n", [("F821", "x", 1)]),
    "elif-import": ("if x:\n    import a\nelif y:\n    import a\na\n",
                    [("F821", "x", 1), ("F821", "y", 3)]),
    "overload": ("from typing import overload\n@overload\ndef f(): ...\ndef f(): pass\n", []),
    "import-shadowed-in-function": ("import os\ndef f():\n    os = 1\n    return os\n",
                                    [("F401", "os", 1), ("F811", "os", 3)]),
    "loop-var-shadowing-import-is-not-F811": ("import x\nfor x in y: pass\n",
                                              [("F821", "y", 2)]),
    "underscore-redefinition": ("def _(): pass\ndef _(): pass\n", []),
    # undefined names
    "undefined": ("print(nope)\n", [("F821", "nope", 1)]),
    "deferred-function-body": ("def f():\n    return g\ng = 1\n", []),
    "class-scope-invisible-in-method": ("class C:\n    x = 1\n    def m(self):\n        return x\n",
                                        [("F821", "x", 4)]),
    "class-scope-visible-in-comprehension": ("class C:\n    x = 1\n    y = [x for _ in 'a']\n", []),
    "class-magic": ("class C:\n    q = __qualname__\n    m = __module__\n", []),
    "class-magic-only-in-class": ("q = __qualname__\n", [("F821", "__qualname__", 1)]),
    "dunder-file": ("__file__, __name__, __doc__, __builtins__\n", []),
    "path-in-package": ("__path__\n", []),
    "nameerror-guard": ("try:\n    unicode\nexcept NameError:\n    pass\n", []),
    "global-defines": ("def f():\n    global g\n    g = 1\ndef h():\n    return g\n", []),
    "global-withdraws-earlier": ("print(g)\ndef f():\n    global g\n    g = 1\n", []),
    # locust's pytest plugin: `_config: pytest.Config` at module level, set by a hook
    "global-over-bare-annotation": ("g: int\ndef f():\n    global g\n    g = 1\n"
                                    "def h():\n    return g\n", []),
    "bare-annotation-alone-is-undefined": ("g: int\ndef h():\n    return g\n",
                                           [("F821", "g", 3)]),
    # as ruff: the type of Annotated[...] is a type at run time too (pydantic's tests)
    "annotated-string-at-run-time-is-a-reference": (
        "from typing import Annotated\ndef f():\n    M = list[Annotated['MyInt', 3]]\n"
        "    MyInt = int\n    return M\n", []),
    # as ruff: a call in an annotation takes values (ibis's `dt.Timestamp("UTC")`)
    "call-in-annotation-takes-values": (
        "import dt\ndef g(x: dt.Timestamp('UTC'), y: dt.Struct({'width': float})): pass\n", []),
    "string-annotation-is-still-a-reference": (
        "import dt\ndef g(x: 'dt.Missing[Nope]'): pass\n", [("F821", "Nope", 2)]),
    "del-then-use": ("x = 1\ndel x\nx\n", [("F821", "x", 3)]),
    "conditional-del": ("x = 1\nif c:\n    del x\nx\n", [("F821", "c", 2)]),
    "del-undefined": ("del nope\n", [("F821", "nope", 1)]),
    "except-name-unbound-after": ("try:\n    pass\nexcept E as e:\n    print(e)\ne\n",
                                  [("F821", "E", 3), ("F821", "e", 5)]),
    "comprehension-scope": ("[i for i in range(3)]\ni\n", [("F821", "i", 2)]),
    "walrus-in-comprehension-leaks": ("[y := i for i in range(3)]\ny\n", []),
    "string-annotation": ("def f(x: 'Missing'): pass\n", [("F821", "Missing", 1)]),
    "string-annotation-uses-import": ("import typing\ndef f(x: 'typing.Any'): pass\n", []),
    "future-annotations-forward-ref": ("from __future__ import annotations\n"
                                       "def f() -> C: pass\nclass C: pass\n", []),
    "annotation-without-future-is-eager": ("def f() -> C: pass\nclass C: pass\n",
                                           [("F821", "C", 1)]),
    "literal-strings-are-not-annotations": ("from typing import Literal\nx: Literal['nope']\n", []),
    "typing-cast-string": ("from typing import cast\nimport os\ncast('os.PathLike', 1)\n", []),
    "typevar-bound-string": ("from typing import TypeVar\nT = TypeVar('T', bound='Nope')\n",
                             [("F821", "Nope", 2)]),
    "bare-annotation-is-not-definition": ("def f():\n    x: int\n    return x\n",
                                          [("F821", "x", 3)]),
    "match-capture": ("def f(v):\n    match v:\n        case [a]:\n            return a\n", []),
    "builtins-option": ("print(my_builtin)\n", []),
    # unused variables
    "unused-local": ("def f():\n    x = 1\n", [("F841", "x", 2)]),
    "tuple-unpacking-not-reported": ("def f():\n    a, b = g()\n", [("F821", "g", 2)]),
    "literal-tuple-unpacking-reported": ("def f():\n    (a, b) = (1, 2)\n",
                                         [("F841", "a", 2), ("F841", "b", 2)]),
    "augmented-uses": ("def f():\n    x = 1\n    x += 1\n", []),
    "locals-suppresses": ("def f():\n    x = 1\n    return locals()\n", []),
    "used-in-nested-function": ("def f():\n    x = 1\n    def g():\n        return x\n"
                                "    return g\n", []),
    "module-level-not-reported": ("x = 1\n", []),
    "with-as-reported": ("def f():\n    with g() as h:\n        pass\n",
                         [("F821", "g", 2), ("F841", "h", 2)]),
    "for-target-not-reported": ("def f():\n    for i in range(3):\n        pass\n", []),
    "except-as-unused": ("try:\n    pass\nexcept ValueError as e:\n    pass\n", [("F841", "e", 3)]),
    "walrus-unused": ("def f():\n    (y := 1)\n", [("F841", "y", 2)]),
    "annotated-assignment-unused": ("def f():\n    x: int = 1\n", [("F841", "x", 2)]),
    "nonlocal-used": ("def f():\n    x = 1\n    def g():\n        nonlocal x\n        x = 2\n"
                      "    g()\n    return x\n", []),
}  # fmt: skip


if sys.version_info >= (3, 11):
    # except* has its own handler: the handled exception name is a use, not a miss
    CASES["except-star-handles-name-error"] = (
        "try:\n    undefined_thing\nexcept* NameError:\n    pass\n", [])


@pytest.mark.parametrize("case", sorted(CASES))
def test_scope_findings(case: str) -> None:
    source, expected = CASES[case]
    options = {}
    if case == "path-in-package":
        options["is_package"] = True
    if case == "builtins-option":
        options["builtins"] = {"my_builtin"}
    assert_findings(source, expected, **options)


def test_path_outside_package_is_undefined() -> None:
    assert_findings("__path__\n", [("F821", "__path__", 1)])


def test_init_py_does_not_report_undefined_exports() -> None:
    assert_findings("__all__ = ['nope']\n", [], is_package=True)


@pytest.mark.parametrize(
    ("version", "expected"),
    [((3, 10), [("F821", "ExceptionGroup", 1)]), ((3, 11), [])],
    ids=["3.10", "3.11"],
)
def test_builtins_follow_target_version(version: tuple[int, int], expected: list) -> None:
    assert_findings("ExceptionGroup\n", expected, target_version=version)


def test_bindings_and_scopes_are_exposed() -> None:
    source = "import os.path as p\ndef f(a):\n    b = [c for c in a]\n    return b\n"
    analysis = analyze_scopes(ast.parse(source), source)
    kinds = {(b.name, b.kind, b.used) for b in analysis.bindings}
    assert kinds == {
        ("p", "import", False),
        ("f", "function", False),
        ("a", "argument", True),
        ("b", "assignment", True),
        ("c", "comprehension-variable", True),
    }
    imp = next(b for b in analysis.bindings if b.name == "p")
    assert (imp.module, imp.qualified_name, imp.imported_name) == ("os.path", "os.path", "os.path as p")
    assert [s.kind for s in analysis.scopes] == ["module", "function", "comprehension"]
    assert analysis.scopes[2].parent == 1


_MANY_KINDS = (
    "from __future__ import annotations\nimport os.path as p\nimport sys, os.path\n"
    "from typing import cast as c\nfrom m import *\nx: int\n"
    "def f(a, *b, k=1):\n    global g\n    y: int = a\n    with a as w: pass\n"
    "    for i in b: pass\n    return [c for c in b]\nclass K: z = 1\n"
)


@pytest.mark.parametrize("full_first", [True, False], ids=["bindings-first", "light-first"])
def test_binding_names_and_import_bindings_agree_with_bindings(full_first: bool) -> None:
    analysis = analyze_scopes(ast.parse(_MANY_KINDS), _MANY_KINDS)
    if full_first:
        full = analysis.bindings
    names, imports = analysis.binding_names, analysis.import_bindings
    if not full_first:
        full = analysis.bindings
    assert names == tuple((b.scope, b.name, b.kind, b.line) for b in full)
    assert analysis.binding_names is names  # made once per file, as bindings
    assert imports == tuple(b for b in full if b.kind.endswith("import"))
    assert {b.kind for b in imports} == {
        "future-import", "import", "submodule-import", "from-import", "star-import"}
    assert {kind for _, _, kind, _ in names} >= {
        "annotation", "annotated-assignment", "global", "with-as", "loop-variable",
        "comprehension-variable", "argument", "function", "class", "assignment"}


def test_columns_are_characters() -> None:
    source = "s = 'é'; print(nope)\n"
    (u,) = analyze_scopes(ast.parse(source), source).undefined_names
    assert (u.line, u.column, u.end_column) == (1, 16, 20)


def test_all_names_and_dynamic() -> None:
    source = "__all__ = ['a'] + other\n"
    analysis = analyze_scopes(ast.parse(source), source)
    assert analysis.all_dynamic is True
    source = "a = 1\n__all__ = ('a',)\n"
    analysis = analyze_scopes(ast.parse(source), source)
    assert (analysis.all_names, analysis.all_dynamic) == (("a",), False)


def test_result_is_read_only() -> None:
    analysis = analyze_scopes(ast.parse("x = 1\n"), "x = 1\n")
    with pytest.raises(AttributeError):
        analysis.unused_imports = ()  # type: ignore[misc]


def test_tree_is_not_mutated() -> None:
    source = "def f(x: 'Missing'): pass\n"
    tree = ast.parse(source)
    before = ast.dump(tree, include_attributes=True)
    analyze_scopes(tree, source)
    assert ast.dump(tree, include_attributes=True) == before


@pytest.mark.skipif(sys.version_info < (3, 12), reason="type parameters are Python 3.12's")
def test_only_defs_and_classes_with_type_parameters_open_a_type_params_scope() -> None:
    # As CPython's symbol table: every def has a type_params list on 3.12+, most of them
    # empty, and those open no scope (the scopes are the same as on 3.11 for 3.11's code).
    source = ("def f[T](x: T) -> T:\n    return x\n"
              "def g(y):\n    return y\n"
              "class C[U]:\n    pass\n"
              "class D:\n    pass\n")
    analysis = analyze_scopes(ast.parse(source), source)
    # In the order they open: function bodies are deferred to the end of the module.
    assert [(s.kind, s.name, s.parent) for s in analysis.scopes] == [
        ("module", "<module>", None), ("type-params", "f", 0), ("type-params", "C", 0),
        ("class", "C", 2), ("class", "D", 0), ("function", "f", 1), ("function", "g", 0),
    ]


def test_imported_names_map_each_imported_name_to_what_it_binds():
    source = textwrap.dedent("""\
        import typing as t
        import collections.abc
        from typing import Sequence as Seq, Literal
        from . import sibling
        from os import *
        from __future__ import annotations
        def f():
            import os.path as p
            from json import loads as Literal
        """)
    names = analyze_scopes(ast.parse(source), source).imported_names
    assert dict(names) == {
        "t": "typing", "collections": "collections", "Seq": "typing.Sequence",
        "Literal": "json.loads",  # the later binding wins, whatever its scope
        "sibling": ".sibling", "annotations": "__future__.annotations", "p": "os.path",
    }
