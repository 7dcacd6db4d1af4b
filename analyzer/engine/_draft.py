"""One update's records in the master: its callbacks and what it put in the heap, the
draft of steps 1 to 4 (computed, not committed), and the paths whose findings it may have
changed."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from analyzer.engine._ctx_patch import ContextBase
from analyzer.engine._delta import TaskLayout
from analyzer.engine._invalidation import ModuleChanges
from analyzer.engine._state import FileState, SessionState
from analyzer.rules import Diagnostic

__all__ = ["Draft", "Interrupt", "Progress", "Run", "touched"]

Progress = Callable[[str, int, int], None]
Interrupt = Callable[[], bool]


def touched(old: SessionState, draft: Draft) -> set[str] | None:
    """The paths whose findings an update may have changed (None: any): its files, the
    owners of the modules it rechecked, and the files of the import cycles when those
    changed; None when an import changed, which may move an F401 fix's safety anywhere."""
    if draft.changes.imports_changed:
        return None
    out = set(draft.reparsed)
    out.update(draft.removed)
    for m in draft.recheck | draft.changes.gone:
        for modules in (draft.modules, old.modules):
            entry = modules.get(m)
            if entry is not None:
                out.add(entry[1])
    if draft.cycles is not old.cycles:
        files = {fs.task.display: path for path, fs in draft.files.items()}
        out.update(files[d.path] for d in (*old.cycles, *draft.cycles) if d.path in files)
    return out


@dataclass
class Run:
    """One update's callbacks, and what it put in the heap (taken back if it fails)."""

    progress: Progress | None
    interrupt: Interrupt | None
    added_keys: set[str] = field(default_factory=set)
    added_ctx: set[str] = field(default_factory=set)


@dataclass
class Draft:
    """An update computed but not committed (steps 1 to 4 of :meth:`Session._update`)."""

    #: (mappings: an update that keeps the file set drafts them over the state's own)
    files: Mapping[str, FileState]
    modules: Mapping[str, tuple[str, str]]
    changes: ModuleChanges
    #: the modules whose project findings and edges are replaced (ran, or no longer run).
    recheck: set[str]
    #: the reported, parsed modules among them: phase 2 ran on these.
    eligible: list[str]
    project: dict[str, tuple[Diagnostic, ...]]
    edges: dict[str, tuple[int, ...]]
    ctx_key: str
    cycles: list[Diagnostic]
    #: the paths phase 1 ran on
    reparsed: set[str] = field(default_factory=set)
    #: who references whom after the update, when a selected rule reads references
    referrers: Mapping[str, tuple[str, ...]] | None = None
    #: the base of the phase-2 context in force, when the master knows it (``_ctx_patch``)
    ctx_base: ContextBase | None = None
    #: the paths of the state's files that no other file replaced: gone
    removed: set[str] = field(default_factory=set)
    #: the task layout after the update (``_delta``)
    layout: TaskLayout | None = None
    #: the update kept the committed file set and tasks (but for content: ``_delta``)
    kept_files: bool = False
    #: the writers of ``sys.modules`` after the update, when phase 2's context named them
    writers: dict[str, tuple[str, ...]] | None = None
