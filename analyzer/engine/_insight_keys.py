"""Each module's key record: the dependency keys its reads can name, made where its facts are.

The view of ``shoal deps`` (``engine._insight``) names the heap's 32-bit dependency ids by
enumerating every key the project can name and hashing it. The keys a module's reads can
record follow from its facts alone (its imports, its calls of imported names, its
re-exports), so phase 1 writes them beside the facts, in the heap table :data:`KEYS_TABLE`
under the same key, and the view reads one small record per module instead of decoding
every module's facts (on the standard library: 1.0 s of the 2.7 s the first query after a
check took). A record is taken back and swept with its facts (``_hygiene``).

A record is one byte (``1`` when the module has a static ``__all__``, else ``0``) then the
keys, newline-separated, UTF-8 with surrogate escapes (a module name may carry one).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from analyzer.model._depids import module_key, star_key, symbol_key

if TYPE_CHECKING:
    from analyzer.model import ModuleFacts

__all__ = ["KEYS_TABLE", "KeyRecord", "drop_key_records", "encode_record", "module_keys",
           "read_key_records", "store_key_records"]

#: Heap table of key records; its keys are the facts keys (``tasks.facts_key``).
KEYS_TABLE = "keys"


class KeyRecord(NamedTuple):
    """What the view needs of a module's facts."""

    #: the module has a static ``__all__`` (its public names are not its exports')
    with_all: bool
    #: the keys its reads can record
    keys: list[str]


def _chain_keys(dotted: str) -> list[str]:
    """The keys a lookup of ``a.b.c`` can record: each prefix as a module, and each next
    part as a name in it (``a``, ``a:b``, ``a.b``, ``a.b:c``, ``a.b.c``)."""
    parts = dotted.split(".")
    keys = [module_key(".".join(parts[:i])) for i in range(1, len(parts) + 1)]
    keys += [symbol_key(".".join(parts[:i]), parts[i]) for i in range(1, len(parts))]
    return keys


def module_keys(module: str, facts: ModuleFacts) -> set[str]:
    """Every key ``module``'s reads can record that it can name: the chains its imports,
    its calls of imported names and its re-exports name, and its star imports."""
    from analyzer.model import absolute_module

    keys: set[str] = set()
    chains: set[str] = set()
    bound: dict[str, str] = {}  # local name -> the dotted path it stands for
    for imp in facts.imports:
        target = absolute_module(module, facts.is_package, imp.level, imp.module)
        if target is None:
            continue
        chains.add(target)
        if imp.name == "*":
            keys.add(star_key(target))
        elif imp.name is not None:
            chains.add(f"{target}.{imp.name}")
            bound[imp.alias or imp.name] = f"{target}.{imp.name}"
        else:
            local = imp.alias or target.split(".")[0]
            bound[local] = target if imp.alias else local
    for call in facts.calls:
        head, _, rest = call.callee.partition(".")
        if head in bound:
            chains.add(f"{bound[head]}.{rest}" if rest else bound[head])
    for export in facts.exports:
        src = export.source
        target = None if src is None else absolute_module(
            module, facts.is_package, src.level, src.module)
        if src is not None and target is not None:
            chains.add(f"{target}.{src.name}" if src.name else target)
    for dotted in chains:
        keys.update(_chain_keys(dotted))
    return keys


def encode_record(module: str, facts: ModuleFacts) -> bytes:
    """The stored record of ``module`` with ``facts``."""
    flag = b"1" if facts.all_names is not None else b"0"
    return flag + "\n".join(module_keys(module, facts)).encode("utf-8", "surrogateescape")


def _decode(stored: bytes) -> KeyRecord:
    text = stored[1:].decode("utf-8", "surrogateescape")
    return KeyRecord(stored[:1] == b"1", text.split("\n") if text else [])


def _table(heap: Any) -> Any:
    # Raw bytes, no per-process cache: each record is read once per view build.
    return heap.table(KEYS_TABLE, codec="raw", cache_size=0)


def store_key_records(heap: Any, facts: Sequence[tuple[str, ModuleFacts]]) -> None:
    """Store the record of each ``(facts key, facts)`` pair beside its facts.

    :raises heap_native.HeapError: the heap cannot hold them (as for the facts)."""
    if facts:
        _table(heap).add_many([(key, encode_record(f.module, f)) for key, f in facts])


def read_key_records(heap: Any, keys: Iterable[str]) -> list[KeyRecord | None]:
    """The records stored under ``keys`` (facts keys), None where there is none."""
    return [None if raw is None else _decode(raw) for raw in _table(heap).get_many(keys)]


def drop_key_records(heap: Any, keys: Iterable[str]) -> None:
    """Remove the records stored under ``keys`` (master only, between phases)."""
    table = _table(heap)
    for key in keys:
        table.remove(key)
