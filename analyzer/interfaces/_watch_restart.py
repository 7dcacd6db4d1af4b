"""Why and how ``shoal watch`` restarts itself in a new process.

Some changes cannot be absorbed by the running watch: a local plugin's source changed (the
forked workers and the master hold the old module), or the project outgrew the heap and
tables sized at startup and the session could not move to a larger heap
(``engine._heap_moves``: the copy or the workers' zygote failed). The watch loop
(:mod:`._watch`) raises and catches these exceptions and then runs :data:`RESTART_CODE` by
``os.execv``; what a restart needs is kept here, apart from the loop.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Iterable
from typing import Any

#: What the restarted watch runs. Not ``python -m``: that puts the working directory first on
#: ``sys.path``, and a project with its own ``plugins/``, ``analyzer/`` or ``parallel/`` package
#: would shadow shoal's (``-c`` puts it there too, as ``''``, which is why it is removed first).
RESTART_CODE = ("import sys; del sys.path[0]; "
                "from analyzer.interfaces import main; sys.exit(main())")


def _drop_bytecode(sources: Iterable[str]) -> None:
    # A .pyc is trusted when the source's mtime (whole seconds) and size match: an edit in
    # the same second that keeps the size would restart the watch on the old rule.
    for source in sources:
        with contextlib.suppress(OSError, ValueError):
            os.unlink(importlib.util.cache_from_source(source))


class PluginChanged(Exception):
    """A local plugin's source changed: the watch restarts in a new process."""


def _outgrown(exc: BaseException) -> str:
    from heap_native import DepTableFull, HashTableFull

    cause = exc.__cause__
    what = ("its hash table" if isinstance(cause, HashTableFull)
            else "its dependency table" if isinstance(cause, DepTableFull) else "its heap")
    return f"the project outgrew {what}, sized when the watch started"


class SessionOutgrown(Exception):
    """The project outgrew the session's heap: the watch restarts in a new process, sized
    for the project as it is now (the cache carries the last state over)."""


def plugin_sources(registry: Any) -> set[str]:
    """The absolute paths of the files defining the non-built-in rules of ``registry``."""
    found = set()
    for info in registry:
        if info.cls is None or info.origin == "built-in":
            continue
        module = sys.modules.get(info.cls.__module__)
        path = getattr(module, "__file__", None)
        if path:
            found.add(os.path.abspath(path))
    return found
