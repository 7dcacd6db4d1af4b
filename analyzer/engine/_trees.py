"""Module trees in the shared heap: phase 1 stores the ``ast`` of each module a project rule
will read, and phase 2 loads it instead of reading and parsing the file again.

Only when a selected project rule declares ``NEEDS_TREE``: the default rule set stores no
tree. A tree is keyed like the module's facts (module, content digest, path), so it is
taken back and swept with them, and an unchanged module keeps its tree from one recheck to
the next: unchanged content is parsed once per session (small files and dropped trees
aside, below).

Trees are the first thing the heap gives up. A worker stores its bucket's trees after its
facts, and not at all when that would leave less than :data:`HEADROOM` of the heap free
(facts still to come need the room more); a tree that does not fit is simply not stored,
and phase 2 parses that module again. Should facts still fail for lack of room while trees
hold some, the session drops every tree and runs the update again without them
(``Session._update``).

The encoding is :mod:`analyzer.engine._tree_codec`'s: pickle protocol 5 with each node
rebuilt by ``__new__`` and its state dict installed as its ``__dict__`` (no BUILD), lz4 from
a kilobyte, behind a header naming the format and the Python; an entry of another format or
Python loads as no tree. Loading runs with the cyclic garbage collector paused: a tree is
many small containers, and collections triggered by their allocation would cost a fifth of
the load. A file under :data:`PARSE_BELOW` characters would store its text instead, and the
load parse it (the same content as its facts, whatever the disk holds); with this codec no
size of file is faster to parse than to load, so the threshold is 0.
"""
from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analyzer.engine._collector import collector_paused
from analyzer.frontend import parse_module, source_text

if TYPE_CHECKING:
    from analyzer.rules import ProjectRule
    from heap_native import Codec, HeapTable

__all__ = ["HEADROOM", "PARSE_BELOW", "TREES_TABLE", "TreeTally", "codec", "drop_trees",
           "encode_tree", "load_tree", "needs_trees", "parse_again", "store_trees",
           "tree_provider"]

#: Heap table of trees; its keys are the facts keys (``jobs.facts_key``).
TREES_TABLE = "ast"

#: A worker stores trees only while this share of the heap stays free after them: the facts
#: of the files still to come must fit, and a worker cannot know how many are left.
HEADROOM = 0.25

#: Files shorter than this (characters) store their text in place of the tree, and loading
#: parses it (the content stays the facts' own): for a class of files faster to parse than to
#: load. There is none with the tree codec (``bench/tree_bench.py``, ``--parse-below`` tries
#: a threshold): on the standard library's files under 250 bytes a load costs 0.88x an
#: ``ast.parse`` and the text parsed again 1.08x, from 250 to 500 bytes 0.65x against 1.06x;
#: only empty files parse faster, by half a microsecond. (With the tables' default pickle
#: it was 500: under it a tree cost 1.39x.)
PARSE_BELOW = 0


def needs_trees(project_rules: Iterable[type[ProjectRule]]) -> bool:
    """Whether any of ``project_rules`` reads the module's tree (``NEEDS_TREE``) or other
    modules' trees (``READS_TREES``, ``_tree_reads``)."""
    return any(rule.NEEDS_TREE or rule.READS_TREES for rule in project_rules)


_CODECS: list[Codec] = []


def codec() -> Codec:
    """The trees' encoding (:class:`~analyzer.engine._tree_codec.TreeCodec`): pickle
    protocol 5 with a node reduction of its own, lz4 (high compression) from a kilobyte."""
    if not _CODECS:
        # Made on first use: a warm cache hit imports this module but never the heap.
        from analyzer.engine._tree_codec import TreeCodec

        _CODECS.append(TreeCodec())
    return _CODECS[0]


def _table(heap: Any) -> HeapTable:
    # No per-process cache of decoded trees: each is read once per phase and they are big.
    return heap.table(TREES_TABLE, codec=codec(), cache_size=0)


def encode_tree(tree: ast.Module, text: str) -> bytes | None:
    """The bytes the heap stores for ``tree`` parsed from ``text``: the pickled tree, or the
    text itself below :data:`PARSE_BELOW` characters; None for a tree the pickler cannot take
    (nested deeper than the recursion limit allows): phase 2 parses that module again."""
    try:
        return codec().encode(text if len(text) < PARSE_BELOW else tree)
    except (RecursionError, MemoryError):
        return None


def store_trees(heap: Any, trees: Sequence[tuple[str, bytes | None]]) -> int:
    """Store ``(facts key, encoded tree)`` pairs where the heap has room; return how many
    were not stored (phase 2 parses those modules again)."""
    from heap_native import HashTableFull, HeapFull, ValueTooLarge

    if not trees:
        return 0
    table = _table(heap)
    stats = heap.stats()
    room = stats.heap_capacity - stats.used_bytes - int(HEADROOM * stats.heap_capacity)
    dropped = 0
    for key, stored in trees:
        if stored is None or len(stored) > room:
            dropped += 1
            continue
        try:
            heap.add(table.heap_key(key), stored)
        except (HeapFull, HashTableFull, ValueTooLarge):
            dropped += 1
            continue
        room -= len(stored)
    return dropped


def load_tree(heap: Any, key: str) -> ast.Module | None:
    """The tree phase 1 stored under ``key`` (a facts key), or None when there is none (or
    only one of another format or Python, which the codec does not read)."""
    table = _table(heap)
    stored = heap.get(table.heap_key(key))
    if stored is None:
        return None
    with collector_paused():
        value = codec().decode(stored)
        if isinstance(value, str):  # a small file's text (PARSE_BELOW)
            value = parse_module(value, filename=key)
    tree: ast.Module | None = value
    return tree


def parse_again(path: str, source: bytes | None, read: Callable[[str], bytes]) -> ast.Module:
    """The module's tree parsed from ``source`` (the bytes a task carries) or the file."""
    text = source_text(path, read(path) if source is None else source)
    with collector_paused():
        return parse_module(text, filename=path)


def tree_provider(heap: Any, key: str, path: str, source: bytes | None,
                  read: Callable[[str], bytes]) -> Callable[[], ast.Module]:
    """What phase 2 hands the project rules: the stored tree, else one parsed again (a
    tree dropped for room, a dask worker's snapshot that holds none)."""

    def tree() -> ast.Module:
        loaded = load_tree(heap, key)
        return loaded if loaded is not None else parse_again(path, source, read)

    return tree


def drop_trees(heap: Any, keys: Iterable[str]) -> int:
    """Remove the trees stored under ``keys`` (master only, between phases); how many were."""
    table = _table(heap)
    return sum(1 for key in keys if table.remove(key))


@dataclass
class TreeTally:
    """A session's trees: whether phase 1 stores them, and how many it stored and dropped."""

    #: phase 1 stores trees (a selected project rule needs them, the jobs run on the fork pool)
    store: bool = False
    #: trees stored by this session's updates
    stored: int = 0
    #: trees not stored for lack of room (or too deep to pickle): phase 2 parsed them again
    dropped: int = 0
    #: the heap could not hold the facts beside the trees: every tree was dropped and the
    #: session stores none any more
    given_up: bool = False

    def count(self, heap: Any, keys: Iterable[str]) -> None:
        """Count which of ``keys`` (the modules phase 1 should have stored) hold a tree."""
        table = _table(heap)
        for key in keys:
            if table.contains(key):
                self.stored += 1
            else:
                self.dropped += 1

    def as_dict(self) -> dict[str, int | bool]:
        """The figures, for ``CheckResult.stats["trees"]``."""
        return {"stored": self.stored, "dropped": self.dropped, "given_up": self.given_up}
