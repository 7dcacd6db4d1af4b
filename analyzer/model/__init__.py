"""What shoal knows about each module and how modules reach each other.

Facts (:class:`ModuleFacts`: exports, imports, calls of imported names, signatures) are what
phase 1 extracts from a tree and phase 2's project rules read; the :class:`ProjectIndex`
resolves names across modules and records every lookup as a dependency id
(:func:`dep_id`); the import graph gives SH003's cycles. No I/O, no heap: plain values.
A newcomer starts at :func:`extract_facts` and :meth:`ProjectIndex.resolve`.
"""
from typing import TYPE_CHECKING

from analyzer._lazy import lazy_face

if TYPE_CHECKING:
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
        NotExtracted,
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
    from analyzer.model._index_memo import IndexMemo
    from analyzer.model._outputs import BuildOutputs
    from analyzer.model._plugin_facts import canonical_bytes, interface_digest
    from analyzer.model._syntax_versions import newer_python_error, unsupported_syntax

#: public name -> the sub-module defining it (imported on first use: ``analyzer._lazy``)
_EXPORTS = {
    "Attribute": "_facts",
    "CONTENT_ENTRY": "_depids",
    "Call": "_facts",
    "EXTERNAL": "_index",
    "Export": "_facts",
    "FACTS_VERSION": "_facts",
    "Import": "_facts",
    "ImportSource": "_facts",
    "KEYWORD_ONLY": "_facts",
    "MISSING": "_index",
    "MODULES_KEY": "_depids",
    "ModuleFacts": "_facts",
    "NotExtracted": "_facts",
    "Outcome": "_index",
    "POSITIONAL_ONLY": "_facts",
    "POSITIONAL_OR_KEYWORD": "_facts",
    "Param": "_facts",
    "PluginFact": "_facts",
    "IndexMemo": "_index_memo",
    "BuildOutputs": "_outputs",
    "ProjectIndex": "_index",
    "SYS_MODULES_KEY": "_depids",
    "Signature": "_facts",
    "Symbol": "_index",
    "UNKNOWN": "_index",
    "VAR_KEYWORD": "_facts",
    "VAR_POSITIONAL": "_facts",
    "absolute_module": "_index",
    "canonical_bytes": "_plugin_facts",
    "changed_keys": "_depids",
    "content_key": "_depids",
    "cycle_components": "_import_graph",
    "dep_id": "_depids",
    "extract_facts": "_extract",
    "import_cycles": "_import_graph",
    "import_edges": "_import_graph",
    "interface_digest": "_plugin_facts",
    "interface_digests": "_digests",
    "key_owner": "_depids",
    "module_key": "_depids",
    "newer_python_error": "_syntax_versions",
    "plugin_fact_key": "_depids",
    "plugin_facts_key": "_depids",
    "references_key": "_depids",
    "star_key": "_depids",
    "symbol_key": "_depids",
    "unknown_facts": "_facts",
    "unsupported_syntax": "_syntax_versions",
}
__all__ = [
    "Attribute", "BuildOutputs", "CONTENT_ENTRY", "Call", "EXTERNAL", "Export", "FACTS_VERSION", "Import",
    "ImportSource", "IndexMemo", "KEYWORD_ONLY", "MISSING", "MODULES_KEY", "ModuleFacts",
    "NotExtracted", "Outcome", "POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD", "Param",
    "PluginFact", "ProjectIndex", "SYS_MODULES_KEY", "Signature", "Symbol", "UNKNOWN",
    "VAR_KEYWORD", "VAR_POSITIONAL",
    "absolute_module", "canonical_bytes", "changed_keys", "content_key", "cycle_components",
    "dep_id", "extract_facts", "import_cycles", "import_edges", "interface_digest",
    "interface_digests", "key_owner", "module_key", "newer_python_error", "plugin_fact_key",
    "plugin_facts_key", "references_key", "star_key", "symbol_key", "unknown_facts",
    "unsupported_syntax",
]
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS, globals())
