"""The warm cache: hits answer without libcst, workers or the heap; changes recheck from the
snapshot; an untrustworthy cache is ignored with one line and rebuilt; output is identical."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from support import SELECT, cold, make_plan, project, write

from analyzer.engine import _cache as cache_mod
from analyzer.engine import run_check
from analyzer.engine._cache_files import seal
from analyzer.interfaces import main

FILES = {"a.py": "import os\ndef f(x): pass\n", "b.py": "from a import f\nf(1, 2)\n",
         "pkg/__init__.py": "from .m import *\n", "pkg/m.py": "def g(): pass\n",
         "c.py": "from pkg import g, h\ng(1)\n"}


@pytest.fixture
def proj(tmp_path, monkeypatch) -> Path:
    root = project(tmp_path / "proj", FILES)
    monkeypatch.chdir(root)
    return root


def warm(root: Path):
    return run_check(make_plan(root, cache_dir=root / ".shoal_cache"))


def key_dir(root: Path) -> Path:
    (found,) = [p for p in (root / ".shoal_cache").iterdir() if p.is_dir()]
    return found


def test_cold_then_hit_then_warm_recheck(proj, capsys):
    first = warm(proj)
    assert first.stats["cache"] == "cold"
    assert (proj / ".shoal_cache" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f59")
    assert (proj / ".shoal_cache" / ".gitignore").read_text().splitlines()[-1] == "*"
    hit = warm(proj)
    assert hit.stats["cache"] == "hit"
    assert hit.diagnostics == first.diagnostics == cold(proj)
    write(proj, {"pkg/m.py": "def g(): pass\ndef h(x): pass\n"})
    again = warm(proj)
    assert again.stats["cache"] == "warm"
    assert again.diagnostics == cold(proj)
    write(proj, {"new.py": "from b import zz\n", "b.py": None})
    assert warm(proj).diagnostics == cold(proj)
    assert warm(proj).stats["cache"] == "hit"
    assert capsys.readouterr().err == ""  # nothing to say about a healthy cache


def test_same_size_rewrite_right_after_the_check_is_seen(proj):
    warm(proj)
    path = proj / "a.py"
    stamp = os.stat(path).st_mtime_ns
    path.write_text("import os\ndef f(): pass\n ", encoding="utf-8")  # same size
    os.utime(path, ns=(stamp, stamp))
    assert warm(proj).diagnostics == cold(proj)


def test_a_hit_imports_no_libcst_forks_nothing_loads_no_heap(proj):
    warm(proj)
    code = textwrap.dedent(f"""
        import os, sys
        sys.path[:0] = [{str(Path(__file__).parent)!r}]
        from support import make_plan
        from analyzer.engine._check import run_check
        from pathlib import Path
        root = Path({str(proj)!r})
        result = run_check(make_plan(root, workers=2, cache_dir=root / ".shoal_cache"))
        print(result.stats["cache"], len(result.diagnostics),
              sorted(m for m in ("libcst", "parallel", "heap_native", "watchdog")
                     if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=proj, capture_output=True,
                         text=True, timeout=60, check=True).stdout.split(maxsplit=2)
    assert out[0] == "hit" and int(out[1]) == len(cold(proj))
    assert out[2].strip() == "[]"


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_cached_output_is_byte_identical(proj, capsys, fmt):
    main(["check", ".", "--select", SELECT, "--format", fmt, "--no-cache"])
    expected = capsys.readouterr().out
    outputs = []
    for edit in (None, None, {"a.py": "def f(x, y): pass\n"}):
        if edit:
            write(proj, edit)
            main(["check", ".", "--select", SELECT, "--format", fmt, "--no-cache"])
            expected = capsys.readouterr().out
        main(["check", ".", "--select", SELECT, "--format", fmt, "--workers", "0"])
        outputs.append(capsys.readouterr().out)
        assert outputs[-1] == expected


def _corrupt(root: Path) -> str:
    (key_dir(root) / "index.pickle").write_bytes(b"shoal-cache-index\n\x80\x05garbage")
    return "corrupt"


def _truncate(root: Path) -> str:
    index = key_dir(root) / "index.pickle"
    index.write_bytes(index.read_bytes()[:40])
    return "corrupt"


def _other_build(root: Path) -> str:
    path = key_dir(root) / "index.pickle"
    data = path.read_bytes()
    header, payload = data[len(cache_mod.MAGIC):].split(b"\n", 1)
    index = pickle.loads(payload)
    index["build"] = "0" * 32
    path.write_bytes(seal(cache_mod.MAGIC, cache_mod.CACHE_FORMAT, "0" * 32,
                          key_dir(root).name, index))
    return "another shoal build"


def _world_writable(root: Path) -> str:
    os.chmod(key_dir(root), 0o777)
    return "writable by others"


def _not_owned(root: Path) -> str:
    if os.getuid() != 0:
        pytest.skip("giving a file away needs root")
    os.chown(key_dir(root) / "index.pickle", 12345, 12345)
    return "not by you"


def _truncated_heap(root: Path) -> str:
    (snap,) = key_dir(root).glob("heap-*.snap")
    snap.write_bytes(snap.read_bytes()[:100])
    write(root, {"a.py": "def f(x, y): pass\n"})  # a change: the snapshot is needed
    return "heap snapshot"


def _missing_state(root: Path) -> str:
    (state,) = key_dir(root).glob("state-*.pickle")
    state.unlink()
    write(root, {"a.py": "def f(x, y): pass\n"})
    return "incomplete"


@pytest.mark.parametrize("damage", [_corrupt, _truncate, _other_build, _world_writable,
                                    _not_owned, _truncated_heap, _missing_state])
def test_an_untrustworthy_cache_is_ignored_with_one_line_and_rebuilt(proj, capsys, damage):
    warm(proj)
    why = damage(proj)
    capsys.readouterr()
    result = warm(proj)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "cache ignored" in err[0] and why in err[0], err
    assert result.diagnostics == cold(proj)
    assert result.stats["cache"] == "cold"
    assert warm(proj).stats["cache"] == "hit"  # rebuilt, and trusted again
    assert capsys.readouterr().err == ""


def test_the_state_read_back_is_the_state_written_heavy_or_light(proj):
    from analyzer.engine._cache_keys import build_digest, cache_key
    from analyzer.engine._session import Session
    from analyzer.engine._state import HEAVY_FIELDS

    plan = make_plan(proj, cache_dir=proj / ".shoal_cache")
    session = Session(plan).open()
    try:
        session.check()
        cache = cache_mod._Cache(proj / ".shoal_cache", cache_key(plan),
                                 build_digest(plan.registry))
        cache.write(session)
        written = session.state
        index = cache.read_index()
        assert index is not None
        full = cache.read_state(index)
        light = cache.read_state(index, light=True)
    finally:
        session.close()
    assert written.interfaces and written.files and written.diagnostics  # nothing vacuous
    for name in ("modules", "readers", "ctx_key", "files_checked", *HEAVY_FIELDS):
        assert getattr(full, name) == getattr(written, name), name
    assert not getattr(full, "light", False)
    # A file's diagnostics and the final list hold one object each, as in the session.
    by_file = {id(d) for fs in full.files.values() for d in fs.diagnostics}
    assert by_file and by_file <= {id(d) for d in full.diagnostics}
    assert light.light and light.modules == written.modules and light.readers == written.readers
    assert (light.files, light.interfaces, light.diagnostics) == ({}, {}, [])


def test_a_session_stopped_inside_a_phase_is_not_saved(proj):
    # A watch's Ctrl-C can land as a recheck's parallel phase closes: the phase stays open and
    # the session half updated. Saving it was a HeapRoleError, shoal's "internal error" exit
    # 2 after a clean Ctrl-C; it is not saved, and the last good cache stays.
    from analyzer.engine._cache_keys import build_digest, cache_key
    from analyzer.engine._session import Session

    warm(proj)
    plan = make_plan(proj, cache_dir=proj / ".shoal_cache")
    cache = cache_mod._Cache(proj / ".shoal_cache", cache_key(plan), build_digest(plan.registry))
    before = cache.read_index()
    session = Session(plan).open()
    try:
        session.check()
        with session.heap.phase():
            cache.write(session)
        assert cache.read_index() == before
        cache.write(session)  # between phases, as always
        assert cache.read_index()["generation"] != before["generation"]
    finally:
        session.close()
