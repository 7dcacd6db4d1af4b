"""The stop flag: one shared page that the master raises to ask running jobs to stop.

The page is an anonymous ``MAP_SHARED`` mapping made before the workers fork, so it needs no
heap and no file descriptor; every worker (and every replacement the zygote forks) sees the
same four bytes.
"""

from __future__ import annotations

import mmap
import struct

_FLAG = struct.Struct("=I")

#: the page ``should_stop()`` reads in this process: set in a worker after fork, and in the
#: master while a ``workers=0`` call runs
_current: mmap.mmap | None = None


def new_page() -> mmap.mmap:
    """Map a fresh shared page with the flag down."""
    page = mmap.mmap(-1, mmap.PAGESIZE, flags=mmap.MAP_SHARED)
    _FLAG.pack_into(page, 0, 0)
    return page


def set_flag(page: mmap.mmap, up: bool) -> None:
    """Raise or lower the flag on ``page``."""
    _FLAG.pack_into(page, 0, 1 if up else 0)


def flag_is_up(page: mmap.mmap) -> bool:
    """Read the flag on ``page``."""
    return _FLAG.unpack_from(page, 0)[0] != 0


def use_page(page: mmap.mmap | None) -> None:
    """Make ``should_stop()`` read ``page`` in this process (None: always False)."""
    global _current
    _current = page


def should_stop() -> bool:
    """True when the running call is being stopped: a job checks it between items.

    A job that sees it may return or raise anything: the master discards the reply of every
    bucket that was running when it raised the flag and lists its items as unfinished.
    Outside a call (or with no pool) it is False.
    """
    page = _current
    return page is not None and not page.closed and _FLAG.unpack_from(page, 0)[0] != 0
