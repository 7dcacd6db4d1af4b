"""A Jupyter notebook open in the editor (LSP 3.17 notebook documents): checked as the cells
the editor holds, its findings published on each cell at the cell's lines."""
from __future__ import annotations

import pytest
from conftest import codes, serve, uri, write_project
from lsprotocol import types


def _cell(notebook: str, n: int) -> str:
    return f"vscode-notebook-cell:{notebook.removeprefix('file://')}#cell{n}"


@pytest.mark.asyncio
async def test_an_open_notebooks_findings_are_published_on_its_cells(tmp_path):
    from tests.frontend.test_notebook import notebook

    root = write_project(tmp_path, {"pkg/__init__.py": "def f(a):\n    pass\n"})
    # On disk, the notebook as it will be after the edit below: until then, what the editor
    # holds is what is checked; closing it then changes no finding.
    (root / "explore.ipynb").write_bytes(notebook(
        ("markdown", "# Explore\n"), ("code", "%matplotlib inline\nimport os\nos.getcwd()\n"),
        ("code", "import re\nfrom pkg import f\nf(1, 2)\n")))
    nb = uri(root / "explore.ipynb")
    cells = [(types.NotebookCellKind.Markup, "markdown", "# Explore\n"),
             (types.NotebookCellKind.Code, "python", "%matplotlib inline\nimport os\n"),
             (types.NotebookCellKind.Code, "python", "import re\nfrom pkg import f\nf(1, 2)\n")]
    async with serve(root) as s:
        s.client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
            types.NotebookDocument(nb, "jupyter-notebook", 1, [
                types.NotebookCell(kind, _cell(nb, n)) for n, (kind, _, _) in enumerate(cells)]),
            [types.TextDocumentItem(_cell(nb, n), language, 1, text)
             for n, (_, language, text) in enumerate(cells)]))
        (unused,) = await s.diagnostics(_cell(nb, 1), lambda d: codes(d) == ["F401"])
        assert unused.range.start == types.Position(1, 0)  # the cell's second line
        found = await s.diagnostics(_cell(nb, 2), lambda d: codes(d) == ["F401", "SH002"])
        assert sorted(d.range.start.line for d in found) == [0, 2]
        assert nb not in s.client.diagnostics  # the notebook itself is not a text document
        # A pull for a cell answers what was pushed on it.
        pulled = await s.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            types.TextDocumentIdentifier(_cell(nb, 2))))
        assert codes(pulled.items) == ["F401", "SH002"]
        # A cell's quick fixes edit that cell, at its own lines (the third cell's `import re`
        # is the joined text's line 3).
        actions = await s.client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(_cell(nb, 2)), types.Range(types.Position(0, 0),
                                                                   types.Position(0, 0)),
            types.CodeActionContext(diagnostics=[])))
        edits = {a.title: a.edit.changes[_cell(nb, 2)][0] for a in actions
                 if a.kind == types.CodeActionKind.QuickFix}
        remove = next(e for t, e in edits.items() if "Remove unused import" in t)
        assert (remove.range.start, remove.range.end, remove.new_text) == (
            types.Position(0, 0), types.Position(1, 0), "")
        noqa = edits["shoal: suppress F401 with # noqa: F401"]
        assert noqa.range.start == types.Position(0, 9) and noqa.new_text == "  # noqa: F401"
        # Hover on a cell's finding explains its rule.
        hover = await s.client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(_cell(nb, 2)), types.Position(2, 1)))
        assert hover is not None and "SH002" in hover.contents.value  # type: ignore[union-attr]
        # A cell's last line: the edit ends at the cell's end (its text may have no line end).
        actions = await s.client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(_cell(nb, 1)), types.Range(types.Position(1, 0),
                                                                   types.Position(1, 0)),
            types.CodeActionContext(diagnostics=[])))
        (remove,) = [a.edit.changes[_cell(nb, 1)][0] for a in actions
                     if "Remove unused import" in a.title]
        assert (remove.range.start, remove.range.end) == (types.Position(1, 0),
                                                          types.Position(1, 9))
        # The second cell uses the import: its finding goes, the third's stays.
        s.client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
            types.VersionedNotebookDocumentIdentifier(2, nb),
            types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(
                text_content=[types.NotebookDocumentCellContentChanges(
                    types.VersionedTextDocumentIdentifier(2, _cell(nb, 1)),
                    [types.TextDocumentContentChangeWholeDocument(
                        "%matplotlib inline\nimport os\nos.getcwd()\n")])]))))
        await s.diagnostics(_cell(nb, 1), lambda d: d == [])
        assert codes(s.client.diagnostics[_cell(nb, 2)]) == ["F401", "SH002"]
        # Closed, the notebook's cells are cleared, though its findings are the same.
        s.client.notebook_document_did_close(types.DidCloseNotebookDocumentParams(
            types.NotebookDocumentIdentifier(nb),
            [types.TextDocumentIdentifier(_cell(nb, n)) for n in range(3)]))
        await s.diagnostics(_cell(nb, 2), lambda d: d == [])
