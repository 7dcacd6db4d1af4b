"""A warm start: the cache written on exit is read at the next start (as ``shoal check``
does), so modules unchanged since are not parsed again; one changed meanwhile is."""
from __future__ import annotations

import pytest
from conftest import codes, serve, uri, write_project

COUNT_RULE = '''
import ast
from analyzer.rules import LintRule

class Count(LintRule):
    """Notes each module it is run on, in a log file."""
    CODE = "X903"
    NAME = "count"
    MESSAGE = "never"
    TREE = "ast"

    def visit_Import(self, node: ast.Import) -> None:
        with open({log!r}, "a") as f:
            f.write(node.names[0].name + "\\n")
'''


@pytest.mark.asyncio
async def test_the_second_start_is_warm_from_the_cache(tmp_path):
    log = tmp_path / "checked.log"
    root = write_project(tmp_path / "p", {"a.py": "import os\n", "b.py": "x = 1\n",
                                          "rules/count.py": COUNT_RULE.format(log=str(log))})
    (root / "pyproject.toml").write_text('[tool.shoal]\nplugins = ["rules/count.py"]\n'
                                         'exclude = ["rules"]\n')
    async with serve(root) as s:
        await s.diagnostics(root / "a.py", lambda d: codes(d) == ["F401"])
    assert log.read_text().split() == ["os"]
    assert (root / ".shoal_cache").is_dir()  # written on exit
    (root / "b.py").write_text("import sys\n")  # changed while no server ran
    async with serve(root) as s:
        await s.diagnostics(root / "b.py", lambda d: codes(d) == ["F401"])
        assert codes(list(s.client.diagnostics[uri(root / "a.py")])) == ["F401"]
    # a.py came from the cache: only b.py was parsed again
    assert log.read_text().split() == ["os", "sys"]
