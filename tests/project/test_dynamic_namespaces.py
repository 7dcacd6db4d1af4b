"""Dynamic module namespaces (issue 12, item 3): ``sys.modules`` and ``locals()`` writes make
what a module could provide UNKNOWN, never a false SH001/SH002/SH004."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from project_support import build_project, facts_of

from analyzer.model import (
    MISSING,
    SYS_MODULES_KEY,
    UNKNOWN,
    ModuleFacts,
    ProjectIndex,
    Symbol,
    changed_keys,
    interface_digests,
)
from analyzer.rules._project_rule import run_project_rules
from plugins.project_rules import project_rules
from tests.cli.helpers import project_codes, run_subprocess, write_tree

#: requests 2.32.3's requests/packages.py, as it is.
REQUESTS_PACKAGES = """\
import sys

from .compat import chardet

for package in ("urllib3", "idna"):
    locals()[package] = __import__(package)
    for mod in list(sys.modules):
        if mod == package or mod.startswith(f"{package}."):
            sys.modules[f"requests.packages.{mod}"] = sys.modules[mod]

if chardet is not None:
    target = chardet.__name__
    for mod in list(sys.modules):
        if mod == target or mod.startswith(f"{target}."):
            imported_mod = sys.modules[mod]
            sys.modules[f"requests.packages.{mod}"] = imported_mod
            mod = mod.replace(target, "chardet")
            sys.modules[f"requests.packages.{mod}"] = imported_mod
"""

# (source, dynamic_namespace, dynamic_modules)
PATTERNS = [
    ("for n in ('json',):\n    locals()[n] = __import__(n)", True, ()),
    ("locals().update(table)", True, ()),
    ("ns = locals()\nns['x'] = 1", True, ()),
    ("def f(n):\n    locals()[n] = 1", False, ()),  # a function's locals are not the module's
    ("class K:\n    locals()['x'] = 1", False, ()),  # nor are a class body's
    (REQUESTS_PACKAGES, True, ("requests.packages.",)),
    ("import sys\nsys.modules['pkg.x'] = m", True, ("pkg.x.",)),
    ("import sys\nsys.modules['pkg.vendor.' + name] = m", True, ("pkg.vendor.",)),
    ("import sys\nsys.modules['a.%s' % n] = m\nsys.modules['b.{}'.format(n)] = m", True, ("a.", "b.")),
    ("import sys\nsys.modules[name] = m", True, ("",)),
    ("import sys\nfor k, v in table.items():\n    sys.modules[k] = v", True, ("",)),
    ("import sys\nsys.modules.update({'a.b': m, **more}, c=m)", True, ("", "a.b.", "c.")),
    ("import sys\nsys.modules.update(table)", True, ("",)),
    ("import sys\nsys.modules.setdefault(__name__ + '.moves', m)", True, ("__name__.moves.",)),
    ("import sys\nsys.modules[f'{__name__}.x'] = m\nsys.modules[__name__] = m", True, ("__name__.", "__name__.x.")),
    ("import sys\nsys.modules.__setitem__('x', m)", True, ("x.",)),
    ("import sys as _s\n_s.modules['x'] = m", True, ("x.",)),
    ("from sys import modules as mods\nmods['x'] = m", True, ("x.",)),
    ("def install(name, m):\n    import sys\n    sys.modules[name] = m", True, ("",)),
    ("import sys\nsetattr(sys.modules[__name__], 'x', 1)", True, ()),
    # astropy/constants/__init__.py hands its own module to a helper that sets the constants
    ("from astropy.utils import find_current_module\n_set_c(codata, find_current_module())",
     True, ()),
    ("from astropy.utils import introspection\nm = introspection.find_current_module(1)",
     True, ()),
    ("from lib import find_module, current\nfind_module()\ncurrent()", False, ()),
    ("def find_current_module():\n    pass\nfind_current_module()", False, ()),
    ("import sys\ndel sys.modules['a']\nsys.modules.pop('b')\nx = sys.modules['c']", False, ()),
    ("other.modules['a'] = m\nmodules['b'] = m", False, ()),
    # a cffi builder names the module its build makes (pyzmq's buildutils/build_cffi.py)
    ("ffi = FFI()\nffi.set_source(\n    'zmq.backend.cffi._cffi',\n    source)", False,
     ("zmq.backend.cffi._cffi.",)),
    ("def build():\n    ffibuilder.set_source(module_name='pkg._x', source='')", False,
     ("pkg._x.",)),
    ("ffi.set_source('_toplevel', '')\nimg.set_source(path)\nimg.set_source('a b')", False, ()),
]


@pytest.mark.parametrize(("source", "namespace", "planted"), PATTERNS,
                         ids=[s.splitlines()[-1][:50] for s, *_ in PATTERNS])
def test_facts_of_each_pattern(source: str, namespace: bool, planted: tuple[str, ...]) -> None:
    facts = facts_of(source)
    assert (facts.dynamic_namespace, facts.dynamic_modules) == (namespace, planted)


WRITERS = {
    "requests/__init__.py": "from . import packages\n",
    "requests/compat.py": "chardet = None\n",
    "requests/packages.py": REQUESTS_PACKAGES,
    "pkg/__init__.py": "",
    "pkg/real.py": "present = 1\n",
    "pkg/compat.py": "import sys\nsys.modules[__name__ + '.moves'] = object()\n",
    "pkg/star.py": "from .compat import *\n",
    "pkg/shim.py": "import sys\nsys.modules['ext.x'] = sys\nsys.modules[__name__ + '_six'] = sys\n",
    "lazy/__init__.py": "",
    "lazy/names.py": "for n in ('json',):\n    locals()[n] = __import__(n)\nplain = 1\n",
    "conftest.py": "import sys\nsys.modules['other.fake'] = object()\n",
    "other/__init__.py": "",
    "wild/__init__.py": "",
    "wild/install.py": "import sys\ndef put(name, m):\n    sys.modules[name] = m\n",
    "wild/real.py": "def f(a): pass\n",
    "pkg/star_wild.py": "from wild.real import *\n",
}


def test_requests_packages_plants_its_own_name_and_the_key_prefix() -> None:
    p = build_project(WRITERS)
    assert p.index.resolve("requests.packages.urllib3") is UNKNOWN
    assert p.index.resolve("requests.packages.urllib3.poolmanager") is UNKNOWN
    assert p.index.lookup("requests.packages.urllib3", "PoolManager") is UNKNOWN
    assert p.index.lookup("requests.packages", "urllib3") is UNKNOWN  # locals() and sys.modules
    assert p.index.resolve("requests.nope") is MISSING
    assert p.index.lookup("requests", "nope") is MISSING


def test_a_write_under_the_writers_own_name() -> None:
    p = build_project(WRITERS)
    assert p.index.resolve("pkg.compat.moves") is UNKNOWN
    assert p.index.resolve("pkg.compat.moves.urllib") is UNKNOWN
    assert p.index.lookup("pkg.compat", "moves") is UNKNOWN
    assert p.index.lookup("pkg.star", "moves") is UNKNOWN  # through a star import
    # Whatever its keys say, a writer may plant what is under its own name; a key that
    # begins with __name__ is read as the writer's name.
    assert p.index.resolve("pkg.shim.sub") is UNKNOWN
    assert p.index.resolve("pkg.shim_six") is UNKNOWN
    assert p.index.resolve("pkg.shim_seven") is MISSING
    # Only under the writer's name: its siblings are what their files say.
    assert p.index.resolve("pkg.nothere") is MISSING
    assert p.index.lookup("pkg.real", "absent") is MISSING


def test_a_constant_key_written_by_another_top_level_module() -> None:
    p = build_project(WRITERS)
    assert p.index.resolve("other.fake") is UNKNOWN
    assert p.index.resolve("other.fake.sub") is UNKNOWN
    assert p.index.lookup("other", "fake") is UNKNOWN
    assert p.index.resolve("other.fake2") is MISSING


def test_an_unreadable_key_covers_the_writers_top_level_package() -> None:
    p = build_project(WRITERS)
    assert p.index.resolve("wild.anything") is UNKNOWN
    assert p.index.lookup("wild.real", "absent") is UNKNOWN
    # What the package's files visibly define is still known (SH002 still checks it).
    found = p.index.lookup("wild.real", "f")
    assert isinstance(found, Symbol) and found.kind == "function"
    # A star import of such a module may bring any name, from another package too.
    assert p.index.lookup("pkg.star_wild", "absent") is UNKNOWN
    assert p.index.resolve("pkg.anything") is MISSING


def test_locals_write_makes_the_namespace_unknown_not_its_neighbours() -> None:
    p = build_project(WRITERS)
    assert p.index.lookup("lazy.names", "json") is UNKNOWN
    found = p.index.lookup("lazy.names", "plain")
    assert isinstance(found, Symbol) and found.kind == "variable"
    assert p.index.resolve("lazy.other") is MISSING


def test_missing_answers_record_the_planted_modules_key() -> None:
    p = build_project(WRITERS)
    p.index.resolve("pkg.nothere")
    assert p.recorded == ["pkg.nothere", "pkg", SYS_MODULES_KEY]
    p.recorded.clear()
    p.index.lookup("pkg.real", "present")  # found: nothing a write could change
    assert SYS_MODULES_KEY not in p.recorded
    p.recorded.clear()
    assert p.index.resolve("other.fake") is UNKNOWN
    assert SYS_MODULES_KEY in p.recorded  # its removal must recheck this reader


def test_writers_given_to_the_index_spare_the_scan() -> None:
    from analyzer.model import ProjectIndex

    scanned = build_project(WRITERS)
    writers = {m: f.dynamic_modules for m, f in scanned.facts.items() if f.dynamic_modules}
    loads: list[str] = []

    def load(module: str) -> ModuleFacts | None:
        loads.append(module)
        return scanned.facts.get(module)

    given = ProjectIndex(scanned.facts.keys(), load, writers=writers)
    names = ["other.fake", "other.fake2", "wild.anything", "pkg.shim_six", "pkg.nothere"]
    assert [given.resolve(n) for n in names] == [scanned.index.resolve(n) for n in names]
    assert loads == []  # no module's facts were read to answer
    assert len(scanned.loads) == len(WRITERS)  # the scan read every module once


READER = """\
import requests.packages.urllib3.poolmanager
from requests.packages.urllib3.poolmanager import PoolManager
from requests.packages import urllib3, idna
from pkg.compat.moves import urllib
import pkg.compat.moves.http
from lazy.names import json
from other.fake import thing
import wild.generated
from wild.real import generated_too
from wild.real import f
f(1, 2)
"""


def run_rules(files: dict[str, str]) -> list[tuple[str, int, str]]:
    p = build_project({**files, "app.py": READER})
    diags = run_project_rules(p.facts["app"], p.index, project_rules(), path="app.py")
    return [(d.code, d.line, d.message) for d in diags]


def test_imports_through_dynamic_modules_are_not_reported() -> None:
    # Only the visible definition's call is reported: nothing through a dynamic module.
    assert run_rules(WRITERS) == [
        ("SH002", 11, "f() takes 1 positional argument but 2 were given"),
    ]


def test_without_the_writes_every_import_is_reported() -> None:
    # The same project with each write taken out: the test above is not vacuous.
    static = {**WRITERS, "requests/packages.py": "from .compat import chardet\n",
              "pkg/compat.py": "", "lazy/names.py": "plain = 1\n", "conftest.py": "",
              "wild/install.py": ""}
    assert sorted({code for code, *_ in run_rules(static)}) == ["SH001", "SH002", "SH004"]
    assert len(run_rules(static)) == 11


def test_the_writes_are_part_of_the_interface_digest() -> None:
    before = interface_digests(facts_of("x = 1\n", "pkg/m.py"))
    planted = interface_digests(facts_of("import sys\nsys.modules['pkg.v.' + n] = m\n", "pkg/m.py"))
    other = interface_digests(facts_of("import sys\nsys.modules['pkg.w.' + n] = m\n", "pkg/m.py"))
    with_locals = interface_digests(facts_of("x = 1\nlocals()['y'] = 2\n", "pkg/m.py"))
    assert SYS_MODULES_KEY not in before
    assert SYS_MODULES_KEY in changed_keys("pkg.m", before, planted)  # added
    assert SYS_MODULES_KEY in changed_keys("pkg.m", planted, before)  # removed
    assert SYS_MODULES_KEY in changed_keys("pkg.m", planted, other)  # another prefix
    assert SYS_MODULES_KEY in changed_keys("pkg.m", None, planted)  # a writer appears
    assert "pkg.m" in changed_keys("pkg.m", before, with_locals)  # the module as a whole
    assert changed_keys("pkg.m", planted, planted) == set()


def test_facts_pickle_with_the_new_field() -> None:
    import pickle

    facts = facts_of("import sys\nsys.modules['a.' + n] = m\n")
    assert isinstance(facts, ModuleFacts) and pickle.loads(pickle.dumps(facts)) == facts


# -- from the command line ------------------------------------------------------------------


def _requests_like(root: Path, packages_source: str) -> Path:
    write_tree(root, {
        "pyproject.toml": "[project]\nname = 'requests'\n",
        "src/requests/__init__.py": "from . import packages\n",
        "src/requests/compat.py": "chardet = None\n",
        "src/requests/packages.py": packages_source,
        "src/requests/locals_style.py": "for n in ('json',):\n    locals()[n] = __import__(n)\n",
        "tests/test_requests.py": textwrap.dedent("""\
            from requests.packages.urllib3.poolmanager import PoolManager
            import requests.packages.idna
            from requests.locals_style import json
            print(PoolManager, requests, json)
            """),
    })
    (root / ".git").mkdir()
    return root


def test_cli_requests_shaped_project_has_no_false_cross_module_error(tmp_path: Path) -> None:
    root = _requests_like(tmp_path / "requests", REQUESTS_PACKAGES)
    run = run_subprocess("check", "--no-cache", "--workers", "0", "--output-format", "json",
                         "--select", "SH001,SH002,SH004", cwd=root)
    assert (run.code, run.json()) == (0, []), run.err


def test_cli_the_same_project_without_its_writes_is_reported(tmp_path: Path) -> None:
    root = _requests_like(tmp_path / "requests", "from .compat import chardet\n")
    (root / "src/requests/locals_style.py").write_text("x = 1\n")
    run = run_subprocess("check", "--no-cache", "--workers", "0", "--output-format", "json",
                         "--select", "SH001,SH002,SH004", cwd=root)
    assert run.code == 1, run.err
    assert [d["code"] for d in run.json()] == ["SH004", "SH004", "SH001"]


# (source of a package's __init__, dynamic_modules): the ways a package extends its path
PATH_EXTENDERS = [
    ('__path__ = __import__("pkgutil").extend_path(__path__, __name__)', ("__path__",)),
    ("from pkgutil import extend_path\n__path__ = extend_path(__path__, __name__)",
     ("__path__",)),
    ("try:\n    __import__('pkg_resources').declare_namespace(__name__)\n"
     "except ImportError:\n    __path__ = __import__('pkgutil').extend_path(__path__, __name__)",
     ("__path__",)),
    ("import pkg_resources\npkg_resources.declare_namespace(__name__)", ("__path__",)),
    ("from pkg_resources import declare_namespace\ndeclare_namespace(__name__)", ("__path__",)),
    ("import os\n__path__.append(os.path.join(os.path.dirname(__file__), 'extra'))",
     ("__path__",)),
    ("__path__ += ['extra']", ("__path__",)),
    ("import sys\n__path__ = extend(__path__)\nsys.modules['ns.x'] = sys", ("__path__", "ns.x.")),
    ("def f():\n    __path__.append('x')\npath = __path__", ()),  # neither at module level
]


@pytest.mark.parametrize(("source", "planted"), PATH_EXTENDERS,
                         ids=[s.splitlines()[-1][:50] for s, _ in PATH_EXTENDERS])
def test_a_package_that_extends_its_path(source: str, planted: tuple[str, ...]) -> None:
    facts = facts_of(source, "ns/__init__.py")
    assert facts.dynamic_modules == planted
    # A plain module's __path__ is a name like any other (no import system reads it).
    assert facts_of(source, "ns/mod.py").dynamic_modules == tuple(
        p for p in planted if p != "__path__")


NAMESPACES = {
    # azure-core's layout: a pkgutil namespace package holding one child of many
    "azure/__init__.py": '__path__ = __import__("pkgutil").extend_path(__path__, __name__)\n',
    "azure/core/__init__.py": "present = 1\n",
    "azure/core/pipeline.py": "def run(a): pass\n",
    "zope/__init__.py": "__import__('pkg_resources').declare_namespace(__name__)\n",
    "zope/interface/__init__.py": "",
    "plain/__init__.py": "",
}


@pytest.mark.parametrize("given", [False, True], ids=["writers scanned", "writers given"])
def test_a_namespace_package_s_missing_children_come_from_elsewhere(given: bool) -> None:
    p = build_project(NAMESPACES)
    if given:  # as the engine passes them (the master knows them from the summaries)
        writers = {m: f.dynamic_modules for m, f in p.facts.items() if f.dynamic_modules}
        p.index = ProjectIndex(p.facts.keys(), p.facts.get, writers=writers)
    # Another distribution's children, and what lies under them
    assert p.index.resolve("azure.storage") is UNKNOWN
    assert p.index.resolve("azure.storage.blob") is UNKNOWN
    assert p.index.lookup("azure", "identity") is UNKNOWN
    assert p.index.lookup("zope", "component") is UNKNOWN
    # The project's own children are what their files say
    assert p.index.resolve("azure.core.gone") is MISSING
    assert p.index.lookup("azure.core", "absent") is MISSING
    assert p.index.lookup("zope.interface", "nope") is MISSING
    found = p.index.lookup("azure.core.pipeline", "run")
    assert isinstance(found, Symbol) and found.kind == "function"
    assert p.index.resolve("plain.nothere") is MISSING


def test_a_namespace_package_s_other_children_are_no_finding_through_the_cli(tmp_path: Path) -> None:
    write_tree(tmp_path, {**NAMESPACES, "pyproject.toml": "[project]\nname = 'azure-core'\n",
                          "samples/example.py": (
                              "from azure.identity import DefaultAzureCredential\n"
                              "import azure.storage.blob\n"
                              "from azure.core import absent\n"
                              "import azure.core.gone\n"
                              "from azure.core.pipeline import run\n"
                              "run()\n"
                              "print(DefaultAzureCredential, azure, absent)\n")})
    assert project_codes(tmp_path) == [("samples/example.py", 3, "SH001"),
                                   ("samples/example.py", 4, "SH004"),
                                   ("samples/example.py", 6, "SH002")]


def test_a_module_a_cffi_builder_makes_is_no_finding_through_the_cli(tmp_path: Path) -> None:
    # pyzmq's layout: buildutils/build_cffi.py names zmq.backend.cffi._cffi, which the
    # build makes; nothing else under zmq.backend.cffi is planted by it.
    write_tree(tmp_path, {
        "pyproject.toml": "[project]\nname = 'pyzmq'\n",
        "buildutils/build_cffi.py": "from cffi import FFI\nffi = FFI()\n"
                                    "ffi.set_source('zmq.backend.cffi._cffi', '')\n",
        "zmq/__init__.py": "", "zmq/backend/__init__.py": "",
        "zmq/backend/cffi/__init__.py": "from ._cffi import ffi, lib\nprint(ffi, lib)\n",
        "zmq/backend/cffi/socket.py": "from zmq.backend.cffi._cffi import ffi\n"
                                      "from zmq.backend.cffi import _poll\nprint(ffi, _poll)\n",
    })
    assert project_codes(tmp_path) == [("zmq/backend/cffi/socket.py", 2, "SH001")]


def test_an_import_under_a_file_existence_test_is_guarded() -> None:
    # lightning: the module is imported only where the build left its file
    source = textwrap.dedent("""\
        import os
        if os.path.isfile(os.path.join(os.path.dirname(__file__), "__about__.py")):
            from pkg.__about__ import *
        if Path(__file__).with_name("_v.py").exists():
            from pkg._v import version
        if os.environ.get("X"):
            from pkg.other import thing
    """)
    guards = {i.module: i.guarded_by for i in facts_of(source, "pkg/__init__.py").imports}
    assert guards == {"os": "", "pkg.__about__": "ImportError", "pkg._v": "ImportError",
                      "pkg.other": ""}

