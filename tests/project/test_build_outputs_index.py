"""``model.BuildOutputs``: git's verdict over a package's rules, the last match deciding,
whether the matching rule is an exact name (indexed) or a glob (tried in order)."""
from __future__ import annotations

import pytest

from analyzer.model import BuildOutputs

RULES = {
    "pkg": (("*_pb2.py", True, False), ("keep_pb2.py", False, False),  # glob, then a name
            ("gen", True, True), ("gen.py", False, False),  # a folder rule, then a file one
            ("local.py", True, False), ("local*", False, False),  # a name, then a glob
            ("out", True, False)),  # no dir_only: a file or a folder named "out"
}


@pytest.mark.parametrize(("module", "made"), [
    ("pkg.api_pb2", True), ("pkg.keep_pb2", False),
    ("pkg.gen", True),  # as a package's folder: the file rule does not undo the folder's
    ("pkg.local", False), ("pkg.out", True), ("pkg.other", False),
    ("pkg.sub.api_pb2", False),  # another package's rules (none)
    ("top_pb2", False),  # a top-level module: no package
])
def test_the_last_matching_rule_decides(module: str, made: bool) -> None:
    assert BuildOutputs(RULES).may_make(module) is made
