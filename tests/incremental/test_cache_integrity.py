"""The warm cache trusts neither edited bytes nor an mtime set back: a tampered cache file is
"corrupt" and rebuilt; a same-size rewrite that keeps the old mtime (``cp -p``, ``tar x``,
``rsync -a``, ``touch -r``) is seen by a warm start and by a watching session; a symbolic
link as the cache directory is followed only to a private directory of the user's."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from support import Engine, cold, make_plan, project

from analyzer.engine import _changes, _jobs, run_check

FILES = {"a.py": "import os\n", "b.py": "from pkg.m import g\nimport sys\ng(1)\n",
         "pkg/__init__.py": "", "pkg/m.py": "def g(): pass\n"}
#: Same size as FILES["a.py"], another finding (F401 on ``re``, not ``os``).
SAME_SIZE = "import re\n"


@pytest.fixture
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = project(tmp_path / "proj", FILES)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def stat_decides(proj: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Files an hour old, and no racy window: every file of a test is younger than the
    window, which would make each run read them all and hide what the stat alone says."""
    hour_ago = time.time_ns() - 3600 * 10**9
    for path in proj.rglob("*.py"):
        os.utime(path, ns=(hour_ago, hour_ago))
    monkeypatch.setattr(_changes, "RACY_WINDOW_NS", 0)
    return proj


def warm(root: Path, cache: Path | None = None):
    return run_check(make_plan(root, cache_dir=cache or root / ".shoal_cache"))


def key_dir(cache: Path) -> Path:
    (found,) = [p for p in cache.iterdir() if p.is_dir()]
    return found


# ---------------------------------------------------------------------------------------
# Checksums


def _replace_code(path: Path) -> None:
    data = path.read_bytes()
    assert b"F401" in data
    path.write_bytes(data.replace(b"F401", b"F402"))


def _flip_middle_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(("pattern", "tamper"), [
    ("index.pickle", _flip_middle_byte),
    # The findings are kept apart from the index and read when nothing changed.
    ("findings-*.pickle", _replace_code),
    ("findings-*.pickle", _flip_middle_byte),
    ("state-*.pickle", _replace_code),
    ("state-*.pickle", _flip_middle_byte),
    ("heap-*.snap", _flip_middle_byte),
])
def test_a_tampered_cache_file_is_corrupt_and_rebuilt(proj, capsys, pattern, tamper):
    warm(proj)
    (path,) = key_dir(proj / ".shoal_cache").glob(pattern)
    tamper(path)
    if not pattern.startswith(("index", "findings")):
        # The state and the snapshot are read only when something changed.
        (proj / "pkg/m.py").write_text("def g(): pass\ndef h(): pass\n", encoding="utf-8")
    capsys.readouterr()
    result = warm(proj)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "cache ignored" in err[0] and "corrupt" in err[0], err
    assert result.diagnostics == cold(proj)
    assert result.stats["cache"] == "cold"
    assert warm(proj).stats["cache"] == "hit"
    assert capsys.readouterr().err == ""


def test_an_index_from_another_configuration_is_refused(proj, capsys):
    warm(proj)
    first = key_dir(proj / ".shoal_cache")
    run_check(make_plan(proj, select="F401", cache_dir=proj / ".shoal_cache"))
    (second,) = [p for p in (proj / ".shoal_cache").iterdir() if p.is_dir() and p != first]
    shutil.copyfile(second / "index.pickle", first / "index.pickle")
    capsys.readouterr()
    assert warm(proj).diagnostics == cold(proj)
    assert "cache ignored" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------
# Same size, old mtime


def _copy_keeping_mtime(root: Path, rel: str, text: str) -> None:
    """``cp -p`` of a same-size file over ``rel``, then its old mtime put back."""
    target = root / rel
    before = target.stat()
    assert len(text.encode()) == before.st_size
    source = root.parent / "incoming.py"
    source.write_text(text, encoding="utf-8")
    shutil.copy2(source, target)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = target.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size, before.st_mtime_ns, before.st_ino)


def test_a_same_size_copy_keeping_the_mtime_is_seen_by_a_warm_start(stat_decides):
    proj = stat_decides
    warm(proj)
    assert warm(proj).stats["cache"] == "hit"
    _copy_keeping_mtime(proj, "a.py", SAME_SIZE)
    result = warm(proj)
    assert result.diagnostics == cold(proj)
    assert any("'re'" in d.message for d in result.diagnostics)


def test_a_same_size_copy_keeping_the_mtime_is_seen_by_a_snapshot_start(stat_decides):
    proj = stat_decides
    warm(proj)
    # Another file's change makes the next run start from the snapshot, not the index.
    (proj / "pkg/m.py").write_text("def g(): pass\ndef h(): pass\n", encoding="utf-8")
    _copy_keeping_mtime(proj, "a.py", SAME_SIZE)
    result = warm(proj)
    assert result.stats["cache"] == "warm"
    assert result.diagnostics == cold(proj)


def test_a_same_size_copy_keeping_the_mtime_is_seen_in_watch(stat_decides):
    proj = stat_decides
    with Engine(proj) as engine:
        engine.verify()
        _copy_keeping_mtime(proj, "a.py", SAME_SIZE)
        recheck = engine.session.recheck([proj / "a.py"])
        assert recheck.files_changed == 1
        engine.verify()


def test_touched_files_are_read_once_then_trusted_again(stat_decides, monkeypatch):
    proj = stat_decides
    warm(proj)
    now = time.time_ns()
    for path in proj.rglob("*.py"):
        os.utime(path, ns=(now, now))  # a new ctime and mtime, the same bytes
    reads: list[str] = []
    real = _jobs._read

    def counting(path: str) -> bytes:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(_jobs, "_read", counting)
    assert warm(proj).stats["cache"] == "hit"
    assert len(reads) == 4
    reads.clear()
    assert warm(proj).stats["cache"] == "hit"
    assert reads == []  # the index took the new stats


# ---------------------------------------------------------------------------------------
# A symbolic link as the cache directory


def test_a_link_to_a_private_directory_of_ours_is_followed(proj, tmp_path, capsys):
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    link = proj / "cache-link"
    link.symlink_to(target)
    first = warm(proj, link)
    second = warm(proj, link)
    assert capsys.readouterr().err == ""
    assert second.stats["cache"] == "hit"
    assert first.diagnostics == second.diagnostics == cold(proj)
    assert (target / "CACHEDIR.TAG").is_file()


@pytest.mark.parametrize("kind", ["writable by others", "not a directory", "cannot be reached"])
def test_a_link_to_anything_else_is_refused_on_every_run(proj, tmp_path, capsys, kind):
    target = tmp_path / "elsewhere"
    if kind == "writable by others":
        target.mkdir()
        os.chmod(target, 0o777)
    elif kind == "not a directory":
        target.write_text("", encoding="utf-8")
    link = proj / "cache-link"
    link.symlink_to(target)
    for _ in range(2):
        result = warm(proj, link)
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and "cache ignored" in err[0] and kind in err[0], err
        assert "symbolic link" in err[0]
        assert result.diagnostics == cold(proj)
    if kind == "writable by others":
        assert os.listdir(target) == []  # nothing written through the link
        assert os.stat(target).st_mode & 0o777 == 0o777  # and its mode left alone
