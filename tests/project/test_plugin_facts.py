"""Plugin-defined facts (issue 15, part 1): an extractor's values, read through the index by
a project rule, cold, warm, in a recheck, on 0 and 2 workers and on dask.

The extractor and the rule are the README's "Writing a project-wide rule" example, run as a
user runs it: written to a project and named in its ``plugins``.
"""
from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from analyzer.engine import Session, run_check
from analyzer.interfaces import build_parser, prepare
from analyzer.model import (
    ModuleFacts,
    PluginFact,
    ProjectIndex,
    canonical_bytes,
    changed_keys,
    interface_digest,
    interface_digests,
)

ROOT = Path(__file__).resolve().parents[2]


def readme_plugin() -> str:
    """The python block of the README's "Writing a project-wide rule" section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Writing a project-wide rule")
    section = readme[start:readme.index("\n## ", start + 3)]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "expected one example in the section"
    return blocks[0]


def route(path: str, name: str) -> str:
    return f'@app.route("{path}")\ndef {name}():\n    pass\n'


FILES = {
    "web/__init__.py": "app = object()\n",
    "web/users.py": "from web import app\n\n" + route("/users", "users"),
    "web/admin.py": "from web import app\n\n" + route("/users", "admin") + route("/admin", "a2"),
    "web/shop.py": "from web import app\n\n" + route("/shop", "shop"),
    "web/plain.py": "x = 1\n",
}


def make_project(root: Path, files: dict[str, str | None]) -> list[Path]:
    """Write ``files`` under ``root`` (None deletes); the paths touched."""
    touched = []
    for rel, text in files.items():
        path = root / rel
        touched.append(path)
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return touched


@pytest.fixture
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    make_project(root, {
        "pyproject.toml": '[tool.shoal]\nplugins = ["tools/routes.py"]\n',
        "tools/routes.py": readme_plugin(),
        **FILES,
    })
    monkeypatch.chdir(root)
    return root


def plan(root: Path, *, workers: int = 0, cache: Path | None = None, select: str = "X301,E999"):
    argv = ["check", str(root / "web"), "--workers", str(workers), "--select", select]
    argv += ["--cache-dir", str(cache)] if cache is not None else ["--no-cache"]
    return prepare(build_parser().parse_args(argv))


def found(diagnostics) -> list[tuple[str, int, str, str]]:
    return [(d.path, d.line, d.code, d.message) for d in diagnostics]


DUPLICATES = [
    ("web/admin.py", 3, "X301", "route '/users' is declared 2 times in the project"),
    ("web/users.py", 3, "X301", "route '/users' is declared 2 times in the project"),
]


# -- the engine ------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [0, 2])
def test_a_cold_check_reports_the_duplicate_in_every_module_declaring_it(proj, workers):
    result = run_check(plan(proj, workers=workers))
    assert found(result.diagnostics) == DUPLICATES
    assert result.diagnostics[0].column == 2


def test_a_warm_check_reads_the_values_from_the_cache(proj, tmp_path):
    cache = tmp_path / "cache"
    assert found(run_check(plan(proj, cache=cache)).diagnostics) == DUPLICATES
    assert found(run_check(plan(proj, cache=cache)).diagnostics) == DUPLICATES  # all cached
    # An edit: the warm session rebuilt from the cache rechecks with the cached values of
    # the modules it does not re-parse.
    make_project(proj, {"web/shop.py": "from web import app\n\n" + route("/admin", "shop")})
    expected = sorted(DUPLICATES + [
        ("web/admin.py", 6, "X301", "route '/admin' is declared 2 times in the project"),
        ("web/shop.py", 3, "X301", "route '/admin' is declared 2 times in the project")])
    assert found(run_check(plan(proj, cache=cache)).diagnostics) == expected
    assert found(run_check(plan(proj)).diagnostics) == expected


def test_another_extractor_version_is_another_cache(proj):
    # A fresh process each time: plugins load once per process.
    code = ("import sys; from analyzer.engine._cache import cache_key; "
            "from analyzer.interfaces import build_parser, prepare; "
            "print(cache_key(prepare(build_parser().parse_args(sys.argv[1:]))))")

    def key() -> str:
        return subprocess.run(
            [sys.executable, "-c", code, "check", "web", "--no-cache", "--select", "X301"],
            cwd=proj, capture_output=True, text=True, timeout=120, check=True).stdout.strip()

    text = (proj / "tools/routes.py").read_text()
    assert "    VERSION = 1 " in text
    before = key()
    (proj / "tools/routes.py").write_text(text.replace("    VERSION = 1 ", "    VERSION = 2 "))
    assert key() != before


@pytest.mark.parametrize("workers", [0, 2])
def test_a_recheck_runs_exactly_the_readers_of_what_changed(proj, workers):
    session = Session(plan(proj, workers=workers), replan=lambda: plan(proj, workers=workers))
    with session:
        session.check()
        assert found(session.state.diagnostics) == DUPLICATES
        # A body edit that moves a route: its own module only, no reader elsewhere.
        moved = "from web import app\n\nx = 1\n" + route("/shop", "shop")
        report = session.recheck(make_project(proj, {"web/shop.py": moved}))
        assert report.modules_rechecked == {"web.shop"}
        assert found(session.state.diagnostics) == DUPLICATES
        # A route that changes: the module, and every module that read all routes.
        changed = "from web import app\n\nx = 1\n" + route("/admin", "shop")
        report = session.recheck(make_project(proj, {"web/shop.py": changed}))
        assert report.modules_rechecked == {"web.shop", "web.users", "web.admin"}
        assert ("web/shop.py", 4, "X301", "route '/admin' is declared 2 times in the project"
                ) in found(session.state.diagnostics)
        # A module without routes: nobody reads it.
        report = session.recheck(make_project(proj, {"web/plain.py": "x = 2\n"}))
        assert report.modules_rechecked == {"web.plain"}
        # Deleting a module that holds a duplicate: the other's finding goes.
        report = session.recheck(make_project(proj, {"web/admin.py": None}))
        assert found(session.state.diagnostics) == []
        assert "web.users" in report.modules_rechecked
        # A new module with a value: every reader of all values is rechecked.
        report = session.recheck(make_project(proj, {"web/new.py": route("/users", "n")}))
        assert {"web.new", "web.users", "web.shop"} <= report.modules_rechecked
        assert [d.path for d in session.state.diagnostics] == ["web/new.py", "web/users.py"]
        assert found(session.state.diagnostics) == found(run_check(plan(proj)).diagnostics)


@pytest.mark.parametrize("workers", [0, 2])
def test_a_rebuild_that_selects_the_reader_gets_the_values_from_its_workers(proj, workers):
    # The workers keep decoded facts from one update to the next (content keys): facts made
    # while no rule read the extractor must not serve the rebuild that selects one.
    make_project(proj, {"web/all.py": "from web.users import users\nfrom web.admin import admin"
                                      "\nfrom web.shop import shop\n"})
    session = Session(plan(proj, workers=workers, select="SH001,E999"))
    with session:
        session.check()
        assert found(session.state.diagnostics) == []
        session.rebuild(plan(proj, workers=workers))
        assert found(session.state.diagnostics) == DUPLICATES


def test_an_extractor_that_raises_costs_its_file_one_sh900(tmp_path, monkeypatch):
    root = tmp_path / "p"
    plugin = readme_plugin().replace(
        "        found = []\n",
        "        if module.endswith('bad'):\n            raise KeyError('boom')\n"
        "        found = []\n", 1)
    make_project(root, {"pyproject.toml": '[tool.shoal]\nplugins = ["tools/routes.py"]\n',
                        "tools/routes.py": plugin, **FILES,
                        "web/bad.py": route("/users", "bad")})
    monkeypatch.chdir(root)
    result = run_check(plan(root))
    assert found(result.diagnostics) == sorted(DUPLICATES + [
        ("web/bad.py", 1, "SH900",
         "internal error: fact extractor routes failed on web/bad.py: KeyError: 'boom'")])


def test_the_rule_runs_on_dask(proj):
    from tests.cli.helpers import run_subprocess

    local = run_subprocess("check", "--no-cache", "--format", "json", "--select", "X301",
                           "--workers", "2", "web", cwd=proj)
    remote = run_subprocess("check", "--format", "json", "--select", "X301", "--scheduler",
                            "local", "--workers", "2", "web", cwd=proj)
    assert (remote.code, remote.out) == (local.code, local.out), remote.err
    assert [(d["path"], d["line"]) for d in remote.json()] == [
        ("web/admin.py", 3), ("web/users.py", 3)]


# -- the harness -------------------------------------------------------------------------------


def test_the_readme_rule_passes_its_own_examples_through_add_rule_tests(tmp_path, monkeypatch):
    from analyzer.testing import add_rule_tests

    (tmp_path / "readme_routes.py").write_text(readme_plugin())
    monkeypatch.syspath_prepend(str(tmp_path))
    rules = importlib.import_module("readme_routes")
    namespace: dict = {}
    names = add_rule_tests(namespace, [rules.DuplicateRoute])
    assert names == ["test_X301_valid_0", "test_X301_invalid_0"]
    for name in names:
        namespace[name]()


def test_a_rule_naming_its_extractor_by_name_reads_it_in_the_harness(tmp_path, monkeypatch):
    from analyzer.testing import ExampleFailure, check_example, example_cases

    source = readme_plugin().replace("FACTS = (Routes,)", 'FACTS = ("routes",)')
    # Broken on purpose: the duplicate is no longer found, and the harness says so.
    broken = source.replace("if declared[route] > 1:", "if declared[route] > 2:")
    (tmp_path / "by_name.py").write_text(source)
    (tmp_path / "by_name_broken.py").write_text(broken)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name, fails in (("by_name", False), ("by_name_broken", True)):
        rule = importlib.import_module(name).DuplicateRoute
        outcomes = []
        for case in example_cases([rule]):
            try:
                check_example(case)
                outcomes.append(True)
            except ExampleFailure:
                outcomes.append(False)
        assert outcomes == ([True, False] if fails else [True, True])


# -- the model -------------------------------------------------------------------------------


def facts_with(module: str, value: object, *, version: int = 1,
               interface: object = None) -> ModuleFacts:
    digest = interface_digest(version, value if interface is None else interface)
    return ModuleFacts(module=module, path=f"{module}.py", is_package=False, parse_ok=True,
                       plugin_facts=(PluginFact("routes", version, value, digest),))


def test_the_index_records_one_key_per_module_value_and_one_for_all():
    facts = {"a": facts_with("a", (("/x", 1),)), "b": facts_with("b", (("/y", 2),)),
             "c": ModuleFacts(module="c", path="c.py", is_package=False, parse_ok=True)}
    recorded: list[str] = []
    index = ProjectIndex(facts, facts.get, recorded.append, fact_versions={"routes": 1})
    assert index.plugin_fact("a", "routes") == (("/x", 1),)
    assert index.plugin_fact("c", "routes") is None
    assert index.plugin_fact("nope", "routes") is None
    assert index.plugin_facts("routes") == [("a", (("/x", 1),)), ("b", (("/y", 2),))]
    assert recorded == ["fact[routes]:a", "fact[routes]:c", "fact[routes]:nope", "fact[routes]"]
    # With the holders the master knows, only those modules are loaded.
    loads: list[str] = []

    def load(module: str) -> ModuleFacts | None:
        loads.append(module)
        return facts.get(module)

    holders = ProjectIndex(facts, load, fact_holders={"routes": ("b",)})
    assert holders.plugin_facts("routes") == [("b", (("/y", 2),))]
    assert loads == ["b"]


def test_a_value_made_by_another_extractor_version_reads_as_absent():
    facts = {"a": facts_with("a", ("/x",), version=1)}
    assert ProjectIndex(facts, facts.get, fact_versions={"routes": 2}).plugin_fact(
        "a", "routes") is None
    assert ProjectIndex(facts, facts.get, fact_versions={"routes": 1}).plugin_fact(
        "a", "routes") == ("/x",)


def test_the_interface_digest_gives_early_cutoff():
    old = interface_digests(facts_with("a", (("/x", 1),), interface=frozenset({"/x"})))
    moved = interface_digests(facts_with("a", (("/x", 9),), interface=frozenset({"/x"})))
    renamed = interface_digests(facts_with("a", (("/y", 1),), interface=frozenset({"/y"})))
    none = interface_digests(ModuleFacts(module="a", path="a.py", is_package=False,
                                         parse_ok=True))
    assert changed_keys("a", old, moved) == set()
    assert changed_keys("a", old, renamed) == {"fact[routes]:a", "fact[routes]"}
    assert changed_keys("a", old, none) == {"fact[routes]:a", "fact[routes]"}
    assert changed_keys("a", None, old) >= {"a", "fact[routes]:a", "fact[routes]"}
    # Another version changes the digest even for an equal interface.
    assert interface_digest(1, "/x") != interface_digest(2, "/x")


def test_the_canonical_encoding_does_not_depend_on_the_hash_seed():
    code = ("from analyzer.model import interface_digest as d; "
            "print(d(1, frozenset({'a', 'b', 'c', 'd', ('e', 1)})), d(1, {'x': 1, 'y': 2}))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "3")}
    assert len(outs) == 1
    assert canonical_bytes((1, "1")) != canonical_bytes(("1", 1))
    assert canonical_bytes(frozenset({1, 2})) == canonical_bytes(frozenset({2, 1}))


def test_an_extractor_named_by_its_name_is_found_in_the_plugin_modules(tmp_path, monkeypatch):
    root = tmp_path / "p"
    source = readme_plugin()
    # The extractor in one plugin file, the rule that names it in another.
    split = source.index("class DuplicateRoute")
    header = "import ast\nfrom collections import Counter\nfrom analyzer.rules import *\n"
    make_project(root, {
        "pyproject.toml": '[tool.shoal]\nplugins = ["tools/facts.py", "tools/rule.py"]\n',
        "tools/facts.py": source[:split],
        "tools/rule.py": header + source[split:].replace("FACTS = (Routes,)",
                                                         'FACTS = ("routes",)'),
        **FILES})
    monkeypatch.chdir(root)
    assert found(run_check(plan(root)).diagnostics) == DUPLICATES


def test_a_rule_naming_an_unknown_extractor_is_skipped_with_a_warning(tmp_path):
    from analyzer.frontend import load_config
    from analyzer.loading import Registry

    make_project(tmp_path, {
        "pyproject.toml": '[tool.shoal]\nplugins = ["rules.py"]\n',
        "rules.py": textwrap.dedent('''\
            from analyzer.rules import ProjectRule

            class NeedsGhost(ProjectRule):
                """Reads a fact nobody extracts."""
                CODE = "X777"
                NAME = "needs-ghost"
                MESSAGE = "m"
                FACTS = ("ghost",)

                def check(self, facts, index):
                    pass
            '''),
    })
    registry, warnings = Registry.for_config(load_config(tmp_path / "pyproject.toml"),
                                             entry_points=False)
    assert "X777" not in registry.by_code
    assert any("'ghost'" in str(w) for w in warnings), warnings


def test_a_second_extractor_of_one_name_is_refused_and_its_reader_skipped(tmp_path):
    from analyzer.frontend import load_config
    from analyzer.loading import Registry

    other = readme_plugin().replace('CODE = "X301"', 'CODE = "X302"')
    make_project(tmp_path, {
        "pyproject.toml": '[tool.shoal]\nplugins = ["one.py", "two.py"]\n',
        "one.py": readme_plugin(), "two.py": other})
    registry, warnings = Registry.for_config(load_config(tmp_path / "pyproject.toml"),
                                             entry_points=False)
    assert "X301" in registry.by_code and "X302" not in registry.by_code
    text = "\n".join(str(w) for w in warnings)
    assert "already taken" in text and "rule DuplicateRoute reads the extractor" in text
    assert registry.extractors_for(["X301"]) == (registry.extractors["routes"],)
