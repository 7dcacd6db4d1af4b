"""Step 5 of an update, in the master: the dependency edges, the next committed state, the
heap's sweep and the findings (``Session._commit`` keeps what goes beside the state).

The update's maps were drafted over the committed ones (``_versions.Overlay``); here they
are written into them, so a commit costs what moved, and the state it replaces reads its
own version through undo records from then on.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analyzer.engine._draft import Draft, touched
from analyzer.engine._edge_log import EdgeLog, commit_edges
from analyzer.engine._findings import FinishMemo, final_diagnostics
from analyzer.engine._hygiene import sweep
from analyzer.engine._invalidation import next_readers
from analyzer.engine._state import SessionState
from analyzer.engine._versions import Overlay, settle
from analyzer.rules import Diagnostic

__all__ = ["next_state"]


def next_state(heap: Any, plan: Any, memo: FinishMemo, old: SessionState, draft: Draft,
               log: EdgeLog, started: int, added_ctx: set[str], everything: bool,
               grow: Callable[[int], Any] | None = None) -> tuple[SessionState, EdgeLog]:
    """The state after ``draft`` and the edge log after it (``log``: the one ``old`` goes
    with, written in place; empty when none does). ``grow(edges)``: the heap, moved to one
    whose dependency table holds that many edges, or None when it cannot be.

    :raises analyzer.engine._plan.CheckError: the dependency table cannot hold the edges
        (nothing of the state was written yet)."""
    from analyzer.engine._plan import CheckError
    from heap_native import DepTableFull, HeapError

    recheck, gone = draft.recheck, draft.changes.gone
    # Only the rechecked and vanished modules' findings move (project ⊆ modules).
    project: Overlay[str, tuple[Diagnostic, ...]] = Overlay(old.project)
    for m in recheck | gone:
        project.pop(m, None)
    for m, found in draft.project.items():
        project[m] = found
    readers = next_readers(old.readers, recheck, draft.edges, gone)
    try:
        try:
            log = commit_edges(heap, log, old.readers, recheck | gone, gone, draft.edges,
                               everything)
        except DepTableFull:
            # How many edges a module records is known only now (networkx's modules read
            # 445 keys each on average, the stdlib's 22). commit_edges may be run again:
            # each of its removals and adds leaves an edge already done as it is.
            bigger = None if grow is None else grow(
                heap.stats().dep_edges + sum(map(len, draft.edges.values())))
            if bigger is None:
                raise
            heap = bigger
            log = commit_edges(heap, log, old.readers, recheck | gone, gone, draft.edges,
                               everything)
    except HeapError as exc:
        raise CheckError(f"the dependency table cannot hold this project's edges: "
                         f"{exc}") from exc
    paths = None if everything else touched(old, draft)
    new = SessionState(cycles=draft.cycles, checked_at_ns=started, ctx_key=draft.ctx_key,
                       ctx_base=draft.ctx_base.key if draft.ctx_base is not None
                       else old.ctx_base if draft.ctx_key == old.ctx_key else "")
    for name, value in (("files", draft.files), ("modules", draft.modules),
                        ("interfaces", draft.changes.interfaces),
                        ("imports", draft.changes.imports), ("project", project),
                        ("readers", readers)):
        settle(old, new, name, value)
    sweep(heap, old, new, added_ctx, draft.reparsed | draft.removed)
    new.diagnostics = final_diagnostics(new, plan, memo, paths)
    # With the file set kept, so is every task's ``report``.
    new.files_checked = old.files_checked if draft.kept_files else sum(
        1 for fs in new.files.values() if fs.task.report)
    return new, log
