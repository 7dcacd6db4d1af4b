"""The entry-point scan (analyzer/loading/_entry_points.py) gives importlib.metadata's answer."""
from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.loading._entry_points import entry_points
from tests.cli.helpers import write_tree


def _metadata_answer(group: str) -> list[tuple[str, str, str | None]]:
    return [(ep.name, ep.value, ep.dist.name if ep.dist is not None else None)
            for ep in importlib.metadata.entry_points(group=group)]


def _scan_answer(group: str) -> list[tuple[str, str, str | None]]:
    return [(ep.name, ep.value, ep.dist_name) for ep in entry_points(group)]


@pytest.mark.parametrize("group", ["shoal.rules", "console_scripts", "pytest11"])
def test_the_running_environment_gives_the_same_entry_points(group):
    answer = _scan_answer(group)
    assert answer == _metadata_answer(group)
    if group != "pytest11":
        assert answer  # shoal's own entry points are installed: the comparison compared something


def _dist(root: Path, stem: str, name: str, version: str, points: str) -> None:
    write_tree(root, {
        f"{stem}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nbody\n",
        f"{stem}.dist-info/entry_points.txt": points,
    })


def test_the_first_distribution_of_a_name_wins_and_two_distributions_both_count(
        tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    _dist(first, "shoal_demo-2.0", "shoal-demo", "2.0",
          "# a comment\n[shoal.test]\nnew = demo_new:Rule [extra]\n[other]\nx = y\n")
    _dist(second, "Shoal.Demo-1.0", "Shoal.Demo", "1.0", "[shoal.test]\nold = demo_old\n")
    _dist(second, "other_pkg-3.1", "other-pkg", "3.1", "[shoal.test]\nthird=third_mod:f\n")
    monkeypatch.syspath_prepend(str(second))
    monkeypatch.syspath_prepend(str(first))
    importlib.invalidate_caches()
    found = entry_points("shoal.test")
    assert [(ep.name, ep.value, ep.dist_name, ep.dist_version) for ep in found] == [
        ("new", "demo_new:Rule [extra]", "shoal-demo", "2.0"),
        ("third", "third_mod:f", "other-pkg", "3.1"),
    ]
    assert _scan_answer("shoal.test") == _metadata_answer("shoal.test")


def test_a_finder_with_distributions_of_its_own_is_asked_through_importlib(monkeypatch):
    class Dist(importlib.metadata.Distribution):
        def read_text(self, filename):
            return {"METADATA": "Name: virtual-dist\nVersion: 0.3\n",
                    "entry_points.txt": "[shoal.test]\nvirtual = virtual_mod:Rule\n"}.get(filename)

        def locate_file(self, path):  # pragma: no cover - not read for entry points
            return Path(path)

    class Finder:
        @staticmethod
        def find_spec(*_args):
            return None

        @staticmethod
        def find_distributions(*_args, **_kwargs):
            return iter([Dist()])

    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder])
    found = entry_points("shoal.test")
    assert [(ep.name, ep.dist_name, ep.dist_version) for ep in found] == [
        ("virtual", "virtual-dist", "0.3")]


def test_a_path_entry_that_is_not_a_string_is_left_to_importlib(tmp_path, monkeypatch):
    site = tmp_path / "site"
    _dist(site, "odd_path-1.0", "odd-path", "1.0", "[shoal.test]\nodd = odd_mod\n")
    monkeypatch.setattr(sys, "path", [site, *sys.path])  # a Path, not a str
    assert [(ep.name, ep.dist_name) for ep in entry_points("shoal.test")] == [
        ("odd", "odd-path")]


@pytest.mark.parametrize("cache", [["--no-cache"], []])
def test_a_check_leaves_heavy_modules_unimported(tmp_path, cache):
    # Not importlib.metadata: with the cache, the heap snapshot is saved with shoal's version
    # (heap_native). Nor the JUnit formatter's XML library (every formatter module is
    # imported), nor OpenSSL (hashlib's and hmac's ``_hashlib``: libcrypto in the master and
    # every worker), nor shutil (argparse's formatters would ask it the terminal's width; it
    # loads bz2 and lzma).
    (tmp_path / "a.py").write_text("import os\n")
    code = ("import sys\nfrom analyzer.interfaces import main\n"
            f"sys.argv = ['shoal', 'check', *{cache!r}, '--workers', '0', 'a.py']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = {'importlib.metadata', 'xml.etree', '_hashlib', 'shutil'}\n"
            "print(sorted(heavy & set(sys.modules)))\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, check=True)
    assert "F401" in run.stdout  # the check ran, with the built-in rules
    assert run.stdout.splitlines()[-1] == "[]"
    assert (tmp_path / ".shoal_cache").exists() == (not cache)


def test_the_snapshot_version_is_the_installed_distribution_s(tmp_path):
    from heap_native._heap import _shoal_version

    # Here the checkout's shoal.egg-info may come first on sys.path: importlib answers.
    assert _shoal_version() == importlib.metadata.version("shoal")
    code = ("import importlib.metadata\nfrom heap_native._heap import _dist_info_version\n"
            "print(_dist_info_version(), importlib.metadata.version('shoal'))\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, check=True)
    found, expected = run.stdout.split()
    assert found == expected  # the dist-info's name, read without importlib.metadata
