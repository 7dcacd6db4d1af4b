"""A pytest plugin that turns the examples of named rules into tests; enabled explicitly.

It is not an auto-loaded ``pytest11`` entry point: installing shoal changes no one's pytest
sessions. Enable it on the command line or in a ``conftest.py``::

    pytest -p analyzer.pytest_plugin --shoal-rules mypkg.rules
    # conftest.py
    pytest_plugins = ["analyzer.pytest_plugin"]

and name the rules in the ini file (``pyproject.toml``'s ``[tool.pytest.ini_options]``,
``pytest.ini``…) or with ``--shoal-rules`` (repeatable, comma-separated; both add up)::

    [tool.pytest.ini_options]
    shoal_rules = ["mypkg.rules", "mypkg.extra:NoPrint", "fixit.rules"]

Each entry is a module (every shoal rule it defines, and its Fixit rules, adapted) or
``module:Class`` for one rule. Every VALID/INVALID example becomes one test item, with node
id ``shoal-rules::<CODE>_<kind>_<index>`` (``shoal-rules::X101_invalid_0``), selectable with
``-k`` like any test; a failure shows the expected and found findings and a diff of the fixed
file (:mod:`analyzer.testing`). A module that cannot be imported, or names no rule, is a
collection error naming the entry.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from analyzer.testing import ExampleCase, ExampleFailure, check_example, example_cases

if TYPE_CHECKING:
    from analyzer.rules import RuleClass

INI_OPTION = "shoal_rules"
NODE_PREFIX = "shoal-rules"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Declare ``--shoal-rules`` and the ``shoal_rules`` ini option."""
    group = parser.getgroup("shoal", "shoal rule examples")
    group.addoption("--shoal-rules", action="append", default=[], metavar="MODULE[:CLASS]",
                    help="collect the VALID/INVALID examples of these rules as tests "
                         "(comma-separated, repeatable)")
    parser.addini(INI_OPTION, type="linelist", default=[],
                  help="rule modules (or module:Class) whose examples become tests")


def _entries(config: pytest.Config) -> list[str]:
    entries = list(config.getini(INI_OPTION))
    for value in config.getoption("--shoal-rules") or ():
        entries.extend(part.strip() for part in value.split(",") if part.strip())
    return list(dict.fromkeys(entries))


def _rules_of(entry: str) -> list[RuleClass]:
    from analyzer.loading import rules_in_module

    module_name, _, class_name = entry.partition(":")
    module = importlib.import_module(module_name)
    if class_name:
        value = getattr(module, class_name, None)
        if value is None:
            raise LookupError(f"{module_name} has no attribute {class_name}")
        return [_as_rule(value, entry)]
    rules, problems = rules_in_module(module, entry)
    if problems:
        raise TypeError("; ".join(problems))
    if not rules:
        raise LookupError(f"{entry} defines no rule class")
    return rules


def _as_rule(value: object, entry: str) -> RuleClass:
    from analyzer.loading import fixit_compat

    if fixit_compat.is_fixit_rule(value):
        return fixit_compat.adapt(value, entry)
    if isinstance(value, type) and hasattr(value, "CODE") and (
            hasattr(value, "VALID") or hasattr(value, "INVALID")):
        return value
    raise TypeError(f"{entry} is not a rule class")


class ShoalRuleExample(pytest.Item):
    """One VALID or INVALID example of one rule."""

    def __init__(self, *, case: ExampleCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # No fixtures; but some plugins' wrapper hooks (pytest-lsp's pytest_runtest_call)
        # return without yielding for an item without funcargs, which fails the test.
        self.funcargs: dict[str, Any] = {}
        self.case = case

    def runtest(self) -> None:
        """Check the example (raises :class:`~analyzer.testing.ExampleFailure`)."""
        check_example(self.case)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str | Any:
        """The harness's report, without a traceback through the harness."""
        if isinstance(excinfo.value, ExampleFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[str, int | None, str]:
        """Where the rule is defined, for pytest's report lines."""
        import inspect

        rule = getattr(self.case.rule, "FIXIT_RULE", None) or self.case.rule
        try:
            path = inspect.getsourcefile(rule) or "?"
        except TypeError:
            path = "?"
        return path, None, f"{self.case.rule.CODE} {self.case.kind} example {self.case.index}"


class _BadEntry(pytest.Item):
    """An entry of ``shoal_rules`` that names no usable rule: fails with the reason."""

    def __init__(self, *, reason: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # No fixtures; but some plugins' wrapper hooks (pytest-lsp's pytest_runtest_call)
        # return without yielding for an item without funcargs, which fails the test.
        self.funcargs: dict[str, Any] = {}
        self.reason = reason

    def runtest(self) -> None:
        """Fail with the reason the entry gave no rules."""
        raise pytest.fail(self.reason, pytrace=False)

    def reportinfo(self) -> tuple[str, int | None, str]:
        """The entry, as named."""
        return NODE_PREFIX, None, self.name


def _items(session: pytest.Session, entries: list[str]) -> Iterator[pytest.Item]:
    seen: set[str] = set()
    for entry in entries:
        try:
            rules = _rules_of(entry)
        except Exception as exc:  # noqa: BLE001 — reported as this entry's failing item
            name = f"load[{entry}]"
            yield _BadEntry.from_parent(session, name=name, nodeid=f"{NODE_PREFIX}::{name}",
                                        reason=f"shoal_rules entry {entry!r}: "
                                               f"{type(exc).__name__}: {exc}")
            continue
        for case in example_cases(rules):
            if case.name in seen:
                continue
            seen.add(case.name)
            yield ShoalRuleExample.from_parent(session, name=case.name,
                                               nodeid=f"{NODE_PREFIX}::{case.name}", case=case)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Append the example items before ``-k``/``-m`` deselection sees the list."""
    entries = _entries(config)
    if entries:
        items.extend(_items(session, entries))


__all__ = ["ShoalRuleExample", "pytest_addoption", "pytest_collection_modifyitems"]
