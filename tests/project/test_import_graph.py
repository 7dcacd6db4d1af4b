"""SH003: import cycles among project modules, once per cycle, deterministic."""
from __future__ import annotations

from project_support import build_project

from analyzer.model import import_cycles, import_edges


def cycles(files: dict[str, str]) -> list[tuple[str, int, int, str]]:
    facts = build_project(files).facts
    diags = import_cycles(facts)
    assert all(d.code == "SH003" and d.name == "import-cycle" for d in diags)
    # Same answer whatever order the facts arrive in.
    assert import_cycles(dict(reversed(list(facts.items())))) == diags
    return [(d.path, d.line, d.column, d.message) for d in diags]


def test_three_module_cycle_reported_once_at_first_module() -> None:
    files = {
        "z.py": "import a\n",
        "b.py": "import os\nimport z\n",
        "a.py": "'''doc'''\nfrom b import thing\n",
    }
    assert cycles(files) == [("a.py", 2, 1, "import cycle: a -> b -> z -> a")]


def test_reported_in_first_module_in_sorted_order_not_where_it_starts() -> None:
    files = {"m.py": "import c\n", "c.py": "x = 1\nimport m\n"}
    assert cycles(files) == [("c.py", 2, 1, "import cycle: c -> m -> c")]


def test_breaking_the_cycle_removes_it() -> None:
    files = {"a.py": "import b\n", "b.py": "import z\n", "z.py": "import a\n"}
    assert len(cycles(files)) == 1
    files["z.py"] = "def later():\n    import a\n"
    assert cycles(files) == []


def test_non_import_time_edges_do_not_count() -> None:
    files = {
        "a.py": "import b\n",
        "b.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    import a\n"
            "def f():\n    import a\n"
            "if __name__ == '__main__':\n    import a\n"
        ),
    }
    assert cycles(files) == []


def test_a_stubs_imports_are_no_edges() -> None:
    """A stub alone (a compiled extension's, cryptography's ``_rust/x509.pyi``) is never
    run: its imports of the modules that use it close no cycle. Its source beside it is the
    module, and counts."""
    files = {
        "pkg/__init__.py": "",
        "pkg/x509.py": "from pkg import _ext\n",
        "pkg/_ext.pyi": "from pkg import x509\n",
        "pkg/both.py": "from pkg import x509\n",
        "pkg/both.pyi": "",
    }
    assert cycles(files) == []
    files["pkg/_ext.py"] = "from pkg import x509\n"
    files["pkg/x509.py"] = "from pkg import _ext, both\n"
    assert cycles(files) == [("pkg/_ext.py", 1, 1, "import cycle: pkg._ext -> pkg.x509 -> pkg._ext")]


def test_import_error_guarded_imports_still_count() -> None:
    files = {"a.py": "import b\n", "b.py": "try:\n    import a\nexcept ImportError:\n    a = None\n"}
    assert cycles(files) == [("a.py", 1, 1, "import cycle: a -> b -> a")]


def test_relative_and_submodule_edges() -> None:
    files = {
        "pkg/__init__.py": "from . import sub\n",
        "pkg/sub.py": "from .other import x\n",
        "pkg/other.py": "import pkg\nx = 1\n",
    }
    assert cycles(files) == [
        ("pkg/__init__.py", 1, 1, "import cycle: pkg -> pkg.sub -> pkg.other -> pkg")
    ]
    edges = import_edges(build_project(files).facts)
    assert {m: sorted(t) for m, t in edges.items()} == {
        "pkg": ["pkg.sub"],
        "pkg.sub": ["pkg.other"],
        "pkg.other": ["pkg"],
    }


def test_one_report_per_component_and_several_components() -> None:
    files = {
        "a.py": "import b\nimport c\n",
        "b.py": "import a\nimport c\n",
        "c.py": "import a\n",
        "x.py": "import y\n",
        "y.py": "import x\n",
        "self_import.py": "import self_import\n",
        "broken.py": "import a\ndef (\n",
    }
    assert cycles(files) == [
        ("a.py", 1, 1, "import cycle: a -> b -> a"),
        ("x.py", 1, 1, "import cycle: x -> y -> x"),
    ]


def test_acyclic_imports_report_nothing() -> None:
    assert cycles({"a.py": "import os\nimport json\n", "os.py": "x = 1\n"}) == []
