"""What shoal knows about each module and how modules reach each other.

Facts (:class:`ModuleFacts`: exports, imports, calls of imported names, signatures) are what
phase 1 extracts from a tree and phase 2's project rules read; the :class:`ProjectIndex`
resolves names across modules and records every lookup as a dependency id
(:func:`dep_id`); the import graph gives SH003's cycles. No I/O, no heap: plain values.
A newcomer starts at :func:`extract_facts` and :meth:`ProjectIndex.resolve`.
"""
from analyzer.model._depids import (
    CONTENT_ENTRY,
    MODULES_KEY,
    SYS_MODULES_KEY,
    changed_keys,
    content_key,
    dep_id,
    key_owner,
    module_key,
    plugin_fact_key,
    plugin_facts_key,
    references_key,
    star_key,
    symbol_key,
)
from analyzer.model._digests import interface_digests
from analyzer.model._extract import extract_facts
from analyzer.model._facts import (
    FACTS_VERSION,
    KEYWORD_ONLY,
    POSITIONAL_ONLY,
    POSITIONAL_OR_KEYWORD,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    Attribute,
    Call,
    Export,
    Import,
    ImportSource,
    ModuleFacts,
    Param,
    PluginFact,
    Signature,
    unknown_facts,
)
from analyzer.model._import_graph import cycle_components, import_cycles, import_edges
from analyzer.model._index import (
    EXTERNAL,
    MISSING,
    UNKNOWN,
    Outcome,
    ProjectIndex,
    Symbol,
    absolute_module,
)
from analyzer.model._plugin_facts import canonical_bytes, interface_digest
from analyzer.model._syntax_versions import newer_python_error, unsupported_syntax

__all__ = [
    "EXTERNAL", "FACTS_VERSION", "KEYWORD_ONLY", "MISSING", "MODULES_KEY", "POSITIONAL_ONLY",
    "POSITIONAL_OR_KEYWORD", "SYS_MODULES_KEY", "UNKNOWN", "VAR_KEYWORD", "VAR_POSITIONAL", "Attribute", "Call", "Export",
    "Import", "ImportSource", "ModuleFacts", "Outcome", "Param", "ProjectIndex", "Signature",
    "Symbol", "absolute_module", "changed_keys", "cycle_components", "dep_id",
    "extract_facts", "import_cycles",
    "import_edges", "interface_digest", "interface_digests", "module_key", "star_key",
    "symbol_key", "unknown_facts", "PluginFact", "canonical_bytes", "plugin_fact_key",
    "plugin_facts_key", "references_key", "newer_python_error", "unsupported_syntax",
    "CONTENT_ENTRY", "content_key", "key_owner",
]
