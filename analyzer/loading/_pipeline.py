"""The codes every registry holds, and how a rule class becomes a registry row.

The pipeline's own codes (a file that cannot be read or parsed, an import cycle computed by the
master, an unused suppression, an internal error) have no rule class behind them; the plugin
loader reserves them so no plugin can take one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from analyzer.rules import ProjectRule, RuleClass

__all__ = ["PIPELINE_RULES", "Kind", "RuleInfo", "rule_info"]

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
    #: ``shoal`` (the pipeline), ``built-in`` (plugins/), ``mypkg 1.2`` (an installed
    #: package), ``local: tools/rules.py`` (the configuration's ``plugins``).
    origin: str = "shoal"
    cls: RuleClass | None = None


#: Codes the pipeline itself produces (no rule class behind them).
PIPELINE_RULES: tuple[RuleInfo, ...] = (
    RuleInfo("E902", "io-error", "The file cannot be read or decoded.", kind="pipeline"),
    RuleInfo("E999", "syntax-error", "The file is not valid Python.", kind="pipeline"),
    RuleInfo("SH003", "import-cycle",
             "Project modules import each other in a cycle at import time.", kind="pipeline"),
    # Off by default, as ruff's RUF100: a narrower run (pre-commit with --select) must not
    # flag the suppressions a fuller run needs. Computed by the master (analyzer/merge.py).
    RuleInfo("SH100", "unused-noqa", "A `# noqa` comment that suppressed nothing.",
             fixable=True, kind="pipeline", default_enabled=False),
    RuleInfo("SH900", "internal-error",
             "shoal failed on this file (a rule raised, a worker died); always reported.",
             kind="pipeline"),
)


def rule_info(cls: RuleClass, origin: str = "built-in") -> RuleInfo:
    """Describe a ``LintRule`` or ``ProjectRule`` subclass."""
    kind: Kind = "project" if issubclass(cls, ProjectRule) else "module"
    doc = (cls.__doc__ or "").strip().splitlines()
    description = doc[0] if doc else getattr(cls, "MESSAGE", "")
    return RuleInfo(
        code=cls.CODE, name=cls.NAME, description=description, kind=kind,
        default_enabled=getattr(cls, "DEFAULT_ENABLED", True),
        fixable=getattr(cls, "FIXABLE", False), origin=origin, cls=cls,
    )
