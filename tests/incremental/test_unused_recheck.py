"""SH005 in a session: a body edit that adds or drops the last reference of a name rechecks
exactly the module defining it, in the same recheck; one that changes no reference
rechecks nobody else. Every step is also compared with a cold check (Engine.edit)."""
from __future__ import annotations

import pytest
from support import SELECT, Engine, chdir, project

SH005 = SELECT + ",SH005"

LIB = """\
def helper():
    return 1
def other():
    return 2
"""
USER = """\
import lib
from lib import other
def main():
    return lib.helper() + other()
main()
"""


def sh005(engine: Engine) -> list[tuple[str, str]]:
    """(path, message) of the session's SH005 findings."""
    return [(d.path, d.message) for d in engine.diagnostics if d.code == "SH005"]


@pytest.fixture
def engine(tmp_path, request):
    root = project(tmp_path / "proj", {"lib.py": LIB, "user.py": USER,
                                       "unrelated.py": "def alone():\n    return 3\nalone()\n"})
    workers = getattr(request, "param", 0)
    with chdir(root), Engine(root, workers=workers, select=SH005) as e:
        e.verify()
        yield e


@pytest.mark.parametrize("engine", [0, 2], indirect=True)
def test_dropping_the_last_call_reports_the_definition_in_the_same_recheck(engine):
    assert sh005(engine) == []
    engine.edit({"user.py": USER.replace("lib.helper()", "len(lib.__name__)")})
    assert engine.last.modules_rechecked == {"user", "lib"}
    assert sh005(engine) == [("lib.py", "function 'helper' is never used in the project")]
    assert [d.code for d in engine.last.new] == ["SH005"]
    # and adding it back takes the finding away, again rechecking lib alone besides user
    engine.edit({"user.py": USER})
    assert engine.last.modules_rechecked == {"user", "lib"}
    assert sh005(engine) == []
    assert [d.code for d in engine.last.fixed] == ["SH005"]


def test_a_body_edit_that_keeps_the_references_rechecks_nobody_else(engine):
    engine.edit({"user.py": USER.replace("main()\n", "main()\nprint(main())\n")})
    assert engine.last.modules_rechecked == {"user"}
    # a second reference to a name already referenced leaves the set of names as it was
    engine.edit({"user.py": USER + "lib.helper()\n"})
    assert engine.last.modules_rechecked == {"user"}


def test_an_edit_of_the_defining_module_alone_reads_the_references_it_recorded(engine):
    engine.edit({"lib.py": LIB + "def third():\n    return 3\n"})
    assert engine.last.modules_rechecked == {"lib"}
    assert sh005(engine) == [("lib.py", "function 'third' is never used in the project")]


def test_deleting_the_referencing_module_reports_what_it_used(engine):
    engine.edit({"user.py": None})
    assert "lib" in engine.last.modules_rechecked
    assert sh005(engine) == [
        ("lib.py", "function 'helper' is never used in the project"),
        ("lib.py", "function 'other' is never used in the project")]
    engine.edit({"user.py": USER})
    assert sh005(engine) == []


def test_renaming_the_referencing_module(engine):
    engine.edit({"user.py": None, "renamed.py": USER})
    assert sh005(engine) == []
    assert "lib" in engine.last.modules_rechecked
    engine.edit({"renamed.py": USER.replace("lib.helper()", "len(lib.__name__)")})
    assert sh005(engine) == [("lib.py", "function 'helper' is never used in the project")]


def test_a_reference_through_a_re_export_and_a_new_module(tmp_path):
    files = {"pkg/__init__.py": "from .impl import api\n",
             "pkg/impl.py": "def api():\n    pass\ndef _internal():\n    pass\n"}
    root = project(tmp_path / "proj", files)
    with chdir(root), Engine(root, select=SH005) as e:
        assert sh005(e) == [("pkg/impl.py", "function '_internal' is never used in the project")]
        e.edit({"user.py": "from pkg.impl import _internal\n_internal()\n"})
        assert sh005(e) == []
        assert e.last.modules_rechecked == {"user", "pkg.impl"}
        e.edit({"pkg/__init__.py": "def api():\n    pass\n"})
        assert sh005(e) == [("pkg/impl.py", "function 'api' is never used in the project")]
        assert e.last.modules_rechecked == {"pkg", "pkg.impl"}


def test_the_masters_map_kept_up_to_date_equals_one_built_afresh():
    from analyzer.engine._referrers import referrers_after

    old = {"a": {"ref[lib]": "1", "f": "x"}, "b": {"ref[lib]": "2", "ref[os]": "3"}}
    new = {"a": {"f": "x"}, "c": {"ref[lib]": "4", "ref[b]": "5"}, "b": old["b"]}
    kept = referrers_after(referrers_after(None, {}, old, old), old, new, {"a", "c"})
    assert kept == referrers_after(None, {}, new, new) == {
        "lib": ("b", "c"), "os": ("b",), "b": ("c",)}
    gone = referrers_after(kept, new, {"a": new["a"]}, {"b", "c"})
    assert gone == {}


@pytest.mark.slow
def test_shoal_watch_reports_the_definition_whose_last_call_went(tmp_path, monkeypatch):
    import signal

    from support import json_watch, matches_cold_json, write

    from tests.cli.helpers import LiveOutput, reap

    root = project(tmp_path / "proj", {"lib.py": LIB, "user.py": USER})
    output = root / "out.json"
    monkeypatch.chdir(root)

    matches = matches_cold_json(root, output, SH005)

    proc = json_watch(root, SH005, output)
    try:
        live = LiveOutput(proc, 60.0)
        live.wait_for(matches, "the startup output")
        assert "SH005" not in output.read_text()
        write(root, {"user.py": USER.replace("lib.helper()", "len(lib.__name__)")})
        live.wait_for(matches, "the recheck after the last call went")
        assert "function 'helper' is never used" in output.read_text()
        write(root, {"user.py": USER})
        live.wait_for(matches, "the recheck after the call came back")
        assert "SH005" not in output.read_text()
        proc.send_signal(signal.SIGINT)
        assert live.finish() == 0
    finally:
        reap(proc)


@pytest.mark.parametrize("workers", [0, 2])
def test_a_warm_run_after_the_last_call_went_agrees_with_a_cold_one(tmp_path, workers):
    from support import codes, cold, make_plan, write

    from analyzer.engine import run_check

    root = project(tmp_path / "proj", {"lib.py": LIB, "user.py": USER})
    with chdir(root):
        def warm() -> list:
            plan = make_plan(root, workers=workers, select=SH005, cache_dir=root / ".cache")
            return run_check(plan).diagnostics

        assert warm() == cold(root, select=SH005) == []
        write(root, {"user.py": USER.replace("lib.helper()", "len(lib.__name__)")})
        found = warm()
        assert codes(found) == codes(cold(root, select=SH005)) == [
            ("lib.py", 1, "SH005", "function 'helper' is never used in the project")]
        write(root, {"user.py": USER})
        assert warm() == [] == cold(root, select=SH005)
