"""The cyclic garbage collector, paused while a worker builds and checks one file's tree.

A file's tree, scopes and rule state are many small containers that stay alive until the
file is done: the young collections their allocation triggers traverse them again and again
and promote them, to find nothing. Paused for the file, the collector does nothing there;
whatever the file leaves as cyclic garbage (a plugin rule's cycles) is all in the youngest
generation when the collector resumes, and goes in the first young collection after.
"""
from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["collector_paused"]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic cyclic collection inside; the collector is left as it was found."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
