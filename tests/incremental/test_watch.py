"""`shoal watch` end to end, in a subprocess: startup output, rechecks after edits,
creations and deletions, --verify, and a clean exit on SIGINT and SIGTERM.

Each test waits for the watch's own output (read line by line as it comes), never for a
while: the status line of a recheck is printed after the output file is rewritten, so the
output file can be compared once a line arrives.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest
from support import SELECT, json_watch, make_plan, project, write

from analyzer.engine import run_check
from analyzer.interfaces.output import OutputOptions, Report, render
from tests.cli.helpers import LiveOutput, reap

DEADLINE = 60.0


def expected_json(root: Path) -> str:
    result = run_check(make_plan(root))
    report = Report(result.diagnostics, result.registry.by_code, result.files_checked)
    return render(report, "json", OutputOptions(cwd=os.getcwd(), color=False))


def processes_running(marker: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().decode(errors="replace")
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append(int(pid))
    return found


@pytest.fixture
def watch(tmp_path, monkeypatch):
    started = []

    def start(files: dict[str, str], *extra: str, output: str = "out.json"):
        root = project(tmp_path / "proj", files)
        (root / output).parent.mkdir(exist_ok=True)
        monkeypatch.chdir(root)
        proc = json_watch(root, SELECT, root / output, *extra)
        started.append(proc)
        return root, root / output, proc, LiveOutput(proc, DEADLINE)

    yield start
    for proc in started:
        reap(proc)


def _status_says(live, problems: int) -> bool:
    """The watch's last line is a status line counting ``problems``."""
    return bool(live.lines) and f": {problems} problems" in live.lines[-1]


def _found(output: Path) -> int:
    """How many findings the watch's JSON output holds now (-1: none written yet)."""
    try:
        return len(json.loads(output.read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError):
        return -1


def _matches(output: Path, root: Path):
    def check() -> bool:
        try:
            return output.read_text(encoding="utf-8") == expected_json(root)
        except FileNotFoundError:
            return False
    return check


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_watch_rechecks_edits_and_exits_cleanly(watch, stop):
    root, output, proc, live = watch(
        {"a.py": "def f(x): pass\n", "b.py": "from a import f\nf(1)\n"}, "--verify")
    live.wait_for(_matches(output, root), "the startup output")
    write(root, {"a.py": "def f(x, y): pass\n"})
    live.wait_for(_matches(output, root), "the recheck after an edit")
    assert "SH002" in output.read_text()
    write(root, {"pkg/__init__.py": "", "pkg/m.py": "from a import g\n"})
    live.wait_for(_matches(output, root), "the recheck after new files")
    write(root, {"pkg/m.py": None})
    live.wait_for(_matches(output, root), "the recheck after a deletion")
    # A module not built yet: its C source appearing is an event that matters.
    write(root, {"pkg/n.py": "from pkg._speedups import fast\n"})
    live.wait_for(_matches(output, root), "the recheck after an import of a missing module")
    assert "SH004" in output.read_text()
    write(root, {"pkg/_speedups.c": "int fast;\n"})
    live.wait_for(_matches(output, root), "the recheck after an extension's source appeared")
    assert "SH004" not in output.read_text()
    live.wait_for_line("b.py:2:1: SH002", "the new diagnostic on the screen")
    proc.send_signal(stop)
    assert live.finish() == 0, live.text
    assert processes_running(str(output)) == []
    assert "diverges" not in live.text and "problem" in live.text
    # The screen shows the current state; the change log is --verbose's.
    assert not any(line.startswith(("+ ", "- ")) for line in live.lines), live.text
    # The startup line times the startup check (a fork and a check cannot take 0 ms).
    first = next(line for line in live.lines if "rechecked in" in line)
    assert " in 0 ms" not in first, first
    assert (root / ".shoal_cache" / "CACHEDIR.TAG").exists()


@pytest.mark.slow
def test_a_burst_of_edits_ends_in_the_right_state(watch):
    files = {f"m{i}.py": f"def f{i}(x): pass\n" for i in range(20)}
    files["user.py"] = "".join(f"from m{i} import f{i}\nf{i}(1)\n" for i in range(20))
    root, output, proc, live = watch(files)
    live.wait_for(_matches(output, root), "the startup output")
    # A `git checkout`: many files rewritten at once.
    write(root, {f"m{i}.py": f"def f{i}(): pass\n" for i in range(20)})
    live.wait_for(_matches(output, root), "the recheck of the burst")
    assert output.read_text().count('"SH002"') == 20
    proc.send_signal(signal.SIGINT)
    assert live.finish() == 0, live.text
    # How many rechecks the burst took depends on timing; that one ran, and that the last
    # status line agrees with the output file, does not.
    statuses = [line for line in live.lines if "rechecked in" in line]
    assert len(statuses) >= 2, live.text
    problems = len(json.loads(output.read_text()))
    assert f": {problems} problems " in statuses[-1], statuses[-1]


@pytest.mark.slow
def test_an_unwritable_output_file_is_reported_and_the_watch_goes_on(watch):
    root, output, proc, live = watch({"a.py": "def f(x): pass\n", "b.py": "from a import f\n"},
                                     output="out/out.json")
    live.wait_for(_matches(output, root), "the startup output")
    shutil.rmtree(root / "out")
    write(root, {"b.py": "from a import f\nf()\n"})
    live.wait_for_line("cannot write --output-file", "the output file error")
    error = next(line for line in live.lines if "cannot write --output-file" in line)
    assert error.startswith("shoal: error: ") and str(output) in error, error
    (root / "out").mkdir()
    write(root, {"b.py": "from a import f\nf(1, 2)\n"})
    live.wait_for(_matches(output, root), "the output file written again")
    proc.send_signal(signal.SIGINT)
    assert live.finish() == 0, live.text
    assert "Traceback" not in live.text
    assert sorted(p.name for p in (root / "out").iterdir()) == ["out.json"]


@pytest.mark.slow
def test_a_broken_configuration_is_reported_and_the_old_one_kept(watch):
    root, output, proc, live = watch({"a.py": "def f(x): pass\n", "b.py": "from a import f\n"})
    live.wait_for(_matches(output, root), "the startup output")
    write(root, {"pyproject.toml": "[tool.shoal\n"})
    live.wait_for_line("invalid TOML", "the configuration error")
    (error,) = [line for line in live.lines if "invalid TOML" in line]
    assert error.startswith("shoal: error: "), error
    write(root, {"pyproject.toml": "[tool.shoal]\n", "b.py": "from a import f\nf()\n"})
    live.wait_for(_matches(output, root), "a recheck with the configuration repaired")
    proc.send_signal(signal.SIGINT)
    assert live.finish() == 0, live.text
    assert "internal error" not in live.text and "Traceback" not in live.text


@pytest.mark.slow
def test_a_ruff_toml_edit_rebuilds_with_its_settings(watch):
    # No [tool.shoal]: the project's ruff.toml lends its settings, read again when it changes.
    root, output, proc, live = watch({"pyproject.toml": "[project]\nname = 'p'\n",
                                      "ruff.toml": "", "a.py": "import os\n"})
    live.wait_for(lambda: output.exists() and '"F401"' in output.read_text(), "the F401")
    # per-file ignores: the watch's --select would overrule an `ignore`, as ruff's does
    write(root, {"ruff.toml": "[lint]\nper-file-ignores = {'a.py' = ['F401']}\n"})
    live.wait_for(lambda: '"F401"' not in output.read_text(), "the F401 ignored")
    proc.send_signal(signal.SIGINT)
    assert live.finish() == 0, live.text


@pytest.mark.slow
def test_an_edit_of_an_extended_file_of_any_name_rebuilds(watch):
    # ruff.toml extends configs/base.toml: neither a name the watch knows nor the root's.
    root, output, proc, live = watch({"pyproject.toml": "[project]\nname = 'p'\n",
                                      "ruff.toml": "extend = 'configs/base.toml'\n",
                                      "configs/base.toml": "", "a.py": "import os\n"})
    live.wait_for(lambda: output.exists() and '"F401"' in output.read_text(), "the F401")
    write(root, {"configs/base.toml": "[lint]\nper-file-ignores = {'a.py' = ['F401']}\n"})
    live.wait_for(lambda: '"F401"' not in output.read_text(), "the F401 ignored")
    proc.send_signal(signal.SIGINT)
    assert live.finish() == 0, live.text


def test_a_notebook_edit_is_rechecked(watch):
    from tests.frontend.test_notebook import notebook

    root, output, proc, live = watch({"a.py": "x = 1\n"})
    live.wait_for(lambda: _found(output) == 0, "the clean startup output")
    (root / "n.ipynb").write_bytes(notebook(("markdown", "m"), ("code", "import os\n")))
    live.wait_for(lambda: '"cell": 2' in output.read_text(), "the notebook's F401, in cell 2")
    (root / "n.ipynb").write_bytes(notebook(("code", "import os\nos.getcwd()\n")))
    live.wait_for(lambda: _found(output) == 0, "the edit that uses the import")
    proc.send_signal(signal.SIGINT)
    assert live.finish() == 0, live.text


@pytest.mark.slow
def test_a_protobuf_source_written_clears_the_imports_of_its_modules(watch):
    root, output, proc, live = watch({
        "api/__init__.py": "", "api/server.py": "from api import greeter_pb2\nprint(greeter_pb2)\n"})
    live.wait_for(lambda: _found(output) == 1, "SH001 for the module protoc has not made yet")
    (root / "api" / "greeter.proto").write_text("syntax = 'proto3';\n", encoding="utf-8")
    live.wait_for(lambda: _found(output) == 0, "the recheck that reads the .proto")
    proc.send_signal(signal.SIGINT)
    assert live.finish() == 0, live.text


@pytest.mark.slow
def test_check_watch_is_the_watch_as_ruff_spells_it(tmp_path):
    import subprocess
    import sys

    root = project(tmp_path / "proj", {"a.py": "x = 1\n"})
    output = root / "out.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "analyzer", "check", "-w", ".", "--workers", "2", "--select",
         SELECT, "--output-format", "json", "-o", str(output)],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        live = LiveOutput(proc, DEADLINE)
        live.wait_for(lambda: _found(output) == 0, "the clean startup output")
        write(root, {"a.py": "import os\n"})
        live.wait_for(lambda: _found(output) == 1, "the recheck's F401")
        proc.send_signal(signal.SIGINT)
        assert live.finish() == 0, live.text
    finally:
        reap(proc)


def test_check_watch_refuses_what_asks_for_one_answer(shoal):
    run = shoal("check", "--watch", "--fix", "--statistics")
    assert run.code == 2
    assert run.err == ("shoal: error: --watch keeps checking; it cannot be combined with "
                       "--fix, --statistics\n")


PLUGIN = '''\
from analyzer.rules import LintRule


class Marks(LintRule):
    """Test plugin: one finding per module, its message naming the plugin's version."""

    CODE = "X777"
    NAME = "marks"
    MESSAGE = "m"
    TREE = "ast"

    def visit_Module(self, node):
        self.report((1, 1), "VERSION")
'''


@pytest.mark.slow
def test_a_local_plugin_edit_restarts_the_watch_with_the_new_source(watch):
    files = {"a.py": "x = 1\n", "lint/rules.py": PLUGIN.replace("VERSION", "plugin v1"),
             "pyproject.toml": '[tool.shoal]\nplugins = ["lint/rules.py"]\n'}
    root, output, proc, live = watch(files, "--extend-select", "X777")
    live.wait_for(lambda: output.exists() and "plugin v1" in output.read_text(),
                  "the plugin's output")
    write(root, {"lint/rules.py": PLUGIN.replace("VERSION", "plugin v2")})
    live.wait_for(lambda: "plugin v2" in output.read_text(), "the new plugin source at work")
    assert "plugin v1" not in output.read_text()
    assert "restarting the watch" in live.text
    proc.send_signal(signal.SIGINT)
    assert live.finish() == 0, live.text
    assert processes_running(str(output)) == []


#: more files than the smallest hash table holds (MIN_HASH_SLOTS, one slot per module)
GROWN = 4_200


@pytest.mark.slow
@pytest.mark.fault
def test_a_watch_outgrowing_its_hash_table_moves_to_a_larger_heap(watch):
    # The observer thread runs: the workers follow the new heap through their zygote.
    root, output, proc, live = watch({"a.py": "import os\n"})
    live.wait_for(_matches(output, root), "the startup output")
    live.wait_for_line("shoal: watching", "the watch to observe the project")
    write(root, {f"grown/m{i}.py": "import sys\n" for i in range(GROWN)})
    # The watch prints every finding before its status line: a condition tested at each of
    # those lines must cost nothing (a cold check of 4,200 files, or even reading the
    # output, per line would take minutes). The output file is written before the status
    # line that announces it.
    live.wait_for(lambda: _status_says(live, GROWN + 1), "the grown project's status line")
    assert _found(output) == GROWN + 1
    assert _matches(output, root)(), "the grown project's output, equal to a cold check"
    # the workers on the new heap recheck
    write(root, {"grown/m0.py": "x = 1\n"})
    live.wait_for(lambda: _status_says(live, GROWN), "a recheck on the new heap")
    assert _matches(output, root)()
    proc.send_signal(signal.SIGINT)
    assert live.finish() == 0, live.text
    assert "restarting" not in live.text and "Traceback" not in live.text
    assert processes_running(str(output)) == []


@pytest.mark.slow
@pytest.mark.fault
def test_a_watch_outgrowing_the_users_heap_size_exits_two_naming_it(watch):
    root, output, proc, live = watch({"a.py": "import os\n"}, "--heap-size", "64K")
    live.wait_for_line("shoal: watching", "the watch to observe the project")
    stdlib = sorted(Path(os.__file__).parent.glob("*.py"))[:200]  # real modules' facts
    write(root, {f"grown/{p.name}": p.read_text(encoding="utf-8", errors="replace")
                 for p in stdlib})
    assert live.finish() == 2, live.text
    assert "--heap-size" in live.text and "Traceback" not in live.text
    assert "hash-slots" not in live.text  # never an option that does not exist
    assert processes_running(str(output)) == []
