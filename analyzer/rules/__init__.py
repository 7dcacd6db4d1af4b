"""The public rule API: what built-in rules and third-party plugins are written against.

Module rules (:class:`LintRule`) run on each file's tree in phase 1; project rules
(:class:`ProjectRule`) run on each module's facts in phase 2 and read other modules only
through the :class:`ProjectIndex`, which records every dependency they have. The contracts
behind these names are in docs/contracts.md.
"""
from typing import TypeAlias

from analyzer.core import Applicability, Diagnostic, Edit, Fix, SourceLines
from analyzer.model import (
    EXTERNAL,
    MISSING,
    UNKNOWN,
    Attribute,
    Call,
    Export,
    Import,
    ImportSource,
    ModuleFacts,
    Outcome,
    Param,
    PluginFact,
    ProjectIndex,
    Signature,
    Symbol,
)
from analyzer.rules._bindings import (
    Binding,
    BindingKind,
    ImportStatementFinding,
    Redefinition,
    Scope,
    ScopeKind,
    ShadowedImport,
    StarUsage,
    UndefinedExport,
    UndefinedLocal,
    UndefinedName,
    UnusedImport,
    UnusedVariable,
)
from analyzer.rules._examples import Invalid, Valid, run_examples
from analyzer.rules._fact_extractor import FactExtractor, run_extractors
from analyzer.rules._guards import visit_when
from analyzer.rules._lint_rule import (
    LintRule,
    MetadataNotDeclaredError,
    MetadataProvider,
    RuleContext,
    RuleSettings,
)
from analyzer.rules._project_rule import ProjectContext, ProjectRule, run_project_rules
from analyzer.rules._runner import check_source, run_module_rules
from analyzer.rules._scope import ScopeProvider, analyze_scopes
from analyzer.rules._scope_findings import ScopeAnalysis

#: A rule class of either kind, as the registry and the engine hold them.
RuleClass: TypeAlias = type[LintRule] | type[ProjectRule]

__all__ = [
    "EXTERNAL",
    "MISSING",
    "UNKNOWN",
    "Applicability",
    "Attribute",
    "Binding",
    "BindingKind",
    "Call",
    "Diagnostic",
    "Edit",
    "Export",
    "FactExtractor",
    "Fix",
    "Import",
    "ImportStatementFinding",
    "ImportSource",
    "Invalid",
    "LintRule",
    "MetadataNotDeclaredError",
    "MetadataProvider",
    "ModuleFacts",
    "Outcome",
    "Param",
    "PluginFact",
    "ProjectContext",
    "ProjectIndex",
    "ProjectRule",
    "Redefinition",
    "RuleClass",
    "RuleContext",
    "RuleSettings",
    "Scope",
    "ScopeAnalysis",
    "ScopeKind",
    "ScopeProvider",
    "ShadowedImport",
    "Signature",
    "SourceLines",
    "StarUsage",
    "Symbol",
    "UndefinedExport",
    "UndefinedLocal",
    "UndefinedName",
    "UnusedImport",
    "UnusedVariable",
    "Valid",
    "analyze_scopes",
    "check_source",
    "run_examples",
    "run_module_rules",
    "run_extractors",
    "run_project_rules",
    "visit_when",
]
