"""The cache's sealed files written straight from the pickler: same bytes, less memory."""
from __future__ import annotations

import pickle
import pickletools
import tracemalloc
from pathlib import Path

import pytest

from analyzer.engine._cache_files import (
    CacheRejected,
    read_trusted,
    seal,
    unseal,
    write_sealed_file,
)

MAGIC = b"SHOALTEST\n"
BUILD = "b" * 32
KEY = "k" * 20


def _value() -> dict[str, object]:
    return {"files": {f"m{i}.py": (i, f"m{i}", (1, 2, 3)) for i in range(2000)},
            "shared": ["same"] * 50, "blob": b"x" * 300_000}


def test_the_file_holds_the_bytes_seal_makes(tmp_path: Path) -> None:
    path = tmp_path / "state.pickle"
    write_sealed_file(path, MAGIC, 7, BUILD, KEY, _value())
    assert path.read_bytes() == seal(MAGIC, 7, BUILD, KEY, _value())
    assert unseal(read_trusted(path), MAGIC, 7, BUILD, KEY, path.name) == _value()


def test_two_values_in_turn_each_readable(tmp_path: Path) -> None:
    # The placeholder is overwritten in place: a second write must not keep the first's digest.
    path = tmp_path / "state.pickle"
    write_sealed_file(path, MAGIC, 7, BUILD, KEY, {"a": 1})
    write_sealed_file(path, MAGIC, 7, BUILD, KEY, {"b": 2})
    assert unseal(read_trusted(path), MAGIC, 7, BUILD, KEY, path.name) == {"b": 2}


def test_an_edited_payload_byte_is_found(tmp_path: Path) -> None:
    path = tmp_path / "state.pickle"
    write_sealed_file(path, MAGIC, 7, BUILD, KEY, _value())
    data = bytearray(path.read_bytes())
    data[-100] ^= 1
    with pytest.raises(CacheRejected, match="checksum"):
        unseal(bytes(data), MAGIC, 7, BUILD, KEY, path.name)


def test_another_key_cannot_read_it(tmp_path: Path) -> None:
    path = tmp_path / "state.pickle"
    write_sealed_file(path, MAGIC, 7, BUILD, KEY, _value())
    with pytest.raises(CacheRejected, match="checksum"):
        unseal(read_trusted(path), MAGIC, 7, BUILD, "z" * 20, path.name)


def test_an_unpicklable_value_leaves_neither_file_nor_temporary(tmp_path: Path) -> None:
    path = tmp_path / "state.pickle"
    write_sealed_file(path, MAGIC, 7, BUILD, KEY, {"old": True})
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        write_sealed_file(path, MAGIC, 7, BUILD, KEY, {"new": lambda: None})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.pickle"]
    assert unseal(read_trusted(path), MAGIC, 7, BUILD, KEY, path.name) == {"old": True}


def test_the_payload_is_never_whole_in_memory(tmp_path: Path) -> None:
    # 8 MiB of payload: pickled in memory, then copied behind the header, it would cost at
    # least that much again; written frame by frame, a small part of it.
    value = [bytes([i]) * (2 << 20) for i in range(4)]
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        write_sealed_file(tmp_path / "big.pickle", MAGIC, 7, BUILD, KEY, value)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < (1 << 20), peak
    assert unseal(read_trusted(tmp_path / "big.pickle"), MAGIC, 7, BUILD, KEY, "big") == value


def test_parts_one_after_another_read_as_many_as_asked(tmp_path: Path) -> None:
    path = tmp_path / "parts.pickle"
    first, second, third = {"light": 1}, {"heavy": [1, 2]}, {"m": {"f": "d1"}, "n": {}}
    write_sealed_file(path, MAGIC, 7, BUILD, KEY, first, second, third, memo_free={2})
    data = read_trusted(path)
    assert unseal(data, MAGIC, 7, BUILD, KEY, path.name) == first
    assert unseal(data, MAGIC, 7, BUILD, KEY, path.name, parts=1) == [first]
    assert unseal(data, MAGIC, 7, BUILD, KEY, path.name, parts=3) == [first, second, third]
    with pytest.raises(CacheRejected, match="corrupt"):
        unseal(data, MAGIC, 7, BUILD, KEY, path.name, parts=4)


def test_a_memo_free_part_keeps_no_entry_per_string(tmp_path: Path) -> None:
    # Distinct strings: the memo would note each (and keep a reference to it).
    value = {f"module{i}": {f"name{j}": f"{i:016x}{j:016x}" for j in range(20)}
             for i in range(500)}
    sizes = {}
    for memo_free in ((), {0}):
        path = tmp_path / f"{len(memo_free)}.pickle"
        write_sealed_file(path, MAGIC, 7, BUILD, KEY, value, memo_free=memo_free)
        data = read_trusted(path)
        ops = [op.name for op, _, _ in pickletools.genops(data[data.index(b"\n", 10) + 1:])]
        sizes[len(memo_free)] = ops.count("MEMOIZE")
        assert unseal(data, MAGIC, 7, BUILD, KEY, path.name, parts=1) == [value]
    assert sizes[0] > 20_000 and sizes[1] == 0


def test_shared_objects_stay_shared_in_a_part_with_its_memo(tmp_path: Path) -> None:
    shared = ["one", "list"]
    path = tmp_path / "shared.pickle"
    write_sealed_file(path, MAGIC, 7, BUILD, KEY, {"a": shared, "b": shared}, [1], memo_free={1})
    loaded, _ = unseal(read_trusted(path), MAGIC, 7, BUILD, KEY, path.name, parts=2)
    assert loaded["a"] is loaded["b"]
