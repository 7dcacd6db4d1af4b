"""A module that others import is deleted, re-added, renamed: after each step the session's
diagnostics equal a fresh cold check of the new tree.

Deterministic companions of the random invariant test, which met a deleted top-level module
only when its seed happened to draw one. Each step also asserts the findings it expects, so
that a step which checks nothing (an empty project, an edit that missed) cannot pass.

A top-level name the project no longer has is EXTERNAL (maybe installed, nothing to say),
so the importers of a deleted ``util.py`` lose their findings about it; a missing submodule
of a package the project still has is MISSING, and its importers gain SH004.
"""
from __future__ import annotations

from collections.abc import Mapping

import pytest
from support import Engine, cold, write

UTIL = "import cycle\ndef helper(x): pass\nVALUE = 1\n"
TOOLS = "def tool(a, b): pass\n"

#: Several importers of ``util`` (top-level) and of ``pkg.tools`` (a package submodule), by
#: every form of import, each with a wrong call so that a finding depends on the module;
#: ``cycle`` and ``util`` import each other (SH003, which the master computes).
PROJECT = {
    "util.py": UTIL,
    "a.py": "import util\nutil.helper()\n",
    "b.py": "from util import helper, VALUE\nhelper(VALUE, 2)\n",
    "pkg/__init__.py": "",
    "pkg/tools.py": TOOLS,
    "pkg/sub.py": "from util import helper\nfrom .tools import tool\nhelper()\ntool(1)\n",
    "c.py": "from pkg.tools import tool\ntool()\n",
    "d.py": "from pkg import tools\ntools.tool(1, 2, 3)\n",
    "cycle.py": "import util\n",
    "plain.py": "x = 1\n",
}

#: (path, code) of the findings that hold only while ``util`` exists.
ABOUT_UTIL = [("a.py", "SH002"), ("b.py", "SH002"), ("pkg/sub.py", "SH002"),
              ("cycle.py", "SH003")]
#: (path, code) of the findings that hold only while ``pkg.tools`` exists.
ABOUT_TOOLS = [("c.py", "SH002"), ("d.py", "SH002"), ("pkg/sub.py", "SH002")]
#: (path, code) of the findings while ``pkg.tools`` is missing.
TOOLS_MISSING = [("c.py", "SH004"), ("d.py", "SH001"), ("pkg/sub.py", "SH004")]


def step(e: Engine, files: Mapping[str, str | None], how: str) -> list[tuple[str, str]]:
    """Apply ``files``, recheck (the touched paths, or a full rescan), compare with a fresh
    cold check; returns the (path, code) of the findings, in order."""
    touched = write(e.root, files)
    e.last = e.session.recheck(touched if how == "paths" else None)
    expected = cold(e.root)
    assert [(d.path, d.line, d.code, d.message) for d in e.diagnostics] == \
        [(d.path, d.line, d.code, d.message) for d in expected]
    assert e.diagnostics == expected
    return [(d.path, d.code) for d in e.diagnostics]


def has(found: list[tuple[str, str]], wanted: list[tuple[str, str]]) -> bool:
    """Whether every (path, code) of ``wanted`` is among ``found``."""
    return all(w in found for w in wanted)


def lacks(found: list[tuple[str, str]], unwanted: list[tuple[str, str]]) -> bool:
    """Whether no (path, code) of ``unwanted`` is among ``found``."""
    return not any(u in found for u in unwanted)


def sh002(e: Engine, path: str) -> list[str]:
    """The SH002 messages of one file."""
    return [d.message for d in e.diagnostics if d.path == path and d.code == "SH002"]


@pytest.fixture(params=["paths", "rescan"])
def how(request: pytest.FixtureRequest) -> str:
    """How the session learns of the edit: the touched paths, or a full rescan."""
    return request.param


def start(engine) -> Engine:
    """The project, checked cold, with the findings the steps below take away."""
    e = engine(PROJECT)
    found = [(d.path, d.code) for d in e.diagnostics]
    assert has(found, ABOUT_UTIL) and has(found, ABOUT_TOOLS)
    assert "SH004" not in {code for _, code in found}
    return e


def test_a_deleted_top_level_module_takes_its_importers_findings_along(engine, how):
    e = start(engine)
    found = step(e, {"util.py": None}, how)
    assert lacks(found, [("a.py", "SH002"), ("b.py", "SH002"), ("cycle.py", "SH003")])
    assert sh002(e, "pkg/sub.py") == ["tool() missing 1 required positional argument: 'b'"]
    assert has(found, ABOUT_TOOLS[:2])
    assert e.last is not None and {"a", "b", "pkg.sub"} <= e.last.modules_rechecked

    found = step(e, {"util.py": UTIL}, how)  # re-added: its importers' findings are back
    assert has(found, ABOUT_UTIL) and has(found, ABOUT_TOOLS)
    assert len(sh002(e, "pkg/sub.py")) == 2


def test_a_deleted_package_submodule_is_missing_in_its_importers(engine, how):
    e = start(engine)
    found = step(e, {"pkg/tools.py": None}, how)
    assert has(found, TOOLS_MISSING)
    assert lacks(found, [("c.py", "SH002"), ("d.py", "SH002")])
    assert sh002(e, "pkg/sub.py") == ["helper() missing 1 required positional argument: 'x'"]

    found = step(e, {"pkg/tools.py": TOOLS}, how)  # re-added: SH004 gone, SH002 back
    assert "SH004" not in {code for _, code in found} and ("d.py", "SH001") not in found
    assert has(found, ABOUT_TOOLS) and has(found, ABOUT_UTIL)


def test_a_renamed_top_level_module(engine, how):
    e = start(engine)
    # util.py -> helpers.py, and b.py follows the rename; a.py and pkg/sub.py do not.
    found = step(e, {"util.py": None, "helpers.py": UTIL,
                     "b.py": "from helpers import helper, VALUE\nhelper(VALUE, 2)\n"}, how)
    assert ("b.py", "SH002") in found
    assert lacks(found, [("a.py", "SH002"), ("cycle.py", "SH003")])
    assert sh002(e, "pkg/sub.py") == ["tool() missing 1 required positional argument: 'b'"]

    found = step(e, {"helpers.py": None, "util.py": UTIL}, how)  # and back: b's is gone
    assert ("b.py", "SH002") not in found and ("a.py", "SH002") in found


def test_a_renamed_package_submodule(engine, how):
    e = start(engine)
    found = step(e, {"pkg/tools.py": None, "pkg/helpers.py": TOOLS,
                     "c.py": "from pkg.helpers import tool\ntool()\n"}, how)
    assert ("c.py", "SH002") in found
    assert has(found, [("d.py", "SH001"), ("pkg/sub.py", "SH004")])
    assert ("c.py", "SH004") not in found

    found = step(e, {"pkg/helpers.py": None, "pkg/tools.py": TOOLS}, how)  # and back
    assert ("c.py", "SH004") in found and ("c.py", "SH002") not in found
    assert has(found, [("d.py", "SH002"), ("pkg/sub.py", "SH002")])
    assert ("d.py", "SH001") not in found


def test_delete_and_re_add_on_a_fork_pool(engine):
    e = engine(PROJECT, workers=2)
    found = step(e, {"util.py": None, "pkg/tools.py": None}, "paths")
    assert has(found, TOOLS_MISSING)
    assert lacks(found, [("a.py", "SH002"), ("b.py", "SH002"), ("cycle.py", "SH003")])
    found = step(e, {"util.py": UTIL, "pkg/tools.py": TOOLS}, "paths")
    assert has(found, ABOUT_UTIL) and has(found, ABOUT_TOOLS)
    assert "SH004" not in {code for _, code in found}




def test_the_only_module_of_a_namespace_subpackage(engine, how):
    """``ns.deep`` has no ``__init__``: it exists by its one module and goes with it, which
    only the keys of the packages above a vanished module tell its importers."""
    impl = "def run(): pass\n"
    e = engine({"pyproject.toml": '[tool.shoal]\nnamespace-packages = ["ns"]\n',
                "ns/deep/impl.py": impl, "ns/other.py": "",
                "e.py": "import ns.deep\n", "f.py": "from ns.deep.impl import run\nrun(1)\n"})
    assert [(d.path, d.code) for d in e.diagnostics if d.code != "F401"] == [("f.py", "SH002")]
    found = step(e, {"ns/deep/impl.py": None}, how)
    assert [f for f in found if f[1] != "F401"] == [("e.py", "SH004"), ("f.py", "SH004")]
    found = step(e, {"ns/deep/impl.py": impl}, how)
    assert [f for f in found if f[1] != "F401"] == [("f.py", "SH002")]


def test_a_deleted_file_outside_the_module_tree_takes_its_findings_along(engine, how):
    # A hyphenated script is no module: deleting it changes no import, so the update
    # merges only what it touched; the deleted file's own findings must still go.
    e = engine({**PROJECT, "run-me.py": "import os\n", "tool-two.py": "import sys\n"})
    found = [(d.path, d.code) for d in e.diagnostics]
    assert has(found, [("run-me.py", "F401"), ("tool-two.py", "F401")])
    found = step(e, {"run-me.py": None}, how)
    assert ("run-me.py", "F401") not in found and ("tool-two.py", "F401") in found
    found = step(e, {"run-me.py": "import os\n", "tool-two.py": None}, how)
    assert ("run-me.py", "F401") in found and ("tool-two.py", "F401") not in found
