"""The session's records: what it knows of each file, the committed state of the last update
(also what the warm cache pickles), and the report of one update."""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from analyzer.engine._tasks import FileTask

if TYPE_CHECKING:  # names for annotations only: the kept view imports this module
    from analyzer.engine._suppressions import NoqaMap
    from analyzer.frontend import Discovery
    from analyzer.model import ModuleFacts
    from analyzer.rules import Diagnostic

__all__ = ["FileState", "Recheck", "SessionState", "StatKey", "file_tasks", "stat_key",
           "state_from_parts", "state_parts"]

#: The fields the cache pickles after the rest, each group a pickle of its own
#: (``state_parts``): all a query's view (``engine._insight_delta``) needs of a state is the
#: rest (the modules and the readers; it makes the interfaces of the modules that changed
#: from their facts), and these cost nearly all of its unpickling. A pickler keeps a memo
#: entry, and a reference, for every object it writes until it is done: one group at a time,
#: the master holds the memo of the largest group rather than of them all. No object whose
#: identity matters is in two groups (the file states' diagnostics are the final list's, so
#: those go together); a string in two is read back as two.
HEAVY_GROUPS = (("files", "project", "cycles", "diagnostics"), ("imports",), ("interfaces",))
HEAVY_FIELDS = tuple(name for group in HEAVY_GROUPS for name in group)
#: The parts (``state_parts``' indexes) pickled without any memo: the interface digests,
#: names to digests, strings that nothing else holds.
MEMO_FREE_PARTS = frozenset({1 + HEAVY_GROUPS.index(("interfaces",))})


@dataclass(frozen=True, slots=True)
class FileState:
    """What the session knows about one file: its task, content identity and phase-1 output."""

    task: FileTask
    digest: str
    size: int
    mtime_ns: int
    parse_ok: bool
    diagnostics: tuple[Diagnostic, ...] = ()
    noqa: NoqaMap | None = None
    #: with ``size`` and ``mtime_ns``, the stat that vouches for ``digest`` (see StatKey).
    ctime_ns: int = 0
    ino: int = 0

    @property
    def stat(self) -> StatKey:
        """The stat the file had before it was read."""
        return StatKey(self.size, self.mtime_ns, self.ctime_ns, self.ino)


@dataclass
class SessionState:
    """The committed state of a session (also what the warm cache stores)."""

    #: path -> file state, for every file of phase 1. (Each map is a dict while the state is
    #: the session's; a state a commit replaced reads it through a ``_versions.Retired``.)
    files: dict[str, FileState] = field(default_factory=dict)
    #: owner module -> (content digest, path): the facts the index reads.
    modules: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: module -> interface digests (docs/contracts.md §2).
    interfaces: dict[str, dict[str, str]] = field(default_factory=dict)
    #: module -> facts reduced to what the import graph (SH003) and the writers of
    #: ``sys.modules`` (phase 2's index) need, without the heap.
    imports: dict[str, ModuleFacts] = field(default_factory=dict)
    #: module -> its project rules' diagnostics.
    project: dict[str, tuple[Diagnostic, ...]] = field(default_factory=dict)
    #: reader id -> the modules with that id whose edges are in the dependency table
    #: (several when ids collide).
    readers: dict[int, set[str]] = field(default_factory=dict)
    #: SH003 diagnostics, with display paths.
    cycles: list[Diagnostic] = field(default_factory=list)
    #: ``time.time_ns()`` when the last update started reading files.
    checked_at_ns: int = 0
    #: the heap key of the phase-2 context in force.
    ctx_key: str = ""
    #: the heap key of the whole context ``ctx_key`` patches (``_ctx_patch``), or ``ctx_key``
    ctx_base: str = ""
    #: the final, sorted diagnostics (``_final_list.Findings`` after an update).
    diagnostics: Sequence[Diagnostic] = field(default_factory=list)
    files_checked: int = 0

    # A commit writes the maps of the state it replaces into its own (``_versions``): the
    # replaced state then reads through undo records, which the cache never stores.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_undo_tails", None)
        return state


def state_parts(state: SessionState) -> list[Any]:
    """The values the cache pickles one after another: the light fields, then a dict per
    group of :data:`HEAVY_GROUPS` (``state_from_parts`` reads them back)."""
    light = state.__getstate__()
    return [light, *({name: light.pop(name) for name in group} for group in HEAVY_GROUPS)]


def state_from_parts(light: dict[str, Any], *heavy: dict[str, Any]) -> SessionState:
    """The state :func:`state_parts` took apart; without ``heavy``, a light one: what the
    view does not read is left empty, never half-read, and ``light`` is set on it."""
    state = SessionState.__new__(SessionState)
    state.__dict__.update(light)
    if not heavy:
        state.__dict__.update(files={}, interfaces={}, imports={}, project={}, cycles=[],
                              diagnostics=[], light=True)
    for group in heavy:
        state.__dict__.update(group)
    return state


@dataclass
class Recheck:
    """What one update did: for the watch status line and the tests."""

    files_changed: int
    modules_rechecked: frozenset[str]
    elapsed_ms: float
    new: list[Diagnostic]
    fixed: list[Diagnostic]
    previous_count: int
    rebuilt: bool = False

    @property
    def problem_count(self) -> int:
        """The problem count after the update."""
        return self.previous_count + len(self.new) - len(self.fixed)


def file_tasks(discovery: Discovery, stdin: bytes | None = None) -> list[FileTask]:
    """Phase 1's tasks for a discovery: every reported file plus every indexed module."""
    reported = discovery.reported
    tasks = []
    for f in discovery.files:
        report = f.path in reported
        if not report and (not f.indexed or not f.module):
            continue  # neither reported nor part of the index: nothing reads it
        tasks.append(FileTask(str(f.path), f.display, f.module if f.indexed else "",
                              f.is_package, report and not f.is_extension,
                              stdin if f.is_stdin else None, f.is_extension))
    return tasks


class StatKey(NamedTuple):
    """What a stat says of a file's content. mtime can be set back (``cp -p``, ``touch -r``,
    ``tar x``), ctime cannot: any write sets it to now; the inode catches a file renamed over
    another on file systems whose rename keeps ctime."""

    size: int
    mtime_ns: int
    ctime_ns: int
    ino: int


def stat_key(path: str | os.PathLike[str]) -> StatKey:
    """The file's :class:`StatKey`, all zeros when it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return StatKey(0, 0, 0, 0)
    return StatKey(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
