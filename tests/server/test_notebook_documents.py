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
        ("code", "from pkg import f\nf(1, 2)\n")))
    nb = uri(root / "explore.ipynb")
    cells = [(types.NotebookCellKind.Markup, "markdown", "# Explore\n"),
             (types.NotebookCellKind.Code, "python", "%matplotlib inline\nimport os\n"),
             (types.NotebookCellKind.Code, "python", "from pkg import f\nf(1, 2)\n")]
    async with serve(root) as s:
        s.client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
            types.NotebookDocument(nb, "jupyter-notebook", 1, [
                types.NotebookCell(kind, _cell(nb, n)) for n, (kind, _, _) in enumerate(cells)]),
            [types.TextDocumentItem(_cell(nb, n), language, 1, text)
             for n, (_, language, text) in enumerate(cells)]))
        (unused,) = await s.diagnostics(_cell(nb, 1), lambda d: codes(d) == ["F401"])
        assert unused.range.start == types.Position(1, 0)  # the cell's second line
        (call,) = await s.diagnostics(_cell(nb, 2), lambda d: codes(d) == ["SH002"])
        assert call.range.start.line == 1
        assert nb not in s.client.diagnostics  # the notebook itself is not a text document
        # A pull for a cell answers what was pushed on it.
        pulled = await s.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            types.TextDocumentIdentifier(_cell(nb, 2))))
        assert codes(pulled.items) == ["SH002"] and pulled.items[0].range.start.line == 1
        # The second cell uses the import: its finding goes, the third's stays.
        s.client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
            types.VersionedNotebookDocumentIdentifier(2, nb),
            types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(
                text_content=[types.NotebookDocumentCellContentChanges(
                    types.VersionedTextDocumentIdentifier(2, _cell(nb, 1)),
                    [types.TextDocumentContentChangeWholeDocument(
                        "%matplotlib inline\nimport os\nos.getcwd()\n")])]))))
        await s.diagnostics(_cell(nb, 1), lambda d: d == [])
        assert codes(s.client.diagnostics[_cell(nb, 2)]) == ["SH002"]
        # Closed, the notebook's cells are cleared, though its findings are the same.
        s.client.notebook_document_did_close(types.DidCloseNotebookDocumentParams(
            types.NotebookDocumentIdentifier(nb),
            [types.TextDocumentIdentifier(_cell(nb, n)) for n in range(3)]))
        await s.diagnostics(_cell(nb, 2), lambda d: d == [])
