"""The rule test harness: every VALID/INVALID example of a rule becomes one pytest test.

One call in a test module::

    from analyzer.testing._harness import add_rule_tests
    from mypkg.rules import NoPrint, NoAssertFalse

    add_rule_tests(globals(), [NoPrint, NoAssertFalse])

defines ``test_X101_valid_0``, ``test_X101_invalid_0``… — one function per example, named
after the rule's code, the kind of example and its index — which pytest collects like any
test. A failing example shows the code, the expected and the found findings, and a unified
diff of the expected and the found fixed file. To collect examples without writing a test
module, use the pytest plugin :mod:`analyzer.pytest_plugin`.

What is checked (module rules):

* ``Valid(code)``: no finding.
* ``Invalid(code, line=, column=, message=, expected_fix=)``: at least one finding; the
  given fields pin the *first* finding; ``expected_fix`` is the whole file after the fixes of
  every finding are applied.
* Fixit rules (adapted by :mod:`analyzer.fixit_compat`) are checked with Fixit's own
  semantics: ``Invalid(code, range=, expected_message=, expected_replacement=)`` pins *every*
  finding's range and message. A rule with ``PYTHON_VERSION`` runs at the first target
  version it supports.

Project rules: an example whose ``code`` is a multi-module text (see
:func:`split_modules`) is checked on that little project: every module is indexed (its
facts' body limited to the rule's ``READS_BODY``, as a check does), the rule runs on each,
and an ``Invalid`` pins the first finding of the module named by its
``# file:`` line that comes first; its ``expected_fix`` is that module's text after the fixes
of its findings (a rule that reports no fix there fails the example).

Example code and expected fixes are dedented (:func:`textwrap.dedent`) first.
"""
from __future__ import annotations

import dataclasses
import difflib
import functools
import textwrap
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from analyzer.frontend import parse_module
from analyzer.rules import (
    Diagnostic,
    FactExtractor,
    Invalid,
    ProjectRule,
    RuleClass,
    RuleSettings,
    Valid,
    check_source,
)

if TYPE_CHECKING:
    from typing_extensions import TypeIs

__all__ = [
    "ExampleCase",
    "ExampleFailure",
    "add_rule_tests",
    "check_example",
    "example_cases",
    "split_modules",
]

#: Versions tried, in order, for a Fixit rule that declares ``PYTHON_VERSION``.
_VERSIONS = tuple((3, minor) for minor in range(8, 15))
FILE_MARKER = "# file: "
_KINDS: tuple[tuple[Literal["valid", "invalid"], str], ...] = (
    ("valid", "VALID"), ("invalid", "INVALID"),
)


class ExampleFailure(AssertionError):
    """A rule example did not behave as it says; the message is the readable report."""


@dataclass(frozen=True)
class ExampleCase:
    """One example of one rule, with the name its test gets."""

    rule: RuleClass
    kind: Literal["valid", "invalid"]
    index: int
    example: Valid | Invalid
    #: The original Fixit example, for rules adapted from Fixit (checked with its semantics).
    fixit_example: object = None

    @property
    def name(self) -> str:
        """``<CODE>_<kind>_<index>``, e.g. ``F401_invalid_0``."""
        return f"{self.rule.CODE}_{self.kind}_{self.index}"


def example_cases(rules: Iterable[RuleClass]) -> list[ExampleCase]:
    """Every VALID then INVALID example of each rule, in the order given."""
    cases = []
    for rule in rules:
        fixit_rule = getattr(rule, "FIXIT_RULE", None)
        for kind, attribute in _KINDS:
            originals = list(getattr(fixit_rule, attribute, [])) if fixit_rule else []
            for index, example in enumerate(getattr(rule, attribute, [])):
                original = originals[index] if index < len(originals) else None
                cases.append(ExampleCase(rule, kind, index, example, original))
    return cases


def add_rule_tests(namespace: MutableMapping[str, Any], rules: Iterable[RuleClass]) -> list[str]:
    """Define one ``test_<CODE>_<kind>_<index>`` function per example in ``namespace``.

    :param namespace: the test module's ``globals()``.
    :returns: the names defined.
    :raises ValueError: a name is already defined there (two rules with one code).
    """
    names = []
    for case in example_cases(rules):
        name = f"test_{case.name}"
        if name in namespace:
            raise ValueError(f"{name} is already defined in this module (rules given twice?)")

        def test(case: ExampleCase = case) -> None:
            check_example(case)

        test.__name__ = test.__qualname__ = name
        test.__doc__ = f"{case.rule.CODE} {case.kind} example {case.index}."
        namespace[name] = test
        names.append(name)
    return names


# ---------------------------------------------------------------------------------------------
# Checking one example


@dataclass(frozen=True)
class _Expected:
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    message: str | None = None
    path: str | None = None

    def matches(self, d: Diagnostic) -> bool:
        return all(want is None or want == got for want, got in (
            (self.line, d.line), (self.column, d.column), (self.end_line, d.end_line),
            (self.end_column, d.end_column), (self.message, d.message), (self.path, d.path)))

    def render(self, code: str) -> str:
        def show(value: object) -> str:
            return "?" if value is None else str(value)

        where = f"{show(self.line)}:{show(self.column)}"
        if self.end_line is not None or self.end_column is not None:
            where += f"-{show(self.end_line)}:{show(self.end_column)}"
        path = f"{self.path}:" if self.path else ""
        return f"{path}{where} {code} {self.message if self.message is not None else '(any message)'}"


def check_example(case: ExampleCase) -> None:
    """Run one example; raise :class:`ExampleFailure` with a readable report if it fails."""
    rule = case.rule
    code = textwrap.dedent(case.example.code)
    modules = split_modules(code)
    try:
        if modules is not None or _is_project_rule(rule):
            diagnostics = _run_project(rule, modules or {"example.py": code})
        else:
            diagnostics = check_source(code, [rule], path="example.py",
                                       settings=_settings_for(rule))
    except SyntaxError as exc:
        raise ExampleFailure(_report(case, code, f"the example does not parse: {exc}")) from None
    own = [d for d in diagnostics if d.code == rule.CODE]
    other = [d for d in diagnostics if d.code != rule.CODE]
    problems = [f"the rule failed: {d.message}" for d in other]
    expected: list[_Expected] = []
    pins_all = False
    if isinstance(case.example, Valid):
        if own:
            problems.append("expected no finding")
    else:
        expected, pins_all = _expectations(case, modules)
        if not own:
            problems.append("expected a finding, got none")
        elif pins_all:
            if not all(e.matches(d) for e in expected for d in own):
                problems.append("every finding must match the expected range and message")
        elif expected and not expected[0].matches(own[0]):
            problems.append("the first finding does not match")
    diff = ""
    want_fix = getattr(case.example, "expected_fix", None)
    if want_fix is not None:
        # A multi-module example pins the first module listed: its text after the fixes.
        first = next(iter(modules)) if modules else None
        diff, fix_problem = _fix_diff(
            modules[first] if modules and first else code, textwrap.dedent(want_fix),
            [d for d in own if first is None or d.path == first])
        if fix_problem:
            problems.append(fix_problem)
    if problems:
        raise ExampleFailure(_report(case, code, "; ".join(problems), expected, own, diff,
                                     every=pins_all))


def _is_project_rule(rule: RuleClass) -> TypeIs[type[ProjectRule]]:
    return isinstance(rule, type) and issubclass(rule, ProjectRule)


def _settings_for(rule: RuleClass) -> RuleSettings:
    fixit_rule = getattr(rule, "FIXIT_RULE", None)
    spec = getattr(fixit_rule, "PYTHON_VERSION", "") if fixit_rule is not None else ""
    if spec:
        from packaging.specifiers import SpecifierSet

        supported = SpecifierSet(spec, prereleases=True)
        default = RuleSettings().target_version
        if "{}.{}".format(*default) not in supported:
            for version in _VERSIONS:
                if "{}.{}".format(*version) in supported:
                    return RuleSettings(target_version=version)
    return RuleSettings()


def _expectations(case: ExampleCase, modules: dict[str, str] | None) -> tuple[list[_Expected], bool]:
    original = case.fixit_example
    code_range = getattr(original, "range", None)
    if original is not None and not isinstance(original, str):
        # Fixit pins every finding: its CodeRange is 1-based lines, 0-based columns.
        message = getattr(original, "expected_message", None)
        if code_range is None and message is None:
            return [], False
        if code_range is None:
            return [_Expected(message=message)], True
        return [_Expected(code_range.start.line, code_range.start.column + 1,
                          code_range.end.line, code_range.end.column + 1, message)], True
    example = case.example
    assert isinstance(example, Invalid)
    path = next(iter(modules)) if modules else None
    if example.line is None and example.column is None and example.message is None and not path:
        return [], False
    return [_Expected(example.line, example.column, message=example.message, path=path)], False


def _fix_diff(code: str, expected: str, found: Sequence[Diagnostic]) -> tuple[str, str]:
    from analyzer.rules._examples import apply_fixes

    if all(d.fix is None for d in found):
        return "", "expected a fix, got none"
    try:
        fixed = apply_fixes(code, list(found))
    except ValueError as exc:
        return "", f"the fixes cannot be applied: {exc}"
    if fixed == expected:
        return "", ""
    diff = "".join(difflib.unified_diff(
        expected.splitlines(keepends=True), fixed.splitlines(keepends=True),
        "expected fixed file", "got fixed file"))
    return diff, "the fixed file differs"


def _report(case: ExampleCase, code: str, problem: str, expected: Sequence[_Expected] = (),
            found: Sequence[Diagnostic] = (), diff: str = "", every: bool = False) -> str:
    rule = case.rule
    lines = [f"{rule.CODE} ({rule.NAME}) {case.kind} example {case.index}: {problem}", "code:"]
    lines.extend(f"  {n:>3} | {text}" for n, text in enumerate(code.splitlines(), start=1))
    if case.kind == "invalid":
        lines.append("expected findings" + (" (every finding)" if every else " (first finding)")
                     + ":")
        lines.extend(f"  {e.render(rule.CODE)}" for e in expected)
        if not expected:
            lines.append(f"  at least one {rule.CODE}")
    else:
        lines.append("expected findings:\n  (none)")
    lines.append("got findings:")
    lines.extend(f"  {_render(d)}" for d in found)
    if not found:
        lines.append("  (none)")
    if diff:
        lines.append(diff.rstrip("\n"))
    return "\n".join(lines)


def _render(d: Diagnostic) -> str:
    path = "" if d.path == "example.py" else f"{d.path}:"
    return (f"{path}{d.line}:{d.column}-{d.end_line}:{d.end_column} {d.code} {d.message}"
            + (" [fix]" if d.fix is not None else ""))


# ---------------------------------------------------------------------------------------------
# Project-rule examples


def split_modules(code: str) -> dict[str, str] | None:
    """The modules of a multi-module example, or ``None`` for a one-file example.

    A multi-module example starts with a ``# file: <path>`` line; each such line starts a
    module (``pkg/__init__.py``, ``pkg/a.py``…) that runs until the next one::

        Invalid('''
            # file: app.py
            from lib import missing
            # file: lib.py
            present = 1
        ''', line=1)

    The module named first is the one an ``Invalid`` pins.
    """
    if not code.startswith(FILE_MARKER):
        return None
    modules: dict[str, str] = {}
    current: list[str] = []
    name = ""
    for line in code.splitlines(keepends=True):
        if line.startswith(FILE_MARKER):
            if name:
                modules[name] = "".join(current)
            name, current = line[len(FILE_MARKER):].strip(), []
        else:
            current.append(line)
    modules[name] = "".join(current)
    return modules


def _module_name(path: str) -> tuple[str, bool]:
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def _extractors_of(rule: RuleClass) -> tuple[type[FactExtractor], ...]:
    """The fact extractors a project rule reads; a NAME is looked for among the extractors
    its own module defines or imports (no registry here)."""
    import sys

    module = sys.modules.get(rule.__module__)
    local = {v.NAME: v for v in vars(module).values()
             if isinstance(v, type) and issubclass(v, FactExtractor)
             and isinstance(getattr(v, "NAME", None), str)} if module is not None else {}
    chosen: dict[str, type[FactExtractor]] = {}
    for need in getattr(rule, "FACTS", ()):
        cls = local.get(need) if isinstance(need, str) else need
        if cls is None:
            raise AssertionError(f"{rule.__qualname__} reads the fact {need!r}, which no "
                                 f"extractor of its module defines")
        chosen[cls.NAME] = cls
    return tuple(chosen[name] for name in sorted(chosen))


def _cst_of(source: str) -> Callable[[], Any]:
    @functools.cache
    def parse() -> Any:
        import libcst

        return libcst.parse_module(source)

    return parse


def _run_project(rule: RuleClass, modules: dict[str, str]) -> list[Diagnostic]:
    """Index ``modules`` (path -> source) and run ``rule`` (a project rule) on each module;
    a module rule given a multi-module example runs on each file."""
    from analyzer.model import ProjectIndex, extract_facts
    from analyzer.rules import SourceLines, run_extractors, run_project_rules

    if not _is_project_rule(rule):
        found = []
        for path, source in modules.items():
            found.extend(check_source(source, [rule], path=path, settings=_settings_for(rule)))
        return found
    facts = {}
    trees = {}
    paths = {}
    extractors = _extractors_of(rule)
    failures: list[str] = []
    for path, source in modules.items():
        module, is_package = _module_name(path)
        tree = parse_module(source, filename=path)
        trees[module], paths[module] = tree, path
        # Only the body fields the rule says it reads, as a check extracts them: an example
        # that reads another one fails.
        facts[module] = extract_facts(tree, module=module, path=path, is_package=is_package,
                                      lines=SourceLines(source), body=rule.READS_BODY)
        if extractors:
            plugin, failed = run_extractors(extractors, tree, _cst_of(source), path=path,
                                            module=module)
            facts[module] = dataclasses.replace(facts[module], plugin_facts=plugin)
            failures.extend(failed)
    if failures:
        # An extractor's bug is the rule's bug: say so rather than compare findings.
        raise AssertionError("; ".join(failures))
    index = ProjectIndex(facts.keys(), facts.get,
                         fact_versions={e.NAME: e.VERSION for e in extractors},
                         trees=trees.get)
    found = []
    for module, module_facts in facts.items():
        found.extend(run_project_rules(module_facts, index, [rule], path=paths[module],
                                       tree=functools.partial(trees.__getitem__, module),
                                       settings=_settings_for(rule)))
    found.sort(key=Diagnostic.sort_key)
    first = next(iter(modules))
    # The pinned module's findings first, so "the first finding" means the first in it.
    found.sort(key=lambda d: d.path != first)
    return found
