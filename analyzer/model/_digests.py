"""Interface digests of a module's facts: what a dependent's cached result may rely on.

docs/contracts.md, section 2. A digest hashes the interface only (no positions), so moving a
definition leaves its dependents' results valid while changing its signature does not.
"""
from __future__ import annotations

from analyzer.core import blake2b
from analyzer.model._depids import SYS_MODULES_KEY, plugin_facts_key, references_key
from analyzer.model._facts import Export, ModuleFacts, NotExtracted, Signature


def _digest(value: object) -> str:
    # repr of nested tuples of str/int/bool/None is canonical and stable across runs.
    return blake2b(repr(value).encode("utf-8"), digest_size=16).hexdigest()


def _signature_key(signature: Signature | None) -> object:
    if signature is None:
        return None
    return (signature.is_async, tuple((p.name, p.kind, p.has_default) for p in signature.params))


def _export_key(export: Export) -> object:
    source = export.source
    return (
        export.kind,
        export.conditional,
        export.rebound,
        _signature_key(export.signature),
        export.decorators,
        export.bases,
        export.members,
        None if source is None else (source.level, source.module, source.name),
    )


def interface_digests(facts: ModuleFacts) -> dict[str, str]:
    """Per-symbol digests of the interface, no positions (docs/contracts.md, section 2).

    One entry per exported name, ``"*"`` for the public-name set and ``__all__``, and ``""``
    for the module as a whole (what a lookup of a name it does not export depends on);
    ``"sys.modules[]"`` for the keys it writes into ``sys.modules``, when it writes any;
    ``"fact[NAME]"`` for each plugin fact it has; ``"ref[T]"`` for each module ``T`` it
    references names in, over those names (what SH005's check of ``T`` reads), unless its
    references were not extracted (no selected rule reads them).
    """
    stars = tuple((i.level, i.module) for i in facts.star_imports)
    names = {e.name for e in facts.exports}
    digests = {e.name: _digest(_export_key(e)) for e in facts.exports}
    digests["*"] = _digest(
        (tuple(sorted(facts.public_names)), facts.all_names, facts.all_dynamic, stars)
    )
    digests[""] = _digest(
        (
            facts.parse_ok,
            facts.is_package,
            facts.all_dynamic,
            facts.dynamic_namespace,
            "__getattr__" in names,
            stars,
        )
    )
    if facts.dynamic_modules:
        digests[SYS_MODULES_KEY] = _digest(facts.dynamic_modules)
    for fact in facts.plugin_facts:
        # Digested where the value was made: only its extractor knows its interface part.
        digests[plugin_facts_key(fact.name)] = fact.digest
    references = facts.references
    if not isinstance(references, NotExtracted):
        for target, referenced in references:
            digests[references_key(target)] = _digest(referenced)
    return digests
