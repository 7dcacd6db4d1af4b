"""Dependency keys and their 32-bit ids (docs/contracts.md, section 4).

A reader that looked something up depends on a key; when an edit changes what a key
describes, every reader recorded under it is rechecked. Keys are strings:

- ``mod``       the module as a whole (exists, parses, is a package, dynamic ``__all__``...)
- ``mod:name``  one module-level name
- ``mod:*``     the public-name set and ``__all__`` (what star importers read)
- ``*``         the set of project modules (readers that iterate over the project)
- ``sys.modules[]``  the modules the project's ``sys.modules`` writes may plant
- ``fact[NAME]:mod``  one module's value of the plugin fact extractor ``NAME``
- ``fact[NAME]``      every module's value of ``NAME`` (readers that iterate over them)
- ``ref[mod]``   the names other modules reference in ``mod`` (SH005: is a definition used?)
- ``content[mod]``  the module's whole content: fired by every edit of it (``ProjectIndex.tree``)
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from analyzer.core import blake2b

#: Key of the set of project modules, recorded by ``ProjectIndex.modules()``.
MODULES_KEY = "*"

#: Key of what the project's ``sys.modules`` writes may plant: read by every answer that
#: would be MISSING, fired by a module whose ``dynamic_modules`` change. Also the name of
#: that digest entry (no module or symbol key can contain brackets).
SYS_MODULES_KEY = "sys.modules[]"

#: Name of the digest entry that holds a module's content digest (the digest of its file's
#: bytes, as in the module map), in the module's own digest map; it fires
#: :func:`content_key`. Brackets keep it apart from every name a module can bind.
CONTENT_ENTRY = "content[]"


def module_key(module: str) -> str:
    """Key of a module as a whole."""
    return module


def symbol_key(module: str, name: str) -> str:
    """Key of one module-level name."""
    return f"{module}:{name}"


def star_key(module: str) -> str:
    """Key of a module's public-name set and ``__all__``."""
    return f"{module}:*"


def plugin_fact_key(name: str, module: str) -> str:
    """Key of one module's value of the plugin fact extractor ``name``.

    Also, without the module part, the name of that value's interface digest entry; no
    module or symbol key can contain brackets, so neither collides with the others.
    """
    return f"fact[{name}]:{module}"


def plugin_facts_key(name: str) -> str:
    """Key of every module's value of the extractor ``name``: fired by any change of one
    (appeared, changed interface, gone), read by ``ProjectIndex.plugin_facts``."""
    return f"fact[{name}]"


def references_key(module: str) -> str:
    """Key of the names other project modules reference in ``module`` (imports, attribute
    chains), read by ``ProjectIndex.references``.

    Also the name of the digest entry, in each referencing module's digest map, of the names
    it references in ``module``: when that entry appears, changes or goes, the key fires, so
    a body edit that adds or drops a module's last reference to ``module`` rechecks exactly
    ``module``'s readers of it. Brackets keep it apart from module and symbol keys.
    """
    return f"ref[{module}]"


def content_key(module: str) -> str:
    """Key of a module's whole content, read by ``ProjectIndex.tree``: fired whenever the
    module's ``"content[]"`` digest entry (its content digest) changes, appears or goes, so
    by any edit of it, a body-only one included, and by its deletion or rename."""
    return f"content[{module}]"


def key_owner(key: str) -> str:
    """The module a key describes, or the key itself for one that describes the project
    (``*``, ``sys.modules[]``, ``fact[NAME]``): ``pkg.mod`` for ``pkg.mod``, ``pkg.mod:name``,
    ``pkg.mod:*``, ``fact[NAME]:pkg.mod``, ``ref[pkg.mod]`` and ``content[pkg.mod]``."""
    for prefix in ("content[", "ref["):
        if key.startswith(prefix) and key.endswith("]"):
            return key[len(prefix):-1]
    if key.startswith("fact["):
        _name, bracket, rest = key.partition("]")
        return rest[1:] if bracket and rest.startswith(":") else key
    return key.split(":", 1)[0]


def dep_id(key: str) -> int:
    """Stable 32-bit id of a key: blake2b (4-byte digest, little-endian); never 0.

    0 marks an empty slot in the heap's dependency table, so it maps to 1; two keys sharing
    an id only cause extra rechecks, never a missed one.
    """
    # A module name may carry a non-UTF-8 folder name (surrogate-escaped, contracts §5).
    raw = key.encode("utf-8", "surrogateescape")
    value = int.from_bytes(blake2b(raw, digest_size=4).digest(), "little")
    return value or 1


def dep_ids(keys: Iterable[str]) -> list[int]:
    """:func:`dep_id` of each of ``keys``, aligned (one loop: a view names tens of thousands)."""
    return [int.from_bytes(blake2b(key.encode("utf-8", "surrogateescape"), digest_size=4)
                           .digest(), "little") or 1 for key in keys]


def changed_keys(
    module: str, old: Mapping[str, str] | None, new: Mapping[str, str] | None
) -> set[str]:
    """Keys to fire when a module's interface digests go from ``old`` to ``new``.

    ``None`` means the module did not exist: then every key of the side that exists fires,
    the module key included. Digest maps come from ``analyzer.facts.interface_digests``,
    whose ``"*"`` entry maps to ``mod:*``, ``""`` entry to ``mod``, ``sys.modules[]``
    entry to the project-wide :data:`SYS_MODULES_KEY`, a ``fact[NAME]`` entry to both
    ``fact[NAME]:mod`` and ``fact[NAME]``, a ``ref[T]`` entry to the key ``ref[T]``, and the
    ``content[]`` entry (:data:`CONTENT_ENTRY`) to ``content[mod]``.
    """
    if old is None and new is None:
        return set()
    if old is None or new is None:
        present = new if old is None else old
        assert present is not None
        keys = {module_key(module)}
        prefix = f"{module}:"
        for name in present:
            # Most entries are plain names (bracketed, "" and "*" ones are named otherwise):
            # a cold check and the view name every module's keys this way.
            if name and name != "*" and "[" not in name:
                keys.add(prefix + name)
            else:
                keys.update(_keys_of(module, name))
        return keys
    keys = set()
    for name in old.keys() | new.keys():
        if old.get(name) != new.get(name):
            keys.update(_keys_of(module, name))
    return keys


def _keys_of(module: str, digest_name: str) -> tuple[str, ...]:
    if digest_name == "":
        return (module_key(module),)
    if digest_name == "*":
        return (star_key(module),)
    if digest_name == SYS_MODULES_KEY:
        return (SYS_MODULES_KEY,)
    if digest_name == CONTENT_ENTRY:
        return (content_key(module),)
    if digest_name.startswith("ref["):
        # Named by its key already: the target module's, not this module's.
        return (digest_name,)
    if digest_name.startswith("fact["):
        # A plugin fact's entry is named by its project-wide key (see plugin_facts_key).
        return (f"{digest_name}:{module}", digest_name)
    return (symbol_key(module, digest_name),)
