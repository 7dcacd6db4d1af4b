"""SH002 and what constructs a class or runs a function other than its visible signature: a
metaclass a project base names (ibis's ``AbstractMeta.__call__``), and a stub that stands
for a compiled module (numpy's ``lapack_lite.pyi``)."""
from __future__ import annotations

import textwrap

import pytest
from project_support import build_project

from analyzer.rules import run_project_rules
from plugins.call_rules import CallSignatureMismatch

BASE = """\
from abc import ABCMeta
class Meta(type):
    def __call__(cls, *args, **kwargs):
        return cls.__create__(*args, **kwargs)
class Base(metaclass=Meta):
    pass
class Plain(metaclass=ABCMeta):
    pass
"""


def sh002(files: dict[str, str]) -> list[tuple[int, str]]:
    project = build_project({k: textwrap.dedent(v) for k, v in files.items()})
    found = run_project_rules(project.facts["app"], project.index, [CallSignatureMismatch],
                              path="app.py")
    return [(d.line, d.message) for d in found]


@pytest.mark.parametrize(("lib", "reported"), [
    ("from base import Base\nclass P(Base):\n    def __init__(self, a, b): pass\n", False),
    ("import base\nclass Q(base.Base): pass\nclass P(Q):\n    def __init__(self, a, b): pass\n",
     False),
    ("from base import Plain\nclass P(Plain):\n    def __init__(self, a, b): pass\n", True),
    ("class P:\n    def __init__(self, a, b): pass\n", True),
    ("from base import Base as B\nclass P(B, metaclass=type):\n"
     "    def __init__(self, a, b): pass\n", False),
])
def test_a_metaclass_above_leaves_the_constructor_unknown(lib: str, reported: bool) -> None:
    found = sh002({"base.py": BASE, "lib.py": lib, "app.py": "from lib import P\nP(1)\n"})
    assert found == ([(2, "P() missing 1 required positional argument: 'b'")] if reported
                     else [])


def test_a_stub_of_a_compiled_module_is_not_held_to_its_signatures() -> None:
    files = {"lapack.pyi": "def xerbla(srname: object, info: int) -> None: ...\n",
             "plain.py": "def xerbla(srname, info): pass\n",
             "app.py": "import lapack\nimport plain\nlapack.xerbla()\nplain.xerbla()\n"}
    assert sh002(files) == [
        (4, "xerbla() missing 2 required positional arguments: 'srname' and 'info'")]
