"""A rule reading other modules' trees on dask: no heap of trees there, so the master ships
every module's bytes with phase 2 and the workers parse them (docs/contracts.md §8, §14);
the findings, and a recheck after a body-only edit, are the fork pool's."""
from __future__ import annotations

from pathlib import Path

import pytest

from parallel import DaskPool
from tests.cli.helpers import run_subprocess, write_tree


def start_process_global_helpers():
    """multiprocessing's resource tracker: started by the first spawned dask worker and
    kept for the life of the process, by design."""
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()


pytestmark = pytest.mark.leaks_per_module(warm_up=start_process_global_helpers)

PLUGIN = (Path(__file__).resolve().parents[1] / "data" / "ignored_keyword.py").read_text()
LIB = 'def draw(x, **options):\n    return options.get("color")\n'

PROJECT = {
    "pyproject.toml": '[tool.shoal]\nplugins = ["lint/ignored_keyword.py"]\n',
    "lint/ignored_keyword.py": PLUGIN,
    "lib.py": LIB,
    "app.py": 'from lib import draw\n\ndraw(1, colour="red")\ndraw(1, color="red")\n',
    "other.py": "import lib\n\nlib.draw(2, size=3)\n",
    "unrelated.py": "def z():\n    return 1\n",
}
SELECT = ("--select", "X960,SH001,F401")


#: Run on each worker: its jobs can read no file (a worker on another machine), or can again.
_WORKER_FILES = """
def see_files(seen):
    import analyzer.engine._jobs as jobs

    if not seen:
        jobs._real_read = jobs._read

        def no_files(path):
            raise OSError(f"{path}: this worker sees no file")

        jobs._read = no_files
    elif hasattr(jobs, "_real_read"):
        jobs._read = jobs._real_read
"""


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 worker processes, started by the test module itself, whose jobs
    cannot read the project's files: whatever they parse, the master shipped."""
    namespace = {"__name__": "__main__"}  # pickled by value for the workers
    exec(_WORKER_FILES, namespace)
    with DaskPool(workers=2) as pool:
        pool.client.run(namespace["see_files"], False)
        try:
            yield pool
        finally:
            pool.client.run(namespace["see_files"], True)


def test_the_cluster_reports_what_the_fork_pool_reports(tmp_path, cluster):
    write_tree(tmp_path, PROJECT)
    args = ("check", "--no-cache", "--format", "json", *SELECT)
    local = run_subprocess(*args, "--workers", "2", cwd=tmp_path)
    assert local.code == 1, local.err
    assert sorted((d["path"], d["message"]) for d in local.json()) == [
        ("app.py", "draw() ignores the keyword 'colour'"),
        ("other.py", "draw() ignores the keyword 'size'")]
    remote = run_subprocess(*args, "--scheduler", cluster.client.scheduler.address,
                            cwd=tmp_path)
    assert (remote.code, remote.out) == (local.code, local.out), remote.err


def test_a_body_only_edit_rechecks_the_readers_on_the_cluster(tmp_path, cluster, monkeypatch):
    from analyzer.engine import Session, run_check
    from analyzer.interfaces import build_parser, prepare

    write_tree(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)

    def plan(*extra: str):
        return prepare(build_parser().parse_args(["check", "--no-cache", *SELECT, *extra]))

    with Session(plan("--scheduler", cluster.client.scheduler.address)) as session:
        session.check()
        lib = tmp_path / "lib.py"
        lib.write_text(LIB.replace('"color"', '"colour"'), encoding="utf-8")
        report = session.recheck([lib])
        assert report.modules_rechecked == {"lib", "app", "other"}
        cold = run_check(plan("--workers", "0")).diagnostics
        assert session.state.diagnostics == cold
        assert [(Path(d.path).name, d.message) for d in cold if d.code == "X960"] == [
            ("app.py", "draw() ignores the keyword 'color'"),
            ("other.py", "draw() ignores the keyword 'size'")]
