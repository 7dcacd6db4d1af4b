"""A local plugin edited to a text of the same length, with the same mtime second, runs the new
text: local plugins compile from source (``analyzer.loading._source_only``), where a ``.pyc``
would be trusted on whole-second mtime and size."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

RULE = '''\
from analyzer.rules import LintRule
from {impl} import MESSAGE


class Marks(LintRule):
    """Test plugin: one finding per module."""

    CODE = "X778"
    NAME = "marks"
    MESSAGE = "m"
    TREE = "ast"

    def visit_Module(self, node):
        self.report((1, 1), MESSAGE)
'''


def _check(root) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(root / "site")  # where the plugins named by a module live
    proc = subprocess.run([sys.executable, "-m", "analyzer", "check", "a.py", "--no-cache",
                           "--workers", "0", "--select", "X778"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    return proc.stdout


def _rewrite_keeping_stat(path, old: str, new: str) -> None:
    st = os.stat(path)
    text = path.read_text()
    assert old in text and len(old) == len(new)
    path.write_text(text.replace(old, new))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # what a .pyc is checked against


@pytest.mark.parametrize("layout", ["file", "package", "named module", "named package"])
def test_a_same_size_same_second_edit_of_a_plugin_runs_the_new_text(tmp_path, layout):
    (tmp_path / "a.py").write_text("x = 1\n")
    site = tmp_path / "site"  # on PYTHONPATH, as an editable install puts its sources
    site.mkdir()
    if layout == "named module":
        plugin = "own_rules"
        (site / "own_rules.py").write_text(RULE.replace("from {impl} import MESSAGE\n", "")
                                           .replace("MESSAGE)", '"plugin v1")'))
        edited = site / "own_rules.py"
    elif layout == "named package":
        plugin = "own_pkg.lint"  # a submodule of a package: its parent imports as usual
        (site / "own_pkg" / "lint").mkdir(parents=True)
        (site / "own_pkg" / "__init__.py").write_text("")
        (site / "own_pkg" / "lint" / "__init__.py").write_text(RULE.format(impl=".impl"))
        (site / "own_pkg" / "lint" / "impl.py").write_text('MESSAGE = "plugin v1"\n')
        edited = site / "own_pkg" / "lint" / "impl.py"
    elif layout == "file":
        plugin = "lint_rules.py"
        (tmp_path / plugin).write_text(RULE.replace("from {impl} import MESSAGE\n", "")
                                       .replace("MESSAGE)", '"plugin v1")'))
        edited = tmp_path / plugin
    else:
        plugin = "tools/lint"  # a path: a dotted name imports as any module
        (tmp_path / "tools" / "lint").mkdir(parents=True)
        (tmp_path / "tools" / "lint" / "__init__.py").write_text(RULE.format(impl=".impl"))
        (tmp_path / "tools" / "lint" / "impl.py").write_text('MESSAGE = "plugin v1"\n')
        edited = tmp_path / "tools" / "lint" / "impl.py"
    (tmp_path / "pyproject.toml").write_text(f'[tool.shoal]\nplugins = ["{plugin}"]\n')
    assert "plugin v1" in _check(tmp_path)
    _rewrite_keeping_stat(edited, "plugin v1", "plugin v2")
    assert "plugin v2" in _check(tmp_path)
