"""The names the README and docs/contracts.md document keep working wherever the code moves.

The README's own rule examples are run as a user would: written to a project, named in its
configuration, checked by the installed ``shoal`` command and tested through ``add_rule_tests``.
"""
from __future__ import annotations

import importlib
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("module", ["analyzer.rules", "parallel", "heap_native",
                                    "analyzer.core", "analyzer.frontend", "analyzer.model",
                                    "analyzer.loading", "analyzer.engine", "analyzer.interfaces",
                                    "analyzer.testing"])
def test_every_name_a_public_face_exports_is_importable(module):
    mod = importlib.import_module(module)
    names = getattr(mod, "__all__", None)
    assert names, f"{module} declares no __all__"
    missing = [n for n in names if not hasattr(mod, n)]
    assert missing == []


def test_documented_entry_points_exist():
    from analyzer.interfaces import main
    from analyzer.testing import add_rule_tests
    from parallel import WorkerPool

    plugin = importlib.import_module("analyzer.pytest_plugin")
    assert callable(main) and callable(add_rule_tests) and callable(WorkerPool)
    assert callable(plugin.pytest_addoption)
    assert callable(plugin.pytest_collection_modifyitems)


def test_documented_import_lines_in_the_docs_resolve():
    """Every ``from analyzer… import …`` line in the README and the contracts imports."""
    docs = README + (ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    lines = set(re.findall(r"^from (analyzer[\w.]*|parallel|heap_native) import ([\w, ]+)$",
                           docs, flags=re.M))
    assert len(lines) >= 3, "the README's import lines were not found"
    for module, names in lines:
        mod = importlib.import_module(module)
        for name in (n.strip() for n in names.split(",")):
            assert hasattr(mod, name), f"from {module} import {name}"


def _readme_rule_blocks() -> str:
    section = README[README.index("## Writing a rule"):README.index("### Examples, options")]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2, "expected the module-rule and the project-rule examples"
    return "\n\n".join(blocks)


def test_the_readme_rules_run_as_a_plugin_from_the_shoal_command(tmp_path):
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "lint_rules.py").write_text(_readme_rule_blocks())
    (tmp_path / "pyproject.toml").write_text(
        '[tool.shoal]\nplugins = ["tools/lint_rules.py"]\nsrc = ["src"]\n')
    src = tmp_path / "src"
    src.mkdir()
    (src / "app.py").write_text("from lib import _secret\nprint(_secret)\n")
    (src / "lib.py").write_text("_secret = 1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "analyzer", "check", "--no-cache", "--select", "X1,X2",
         "--workers", "0", "src"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    found = sorted(line.split(": ")[1].split()[0] for line in proc.stdout.splitlines()
                   if line.startswith("src/"))
    assert found == ["X101", "X201"], proc.stdout


def test_the_readme_rules_pass_their_own_examples(tmp_path, monkeypatch):
    from analyzer.testing import add_rule_tests

    module = tmp_path / "readme_rules.py"
    module.write_text(_readme_rule_blocks())
    monkeypatch.syspath_prepend(str(tmp_path))
    rules = importlib.import_module("readme_rules")
    namespace: dict = {}
    names = add_rule_tests(namespace, [rules.NoPrint, rules.ImportOfPrivateName])
    assert len(names) == 5
    for name in names:
        namespace[name]()


def test_the_readme_module_rule_fixes_a_line_with_a_non_ascii_character(tmp_path):
    # ast counts UTF-8 bytes: a fix built from them is refused as unparsable; columns are not.
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "lint_rules.py").write_text(_readme_rule_blocks())
    (tmp_path / "pyproject.toml").write_text('[tool.shoal]\nplugins = ["tools/lint_rules.py"]\n')
    (tmp_path / "app.py").write_text("é = 'ü'; print(é)\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "analyzer", "check", "--no-cache", "--select", "X101",
         "--workers", "0", "--fix", "app.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "app.py").read_text(encoding="utf-8") == "é = 'ü'; log.info(é)\n"


def test_the_shoal_script_has_its_subcommands():
    proc = subprocess.run([sys.executable, "-m", "analyzer", "--help"], capture_output=True,
                          text=True, timeout=60)
    help_text = textwrap.dedent(proc.stdout + proc.stderr)
    for command in ("check", "watch", "rules", "rule"):
        assert re.search(rf"\b{command}\b", help_text), command


@pytest.mark.parametrize("module", ["analyzer.engine", "analyzer.model"])
def test_a_lazy_face_declares_each_name_once(module):
    mod = importlib.import_module(module)
    assert sorted(mod.__all__) == sorted(mod._EXPORTS)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        mod.nope  # noqa: B018


def test_the_kept_view_loads_without_the_rules():
    """What the front door's view answer imports (``_front_view``) stays clear of the rules,
    the facts extraction and the session: the point of the lazy faces."""
    code = ("import sys, analyzer.interfaces._front_view, analyzer.engine._insight; "
            "print(' '.join(sorted(sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT).stdout.split()
    heavy = {"analyzer.rules", "analyzer.model._extract", "analyzer.engine._session",
             "analyzer.engine._jobs", "plugins"}
    assert heavy.isdisjoint(loaded), sorted(heavy.intersection(loaded))
