"""Documents and pushed diagnostics: open, edit, unsaved cross-module changes, UTF-16."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import codes, serve, uri, write_project
from lsprotocol import types

LIB = "def f(a, b):\n    return a\n"
USE = "from pkg.lib import f\n\nf(1, 2)\n"


@pytest.mark.asyncio
async def test_open_and_edit_publish_findings(tmp_path):
    root = write_project(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": "x = 1\n"})
    mod = root / "pkg/mod.py"
    async with serve(root) as s:
        s.open(mod)
        await s.diagnostics(mod, lambda d: d == [])
        s.replace_all(mod, "import os\nx = 1\n")  # unsaved: the file on disk is clean
        found = await s.diagnostics(mod, lambda d: codes(d) == ["F401"])
        d = found[0]
        assert d.source == "shoal"
        assert d.range.start == types.Position(0, 0)
        assert d.code_description is not None and d.code_description.href.startswith("http")
        s.edit(mod, types.Range(types.Position(0, 0), types.Position(1, 0)), "")
        await s.diagnostics(mod, lambda d: d == [])


@pytest.mark.asyncio
async def test_unsaved_signature_change_reaches_a_caller(tmp_path):
    root = write_project(tmp_path, {"pkg/__init__.py": "", "pkg/lib.py": LIB,
                                    "pkg/use.py": USE})
    lib, use = root / "pkg/lib.py", root / "pkg/use.py"
    async with serve(root) as s:
        s.open(lib)
        await s.diagnostics(lib, lambda d: d == [])
        # one parameter fewer, never saved: the caller, closed, now passes one too many
        s.replace_all(lib, "def f(a):\n    return a\n")
        found = await s.diagnostics(use, lambda d: "SH002" in codes(d))
        assert found[0].range.start.line == 2
        assert lib.read_text() == LIB
        # closing the buffer goes back to the file on disk: the finding goes away
        s.client.text_document_did_close(types.DidCloseTextDocumentParams(
            types.TextDocumentIdentifier(uri(lib))))
        await s.diagnostics(use, lambda d: d == [])


#: A plugin rule that reads the callee module's tree (tests/data/ignored_keyword.py, X960).
TREE_PLUGIN = (Path(__file__).resolve().parents[1] / "data" / "ignored_keyword.py").read_text()
KW_LIB = 'def draw(x, **options):\n    return options.get("color")\n'


@pytest.mark.asyncio
async def test_an_unsaved_body_edit_reaches_a_reader_of_its_tree(tmp_path):
    root = write_project(tmp_path, {
        "pyproject.toml": '[tool.shoal]\nplugins = ["lint/ignored_keyword.py"]\n',
        "lint/ignored_keyword.py": TREE_PLUGIN, "lib.py": KW_LIB,
        "app.py": 'from lib import draw\n\ndraw(1, colour="red")\n'})
    lib, app = root / "lib.py", root / "app.py"
    async with serve(root) as s:
        s.open(lib)
        await s.diagnostics(app, lambda d: codes(d) == ["X960"])
        # the body alone changes, never saved: the caller, closed, reads the buffer's tree
        s.replace_all(lib, KW_LIB.replace('"color"', '"colour"'))
        await s.diagnostics(app, lambda d: d == [])
        assert lib.read_text() == KW_LIB
        # closing the buffer goes back to the file on disk: the finding comes back
        s.client.text_document_did_close(types.DidCloseTextDocumentParams(
            types.TextDocumentIdentifier(uri(lib))))
        await s.diagnostics(app, lambda d: codes(d) == ["X960"])


@pytest.mark.asyncio
async def test_columns_are_utf16_code_units(tmp_path):
    # "𝒳" is outside the BMP: one character for shoal, two UTF-16 code units for the client.
    text = 's = "𝒳𝒳"; import os\n'
    root = write_project(tmp_path, {"m.py": text})
    m = root / "m.py"
    async with serve(root) as s:
        s.open(m)
        found = await s.diagnostics(m, lambda d: "F401" in codes(d))
        f401 = next(d for d in found if d.code == "F401")
        assert text.index("import") == 10
        assert f401.range.start == types.Position(0, 12)


@pytest.mark.asyncio
async def test_closed_files_are_published_or_not_by_scope(tmp_path):
    files = {"a.py": "import os\n", "b.py": "x = 1\n"}
    root = write_project(tmp_path / "p1", files)
    async with serve(root) as s:
        await s.diagnostics(root / "a.py", lambda d: codes(d) == ["F401"])
    root2 = write_project(tmp_path / "p2", files)
    async with serve(root2, "--diagnostic-scope", "open-files") as s:
        s.open(root2 / "b.py")
        await s.diagnostics(root2 / "b.py", lambda d: d == [])
        assert uri(root2 / "a.py") not in s.client.diagnostics
