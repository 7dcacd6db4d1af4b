"""Fixtures for the fix-mode tests: a project directory, an in-process `shoal`, test rules."""
from __future__ import annotations

import pytest

from analyzer.interfaces import main
from tests.cli.helpers import Run


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A directory with a `[tool.shoal]` pyproject (no cache), made the working directory.

    The pycodestyle statement and naming checks (E4, E70, E713+) are left out: these tests pin
    the fix loop with the pyflakes-family fixes, and their fixtures put imports on one line.
    """
    (tmp_path / "pyproject.toml").write_text(
        '[tool.shoal]\nextend-ignore = ["E4", "E70", "E713", "E714", "E721", "E731", "E74"]\n',
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHOAL_CACHE_DIR", str(tmp_path / ".cache"))
    return tmp_path


@pytest.fixture
def shoal(capsys):
    """Run `shoal check ARGS` in-process (no cache) and capture what it prints."""

    def run(*args: str, workers: str = "0") -> Run:
        code = main(["check", "--workers", workers, "--no-cache", *args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def extra_rules(monkeypatch):
    """Register test-only rule classes beside the built-in ones, for this test."""
    from analyzer.loading import Registry, rule_info

    def register(*rules: type) -> None:
        original = Registry.for_config.__func__

        def for_config(cls, *args, **kwargs):
            registry, warnings = original(cls, *args, **kwargs)
            for rule in rules:
                registry.by_code[rule.CODE] = rule_info(rule, "tests")
            return registry, warnings

        monkeypatch.setattr(Registry, "for_config", classmethod(for_config))

    return register
