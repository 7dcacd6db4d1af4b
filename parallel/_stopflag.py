"""The stop flag and the progress counters: one shared page between the master and its workers.

The page is an anonymous ``MAP_SHARED`` mapping made before the workers fork, so it needs no
heap and no file descriptor; every worker (and every replacement the zygote forks) sees the
same bytes. The first four are the flag the master raises to ask running jobs to stop. From
byte 8 on, each worker slot has a counter its job bumps with ``tick()`` between items: the
master reads it to tell a slow bucket that moves from a stuck one (``job_timeout``).
"""

from __future__ import annotations

import mmap
import struct

_FLAG = struct.Struct("=I")
_COUNTER = struct.Struct("=Q")
_COUNTERS_AT = 8

#: the page ``should_stop()`` reads in this process: set in a worker after fork, and in the
#: master while a ``workers=0`` call runs
_current: mmap.mmap | None = None
#: this worker's counter slot (None in the master and outside the fork pool: ``tick()``
#: then does nothing)
_slot: int | None = None


def new_page(slots: int = 0) -> mmap.mmap:
    """Map a fresh shared page with the flag down and ``slots`` progress counters at 0."""
    size = _COUNTERS_AT + _COUNTER.size * slots
    pages = -(-size // mmap.PAGESIZE)
    page = mmap.mmap(-1, pages * mmap.PAGESIZE, flags=mmap.MAP_SHARED)
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


def use_slot(slot: int | None) -> None:
    """Make ``tick()`` bump counter ``slot`` of the page in use (None: ``tick()`` is a no-op)."""
    global _slot
    _slot = slot


def ticks(page: mmap.mmap, slot: int) -> int:
    """The progress counter of ``slot`` on ``page``."""
    offset = _COUNTERS_AT + _COUNTER.size * slot
    if page.closed or offset + _COUNTER.size > len(page):
        return 0
    value: int = _COUNTER.unpack_from(page, offset)[0]
    return value


def tick() -> None:
    """Tell the pool that the running job made progress: call it between items.

    A bucket's ``job_timeout`` counts from its start or from its job's last tick, so a job
    that ticks after each item may take as long as it needs in all, but no item may take
    longer than the timeout.  Outside a fork-pool worker it does nothing.
    """
    page, slot = _current, _slot
    if page is None or slot is None or page.closed:
        return
    offset = _COUNTERS_AT + _COUNTER.size * slot
    if offset + _COUNTER.size <= len(page):
        # Only this worker writes its slot; a wrap-around is still a change.
        value = (_COUNTER.unpack_from(page, offset)[0] + 1) & 0xFFFF_FFFF_FFFF_FFFF
        _COUNTER.pack_into(page, offset, value)


def should_stop() -> bool:
    """True when the running call is being stopped: a job checks it between items.

    A job that sees it may return or raise anything: the master discards the reply of every
    bucket that was running when it raised the flag and lists its items as unfinished.
    Outside a call (or with no pool) it is False.
    """
    page = _current
    return page is not None and not page.closed and _FLAG.unpack_from(page, 0)[0] != 0
