"""SH002 and ``unittest.mock``: a call of what a ``patch`` mocks goes to the mock, whose
signature is anything (Django's ``with patch.object(BaseDatabaseWrapper, "__init__",
return_value=None): BaseDatabaseWrapper()``), unless the patch keeps the signature."""
from __future__ import annotations

import textwrap

import pytest
from project_support import build_project, facts_of

from analyzer.rules import run_project_rules
from plugins.call_rules import CallSignatureMismatch

LIB = """\
def scale(x, factor=1):
    return x * factor
def helper():
    pass
class Wrapper:
    def __init__(self, settings):
        self.settings = settings
    def close(self):
        pass
"""


def sh002(test: str) -> list[tuple[int, str]]:
    project = build_project({"lib.py": LIB, "test_lib.py": textwrap.dedent(test)})
    found = run_project_rules(project.facts["test_lib"], project.index, [CallSignatureMismatch],
                              path="test_lib.py")
    return [(d.line, d.message) for d in found]


def test_calls_of_what_a_with_block_patches_are_not_checked_there() -> None:
    assert sh002("""\
        from unittest import mock
        from unittest.mock import patch
        import lib
        from lib import Wrapper, scale
        def test_init():
            with patch.object(Wrapper, "__init__", return_value=None):
                Wrapper().close()
            with mock.patch("lib.scale"), patch.object(lib, "helper"):
                scale()
                lib.helper(1, 2, 3)
            with patch.object(lib.Wrapper, "__new__"):
                lib.Wrapper()
            Wrapper()
            scale()
        """) == [(13, "Wrapper() missing 1 required positional argument: 'settings'"),
                 (14, "scale() missing 1 required positional argument: 'x'")]


def test_a_test_decorated_with_a_patch_calls_the_mock() -> None:
    assert sh002("""\
        from unittest.mock import patch
        from lib import Wrapper, helper
        @patch("lib.Wrapper.__init__", return_value=None)
        def test_decorated(init):
            Wrapper()
        class TestIt:
            @patch("lib.helper")
            def test_helper(self, helper_mock):
                helper(1)
            def test_real(self):
                helper(1)
        """) == [(11, "helper() takes 0 positional arguments but 1 was given")]


@pytest.mark.parametrize("patcher", [
    'patch("lib.scale", autospec=True)',  # the mock keeps the signature
    'patch.object(lib, "scale", autospec=True)',
    'patch("lib.helper")',  # another name
    'patch.object(lib, "helper")',
    'patch.object(lib, attribute)',  # which one is not known
    'patch(target)',
])
def test_a_patch_that_keeps_the_signature_or_mocks_another_name_hides_nothing(
        patcher: str) -> None:
    assert sh002(f"""\
        from unittest.mock import patch
        import lib
        from lib import scale
        with {patcher}:
            scale()
        """) == [(5, "scale() missing 1 required positional argument: 'x'")]


def test_the_facts_record_no_mocked_call() -> None:
    facts = facts_of("from unittest.mock import patch\nfrom lib import f, g\n"
                     "with patch('lib.f'):\n    f(1)\n    g(1)\n")
    assert [c.callee for c in facts.calls] == ["patch", "g"]


def test_a_test_skipped_whatever_happens_never_calls_nor_imports() -> None:
    # pyomo's @unittest.skipIf(True, "Ignoring fragile test ...") over a call that no longer binds
    assert sh002("""\
        import unittest
        import pytest
        from lib import scale
        class TestIt(unittest.TestCase):
            @unittest.skipIf(True, "fragile")
            def test_a(self):
                scale()
            @unittest.skip("later")
            def test_b(self):
                scale()
            @pytest.mark.skip
            def test_c(self):
                scale()
            @unittest.skipUnless(False, "never")
            def test_d(self):
                from lib import gone
                scale(gone)
            @unittest.skipIf(sys.platform == "win32", "posix")
            def test_e(self):
                scale()
            @pytest.mark.skipif(False, reason="runs")
            def test_f(self):
                scale()
        """) == [(20, "scale() missing 1 required positional argument: 'x'"),
                 (23, "scale() missing 1 required positional argument: 'x'")]
    facts = facts_of("import unittest\n@unittest.skip('x')\ndef test():\n    from lib import gone\n")
    assert [i.guarded_by for i in facts.imports if i.name == "gone"] == ["ImportError"]
