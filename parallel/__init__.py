"""shoal's parallel core: pre-forked workers and map_reduce over buckets.

Usage::

    from parallel import WorkerPool

    def count_lines(paths):            # module-level: pickled by reference
        return sum(len(open(p).readlines()) for p in paths)

    with WorkerPool(workers=2) as pool:
        total = pool.map_reduce(count_lines, paths, merge=lambda part, acc: acc + part,
                                neutral=0)

The pool forks its workers once, when it is created; create it before any thread starts.
See ``WorkerPool.map_reduce`` for the failures a call can raise.
"""

from parallel._buckets import default_bucket_size, make_buckets
from parallel._errors import Cancelled, JobError, JobTimeout, PoolFailure, WorkerDied
from parallel._pool import WorkerPool
from parallel._stopflag import should_stop

__all__ = [
    "Cancelled",
    "JobError",
    "JobTimeout",
    "PoolFailure",
    "WorkerDied",
    "WorkerPool",
    "default_bucket_size",
    "make_buckets",
    "should_stop",
]
