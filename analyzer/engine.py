"""A check's plan and result, and ``run_check``: a :class:`analyzer.session.Session`'s
first update (or a warm one from the cache).

DESIGN §1's data path. The master creates the heap before any worker exists, forks the pool,
runs phase 1 (files) and phase 2 (modules) as two ``map_reduce`` calls, computes the import
cycles itself from every module's facts, then applies suppressions and sorts, so the output
is identical whatever the worker count. The machinery lives in ``analyzer.session`` so that
a cold check and an incremental recheck are one code path.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer import jobs
from analyzer.config import Config
from analyzer.discovery import Discovery, SourceFile
from analyzer.registry import Registry
from analyzer.rules import Diagnostic

#: Heap sizing from the project: facts are a small multiple of the source; the heap is
#: reserved lazily (MAP_NORESERVE + fallocate in chunks), so a generous virtual size is free.
MIN_HEAP_BYTES = 64 << 20
HEAP_BYTES_PER_SOURCE_BYTE = 4
MIN_HASH_SLOTS = 1 << 12
MIN_DEP_SLOTS = 1 << 16
EDGES_PER_MODULE = 64


class CheckError(Exception):
    """The check cannot go on (the heap cannot hold the facts, ...): exit code 2."""


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


def heap_geometry(files: list[SourceFile], heap_size: int | None) -> dict[str, int]:
    """Heap bytes, hash slots and dependency slots sized from the project."""
    total = 0
    for f in files:
        if f.is_extension:
            continue  # never read: only its name is in the heap
        try:
            total += os.stat(f.path).st_size
        except OSError:
            pass
    size = heap_size or max(MIN_HEAP_BYTES, total * HEAP_BYTES_PER_SOURCE_BYTE)
    return {
        "heap_size": size,
        "hash_slots": max(MIN_HASH_SLOTS, _pow2_at_least(8 * len(files) + 64)),
        "dep_slots": max(MIN_DEP_SLOTS, _pow2_at_least(2 * EDGES_PER_MODULE * len(files))),
    }


def run_check(
    plan: CheckPlan,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> CheckResult:
    """Check the plan's files with its selected codes: warm from the cache when the plan
    names one that is valid, else cold; the output is the same either way."""
    from analyzer.session import Session

    if plan.cache_dir is not None and plan.stdin is None and plan.scheduler is None:
        from analyzer.cache import cached_check

        return cached_check(plan, progress=progress)
    with Session(plan) as session:
        session.check(progress=progress)
        return session.result()


def default_workers() -> int:
    """All cores this process may use."""
    return jobs.worker_cpu_count()
