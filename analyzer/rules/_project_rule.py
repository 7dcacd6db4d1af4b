"""Project rules: checks that read other modules, through the project index only.

A project rule runs in phase 2 on one module's facts (docs/contracts.md, section 3). It
reaches other modules only through :class:`~analyzer.index.ProjectIndex`, which records what
it reads, so an incremental recheck finds it again when something it read changes. It gets
the module's tree only when it declares ``NEEDS_TREE``; another module's tree through
``index.tree(module)``, declared by ``READS_TREES``.
"""
from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from analyzer.core import Diagnostic
from analyzer.model import ModuleFacts, ProjectIndex
from analyzer.rules._fact_extractor import FactExtractor
from analyzer.rules._lint_rule import RuleSettings

INTERNAL_ERROR_CODE = "SH900"
INTERNAL_ERROR_NAME = "internal-error"


@dataclass(frozen=True, slots=True)
class ProjectContext:
    """What a project rule knows about the module it checks."""

    path: str
    module: str
    is_package: bool
    #: The module's ``ast`` tree, only for rules that set ``NEEDS_TREE``; else None.
    tree: ast.Module | None = None
    #: The run's settings (``[tool.shoal]``), as module rules get them.
    settings: RuleSettings = field(default_factory=RuleSettings)


class ProjectRule:
    """Base class of project rules: override :meth:`check`, call :meth:`report`.

    One instance checks one module, so instance attributes never leak between modules.
    """

    CODE: ClassVar[str]
    NAME: ClassVar[str]
    MESSAGE: ClassVar[str]
    DEFAULT_ENABLED: ClassVar[bool] = True
    #: Set when :meth:`check` reads ``self.context.tree``: the tree is loaded only then.
    NEEDS_TREE: ClassVar[bool] = False
    #: The plugin fact extractors :meth:`check` reads (classes, or the ``NAME`` of one a
    #: loaded plugin defines): phase 1 runs them when this rule is selected.
    FACTS: ClassVar[tuple[type[FactExtractor] | str, ...]] = ()
    #: Set when :meth:`check` calls ``index.references``: the master then hands the index
    #: the map of who references whom (without it, that call reads every module's facts).
    READS_REFERENCES: ClassVar[bool] = False
    #: Set when :meth:`check` calls ``index.tree`` (other modules' trees, each read a
    #: dependency on that module's whole content): phase 1 then keeps every module's tree in
    #: the heap, not only the checked modules' (without it, that call parses the module
    #: again). Apart from ``NEEDS_TREE``, which is this module's own tree, loaded up front.
    READS_TREES: ClassVar[bool] = False
    #: The facts body fields :meth:`check` reads, of its module or of any other (``"calls"``,
    #: ``"attributes"``, ``"references"``, ``"uses"``); None: any. Where every selected
    #: project rule names them, a check extracts only those (and the calls, where its facts
    #: outlive it), and a field left out raises when read (``NotExtracted``).
    READS_BODY: ClassVar[frozenset[str] | None] = None

    def __init__(self, context: ProjectContext) -> None:
        self.context = context
        self.diagnostics: list[Diagnostic] = []

    def check(self, facts: ModuleFacts, index: ProjectIndex) -> None:
        """Inspect ``facts`` (reading other modules only through ``index``) and report."""
        raise NotImplementedError(f"{type(self).__name__}.check")

    def report(
        self,
        line: int,
        column: int,
        message: str | None = None,
        *,
        end_line: int | None = None,
        end_column: int | None = None,
    ) -> None:
        """Report a finding at a 1-based (line, character column) of the checked module."""
        self.diagnostics.append(
            Diagnostic(
                self.context.path,
                line,
                column,
                self.CODE,
                message if message is not None else self.MESSAGE,
                end_line if end_line is not None else line,
                end_column if end_column is not None else column,
                self.NAME,
            )
        )


def run_project_rules(
    facts: ModuleFacts,
    index: ProjectIndex,
    rules: Sequence[type[ProjectRule]],
    *,
    path: str,
    tree: Callable[[], ast.Module] | None = None,
    settings: RuleSettings | None = None,
) -> list[Diagnostic]:
    """Run ``rules`` on one module; a rule that raises yields one SH900 and the others go on.

    Nothing runs on a module that did not parse: phase 1 reported its E999/E902.
    """
    if not facts.parse_ok:
        return []
    loaded: ast.Module | None = None
    if tree is not None and any(rule.NEEDS_TREE for rule in rules):
        loaded = tree()
    context = ProjectContext(path, facts.module, facts.is_package, loaded,
                             settings if settings is not None else RuleSettings())
    diagnostics: list[Diagnostic] = []
    for rule in rules:
        instance: ProjectRule | None = None
        try:
            instance = rule(context)
            instance.check(facts, index)
        except Exception as exc:  # noqa: BLE001 — one rule's bug must not cost the others
            if instance is not None:
                diagnostics.extend(instance.diagnostics)
            message = (
                f"rule {rule.CODE} ({rule.NAME}) failed on {path} in check: "
                f"{type(exc).__name__}: {exc}"
            )
            diagnostics.append(
                Diagnostic(path, 1, 1, INTERNAL_ERROR_CODE, message, 1, 1, INTERNAL_ERROR_NAME)
            )
            continue
        diagnostics.extend(instance.diagnostics)
    return diagnostics
