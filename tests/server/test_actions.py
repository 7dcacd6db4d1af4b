"""Code actions applied and re-parsed, fix-all, noqa suppression, hover, disk changes."""
from __future__ import annotations

import pytest
from conftest import codes, serve, uri, write_project
from lsprotocol import types


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits (ASCII text: UTF-16 units are characters) from last to first."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(p: types.Position) -> int:
        return starts[p.line] + p.character

    for e in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[:offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
    return text


async def _actions(s, path, diags, only=None):
    return await s.client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri(path)),
        types.Range(types.Position(0, 0), types.Position(9, 0)),
        types.CodeActionContext(diagnostics=diags, only=only)))


@pytest.mark.asyncio
async def test_quickfix_fix_all_and_noqa_apply_and_reparse(tmp_path):
    text = "import os\nimport sys\nx = 1\n"
    root = write_project(tmp_path, {"m.py": text})
    m = root / "m.py"
    async with serve(root) as s:
        s.open(m)
        diags = await s.diagnostics(m, lambda d: codes(d) == ["F401", "F401"])
        actions = await _actions(s, m, diags)
        titles = [a.title for a in actions]
        assert any("noqa: F401" in t for t in titles)
        fix = next(a for a in actions if a.kind == types.CodeActionKind.QuickFix
                   and "noqa" not in a.title)
        fixed = _apply(text, fix.edit.changes[uri(m)])
        s.replace_all(m, fixed)
        await s.diagnostics(m, lambda d: codes(d) == ["F401"])  # re-parsed: one left
        # suppress the other with # noqa
        diags = list(s.client.diagnostics[uri(m)])
        noqa = next(a for a in await _actions(s, m, diags) if "noqa" in a.title)
        suppressed = _apply(fixed, noqa.edit.changes[uri(m)])
        assert "# noqa: F401" in suppressed
        s.replace_all(m, suppressed)
        await s.diagnostics(m, lambda d: d == [])
        # fix-all on a fresh text
        s.replace_all(m, text)
        diags = await s.diagnostics(m, lambda d: codes(d) == ["F401", "F401"])
        (fix_all,) = await _actions(s, m, diags, only=["source.fixAll.shoal"])
        s.replace_all(m, _apply(text, fix_all.edit.changes[uri(m)]))
        await s.diagnostics(m, lambda d: d == [])


@pytest.mark.asyncio
async def test_hover_on_noqa_code_and_on_a_finding(tmp_path):
    root = write_project(tmp_path, {"m.py": "import os  # noqa: F401\nimport sys\n"})
    m = root / "m.py"
    async with serve(root) as s:
        s.open(m)
        await s.diagnostics(m, lambda d: codes(d) == ["F401"])
        on_noqa = await s.client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(uri(m)), types.Position(0, 20)))
        assert on_noqa is not None and isinstance(on_noqa.contents, types.MarkupContent)
        assert "F401" in on_noqa.contents.value
        on_finding = await s.client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(uri(m)), types.Position(1, 8)))
        assert on_finding is not None and isinstance(on_finding.contents, types.MarkupContent)
        assert "unused" in on_finding.contents.value.lower()
        nothing = await s.client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(uri(m)), types.Position(0, 2)))
        assert nothing is None


@pytest.mark.asyncio
async def test_a_file_changed_on_disk_is_rechecked(tmp_path):
    root = write_project(tmp_path, {"a.py": "x = 1\n", "b.py": "y = 2\n"})
    async with serve(root) as s:
        s.open(root / "b.py")
        await s.diagnostics(root / "b.py", lambda d: d == [])
        (root / "a.py").write_text("import os\n")  # closed: watchdog sees it
        await s.diagnostics(root / "a.py", lambda d: codes(d) == ["F401"])


@pytest.mark.asyncio
async def test_fix_all_in_the_workspace_goes_through_apply_edit(tmp_path):
    files = {"a.py": "import os\nx = 1\n", "b.py": "import sys\nimport os\n", "c.py": "y = 2\n"}
    root = write_project(tmp_path, files)
    caps = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(apply_edit=True))
    async with serve(root, capabilities=caps) as s:
        await s.diagnostics(root / "b.py", lambda d: codes(d) == ["F401", "F401"])
        received: list[types.WorkspaceEdit] = []

        @s.client.feature(types.WORKSPACE_APPLY_EDIT)
        def apply(*args: types.ApplyWorkspaceEditParams):  # pygls may pass the client too
            received.append(args[-1].edit)
            return types.ApplyWorkspaceEditResult(applied=True)

        result = await s.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="shoal.fixAll"))
        assert result == {"applied": True, "files": 2}
        (edit,) = received
        changes = edit.changes or {}
        assert set(changes) == {uri(root / "a.py"), uri(root / "b.py")}
        for name in ("a.py", "b.py"):  # as the editor would, then saved
            (root / name).write_text(_apply(files[name], list(changes[uri(root / name)])))
        await s.diagnostics(root / "b.py", lambda d: d == [])
        await s.diagnostics(root / "a.py", lambda d: d == [])
        assert (root / "a.py").read_text() == "x = 1\n"
