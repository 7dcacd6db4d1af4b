"""``workspace/executeCommand``: ``shoal.fixAll`` applies every safe fix of the workspace
through the client's ``workspace/applyEdit`` (the client owns the buffers: it edits open
ones in place and closed files as it sees fit)."""
from __future__ import annotations

from typing import Any

from lsprotocol import types

from analyzer.interfaces.server._actions import fix_all_edits
from analyzer.interfaces.server._convert import Converter
from analyzer.interfaces.server._documents import path_to_uri
from analyzer.interfaces.server._publish import disk_text

__all__ = ["FIX_ALL_COMMAND", "workspace_fix_all"]

FIX_ALL_COMMAND = "shoal.fixAll"


def workspace_fix_all(ls: Any) -> tuple[types.WorkspaceEdit, int]:
    """The edit applying every safe fix of every file, and how many files it touches.

    An open buffer edited since the last update is left out (its findings' positions are
    stale); the next update's findings cover it."""
    published = ls.published
    changes: dict[str, list[types.TextEdit]] = {}
    for path, found in sorted(published.found.items()):
        if not any(d.fix is not None and d.fix.applicability == "safe" for d in found):
            continue
        buffer = ls.documents.get(path)
        if buffer is not None:
            checked = published.current.get(path, ([], None))[1]
            if checked != buffer.text:
                continue
            text = buffer.text
        else:
            text = disk_text(path)
        edits = fix_all_edits(found, Converter(text, ls.encoding))
        if edits:
            changes[path_to_uri(path)] = edits
    return types.WorkspaceEdit(changes=changes), len(changes)


async def execute_fix_all(ls: Any) -> dict[str, Any]:
    """Send the workspace's safe fixes to the client; what it said."""
    edit, files = workspace_fix_all(ls)
    if not files:
        return {"applied": True, "files": 0}
    workspace = ls.client_capabilities.workspace
    if workspace is None or not workspace.apply_edit:
        return {"applied": False, "files": files,
                "reason": "the client does not accept workspace/applyEdit"}
    result = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(
        edit=edit, label="shoal: fix all safe fixes in the workspace"))
    return {"applied": bool(result.applied), "files": files,
            **({"reason": result.failure_reason} if result.failure_reason else {})}
