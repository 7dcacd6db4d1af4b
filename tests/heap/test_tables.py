"""Typed tables over the shared heap: codecs, namespacing, the per-process cache."""

from __future__ import annotations

import os
import pickle
import random
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from heap_native import SharedHeap
from heap_native._codecs import (
    FLAG_LZ4,
    FLAG_PLAIN,
    Codec,
    CodecError,
    PickleCodec,
    RawCodec,
    get_codec,
)
from heap_native._tables import HeapTable


@pytest.fixture
def heap() -> Iterator[SharedHeap]:
    with SharedHeap(heap_size="32M", hash_slots=4096, dep_slots=1024) as h:
        yield h


def _compressible(n: int) -> bytes:
    words = [b"module", b"binding", b"scope", b"import", b"visitor"]
    rnd = random.Random(n)
    return b" ".join(rnd.choice(words) for _ in range(n // 6))[:n]


def _facts(n: int) -> list[Any]:
    """Pickled analyzer-like facts: dicts and tuples, compressible like the real ones."""
    rnd = random.Random(n)
    return [
        {"name": f"sym{i}", "kind": rnd.choice(["def", "class"]), "line": i, "refs": ["a", "b"]}
        if i % 2
        else (f"pkg.mod{i % 7}", i, rnd.randint(0, 80), True)
        for i in range(n)
    ]


def _check_roundtrip(table: HeapTable, key: str, value: Any) -> bytes:
    """Store ``value``, read it back through a cold cache, and return the stored bytes."""
    assert table.add(key, value) is True
    table.clear_cache()
    got = table[key]
    assert got == value, f"roundtrip of {key!r}: expected {value!r:.80}, got {got!r:.80}"
    assert type(got) is type(value)
    stored = table.heap.get(table.heap_key(key))
    assert stored is not None
    return stored


RAW_CASES = {
    "empty": b"",
    "small": b"\x00\x01abc",
    "below-threshold": _compressible(1023),
    "compressible-1k": _compressible(1024),
    "compressible-200k": _compressible(200_000),
    "random-100k": random.Random(7).randbytes(100_000),
}


@pytest.mark.parametrize("name", RAW_CASES)
def test_raw_roundtrip(heap: SharedHeap, name: str) -> None:
    """Bytes come back equal; compression only above the threshold and only when it wins."""
    value = RAW_CASES[name]
    stored = _check_roundtrip(HeapTable(heap, "raw", RawCodec()), name, value)
    if len(value) >= 1024 and not name.startswith("random"):
        assert stored[0] == FLAG_LZ4
        assert len(stored) < len(value) // 2
    else:
        assert stored[0] == FLAG_PLAIN
        assert len(stored) == len(value) + 1


PICKLE_CASES = {
    "none": None,
    "int": 12345678901234567890,
    "str": "héllo wörld",
    "tuple": (1, "a", b"b", 2.5, None),
    "nested": {"a": [1, 2, {"b": (3, 4)}], "c": frozenset({1, 2})},
    "facts-200B": _facts(2),
    "facts-20KB": _facts(200),
    "facts-200KB": _facts(2000),
}


@pytest.mark.parametrize("name", PICKLE_CASES)
def test_pickle_roundtrip(heap: SharedHeap, name: str) -> None:
    """Objects come back equal; large pickles are stored lz4-compressed and smaller."""
    value = PICKLE_CASES[name]
    stored = _check_roundtrip(HeapTable(heap, "obj", PickleCodec()), name, value)
    pickled = pickle.dumps(value, protocol=5)
    if len(pickled) >= 10_000:
        assert stored[0] == FLAG_LZ4
        assert len(stored) < len(pickled) * 0.8, (len(stored), len(pickled))
    elif len(pickled) < 1024:
        assert stored == bytes([FLAG_PLAIN]) + pickled


def test_compression_off(heap: SharedHeap) -> None:
    """``compress_threshold=None`` stores even large compressible payloads plain."""
    value = _compressible(50_000)
    stored = _check_roundtrip(HeapTable(heap, "t", RawCodec(compress_threshold=None)), "k", value)
    assert stored == bytes([FLAG_PLAIN]) + value


def test_getitem_get_add_first_writer_wins(heap: SharedHeap) -> None:
    """``[]`` raises KeyError when absent, ``get`` returns the default, a second add loses."""
    t = HeapTable(heap, "t", "pickle")
    with pytest.raises(KeyError):
        t["nope"]
    assert t.get("nope") is None
    assert t.get("nope", 42) == 42
    assert t.add("k", [1]) is True
    assert t.add("k", [2]) is False
    t.clear_cache()
    assert t["k"] == [1]


def test_add_serialized_stores_what_add_stores(heap: SharedHeap) -> None:
    """A payload serialized by the caller is stored as ``add`` stores its value: the same
    bytes (compressed past the threshold), read back as the value; a second add loses."""
    t = HeapTable(heap, "t", "pickle")
    big = [_compressible(20_000), {"k": 1}]
    for key, value in (("small", [1, "x"]), ("big", big)):
        assert t.add_serialized(key, t.codec.serialize(value)) is True
        t.add(key + "-plain", value)
        assert heap.get(t.heap_key(key)) == heap.get(t.heap_key(key + "-plain"))
        t.clear_cache()
        assert t[key] == value
    assert heap.get(t.heap_key("big"))[0] == FLAG_LZ4
    assert t.add_serialized("small", t.codec.serialize([2])) is False


def test_a_view_without_cache_is_its_own_table(heap: SharedHeap) -> None:
    """``cache_size=0`` names another view of the same entries, which keeps nothing decoded,
    while the default view still serves repeated reads from its cache."""
    cached, bare = heap.table("t"), heap.table("t", cache_size=0)
    assert bare is not cached and bare is heap.table("t", cache_size=0)
    cached.add("k", [1])
    first = bare["k"]
    assert first == [1] and bare["k"] is not first
    assert cached["k"] is cached["k"]


def test_str_and_bytes_keys_are_the_same_entry(heap: SharedHeap) -> None:
    """A str key is its UTF-8 encoding."""
    t = HeapTable(heap, "t", "raw")
    assert t.add("clé", b"v") is True
    assert t[b"cl\xc3\xa9"] == b"v"
    assert t.add(b"cl\xc3\xa9", b"w") is False
    with pytest.raises(TypeError):
        t.get(3)  # type: ignore[arg-type]


def test_tables_are_namespaced(heap: SharedHeap) -> None:
    """Same key in two tables, and names that share prefixes, never collide."""
    a, ab, b = (HeapTable(heap, n, "raw") for n in ("a", "ab", "b"))
    assert a.add("bc", b"from a") is True
    assert ab.add("c", b"from ab") is True  # "a" + "bc" vs "ab" + "c"
    assert b.add("bc", b"from b") is True
    assert (a["bc"], ab["c"], b["bc"]) == (b"from a", b"from ab", b"from b")
    assert not a.contains("c") and not ab.contains("bc")
    assert heap.get(b"bc") is None
    assert len({t.heap_key(k) for t, k in [(a, "bc"), (ab, "c"), (b, "bc")]}) == 3


@pytest.mark.parametrize("name", ["", "a\0b"])
def test_bad_table_name(heap: SharedHeap, name: str) -> None:
    """Empty names and names with NUL would break the prefix rule."""
    with pytest.raises(ValueError, match="table name"):
        HeapTable(heap, name)


def test_batch_calls(heap: SharedHeap) -> None:
    """``add_many``/``get_many`` are aligned with their input, with misses as the default."""
    t = HeapTable(heap, "t", "pickle")
    assert t.add("b", "old") is True
    assert t.add_many([("a", 1), ("b", 2), ("c", _facts(300))]) == [True, False, True]
    assert t.add_many({"d": 4, "a": 9}) == [True, False]
    t.get("a")  # one cached, the rest fetched in one call
    assert t.get_many(["a", "b", "zz", "c", "d", "a"]) == [1, "old", None, _facts(300), 4, 1]
    assert t.get_many(["zz"], default=0) == [0]
    assert t.get_many([]) == []


class CountingCodec(PickleCodec):
    """Counts decodes, so a test can tell a cache hit from a heap read."""

    def __init__(self) -> None:
        super().__init__()
        self.decodes = 0

    def deserialize(self, payload: memoryview) -> Any:
        self.decodes += 1
        return super().deserialize(payload)


def test_cache_serves_repeated_reads_and_is_bounded(heap: SharedHeap) -> None:
    """Repeated reads decode once; the cache holds at most ``cache_size`` values (FIFO)."""
    codec = CountingCodec()
    t = HeapTable(heap, "t", codec, cache_size=2)
    t.add_many([(k, k * 3) for k in "abc"])
    assert [t["a"], t["b"], t["a"], t["b"]] == ["aaa", "bbb", "aaa", "bbb"]
    assert codec.decodes == 2
    assert t["a"] is t["a"]
    t["c"]  # evicts "a", the oldest
    assert codec.decodes == 3
    t["b"]
    assert codec.decodes == 3
    t["a"]  # evicts "b"
    assert codec.decodes == 4
    assert t.get_many(["a", "c"]) == ["aaa", "ccc"]
    assert codec.decodes == 4
    assert t.get_many(["b", "c"]) == ["bbb", "ccc"]  # "b" evicts "c" after "c" was served
    assert codec.decodes == 5
    t["c"]
    assert codec.decodes == 6


def test_cache_disabled(heap: SharedHeap) -> None:
    """``cache_size=0`` decodes on every read."""
    codec = CountingCodec()
    t = HeapTable(heap, "t", codec, cache_size=0)
    t.add("k", 1)
    assert [t["k"], t["k"], *t.get_many(["k"])] == [1, 1, 1]
    assert codec.decodes == 3


def test_cache_dropped_when_master_removes(heap: SharedHeap) -> None:
    """In the master, a remove moves the epoch and the cached value is gone."""
    t = HeapTable(heap, "t", "pickle")
    t.add("k", "old")
    assert t["k"] == "old"
    epoch = heap.epoch
    assert t.remove("k") is True
    assert heap.epoch != epoch
    assert t.get("k") is None
    assert t.add("k", "new") is True
    assert t["k"] == "new"


def _fork(child: Callable[[Callable[[], bytes], Callable[[bytes], None]], None]) -> tuple[int, int, int]:
    """Fork ``child(recv, send)`` talking over two pipes; returns (pid, to_child, from_child)."""
    down_r, down_w = os.pipe()
    up_r, up_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            os.close(down_w)
            os.close(up_r)
            child(lambda: os.read(down_r, 1 << 16), lambda msg: os.write(up_w, msg) and None)
        except BaseException:
            os.write(up_w, b"ERR " + traceback.format_exc().encode())
            code = 1
        finally:
            os._exit(code)
    os.close(down_r)
    os.close(up_w)
    return pid, down_w, up_r


def _reap(pid: int) -> None:
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_forked_child_sees_master_remove(heap: SharedHeap) -> None:
    """A long-lived child that cached a value sees the master's remove and re-add."""
    t = HeapTable(heap, "t", "pickle")
    t.add("k", "old")

    def child(recv: Callable[[], bytes], send: Callable[[bytes], None]) -> None:
        assert t["k"] == "old"  # now cached in the child
        assert t["k"] == "old"
        send(b"cached")
        assert recv() == b"removed"
        assert t.get("k") is None, "child served a removed value from its cache"
        send(b"saw-removal")
        assert recv() == b"re-added"
        assert t["k"] == "new"
        send(b"ok")

    pid, to_child, from_child = _fork(child)
    try:
        assert os.read(from_child, 1 << 16) == b"cached"
        assert t.remove("k") is True
        os.write(to_child, b"removed")
        assert os.read(from_child, 1 << 16) == b"saw-removal"
        assert t.add("k", "new") is True
        os.write(to_child, b"re-added")
        assert os.read(from_child, 1 << 16) == b"ok"
    finally:
        os.close(to_child)
        os.close(from_child)
        _reap(pid)


class ExplodingCodec(RawCodec):
    """Fails every decode, to prove a call never decoded."""

    def deserialize(self, payload: memoryview) -> Any:
        raise AssertionError("decoded")


def test_contains_never_decodes(heap: SharedHeap) -> None:
    """``contains`` and ``in`` answer from the heap index alone."""
    t = HeapTable(heap, "t", ExplodingCodec())
    t.add("k", b"v" * 5000)
    assert t.contains("k") and "k" in t
    assert not t.contains("other") and "other" not in t
    with pytest.raises(AssertionError, match="decoded"):
        t["k"]


def test_value_from_another_writer_is_a_codec_error(heap: SharedHeap) -> None:
    """A value not written through a codec is refused with the flag byte named."""
    t = HeapTable(heap, "t", "pickle")
    heap.add(t.heap_key("k"), b"\x07junk")
    heap.add(t.heap_key("e"), b"")
    heap.add(t.heap_key("z"), bytes([FLAG_LZ4]) + b"\xff\xff\xff\x7fgarbage")
    with pytest.raises(CodecError, match="0x07"):
        t["k"]
    with pytest.raises(CodecError, match="empty"):
        t["e"]
    with pytest.raises(CodecError, match="lz4"):
        t["z"]


def test_get_codec() -> None:
    """Names resolve to the built-in codecs; anything else is refused."""
    assert isinstance(get_codec(None), PickleCodec)
    assert isinstance(get_codec("raw"), RawCodec)
    c = PickleCodec(compress_threshold=10)
    assert get_codec(c) is c
    with pytest.raises(ValueError, match="unknown codec"):
        get_codec("zip")
    with pytest.raises(TypeError):
        get_codec(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="compress_threshold"):
        Codec(compress_threshold=-1)
    with pytest.raises(TypeError, match="bytes-like"):
        RawCodec().encode("text")


def test_get_sized_reads_the_heap_and_gives_the_stored_size(heap: SharedHeap) -> None:
    """``get_sized``: the value and its size in the heap (compressed when it was), read from
    the heap even when cached, None when absent."""
    t = HeapTable(heap, "t", "pickle")
    big = [_compressible(20_000), {"k": 1}]
    assert t.add("small", [1, "x"]) and t.add("big", big)
    assert t.get("big") == big  # cached now
    for key, value in (("small", [1, "x"]), ("big", big)):
        found = t.get_sized(key)
        assert found is not None and found[0] == value and found[0] is not t.get(key)
        assert found[1] == len(heap.get(t.heap_key(key)))
    assert t.get_sized("big")[1] < 20_000
    assert t.get_sized("nope") is None
