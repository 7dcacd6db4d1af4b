"""shoal's parallel core: pre-forked workers and map_reduce over buckets.

Usage::

    from parallel import WorkerPool

    def count_lines(paths):            # module-level: pickled by reference
        return sum(len(open(p).readlines()) for p in paths)

    with WorkerPool(workers=2) as pool:
        total = pool.map_reduce(count_lines, paths, merge=lambda part, acc: acc + part,
                                neutral=0)

The pool forks its workers once, when it is created; create it before any thread starts.
See ``WorkerPool.map_reduce`` for the failures a call can raise.  A job that calls ``tick()``
between items makes ``job_timeout`` bound each item instead of the whole bucket.

``DaskPool`` runs the same calls, for pure jobs, on a dask.distributed cluster (the optional
``shoal[distributed]`` extra); it and ``SchedulerUnreachable`` are loaded on first use, so
importing ``parallel`` never imports dask.
"""

import importlib
from typing import Any

from parallel._buckets import default_bucket_size, make_buckets
from parallel._errors import Cancelled, JobError, JobTimeout, PoolFailure, WorkerDied
from parallel._pool import WorkerPool
from parallel._process import hold_until_replied, pause_collector_until_replied
from parallel._stopflag import should_stop, tick

#: names loaded on first access, from the module that holds them
_LAZY = {
    "DaskPool": "parallel._dask",
    "SchedulerUnreachable": "parallel._dask",
    "Traffic": "parallel._dask_share",
    "shared_data": "parallel._dask_share",
}

__all__ = [
    "Cancelled",
    "DaskPool",
    "JobError",
    "JobTimeout",
    "PoolFailure",
    "SchedulerUnreachable",
    "Traffic",
    "WorkerDied",
    "WorkerPool",
    "default_bucket_size",
    "hold_until_replied",
    "make_buckets",
    "pause_collector_until_replied",
    "shared_data",
    "should_stop",
    "tick",
]


def __getattr__(name: str) -> Any:
    """Load the dask side (``DaskPool`` and its companions) on first access."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'parallel' has no attribute {name!r}")
