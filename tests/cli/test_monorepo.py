"""A monorepo's packages named from the source roots its configuration lists: ruff's `src`
(lent, globs expanded) or shoal's own `src` globs, so that an import of one package by
another is checked like any other."""
from __future__ import annotations

from pathlib import Path

from analyzer.frontend import discover, lent_config, load_config
from tests.cli.helpers import run_subprocess, write_tree

MONOREPO: dict[str, str | bytes] = {
    "libs/core/pyproject.toml": "[project]\nname = 'core'\n",
    "libs/core/src/core/__init__.py": "",
    "libs/core/src/core/util.py": "def helper(a):\n    return a\n",
    "libs/core/tests/test_util.py": "from core.util import helper\nhelper(1)\n",
    "libs/api/pyproject.toml": "[project]\nname = 'api'\n",
    "libs/api/src/api/__init__.py": "",
    "libs/api/src/api/views.py": "from core.util import helper, missing\nhelper(1, 2)\n",
    "apps/web/pyproject.toml": "[project]\nname = 'web'\n",
    "apps/web/web/__init__.py": "",
    "apps/web/web/app.py": "from api.views import nothing\nfrom core import util\nutil.helper()\n",
}
#: What the cross-package imports and calls get wrong, once the packages are named.
CROSS = [("apps/web/web/app.py", 1, "SH001"), ("apps/web/web/app.py", 3, "SH002"),
         ("libs/api/src/api/views.py", 1, "SH001"), ("libs/api/src/api/views.py", 2, "SH002")]


def project_codes(root: Path) -> list[tuple[str, int, str]]:
    """(path, line, code) of the default cross-module findings of a cold check of ``root``
    (SH005, off by default, would call a function used only across packages unused)."""
    run = run_subprocess("check", "--no-cache", "--select", "SH001,SH002,SH003,SH004",
                         "--output-format", "json", cwd=root)
    assert run.code in (0, 1), run.err
    return sorted(run.codes())


def _monorepo(root: Path, ruff: str) -> Path:
    write_tree(root, {**MONOREPO, "ruff.toml": ruff})
    (root / ".git").mkdir()
    return root


def _modules(root: Path) -> set[str]:
    config = lent_config(root / "ruff.toml") if (root / "ruff.toml").is_file() else \
        load_config(root / "pyproject.toml")
    import dataclasses
    config = dataclasses.replace(config, found_root=root)
    return {f.module for f in discover([str(root)], config, cwd=str(root)).files if f.indexed}


def test_ruffs_src_globs_name_each_package_from_its_root(tmp_path: Path) -> None:
    root = _monorepo(tmp_path, 'src = ["libs/*/src", "apps/*"]\n')
    assert project_codes(root) == CROSS
    assert {"core.util", "api.views", "web.app"} <= _modules(root)


def test_without_src_the_packages_keep_names_no_import_spells(tmp_path: Path) -> None:
    root = _monorepo(tmp_path, "[lint]\nselect = ['F']\n")
    assert project_codes(root) == []  # nothing resolves: nothing is called wrong either
    assert not {"core.util", "api.views", "web.app"} & _modules(root)


def test_ruffs_default_src_and_a_package_folder_change_no_name(tmp_path: Path) -> None:
    root = _monorepo(tmp_path, "[lint]\nselect = ['F']\n")
    plain = _modules(root)
    for src in ('[".", "src"]', '["src"]', '["libs/core/src/core"]', '["../elsewhere"]', '3'):
        (root / "ruff.toml").write_text(f"src = {src}\n", encoding="utf-8")
        assert _modules(root) == plain, src


def test_an_extending_file_without_src_keeps_its_parents(tmp_path: Path) -> None:
    root = _monorepo(tmp_path, 'extend = "base.toml"\n[lint]\nselect = ["F"]\n')
    (root / "base.toml").write_text('src = ["libs/*/src", "apps/*"]\n', encoding="utf-8")
    assert project_codes(root) == CROSS
    (root / "ruff.toml").write_text('extend = "base.toml"\nsrc = ["apps/*"]\n', encoding="utf-8")
    assert project_codes(root) == []  # its own src replaces the parent's: libs are not named


def test_shoals_own_src_takes_globs(tmp_path: Path) -> None:
    # acme is a namespace package (no __init__): only a source root names acme.plugin
    write_tree(tmp_path, {**MONOREPO, "pyproject.toml": "[tool.shoal]\n"
                                                        "src = ['libs/*/src', 'apps/*']\n",
                          "libs/ext/src/acme/plugin/__init__.py": "thing = 1\n",
                          "apps/web/web/ext.py": "from acme.plugin import thing, nope\n"})
    assert project_codes(tmp_path) == sorted([*CROSS, ("apps/web/web/ext.py", 1, "SH001")])
