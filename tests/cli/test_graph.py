"""`shoal graph`: the import graph in dot, json, mermaid and html (issue 17)."""
from __future__ import annotations

import json
import re
import warnings
from html.parser import HTMLParser

from analyzer.interfaces._graph_html import layout
from tests.cli.helpers import write_tree

FILES = {
    "pkg/__init__.py": "",
    # a -> mod -> a: an import cycle (SH003)
    "pkg/a.py": "import pkg.mod\n\n\ndef g():\n    from pkg import b\n    return b\n",
    "pkg/mod.py": "from pkg import a\n\nX = a\n",
    "pkg/b.py": ("from typing import TYPE_CHECKING\n\nfrom pkg.mod import X\n\n"
                 "if TYPE_CHECKING:\n    from pkg import a\n"),
    "pkg/sub/__init__.py": "",
    "pkg/sub/leaf.py": "import pkg.b\n",
    "pkg/sub/twig.py": "from pkg.sub import leaf\n",
    "tool.py": "import pkg.sub.twig\n",
}


def _graph(shoal, *args: str) -> dict:
    run = shoal("graph", *args, "--output-format", "json", "--workers", "0")
    assert run.code == 0, run.err
    return json.loads(run.out)


def _edges(graph: dict) -> dict[tuple[str, str], tuple[str, bool]]:
    return {(e["from"], e["to"]): (e["kind"], e["cycle"]) for e in graph["edges"]}


def test_edges_have_their_kind_and_the_cycle_is_marked(project, shoal):
    write_tree(project, FILES)
    graph = _graph(shoal)
    edges = _edges(graph)
    assert edges[("pkg.a", "pkg.mod")] == ("import", True)
    assert edges[("pkg.mod", "pkg.a")] == ("import", True)
    assert edges[("pkg.a", "pkg.b")] == ("deferred", False)
    assert edges[("pkg.b", "pkg.a")] == ("type-checking", False)
    assert edges[("pkg.b", "pkg.mod")] == ("import", False)
    assert graph["cycles"] == [["pkg.a", "pkg.mod"]]
    cycle_nodes = {n["id"] for n in graph["nodes"] if n["cycle"] is not None}
    assert cycle_nodes == {"pkg.a", "pkg.mod"}


def test_a_stubs_imports_are_type_checking_edges_in_no_cycle(project, shoal):
    """A stub alone (a compiled extension's) imports only for type checkers: its edges are
    "type-checking" ones and close no cycle here, as they close none for SH003."""
    write_tree(project, {**FILES, "pkg/_ext.pyi": "from pkg import mod\n",
                         "pkg/mod.py": "from pkg import _ext, a\n\nX = a\n"})
    graph = _graph(shoal)
    edges = _edges(graph)
    assert edges[("pkg._ext", "pkg.mod")] == ("type-checking", False)
    assert edges[("pkg.mod", "pkg._ext")] == ("import", False)
    assert graph["cycles"] == [["pkg.a", "pkg.mod"]]
    check = shoal("check", "--select", "SH003", "--output-format", "concise")
    assert check.out.count("SH003") == 1, check.out


def test_dot_parses_with_pydot_and_holds_the_cycle(project, shoal):
    import pydot  # the test extra holds it: a skip would test nothing
    write_tree(project, FILES)
    run = shoal("graph", "--output-format", "dot", "--workers", "0")
    assert run.code == 0, run.err
    with warnings.catch_warnings():
        # pydot's parser uses pyparsing names that newer pyparsing deprecates.
        warnings.simplefilter("ignore")
        (dot,) = pydot.graph_from_dot_data(run.out)
    red = {(e.get_source().strip('"'), e.get_destination().strip('"'))
           for e in dot.get_edges() if e.get("color") == "red"}
    assert red == {("pkg.a", "pkg.mod"), ("pkg.mod", "pkg.a")}
    styles = {(e.get_source().strip('"'), e.get_destination().strip('"')): e.get("style")
              for e in dot.get_edges()}
    assert styles[("pkg.a", "pkg.b")] == "dashed"
    assert styles[("pkg.b", "pkg.a")] == "dotted"


def test_package_level_collapses_modules_into_packages(project, shoal):
    write_tree(project, FILES)
    graph = _graph(shoal, "--package-level")
    assert graph["level"] == "package"
    assert {n["id"] for n in graph["nodes"]} == {"pkg", "pkg.sub", "tool"}
    # The cycle inside pkg marks the package that holds it.
    assert {n["id"]: n["cycle"] for n in graph["nodes"]} == {"pkg": 0, "pkg.sub": None,
                                                             "tool": None}
    edges = _edges(graph)
    assert edges[("pkg.sub", "pkg")] == ("import", False)
    assert edges[("tool", "pkg.sub")] == ("import", False)


def test_filters_keep_a_path_or_a_module_and_its_submodules(project, shoal):
    write_tree(project, FILES)
    by_path = _graph(shoal, "pkg/sub")
    assert {n["id"] for n in by_path["nodes"]} == {"pkg.sub", "pkg.sub.leaf", "pkg.sub.twig"}
    assert _edges(by_path) == {("pkg.sub.twig", "pkg.sub.leaf"): ("import", False)}
    by_name = _graph(shoal, "pkg.sub", "tool")
    assert {n["id"] for n in by_name["nodes"]} == {"pkg.sub", "pkg.sub.leaf", "pkg.sub.twig",
                                                   "tool"}
    run = shoal("graph", "nothing.here", "--workers", "0")
    assert run.code == 2 and "no module of the project matches" in run.err


def test_mermaid_draws_each_kind_and_styles_the_cycle(project, shoal):
    write_tree(project, FILES)
    run = shoal("graph", "--output-format", "mermaid", "--workers", "0")
    assert run.code == 0, run.err
    text = run.out
    assert text.startswith("flowchart LR\n")
    assert "-.->" in text and "-. TYPE_CHECKING .->" in text
    assert re.search(r"^  linkStyle \d+,\d+ stroke:#d00", text, re.M)
    assert "classDef cycle" in text


class _Refs(HTMLParser):
    """Every attribute value and every script/style text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, str]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += [(k, v or "") for k, v in attrs]


def test_html_is_one_page_without_any_url(project, shoal, tmp_path):
    write_tree(project, FILES)
    out = tmp_path / "graph.html"
    run = shoal("graph", "--output-format", "html", "--output-file", str(out), "--workers", "0")
    assert run.code == 0, run.err
    page = out.read_text(encoding="utf-8")
    parser = _Refs()
    parser.feed(page)
    assert {"svg", "script", "style"} <= parser.tags
    assert not [v for k, v in parser.attrs if k in ("src", "href", "xlink:href")]
    # url(#id) names a marker in the page itself; any other url( could fetch something.
    assert not re.search(r"(https?|ftp|file)://|//[a-z0-9.-]+\.[a-z]{2,}/|@import|url\((?!#)",
                         page, re.I)
    assert page.count('class="e import cyc"') == 2
    assert "data-shoal-ready" in page


def test_the_layout_puts_importers_above_what_they_import():
    places = layout(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("a", "c"), ("c", "a")])
    assert places["d"][0] == 0
    assert places["a"][0] > places["b"][0] > places["c"][0]


def test_without_the_cache_it_checks_first_and_writes_no_cache(project, shoal):
    write_tree(project, FILES)
    graph = _graph(shoal, "--no-cache")
    assert graph["cycles"] == [["pkg.a", "pkg.mod"]]
    assert not (project / ".shoal_cache").exists()


def test_an_unwritable_output_file_is_one_line_and_exit_code_2(project, shoal):
    write_tree(project, FILES)
    run = shoal("graph", "--output-file", str(project / "no" / "such" / "g.dot"))
    assert run.code == 2
    assert run.err.startswith("shoal: error: cannot write --output-file")
    assert len(run.err.strip().splitlines()) == 1
