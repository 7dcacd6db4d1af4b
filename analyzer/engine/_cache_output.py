"""The output of a warm run, kept beside the cache generation whose findings it shows.

A run in which nothing changed prints what the previous run printed: the same findings,
rendered with the same options. Unpickling tens of thousands of findings and rendering them
again costs more than everything else such a run does (on a 20,000-file tree with 96,000
findings, over a second), so the rendered text is kept, named by the cache generation
(``findings-<generation>`` holds what it shows) and by a digest of the rendering options
(``render_key``: format, colour, paths' base...). A new generation (any change) makes the old
outputs unreachable, and the cache's write removes them with the rest of that generation.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from analyzer.engine._cache_files import CacheRejected

if TYPE_CHECKING:
    from analyzer.engine._plan import CheckPlan

__all__ = ["KeptOutput", "index_files", "keep_output", "kept_output", "witness_files"]

OUTPUT_MAGIC = b"shoal-cache-output\n"
_PREFIX = "output-"


def _name(generation: str, render_key: str) -> str:
    return f"{_PREFIX}{generation}-{render_key}.pickle"


def _usable(plan: CheckPlan) -> bool:
    # Unreadable directories add findings that discovery makes, not the cache.
    return (plan.cache_dir is not None and plan.stdin is None and plan.scheduler is None
            and not plan.discovery.unreadable)


class KeptOutput(NamedTuple):
    """A kept output, and the cache index it was shown from (what a front record needs)."""

    text: str
    code: int
    generation: str
    files: dict[str, Any]
    checked_at_ns: int


def kept_output(plan: CheckPlan, render_key: str) -> KeptOutput | None:
    """The output kept for ``render_key`` when every file is as the cache's index saw them
    and the output of the index's generation was kept; else None (check as usual)."""
    from analyzer.engine._cache import _open_cache, _unchanged

    if not _usable(plan):
        return None
    assert plan.cache_dir is not None
    try:
        # Nothing kept for these options in any generation: no need to read the index.
        suffix = f"-{render_key}.pickle"
        root = os.fspath(plan.cache_dir)
        if not any(n.startswith(_PREFIX) and n.endswith(suffix)
                   for key in os.listdir(root) if os.path.isdir(os.path.join(root, key))
                   for n in os.listdir(os.path.join(root, key))):
            return None
    except OSError:
        return None
    cache, index = _open_cache(plan)
    if index is None or not _unchanged(plan, cache, index):
        return None
    try:
        value = cache.read_sealed(_name(index["generation"], render_key), OUTPUT_MAGIC)
    except (OSError, CacheRejected):
        return None
    if (not isinstance(value, tuple) or len(value) != 3 or value[0] != render_key
            or not isinstance(value[1], str) or not isinstance(value[2], int)):
        return None
    return KeptOutput(value[1], value[2], index["generation"], index["files"],
                      index["checked_at_ns"])


def index_files(plan: CheckPlan, generation: str) -> tuple[dict[str, Any], int] | None:
    """The cache index's file map and check time, when the index is of ``generation``."""
    from analyzer.engine._cache import _open_cache

    if not _usable(plan):
        return None
    _, index = _open_cache(plan)
    if index is None or index.get("generation") != generation:
        return None
    return index["files"], index["checked_at_ns"]


def witness_files(files: dict[str, Any],
                  checked_at_ns: int) -> list[tuple[str, tuple[int, ...]]] | None:
    """(path, (size, mtime, ctime, inode)) of every file of a cache index's file map as it
    was read, when each stat alone vouches for the content read (``stat_vouches``); else
    None. What a front record (``interfaces._front``) names as its files."""
    from analyzer.engine._changes import RACY_WINDOW_NS

    limit = checked_at_ns - RACY_WINDOW_NS
    witnesses = []
    for path, known in files.items():
        stamp = tuple(known[4])
        if not known[5] or max(stamp[1], stamp[2]) >= limit:
            return None  # not read last time, or changed too close to the read to vouch
        if not any(stamp):
            # Absent and known by name (a build output not built yet): its folder's
            # witness, whose mtime its creation changes, stands for it.
            continue
        witnesses.append((path, stamp))
    return witnesses


def keep_output(plan: CheckPlan, generation: str, render_key: str, text: str,
                code: int) -> None:
    """Keep ``text`` (and the exit code) as the output of ``generation`` for ``render_key``."""
    from analyzer.engine._cache import _Cache
    from analyzer.engine._cache_keys import build_digest, cache_key

    if not _usable(plan):
        return
    assert plan.cache_dir is not None
    cache = _Cache(Path(plan.cache_dir), cache_key(plan), build_digest(plan.registry))
    umask = os.umask(0o077)
    try:
        cache.trust_root()
        if not (cache.dir / f"findings-{generation}.pickle").is_file():
            return  # that generation is gone (another run wrote the cache since)
        cache.write_sealed(_name(generation, render_key), OUTPUT_MAGIC,
                           (render_key, text, code))
    except (OSError, CacheRejected):
        pass  # the next run renders again, nothing worse
    finally:
        os.umask(umask)
