"""SH005 on dask: the who-references-whom map travels in the run context, and the findings
are those of the fork pool."""
from __future__ import annotations

from tests.cli.helpers import run_subprocess, write_tree

PROJECT = {
    "pyproject.toml": "[tool.shoal]\n",
    "pkg/__init__.py": "from .impl import api\n",
    "pkg/impl.py": "def api():\n    pass\n\n\ndef dead():\n    pass\n",
    "pkg/tools.py": "def used():\n    pass\n\n\ndef unused():\n    pass\n",
    "app.py": "import pkg.tools\nfrom pkg import api\n\napi()\npkg.tools.used()\n",
}


def test_scheduler_local_reports_what_the_fork_pool_reports(tmp_path):
    write_tree(tmp_path, PROJECT)
    args = ("check", "--no-cache", "--format", "json", "--select", "SH005")
    local = run_subprocess(*args, "--workers", "2", cwd=tmp_path)
    remote = run_subprocess(*args, "--scheduler", "local", "--workers", "2", cwd=tmp_path)
    assert local.code == 1, local.err
    assert sorted((d["path"], d["message"]) for d in local.json()) == [
        ("pkg/impl.py", "function 'dead' is never used in the project"),
        ("pkg/tools.py", "function 'unused' is never used in the project")]
    assert (remote.code, remote.out) == (local.code, local.out), remote.err
