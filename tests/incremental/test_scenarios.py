"""The twelve scenarios of issue 5 that break naive incremental designs; each step is
compared with a cold check (Engine.edit), and the recheck set is checked where it matters."""
from __future__ import annotations

import os

import pytest
from support import codes, cold

from parallel import Cancelled


def messages(engine) -> list[tuple[str, str]]:
    return [(d.path, d.message) for d in engine.diagnostics if d.code != "F401"]


def test_1_star_import_gains_loses_names_and_all_changes(engine):
    e = engine({"a.py": "def f(): pass\n", "b.py": "from a import *\n", "c.py": "from b import f, g\n"})
    assert messages(e) == [("c.py", "'g' is not defined in module 'b'")]
    e.edit({"a.py": "def f(): pass\ndef g(): pass\n"})
    assert messages(e) == []
    assert "c" in e.last.modules_rechecked
    e.edit({"a.py": "def f(): pass\ndef g(): pass\n__all__ = ['g']\n"})
    assert messages(e) == [("c.py", "'f' is not defined in module 'b'")]
    e.edit({"a.py": "def f(): pass\n"})


def test_2_dynamic_all(engine):
    e = engine({"a.py": "__all__ = ['x']\nx = 1\n",
                "b.py": "import a\nfrom a import *\n__all__ = a.__all__ + ['y']\ny = 2\n",
                "c.py": "from b import *\nfrom b import zz\n", "d.py": "from c import x\n"})
    assert messages(e) == []  # dynamic __all__: UNKNOWN, nothing said
    e.edit({"b.py": "from a import *\n__all__ = ['y']\ny = 2\n"})
    assert messages(e) == [("c.py", "'zz' is not defined in module 'b'"),
                           ("d.py", "'x' is not defined in module 'c'")]
    e.edit({"b.py": "import a\nfrom a import *\n__all__ = a.__all__ + ['y']\ny = 2\n"})
    assert messages(e) == []


def test_3_re_export_chain_read_by_a_second_reader(engine):
    e = engine({"a.py": "def f(x): pass\n", "b.py": "from a import f\n", "c.py": "from b import f\n",
                "r1.py": "from c import f\nf(1)\n", "r2.py": "from c import f\nf(1)\n"})
    assert messages(e) == []
    e.edit({"a.py": "def f(): pass\n"})
    assert messages(e) == [("r1.py", "f() takes 0 positional arguments but 1 was given"),
                           ("r2.py", "f() takes 0 positional arguments but 1 was given")]
    assert {"r1", "r2"} <= e.last.modules_rechecked
    e.edit({"a.py": "g = 1\n"})  # the chain breaks at a: SH001 where it is written, once
    assert messages(e) == [("b.py", "'f' is not defined in module 'a'")]


def test_4_submodule_created_then_deleted(engine):
    e = engine({"pkg/__init__.py": "", "b.py": "from pkg import sub\n"})
    assert messages(e) == [("b.py", "'sub' is not defined in module 'pkg'")]
    e.edit({"pkg/sub.py": "x = 1\n"})
    assert messages(e) == []
    e.edit({"pkg/sub.py": None})
    assert messages(e) == [("b.py", "'sub' is not defined in module 'pkg'")]


def test_a_new_top_level_package_rechecks_only_its_importers(engine):
    e = engine({"app.py": "from vendored.sub import thing\nfrom vendored import other\n",
                "plain.py": "import json\nx = 1\n", "more.py": "from app import thing\n"})
    assert messages(e) == []  # vendored is external: nothing is said about it
    e.edit({"vendored/__init__.py": "other = 1\n"})
    # Now a project package (edit() compares every step with a cold check): vendored.sub
    # is missing, `other` is found. Rechecked: the new module, its importer, and `more`,
    # whose lookup of app:thing followed the re-export into vendored; not `plain`.
    assert messages(e) == [("app.py", "No module named 'vendored.sub'")]
    assert e.last.modules_rechecked == {"app", "more", "vendored"}
    e.edit({"vendored/sub.py": "thing = 1\n"})
    assert messages(e) == []
    e.edit({"vendored/__init__.py": None, "vendored/sub.py": None})
    assert messages(e) == []
    assert "plain" not in e.last.modules_rechecked


def test_an_extension_module_built_then_removed(engine):
    e = engine({"pkg/__init__.py": "", "pkg/use.py": "from pkg._speedups import fast\n",
                "other.py": "x = 1\n"})
    assert [m for _, m in messages(e)] == ["No module named 'pkg._speedups'"]
    e.edit({"pkg/_speedups.cpython-311-x86_64-linux-gnu.so": "\x7fELF (a build)"})
    assert messages(e) == []  # its names are unknown: nothing is said about them
    assert e.last.modules_rechecked == {"pkg.use"}
    e.edit({"pkg/_speedups.cpython-311-x86_64-linux-gnu.so": "\x7fELF (a rebuild, longer)"})
    assert e.last.files_changed == 1 and messages(e) == []  # seen, and nothing to say
    e.edit({"pkg/_speedups.cpython-311-x86_64-linux-gnu.so": None})
    assert [m for _, m in messages(e)] == ["No module named 'pkg._speedups'"]


@pytest.mark.parametrize("source", ["pkg/_speedups.c", "pkg/_speedups.pyx"])
def test_an_extension_s_source_in_a_fresh_checkout(engine, source):
    # Not built yet, it still names the module it builds; outside a package it names none.
    e = engine({"pkg/__init__.py": "", "pkg/use.py": "from pkg._speedups import fast\n",
                "csrc/_speedups.c": "int x;\n"})
    assert [m for _, m in messages(e)] == ["No module named 'pkg._speedups'"]
    e.edit({source: "/* the C, or Cython, of pkg._speedups */\n"})
    assert messages(e) == []
    e.edit({source: None})
    assert [m for _, m in messages(e)] == ["No module named 'pkg._speedups'"]


def test_a_git_ignored_build_output_is_a_module_never_reported(engine):
    # setuptools-scm writes pkg/_version.py at install, protoc writes *_pb2.py, and the
    # project git-ignores both by patterns that name no one path: before the build they
    # are missing, and no import of them is a finding; once built they are opaque modules.
    e = engine({".git/HEAD": "", ".gitignore": "_version.py\n*_pb2.py\n",
                "pkg/__init__.py": "from ._version import version\nfrom .api_pb2 import Api\n"
                                   "from .gone import x\n"})
    assert [m for _, m in messages(e)] == ["No module named 'pkg.gone'"]
    e.edit({"pkg/_version.py": "import os\nversion = '1.0'\n",
            "pkg/api_pb2.py": "import sys\n"})
    # Built: neither missing, nor its unused imports reported
    assert [m for _, m in messages(e)] == ["No module named 'pkg.gone'"]
    e.edit({"pkg/_version.py": None})  # cleaned
    assert [m for _, m in messages(e)] == ["No module named 'pkg.gone'"]
    e.edit({".gitignore": "*_pb2.py\n"})  # no longer a build output
    assert sorted(m for _, m in messages(e)) == [
        "No module named 'pkg._version'", "No module named 'pkg.gone'"]
    e.edit({".gitignore": "*_pb2.py\n!api_pb2.py\n", "pkg/api_pb2.py": None})  # re-included
    assert sorted(m for _, m in messages(e)) == [
        "No module named 'pkg._version'", "No module named 'pkg.api_pb2'",
        "No module named 'pkg.gone'"]


def test_a_package_a_build_makes_appears_and_goes(engine):
    # gen/ is git-ignored: a package the build makes. Its modules are no finding while it
    # is missing; once made, they are checked like any other.
    e = engine({".git/HEAD": "", ".gitignore": "gen/\n",
                "app/__init__.py": "", "app/gen/.keep": "",
                "app/main.py": "from app.gen.models import Model\nfrom app import gen\n"
                               "from app import other\nprint(Model, gen, other)\n"})
    assert [m for _, m in messages(e)] == ["'other' is not defined in module 'app'"]
    e.edit({"app/gen/__init__.py": "", "app/gen/models.py": "Other = 1\n"})
    # gen/ is ignored, so its files are opaque modules: their names are unknown
    assert [m for _, m in messages(e)] == ["'other' is not defined in module 'app'"]
    e.edit({"app/gen/__init__.py": None, "app/gen/models.py": None})
    assert [m for _, m in messages(e)] == ["'other' is not defined in module 'app'"]
    e.edit({".gitignore": "build/\n"})
    assert sorted(m for _, m in messages(e)) == [
        "'gen' is not defined in module 'app'", "'other' is not defined in module 'app'",
        "No module named 'app.gen'"]


def test_a_meson_build_makes_what_its_package_lacks(engine):
    e = engine({"sci/__init__.py": "from sci.__config__ import show\nprint(show)\n",
                "sci/sub/__init__.py": "", "sci/sub/m.py": "import sci.sub._gone\n"})
    assert sorted(m for _, m in messages(e)) == [
        "No module named 'sci.__config__'", "No module named 'sci.sub._gone'"]
    e.edit({"sci/meson.build": "configure_file(output: '__config__.py')\n"})
    assert [m for _, m in messages(e)] == ["No module named 'sci.sub._gone'"]
    e.edit({"sci/sub/meson.build": ""})  # nothing names _gone
    assert [m for _, m in messages(e)] == ["No module named 'sci.sub._gone'"]
    e.edit({"sci/sub/meson.build": "py.extension_module('_gone', 'gone.c')\n"})
    assert messages(e) == []
    e.edit({"sci/meson.build": None})
    assert [m for _, m in messages(e)] == ["No module named 'sci.__config__'"]


def test_a_protobuf_source_makes_what_its_package_lacks(engine):
    e = engine({"api/__init__.py": "from api import greeter_pb2, greeter_pb2_grpc\n"
                                   "print(greeter_pb2, greeter_pb2_grpc)\n"})
    assert len(messages(e)) == 2
    e.edit({"api/greeter.proto": "syntax = 'proto3';\n"})
    assert messages(e) == []
    e.edit({"api/greeter.proto": None})
    assert len(messages(e)) == 2


def test_an_extension_module_setup_py_declares(engine):
    e = engine({"setup.py": "from setuptools import setup\nsetup()\n",
                "lib/__init__.py": "", "lib/parse.py": "from lib import native\nprint(native)\n"})
    assert [m for _, m in messages(e)] == ["'native' is not defined in module 'lib'"]
    e.edit({"setup.py": "from setuptools import setup\nfrom setuptools_rust import RustExtension\n"
                        "setup(rust_extensions=[RustExtension('lib.native')])\n"})
    assert messages(e) == []
    e.edit({"setup.py": "from setuptools import setup\nsetup()\n"})
    assert [m for _, m in messages(e)] == ["'native' is not defined in module 'lib'"]


def test_an_extension_module_a_setup_package_py_declares(engine):
    # astropy's layout: extension-helpers imports each package's setup_package.py.
    e = engine({"lib/__init__.py": "", "lib/setup_package.py": "EXTENSIONS = []\n",
                "lib/parse.py": "from lib import _fast\nprint(_fast)\n"})
    assert [m for _, m in messages(e)] == ["'_fast' is not defined in module 'lib'"]
    e.edit({"lib/setup_package.py": "EXTENSIONS = [Extension('lib._fast', ['f.c'])]\n"})
    assert messages(e) == []
    e.edit({"lib/setup_package.py": None})
    assert [m for _, m in messages(e)] == ["'_fast' is not defined in module 'lib'"]


def test_a_build_output_gitignore_names_exists_before_the_build(engine):
    # A fresh clone of a setuptools-scm project: pkg/_version.py comes with the install.
    e = engine({".git/HEAD": "", ".gitignore": "/pkg/_version.py\nnotes/*.py\n",
                "pkg/__init__.py": "from ._version import version\nfrom .gone import x\n"})
    assert [m for _, m in messages(e)] == ["No module named 'pkg.gone'"]
    e.edit({"pkg/_version.py": "version = '1.0'\n"})  # built
    assert [m for _, m in messages(e)] == ["No module named 'pkg.gone'"]
    e.edit({"pkg/_version.py": None})  # cleaned
    assert [m for _, m in messages(e)] == ["No module named 'pkg.gone'"]
    e.edit({".gitignore": "notes/*.py\n"})  # no longer a build output
    assert sorted(m for _, m in messages(e)) == [
        "No module named 'pkg._version'", "No module named 'pkg.gone'"]


def test_the_same_text_as_a_module_then_as_a_package(engine):
    """Facts are keyed by content and file: the same bytes in ``top/pkg/__init__.py`` are a
    package, whose ``from .. import x`` resolves (in ``top/pkg.py`` it goes above the top)."""
    text = "x = 1\nfrom .. import x\n"
    e = engine({"top/__init__.py": "x = 1\n", "top/pkg.py": text})
    assert [m for _, m in messages(e)] == ["attempted relative import beyond top-level package"]
    e.edit({"top/pkg/__init__.py": text})  # now the owner of `top.pkg` (edit() compares with cold)
    assert ("top/pkg/__init__.py", "attempted relative import beyond top-level package") \
        not in messages(e)


def test_5_init_created_and_deleted(engine):
    e = engine({"pkg/m.py": "from .n import f\nf(1)\n", "pkg/n.py": "def f(): pass\n",
                "user.py": "from pkg.m import f\nf(1, 2)\n"})
    before = codes(e.diagnostics)
    # Without __init__.py, `pkg` is a script folder: `.n` reaches the sibling (as with
    # `python -m pkg.m`), but no import statement can name `pkg.m`, so user.py is unchecked.
    assert ("pkg/m.py", "f() takes 0 positional arguments but 1 was given") in messages(e)
    e.edit({"pkg/__init__.py": ""})
    assert codes(e.diagnostics) != before
    assert ("user.py", "f() takes 0 positional arguments but 2 were given") in messages(e)
    e.edit({"pkg/__init__.py": None})
    assert codes(e.diagnostics) == before


@pytest.mark.parametrize("order", ["pyi-first", "py-first"])
def test_6_two_files_claim_one_name(engine, order):
    e = engine({"m.py": "def f(x): pass\n", "user.py": "from m import f\nf(1)\n",
                "pkg.py": "x = 1\n", "pkg/__init__.py": "y = 1\n", "u2.py": "from pkg import x, y\n"})
    steps = [{"m.pyi": "def f(): ...\n"}, {"m.py": "def f(x, y): pass\n"}]
    for step in (steps if order == "pyi-first" else steps[::-1]):
        e.edit(step)
    assert ("user.py", "f() missing 1 required positional argument: 'y'") in messages(e)
    e.edit({"pkg/__init__.py": None})
    e.edit({"pkg/__init__.py": "x = 1\ny = 2\n"})
    e.edit({"m.py": None})  # the stub owns the name now


def test_7_module_stops_parsing_then_is_fixed(engine):
    e = engine({"a.py": "def f(): pass\ndef g(): pass\n",
                "b.py": "from a import f, g\n", "c.py": "from a import g\ng(1)\n"})
    e.edit({"a.py": "def f(:\n"})
    assert [d.code for d in e.diagnostics if d.code.startswith("SH")] == []  # no SH001 flood
    assert [d.code for d in e.diagnostics if d.code == "E999"] == ["E999"]
    e.edit({"a.py": "def f(): pass\n"})
    assert messages(e) == [("b.py", "'g' is not defined in module 'a'"),
                           ("c.py", "'g' is not defined in module 'a'")]
    assert {"b", "c"} <= e.last.modules_rechecked  # the edges were kept through UNKNOWN


def test_8_import_closes_and_breaks_a_cycle(engine):
    e = engine({"a.py": "import b\n", "b.py": "import z\n", "z.py": "x = 1\n"})
    e.edit({"z.py": "import a\nx = 1\n"})
    assert [(d.path, d.code, d.message) for d in e.diagnostics if d.code == "SH003"] == [
        ("a.py", "SH003", "import cycle: a -> b -> z -> a")]
    e.edit({"z.py": "x = 1\n"})
    assert [d for d in e.diagnostics if d.code == "SH003"] == []


def test_9_decorator_args_and_constructor(engine):
    e = engine({"a.py": "def f(x): pass\nclass C:\n    def __init__(self, a): pass\n",
                "b.py": "from a import f, C\nf(1, 2)\nC()\n"})
    assert len(messages(e)) == 2
    e.edit({"a.py": "def d(fn): return fn\n@d\ndef f(x): pass\nclass C:\n    def __init__(self, a): pass\n"})
    assert len(messages(e)) == 1
    e.edit({"a.py": "def f(*args): pass\nclass C:\n    def __init__(self, a=1): pass\n"})
    assert messages(e) == []
    e.edit({"a.py": "def f(x): pass\nclass C:\n    def __init__(self): pass\n"})
    assert messages(e) == [("b.py", "f() takes 1 positional argument but 2 were given")]


def test_10_config_change_rebuilds(engine, tmp_path):
    e = engine({"a.py": "import os\n", "b.py": "from a import nope\nnope()\n"})
    assert sorted(d.code for d in e.diagnostics) == ["F401", "SH001"]
    root = e.root
    (root / "pyproject.toml").write_text(
        '[tool.shoal]\nper-file-ignores = {"a.py" = ["F401"]}\n', encoding="utf-8")
    paths = [root / "pyproject.toml"]
    assert e.session.config_changed(paths)
    report = e.session.rebuild(e.session.replan())
    assert report.rebuilt and [d.code for d in report.fixed] == ["F401"]
    e.verify()
    (root / ".gitignore").write_text("b.py\n", encoding="utf-8")
    os.makedirs(root / ".git", exist_ok=True)
    e.session.rebuild(e.session.replan())
    e.verify()
    assert [d.code for d in e.diagnostics] == []


def test_11_same_size_rewrite_within_mtime_granularity(engine):
    e = engine({"a.py": "def f(x): pass\n", "b.py": "from a import f\nf(1)\n"})
    path = e.root / "a.py"
    stamp = os.stat(path).st_mtime_ns
    path.write_text("def f(y): pass\n", encoding="utf-8")  # same size
    path.write_text("def f(): pass\n ", encoding="utf-8")  # same size again, new meaning
    os.utime(path, ns=(stamp, stamp))  # as if the clock had not ticked
    e.last = e.session.recheck([path])
    e.verify()
    assert messages(e) == [("b.py", "f() takes 0 positional arguments but 1 was given")]
    e.last = e.session.recheck(None)  # a full rescan by stat and digest finds nothing new
    assert e.last.files_changed == 0


def test_a_touch_costs_no_recheck(engine):
    e = engine({"a.py": "x = 1\n"})
    os.utime(e.root / "a.py")
    report = e.session.recheck([e.root / "a.py"])
    assert report.files_changed == 0 and report.modules_rechecked == frozenset()


@pytest.mark.parametrize("workers", [0, 2])
def test_12_edits_during_a_recheck_cancel_it_without_trace(engine, workers):
    e = engine({"a.py": "def f(x): pass\n", "b.py": "from a import f\nf(1)\n", "c.py": "import a\n"},
               workers=workers)
    before = list(e.diagnostics)
    state = e.session.state
    stats = e.session.heap.stats()
    (e.root / "a.py").write_text("def f(): pass\n", encoding="utf-8")
    calls = []

    def interrupt() -> bool:  # a new edit arrives as soon as the recheck polls
        calls.append(1)
        return True

    with pytest.raises(Cancelled):
        e.session.recheck([e.root / "a.py"], interrupt=interrupt)
    assert calls
    assert e.session.state is state and e.diagnostics == before
    after = e.session.heap.stats()
    assert (after.live_slots, after.dep_edges) == (stats.live_slots, stats.dep_edges)
    # The next recheck covers both edits (the watcher keeps the cancelled one's paths).
    (e.root / "c.py").write_text("import a\na.f(2)\n", encoding="utf-8")
    e.last = e.session.recheck([e.root / "a.py", e.root / "c.py"])
    e.verify()
    assert sorted(messages(e)) == [("b.py", "f() takes 0 positional arguments but 1 was given"),
                                   ("c.py", "f() takes 0 positional arguments but 1 was given")]
    assert cold(e.root) == e.diagnostics


def test_an_importer_gained_or_lost_makes_the_f401_fix_unsafe_or_safe_again(engine):
    # The fix removing `path` from a.py breaks b.py once b imports it from a: the master
    # marks it unsafe from the import facts, and a recheck of b alone must redo that mark.
    e = engine({"a.py": "from os import path\n", "b.py": "x = 1\n"})
    [fix] = [d.fix for d in e.diagnostics if d.code == "F401"]
    assert fix is not None and fix.applicability == "safe"
    e.edit({"b.py": "from a import path\nprint(path)\n"})
    [fix] = [d.fix for d in e.diagnostics if d.code == "F401"]
    assert fix is not None and fix.applicability == "unsafe"
    e.edit({"b.py": "x = 2\n"})
    [fix] = [d.fix for d in e.diagnostics if d.code == "F401"]
    assert fix is not None and fix.applicability == "safe"
