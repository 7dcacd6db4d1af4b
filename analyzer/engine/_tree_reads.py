"""Other modules' trees, for ``ProjectIndex.tree`` (a project rule that sets ``READS_TREES``).

A rule may read any project module's ``ast`` tree through the index, a read that records
``content[module]``: the module's whole content, fired by every edit of it (docs/contracts.md
§3, §4). The tree handed out is always that of the content the module's facts were
extracted from, whichever way it comes:

1. from the heap, where phase 1 stored it (``_trees``: with ``READS_TREES`` selected it
   stores every module's tree, not only the reported modules');
2. parsed again from the module's content: an editor buffer's or standard input's bytes
   (carried in the run context), or, on dask, the bytes the master shipped with phase 2
   (:func:`project_sources`);
3. parsed again from its file, when the file's bytes are still those phase 1 digested.

When none of these holds that content (the file changed since phase 1, or cannot be read),
or it does not parse, the answer is None: the change is seen by the next recheck, which
fires ``content[module]`` and so rechecks the reader with the new content.
"""
from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from analyzer.engine._trees import load_tree, parse_again
from analyzer.frontend import content_digest, is_extension

if TYPE_CHECKING:
    from analyzer.rules import ProjectRule

__all__ = ["module_tree", "project_sources", "reads_trees"]


def reads_trees(project_rules: Iterable[type[ProjectRule]]) -> bool:
    """Whether any of ``project_rules`` reads other modules' trees (``READS_TREES``)."""
    return any(rule.READS_TREES for rule in project_rules)


def module_tree(heap: Any, key: str, digest: str, path: str, content: bytes | None,
                read: Callable[[str], bytes] | None) -> ast.Module | None:
    """The tree of the module whose facts key is ``key`` and content digest ``digest``: the
    heap's, else ``content`` parsed, else the file at ``path`` read with ``read`` (None: a
    worker that may not read files); None when that content is not at hand or does not
    parse."""
    if heap is not None:
        loaded = load_tree(heap, key)
        if loaded is not None:
            return loaded
    data = content
    if data is None:
        if read is None:
            return None
        try:
            data = read(path)
        except OSError:
            return None
    if content_digest(data) != digest:
        return None  # changed since phase 1: the next recheck fires content[module]
    try:
        return parse_again(path, data, _never_read)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # ValueError: undecodable bytes (SourceDecodeError) or a NUL byte
        return None


def _never_read(path: str) -> bytes:  # pragma: no cover - parse_again is given the bytes
    raise AssertionError(f"{path}: the bytes were given")


def project_sources(modules: Mapping[str, tuple[str, str]], contents: Mapping[str, bytes],
                    read: Callable[[str], bytes]) -> dict[str, bytes]:
    """module -> the bytes of its content, for every module of ``modules`` (module ->
    (content digest, path)) whose content is at hand: ``contents`` (buffers, stdin) or its
    file while it still has that digest. What a dask master ships with phase 2 when a rule
    reads trees: its workers have no shared heap and may not see the files. Compiled
    extension modules have no source and are left out."""
    out: dict[str, bytes] = {}
    for module, (digest, path) in modules.items():
        data = contents.get(module)
        if data is None:
            if is_extension(path):
                continue
            try:
                data = read(path)
            except OSError:
                continue
        if content_digest(data) == digest:
            out[module] = data
    return out
