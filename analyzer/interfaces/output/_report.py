"""The outcome of a run: the sorted diagnostics, the rules that ran, and the exit code."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter

from analyzer.interfaces import exit_codes
from analyzer.loading import RuleInfo
from analyzer.rules import Diagnostic

INTERNAL_ERROR = "SH900"
# Counting runs in C over every finding (``shoal watch`` redraws after each recheck).
_CODE = attrgetter("code")
_FIX = attrgetter("fix")


@dataclass
class Report:
    """Counts the outcomes of a run and owns its exit code; formatters only read it.

    :param diagnostics: every kept diagnostic, any order (sorted here, so the output is the same
        whatever order the workers finished in).
    :param rules: code -> :class:`RuleInfo` of the rules that ran (at least those reported).
    :param files_checked: how many files were checked (for the summary).
    """

    diagnostics: list[Diagnostic]
    rules: Mapping[str, RuleInfo] = field(default_factory=dict)
    files_checked: int = 0

    def __post_init__(self) -> None:
        self.diagnostics = sorted(self.diagnostics, key=Diagnostic.sort_key)

    @classmethod
    def in_order(cls, diagnostics: list[Diagnostic], rules: Mapping[str, RuleInfo]) -> Report:
        """A report over ``diagnostics`` already in output order (a session's committed
        findings), which are not sorted again."""
        report = cls.__new__(cls)
        report.diagnostics, report.rules, report.files_checked = diagnostics, rules, 0
        return report

    @classmethod
    def of(cls, diagnostics: Iterable[Diagnostic], rules: Iterable[RuleInfo] = (),
           files_checked: int = 0) -> Report:
        """A report from diagnostics and a list of rule descriptions."""
        return cls(list(diagnostics), {r.code: r for r in rules}, files_checked)

    @property
    def fixable(self) -> int:
        """Diagnostics whose fix is safe (applied by ``--fix``)."""
        return sum(1 for fix in filter(None, map(_FIX, self.diagnostics))
                   if fix.applicability == "safe")

    @property
    def unsafe_fixable(self) -> int:
        """Diagnostics whose fix is unsafe (offered, not applied by default)."""
        return sum(1 for fix in filter(None, map(_FIX, self.diagnostics))
                   if fix.applicability == "unsafe")

    @property
    def internal_errors(self) -> int:
        """SH900 diagnostics: a rule raised or a worker died; the run exits 2."""
        return sum(1 for d in self.diagnostics if d.code == INTERNAL_ERROR)

    def counts(self) -> Counter[str]:
        """Diagnostics per code."""
        return Counter(map(_CODE, self.diagnostics))

    def rule_name(self, diagnostic: Diagnostic) -> str:
        """The rule name of a diagnostic (its own, else the rule table's, else "")."""
        if diagnostic.name:
            return diagnostic.name
        info = self.rules.get(diagnostic.code)
        return info.name if info else ""

    def exit_code(self, *, exit_zero: bool = False) -> int:
        """ERROR if any internal error (even with ``--exit-zero``), else PROBLEMS if anything
        was reported and ``exit_zero`` is not set, else SUCCESS."""
        if self.internal_errors:
            return exit_codes.ERROR
        if self.diagnostics and not exit_zero:
            return exit_codes.PROBLEMS
        return exit_codes.SUCCESS

    def summary(self) -> list[str]:
        """The closing lines of the text output, in ruff's words."""
        total = len(self.diagnostics)
        if not total:
            return ["All checks passed!"]
        lines = [f"Found {total} error{'s' if total != 1 else ''}."]
        safe, unsafe = self.fixable, self.unsafe_fixable
        hint = (
            f" ({unsafe} unsafe fix{'es' if unsafe != 1 else ''} available with"
            " --fix --unsafe-fixes)" if unsafe else ""
        )
        if safe:
            lines.append(f"[*] {safe} fixable with the --fix option{hint}.")
        elif unsafe:
            lines.append(f"No fixes available{hint}.")
        return lines
