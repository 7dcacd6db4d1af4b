"""One real editor: headless neovim's built-in LSP client shows shoal's findings."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_project

pytestmark = [
    pytest.mark.editor,
    pytest.mark.skipif(shutil.which("nvim") is None,
                       reason="nvim is not installed (CI installs Debian's neovim)"),
]

#: Starts shoal for the buffer, waits (bounded) for its diagnostics, writes them out, quits.
INIT = r"""
vim.api.nvim_create_autocmd("VimEnter", { callback = function()
local out = vim.env.SHOAL_NVIM_OUT
local config = { name = "shoal", cmd = { vim.env.SHOAL_PYTHON, "-m", "analyzer", "server",
  "--workers", "1" }, root_dir = vim.env.SHOAL_ROOT }
if vim.lsp.start then
  vim.lsp.start(config)
else  -- neovim 0.7 (Debian bookworm's): the same client, attached by hand
  vim.lsp.buf_attach_client(0, vim.lsp.start_client(config))
end
local ok = vim.wait(60000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local found = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(found, { code = d.code, lnum = d.lnum, source = d.source })
end
vim.fn.writefile({ vim.fn.json_encode({ ok = ok, found = found }) }, out)
vim.cmd("qa!")
end })
"""


def test_neovim_shows_an_unused_import(tmp_path):
    root = write_project(tmp_path / "p", {"m.py": "import os\n"})
    init = tmp_path / "init.lua"
    init.write_text(INIT)
    out = tmp_path / "out.json"
    env = {**os.environ, "SHOAL_NVIM_OUT": str(out), "SHOAL_PYTHON": sys.executable,
           "SHOAL_ROOT": str(root),
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    subprocess.run(["nvim", "--headless", "-n", "-i", "NONE", "-u", str(init), str(root / "m.py")],
                   env=env, cwd=root, timeout=90, check=False, stdin=subprocess.DEVNULL,
                   capture_output=True)
    result = json.loads(out.read_text())
    assert result["ok"] is True
    assert [(d["code"], d["lnum"], d["source"]) for d in result["found"]] == [("F401", 0, "shoal")]
