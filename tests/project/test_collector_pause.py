"""Phase 1 checks each file with the cyclic collector paused, and resumes it after."""
from __future__ import annotations

import gc

from analyzer.engine._jobs import check_file
from analyzer.engine._tasks import FileTask, RunContext
from analyzer.rules import LintRule, RuleSettings


class _Witness(LintRule):
    """Records whether the collector runs while the rules visit the tree."""

    CODE = "X901"
    NAME = "collector-witness"
    MESSAGE = "seen"
    TREE = "ast"
    seen: list[bool] = []

    def visit_Module(self, node):
        type(self).seen.append(gc.isenabled())


def _check(tmp_path) -> None:
    path = tmp_path / "m.py"
    path.write_text("import os\nx = 1\n", encoding="utf-8")
    task = FileTask(str(path), "m.py", "m", False, True)
    result, facts = check_file(task, RunContext((_Witness,), (), RuleSettings()))
    assert result.parse_ok and facts is not None


def test_collector_is_paused_during_a_file_and_resumed_after(tmp_path):
    _Witness.seen.clear()
    assert gc.isenabled()
    _check(tmp_path)
    assert _Witness.seen == [False]
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled(tmp_path):
    _Witness.seen.clear()
    gc.disable()
    try:
        _check(tmp_path)
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert _Witness.seen == [False]
