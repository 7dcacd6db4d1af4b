"""The rule registry: every code shoal can report, where it comes from, and how it runs.

Module rules (``LintRule``) run in phase 1 on each file, project rules (``ProjectRule``) in
phase 2 on each module; a few codes are produced by the pipeline itself (a file that cannot be
read or parsed, an internal error, an import cycle computed by the master from all modules'
facts). All of them are listed here so selection, ``shoal rules`` and the output formats see
one table.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Kind = Literal["module", "project", "pipeline"]


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """One code: its name and description, the kind of rule, and the class when there is one."""

    code: str
    name: str
    description: str = ""
    fixable: bool = False
    kind: Kind = "module"
    default_enabled: bool = True
    origin: str = "shoal"
    cls: type | None = None


#: Codes the pipeline itself produces (no rule class behind them).
PIPELINE_RULES: tuple[RuleInfo, ...] = (
    RuleInfo("E902", "io-error", "The file cannot be read or decoded.", kind="pipeline"),
    RuleInfo("E999", "syntax-error", "The file is not valid Python.", kind="pipeline"),
    RuleInfo("SH003", "import-cycle",
             "Project modules import each other in a cycle at import time.", kind="pipeline"),
    RuleInfo("SH900", "internal-error",
             "shoal failed on this file (a rule raised, a worker died); always reported.",
             kind="pipeline"),
)


def rule_info(cls: type, origin: str = "shoal") -> RuleInfo:
    """Describe a ``LintRule`` or ``ProjectRule`` subclass."""
    from analyzer.rules import ProjectRule

    kind: Kind = "project" if issubclass(cls, ProjectRule) else "module"
    doc = (cls.__doc__ or "").strip().splitlines()
    description = doc[0] if doc else getattr(cls, "MESSAGE", "")
    return RuleInfo(
        code=cls.CODE, name=cls.NAME, description=description, kind=kind,
        default_enabled=getattr(cls, "DEFAULT_ENABLED", True),
        fixable=getattr(cls, "FIXABLE", False), origin=origin, cls=cls,
    )


class Registry:
    """Every known rule by code."""

    def __init__(self, infos: Iterable[RuleInfo]) -> None:
        self.by_code: dict[str, RuleInfo] = {}
        for info in infos:
            if info.code in self.by_code:
                raise ValueError(f"rule code {info.code} is defined twice "
                                 f"({self.by_code[info.code].origin} and {info.origin})")
            self.by_code[info.code] = info

    @classmethod
    def builtin(cls) -> Registry:
        """The built-in rules of ``plugins/`` plus the pipeline's own codes."""
        from plugins import builtin_rules

        return cls([*PIPELINE_RULES, *(rule_info(rule) for rule in builtin_rules())])

    def known_codes(self) -> dict[str, bool]:
        """code -> enabled by default (what ``resolve_selection`` takes)."""
        return {code: info.default_enabled for code, info in self.by_code.items()}

    def classes(self, selected: Iterable[str], kind: Kind) -> tuple[type, ...]:
        """The rule classes of one kind among the selected codes, in code order."""
        chosen = []
        for code in sorted(set(selected)):
            info = self.by_code.get(code)
            if info is not None and info.kind == kind and info.cls is not None:
                chosen.append(info.cls)
        return tuple(chosen)

    def __iter__(self):
        return iter(sorted(self.by_code.values(), key=lambda i: i.code))
