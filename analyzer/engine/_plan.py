"""A check's plan and result, and the heap's geometry sized from the project.

"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import analyzer.engine._jobs as jobs
from analyzer.frontend import Config, Discovery, SourceFile
from analyzer.loading import Registry
from analyzer.rules import Diagnostic

#: Heap sizing from the project: facts are a small multiple of the source; the heap is
#: reserved lazily (MAP_NORESERVE + fallocate in chunks), so a generous virtual size is free.
MIN_HEAP_BYTES = 64 << 20
HEAP_BYTES_PER_SOURCE_BYTE = 4
#: What stored trees add when a project rule needs them: 1.45 bytes of lz4-packed pickle per
#: source byte on the standard library (``bench/tree_bench.py``), with room to spare.
TREE_BYTES_PER_SOURCE_BYTE = 2
MIN_HASH_SLOTS = 1 << 12
MIN_DEP_SLOTS = 1 << 16
EDGES_PER_MODULE = 64


class CheckError(Exception):
    """The check cannot go on (the heap cannot hold the facts, ...): exit code 2."""


class HeapTooSmall(CheckError):
    """The session's heap or tables, sized from the files found when it opened, cannot hold
    the project as it is now; a session opened now would be sized for it (``sized_by_shoal``:
    no ``heap-size`` was given, so a restart is the cure)."""

    def __init__(self, message: str, sized_by_shoal: bool) -> None:
        super().__init__(message)
        self.sized_by_shoal = sized_by_shoal


@dataclass(frozen=True)
class CheckPlan:
    """Everything a check needs, resolved from the command line and the configuration."""

    config: Config
    discovery: Discovery
    registry: Registry
    selected: frozenset[str]
    workers: int
    #: The bytes of the file named by ``--stdin-filename`` (read from ``-``), if any.
    stdin: bytes | None = None
    #: Where the warm cache lives (``--cache-dir``, ``$SHOAL_CACHE_DIR``, else
    #: ``.shoal_cache`` in the project root); ``None`` with ``--no-cache``.
    cache_dir: Path | None = None
    #: ``--scheduler``: ``"local"`` or a dask scheduler address; ``None`` forks workers.
    scheduler: str | None = None
    #: another check runs in this process after this one (``check_projects``): its phase 2
    #: stays in workers, since what the master decoded for it would stay in the master's
    #: heap, fragmented, under the next check's workers (``Dispatch.phase2_in_master``)
    followed: bool = False


@dataclass
class CheckResult:
    """What a check found, sorted, with suppressions applied."""

    diagnostics: list[Diagnostic]
    files_checked: int
    registry: Registry
    selected: frozenset[str]
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def internal_errors(self) -> int:
        """How many SH900 findings there are (they make the exit code 2)."""
        return sum(1 for d in self.diagnostics if d.code == "SH900")


def _pow2_at_least(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


def heap_geometry(files: list[SourceFile], heap_size: int | None, *,
                  trees: bool = False) -> dict[str, int]:
    """Heap bytes, hash slots and dependency slots sized from the project (``trees``: phase 1
    stores the modules' trees too)."""
    total = 0
    for f in files:
        if f.is_extension:
            continue  # never read: only its name is in the heap
        try:
            total += os.stat(f.path).st_size
        except OSError:
            pass
    per_byte = HEAP_BYTES_PER_SOURCE_BYTE + (TREE_BYTES_PER_SOURCE_BYTE if trees else 0)
    size = heap_size or max(MIN_HEAP_BYTES, total * per_byte)
    return {
        "heap_size": size,
        "hash_slots": hash_slots_for(len(files)),
        "dep_slots": dep_slots_for(EDGES_PER_MODULE * len(files)),
    }


def hash_slots_for(files: int) -> int:
    """Hash-table slots for a project of ``files`` files (its facts, contexts and trees)."""
    return max(MIN_HASH_SLOTS, _pow2_at_least(8 * files + 64))


def dep_slots_for(edges: int) -> int:
    """Dependency-table slots for ``edges``: linear probing stays short at half full."""
    return max(MIN_DEP_SLOTS, _pow2_at_least(2 * edges))


def default_workers() -> int:
    """All cores this process may use."""
    return jobs.worker_cpu_count()
