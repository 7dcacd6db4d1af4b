"""SH005 unused-definition: references as facts, read through the index (ref[module])."""
from __future__ import annotations

import pytest
from project_support import build_project, facts_of

from analyzer.model import changed_keys, interface_digests, references_key
from analyzer.rules import RuleSettings, run_project_rules
from analyzer.testing import add_rule_tests
from plugins.dead_code import UnusedDefinition

add_rule_tests(globals(), [UnusedDefinition])


def sh005(files: dict[str, str], settings: RuleSettings | None = None
          ) -> dict[str, list[str]]:
    """Module -> the names SH005 reports in it (modules without findings left out)."""
    project = build_project(files)
    out: dict[str, list[str]] = {}
    for module, facts in project.facts.items():
        found = run_project_rules(facts, project.index, [UnusedDefinition],
                                  path=facts.path, settings=settings)
        if found:
            out[module] = [d.message.split("'")[1] for d in found]
    return out


def test_the_facts_hold_references_as_written_and_own_uses():
    facts = facts_of("""\
        import os.path
        from . import sub
        from .a import b as c
        import pkg.x as px
        def f(): g()
        def g(): pass
        class K: pass
        x: "K" = 1
        unused = 2
        def h():
            import pkg.y
            pkg.y.z()
            return sub.thing, px.q.r, c
        if __name__ == "__main__":
            f()
        """, path="pkg/m.py")
    assert facts.references == (
        ("os", ("path",)), ("pkg", ("sub", "x", "y")), ("pkg.a", ("b",)),
        ("pkg.sub", ("thing",)), ("pkg.x", ("q",)), ("pkg.x.q", ("r",)), ("pkg.y", ("z",)))
    assert facts.uses == ("K", "f", "g")


def test_a_multi_module_project_cold():
    files = {
        "app.py": """\
            import lib
            from pkg.tools import used_tool
            lib.used_function()
            used_tool()
            """,
        "lib.py": """\
            def used_function(): return _helper()
            def _helper(): pass
            def dead_function(): pass
            class DeadClass: pass
            DEAD = 1
            """,
        "pkg/__init__.py": "from .tools import exported\n",
        "pkg/tools.py": """\
            def used_tool(): pass
            def exported(): pass
            def dead_tool(): pass
            """,
    }
    assert sh005(files) == {"lib": ["dead_function", "DeadClass", "DEAD"],
                            "pkg.tools": ["dead_tool"]}


def test_references_through_a_re_export_chain_and_attribute_chains():
    files = {
        "app.py": "from pkg import api\nimport pkg.deep.mod\napi()\npkg.deep.mod.reached()\n",
        "pkg/__init__.py": "from .inner import api\n",
        "pkg/inner.py": "from .impl import api\n",
        "pkg/impl.py": "def api(): pass\n",
        "pkg/deep/__init__.py": "",
        "pkg/deep/mod.py": "def reached(): pass\ndef not_reached(): pass\n",
    }
    assert sh005(files) == {"pkg.deep.mod": ["not_reached"]}


@pytest.mark.parametrize("source", [
    '__all__ = ["kept"]\ndef kept(): pass\n',
    "def __getattr__(name): return name\n",
    'def kept(): pass\nprint(getattr(__import__("lib"), "kept"))\n',
    'class Node: pass\ndef f(x: "Optional[Node]"): return x\nf(1)\n',
    "class Base: pass\nclass Child(Base): pass\nprint(Child)\n",
    "def main(): pass\nif __name__ == '__main__':\n    main()\n",
    "import typing\n@typing.overload\ndef f(x: int) -> int: ...\ndef f(x): return x\nf(1)\n",
    "_ = 1\n__version__ = '1'\n",
    "globals()['x'] = 1\ndef dead(): pass\n",
    "import atexit\n@atexit.register\ndef cleanup(): pass\n",
])
def test_what_keeps_a_name_alive_in_its_own_module(source):
    assert sh005({"lib.py": source}) == {}


def test_a_package_init_s_public_names_are_api_its_private_ones_are_not():
    assert sh005({"pkg/__init__.py": "def api(): pass\ndef _private(): pass\n"}) == {
        "pkg": ["_private"]}


def test_test_functions_classes_fixtures_and_hooks():
    files = {
        "tests/test_app.py": """\
            import pytest
            pytestmark = []
            @pytest.fixture
            def client(): pass
            def test_one(client): pass
            class TestGroup: pass
            def helper_nobody_calls(): pass
            """,
        "tests/conftest.py": """\
            import pytest
            pytest_plugins = []
            def pytest_configure(config): pass
            @pytest.fixture(scope="session")
            def database(): pass
            """,
        # pytest's python_files may point anywhere: test* functions and Test* classes stay
        "lib.py": "def test_anywhere(): pass\nclass TestAnywhere: pass\ndef checked(): pass\n",
        # unittest collects TestCase subclasses however named, in any file of a test folder
        "tests/helpers.py": """\
            import unittest
            class Base: pass
            class PickleCases(Base, unittest.TestCase): pass
            Source_Loader, Frozen_Loader = 1, 2
            class Plain: pass
            def helper(): pass
            """,
    }
    assert sh005(files) == {"tests.test_app": ["helper_nobody_calls"], "lib": ["checked"],
                            "tests.helpers": ["Source_Loader", "Frozen_Loader", "Plain",
                                              "helper"]}


def test_a_sphinx_conf_py_is_read_by_name():
    assert sh005({"docs/conf.py": "project = 'x'\nhtml_theme = 'y'\n"}) == {}


def test_an_extension_helpers_setup_package_py_is_read_by_name():
    files = {"pkg/__init__.py": "", "pkg/setup_package.py": "def get_extensions(): pass\n",
             "pkg/setup_other.py": "def get_extensions(): pass\n"}
    assert sh005(files) == {"pkg.setup_other": ["get_extensions"]}


def test_a_star_import_keeps_every_public_name_or_those_in_all():
    files = {"app.py": "from lib import *\nfrom other import *\n",
             "lib.py": "def public(): pass\ndef _private(): pass\n",
             "other.py": "__all__ = ['listed']\ndef listed(): pass\ndef unlisted(): pass\n"}
    assert sh005(files) == {"lib": ["_private"], "other": ["unlisted"]}


def test_the_setting_and_entry_points():
    files = {"web.py": """\
        from flask import Flask
        app = Flask(__name__)
        @app.route("/")
        def index(): pass
        @other.thing
        def other_thing(): pass
        def main(): pass
        class Cli:
            def run(self): pass
        """}
    # ``app`` is used by the decorator; the rest only by the framework and the installer
    assert sh005(files) == {"web": ["index", "other_thing", "main", "Cli"]}
    settings = RuleSettings(dead_code_ignore_decorators=("app.route", "thing"),
                            entry_points=("web:main", "web:Cli.run"))
    assert sh005(files, settings) == {}


def test_the_rule_reads_references_only_when_a_candidate_is_left():
    project = build_project({"lib.py": "__all__ = ['f']\ndef f(): pass\n",
                             "dead.py": "def g(): pass\n"})
    run_project_rules(project.facts["lib"], project.index, [UnusedDefinition], path="lib.py")
    assert references_key("lib") not in project.recorded
    run_project_rules(project.facts["dead"], project.index, [UnusedDefinition], path="dead.py")
    assert references_key("dead") in project.recorded


def test_a_reference_change_fires_the_target_s_key_a_body_edit_does_not():
    before = interface_digests(facts_of("import lib\ndef g():\n    return lib.f()\n"))
    body = interface_digests(facts_of("import lib\ndef g():\n    return lib.f() + 1\n"))
    dropped = interface_digests(facts_of("import lib\ndef g():\n    return 1\n"))
    assert changed_keys("app", before, body) == set()
    assert changed_keys("app", before, dropped) == {references_key("lib")}


def test_relative_imports_of_a_module_named_by_its_folder_stay_in_that_folder():
    facts = facts_of("from .auth import login_required\nfrom . import db\ndb.init_app()\n",
                     path="examples/tutorial/flaskr/blog.py")
    assert facts.module == "examples.tutorial.flaskr.blog"  # project_support names by dots
    from analyzer.model._extract_refs import module_references

    refs, _ = module_references("examples/tutorial/flaskr.blog", False, facts.imports,
                                {"db.init_app"})
    assert refs == (("examples/tutorial/flaskr", ("db",)),
                    ("examples/tutorial/flaskr.auth", ("login_required",)),
                    ("examples/tutorial/flaskr.db", ("init_app",)))
