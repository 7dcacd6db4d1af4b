"""A restarted `shoal watch` runs shoal, not the project's own packages of the same names.

The watch re-executes itself when a local plugin's source changes. A project may hold its own
``plugins/``, ``analyzer/`` or ``parallel/`` package; a restart that put the project directory
first on ``sys.path`` (``python -m analyzer``) imported those instead of shoal's.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support import project, write

from tests.cli.helpers import LiveOutput, reap

DEADLINE = 120.0
SHADOW = 'raise ImportError("user package imported")\n'

PLUGIN = '''\
from analyzer.rules import LintRule


class Marks(LintRule):
    """Test plugin: one finding per module, its message naming the plugin's version."""

    CODE = "X777"
    NAME = "marks"
    MESSAGE = "m"
    TREE = "ast"

    def visit_Module(self, node):
        self.report((1, 1), "VERSION")
'''


@pytest.mark.slow
def test_a_restart_does_not_import_the_projects_own_shoal_named_packages(tmp_path, monkeypatch):
    root = project(tmp_path / "proj", {
        "a.py": "x = 1\n",
        "plugins/__init__.py": SHADOW,
        "analyzer/__init__.py": SHADOW,
        "parallel/__init__.py": SHADOW,
        "lint/rules.py": PLUGIN.replace("VERSION", "plugin v1"),
        "pyproject.toml": '[tool.shoal]\nplugins = ["lint/rules.py"]\n',
    })
    monkeypatch.chdir(root)
    # The console script, not `python -m analyzer`: that would import the project's
    # analyzer/ from the start, before any restart.
    script = Path(sys.executable).with_name("shoal")
    assert script.exists(), f"no console script at {script}: pip install -e ."
    proc = subprocess.Popen([os.fspath(script), "watch", ".", "--workers", "1", "--no-cache",
                             "--select", "X777"],
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        live = LiveOutput(proc, DEADLINE)
        live.wait_for_line("a.py:1:1: X777 plugin v1", "the first check's finding")
        live.wait_for_line("shoal: watching", "the watch to observe the project")
        write(root, {"lint/rules.py": PLUGIN.replace("VERSION", "plugin v2")})
        live.wait_for_line("restarting the watch", "the restart")
        live.wait_for_line("a.py:1:1: X777 plugin v2", "the restarted watch's check")
        live.wait_for_line("shoal: watching", "the restarted watch to observe", count=2)
        assert "ImportError" not in live.text and "user package imported" not in live.text
        # The restarted watch still works: it rechecks an edit.
        write(root, {"b.py": "y = 2\n"})
        live.wait_for_line("b.py:1:1: X777 plugin v2", "a recheck after the restart")
        proc.send_signal(signal.SIGINT)
        assert live.finish() == 0, live.text
        assert "Traceback" not in live.text
    finally:
        reap(proc)


@pytest.mark.slow
def test_a_restart_runs_the_new_text_of_a_dotted_name_plugin(tmp_path, monkeypatch):
    """A plugin named by module (imported as any module, so a .pyc may serve it) edited to
    a text of the same size and mtime: the restarted watch runs the edit."""
    root = project(tmp_path / "proj", {
        "a.py": "x = 1\n",
        "lint/__init__.py": "",
        "lint/rules.py": PLUGIN.replace("VERSION", "plugin v1"),
        "pyproject.toml": '[tool.shoal]\nplugins = ["lint.rules"]\n',
    })
    monkeypatch.chdir(root)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.fspath(root)  # where a dotted name is found, as a user sets it
    script = Path(sys.executable).with_name("shoal")
    proc = subprocess.Popen([os.fspath(script), "watch", ".", "--workers", "1", "--no-cache",
                             "--select", "X777"],
                            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        live = LiveOutput(proc, DEADLINE)
        live.wait_for_line("a.py:1:1: X777 plugin v1", "the first check's finding")
        live.wait_for_line("shoal: watching", "the watch to observe the project")
        rules = root / "lint" / "rules.py"
        before = os.stat(rules)
        write(root, {"lint/rules.py": PLUGIN.replace("VERSION", "plugin v2")})
        os.utime(rules, ns=(before.st_atime_ns, before.st_mtime_ns))  # what a .pyc checks
        live.wait_for_line("restarting the watch", "the restart")
        live.wait_for_line("a.py:1:1: X777 plugin v2", "the restarted watch's check")
        proc.send_signal(signal.SIGINT)
        assert live.finish() == 0, live.text
    finally:
        reap(proc)
