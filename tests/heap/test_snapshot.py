"""save/load: a round trip keeps every value and edge; bad files are refused with a reason."""
from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from heap_native import HeapFull, SharedHeap, SnapshotError


@pytest.fixture
def snapshot(heap: SharedHeap, tmp_path: Path) -> Path:
    """A saved heap with values (some removed) and edges."""
    heap.add_many([(b"key%d" % i, b"value%d" % i * (i % 7)) for i in range(100)])
    heap.remove(b"key5")
    heap.add_deps([(1, 2), (1, 3), (4, 5)])
    path = tmp_path / "heap.snap"
    heap.save(path)
    return path


def test_round_trip(snapshot: Path) -> None:
    """load returns a fresh heap with exactly the live values and edges."""
    with SharedHeap.load(snapshot) as loaded:
        loaded.verify()
        for i in range(100):
            assert loaded.get(b"key%d" % i) == (None if i == 5 else b"value%d" % i * (i % 7))
        assert sorted(loaded.get_deps(1)) == [2, 3] and loaded.get_deps(4) == [5]
        s = loaded.stats()
        assert s.live_slots == 99 and s.wasted_bytes == 0 and s.dep_edges == 3
        assert loaded.add(b"new", b"1") and loaded.add(b"key0", b"x") is False


def test_load_with_other_sizes(snapshot: Path) -> None:
    """Sizes may change on load; too small a heap is HeapFull."""
    with SharedHeap.load(snapshot, heap_size="2M", hash_slots=256, dep_slots=16) as loaded:
        assert loaded.stats().hash_capacity == 256 and loaded.get(b"key1") == b"value1"
    with pytest.raises(HeapFull):
        SharedHeap.load(snapshot, heap_size=4096)


def test_load_with_the_version_it_was_saved_with(snapshot: Path, monkeypatch) -> None:
    """A caller that kept the version (``snapshot_version``) need not read the package
    metadata; another version is refused."""
    import heap_native._heap as heap_mod

    version = SharedHeap.snapshot_version()
    monkeypatch.setattr(heap_mod, "_shoal_version", lambda: pytest.fail("metadata read"))
    with SharedHeap.load(snapshot, version=version) as loaded:
        assert loaded.get(b"key1") == b"value1"
    with pytest.raises(SnapshotError):
        SharedHeap.load(snapshot, version=version + ".other")


def _damaged(snapshot: Path, tmp_path: Path, edit) -> Path:
    data = bytearray(snapshot.read_bytes())
    data = edit(data)
    path = tmp_path / "damaged.snap"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda d: d[: len(d) - 8], "truncated"),
        (lambda d: d[:64], "truncated"),
        (lambda d: d + b"\0" * 8, "corrupt"),
        (lambda d: d[:200] + bytes([d[200] ^ 1]) + d[201:], "checksum"),
        (lambda d: b"NOTSHOAL" + d[8:], "magic"),
        (lambda d: d[:8] + struct.pack("<I", 99) + d[12:], "format version"),
        (lambda d: d[:16] + b"0.0.0-other".ljust(32, b"\0") + d[48:], "header checksum"),
    ],
    ids=["short-payload", "short-header", "trailing", "flipped-bit", "magic", "version", "header"],
)
def test_damaged_files_are_refused(snapshot: Path, tmp_path: Path, edit, reason: str) -> None:
    """Each kind of damage is a SnapshotError naming the reason."""
    with pytest.raises(SnapshotError, match=reason):
        SharedHeap.load(_damaged(snapshot, tmp_path, edit))


def test_other_shoal_version_is_refused(snapshot: Path, monkeypatch) -> None:
    """A snapshot from another shoal version is refused."""
    import heap_native._heap as impl

    monkeypatch.setattr(impl, "_shoal_version", lambda: "99.0-test")
    with pytest.raises(SnapshotError, match="another shoal version"):
        SharedHeap.load(snapshot)


def test_missing_file_is_os_error(tmp_path: Path) -> None:
    """A path that does not exist is an OSError, not a SnapshotError."""
    with pytest.raises(FileNotFoundError):
        SharedHeap.load(tmp_path / "absent.snap")


def test_save_is_atomic_and_leaves_no_temp_file(heap: SharedHeap, tmp_path: Path) -> None:
    """save replaces the target in one step; a failed save leaves nothing behind."""
    heap.add(b"a", b"1")
    target = tmp_path / "s.snap"
    heap.save(target)
    heap.save(target)
    assert os.listdir(tmp_path) == ["s.snap"]
    with pytest.raises(OSError):
        heap.save(tmp_path / "missing-dir" / "s.snap")
