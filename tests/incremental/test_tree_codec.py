"""The trees' codec (issue 15, ``analyzer.engine._tree_codec``): a loaded tree is the tree a
fresh parse gives — ``ast.dump(..., include_attributes=True)`` equal, the parse's shared
``Load()``/operator nodes the same objects — for real standard-library files and for the
corners of the grammar; it loads in another process; and an entry it did not write (an
older shoal's bare pickle, another Python) loads as no tree, never as a wrong one.
"""
from __future__ import annotations

import ast
import os
import pickle
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import analyzer.engine._trees as trees
from analyzer.engine import _tree_codec
from analyzer.engine._tree_codec import HEADER, PICKLED, TEXT, TreeCodec
from analyzer.frontend import decode_source
from heap_native import PickleCodec, SharedHeap

ROOT = Path(__file__).resolve().parents[2]


def dumped(tree: ast.AST) -> str:
    return ast.dump(tree, include_attributes=True)


def round_trip(tree: ast.AST) -> ast.AST:
    stored = trees.codec().encode(tree)
    loaded = trees.codec().decode(stored)
    assert isinstance(loaded, ast.AST)
    return loaded


def assert_same_tree(parsed: ast.AST, loaded: ast.AST) -> None:
    """Equal dumps, node for node the same classes and ``__dict__`` keys in the same order,
    and the parse's shared field-less nodes (``Load()``, ``Add()``...) the same objects."""
    assert dumped(loaded) == dumped(parsed)
    for mine, theirs in zip(ast.walk(parsed), ast.walk(loaded), strict=True):
        assert type(theirs) is type(mine)
        assert list(theirs.__dict__) == list(mine.__dict__)
        if not mine.__dict__:
            assert theirs is mine, type(mine).__name__


def check_source(source: str, **parse_options: object) -> None:
    parsed = ast.parse(source, **parse_options)  # type: ignore[arg-type]
    assert_same_tree(parsed, round_trip(parsed))


# ---------------------------------------------------------------------------------------
# Real files

def _stdlib_sample() -> list[Path]:
    """Every 40th file of the running Python's standard library (tests included), and a
    few big or unusual ones by name."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py")
                   if "site-packages" not in p.parts and "__pycache__" not in p.parts)
    named = [root / name for name in ("typing.py", "ast.py", "_pydecimal.py", "inspect.py")]
    return sorted(set(files[::40]) | {p for p in named if p.exists()})


STDLIB_SAMPLE = _stdlib_sample()


@pytest.mark.parametrize("path", STDLIB_SAMPLE,
                         ids=[p.name for p in STDLIB_SAMPLE])
def test_a_stdlib_file_loads_as_it_parses(path: Path) -> None:
    try:
        text = decode_source(path.read_bytes())
        parsed = ast.parse(text, filename=str(path))
    except (SyntaxError, ValueError):
        pytest.skip("not a file this Python parses (a test's bad input)")
    assert_same_tree(parsed, round_trip(parsed))


def test_the_sample_is_real() -> None:
    assert len(STDLIB_SAMPLE) > 40


# ---------------------------------------------------------------------------------------
# Corners of the grammar

EVERY_OPERATOR = """\
x = 1; x += 2; del x
a and b or c
a + b - c * d @ e / f % g ** h << i >> j | k ^ l & m // n
not a; ~a; -a; +a
a == b != c < d <= e > f >= g is h is not i in j not in k
"""

CONSTANTS = """\
n = None; t = True; f = False; e = ...
i = 0; big = 123456789012345678901234567890 ** 3; neg = -5; h = 0xFFFF_FFFF_FFFF_FFFF_FF
r = 1.5; inf = 1e999; tiny = 5e-324; c = 3j; mixed = 1 + 2.5j
s = 'text'; u = 'caf\u00e9 \U0001F600 \U00010348'; b = b'\\x00\\xff bytes'; rb = rb'\\d'
joined = 'a' 'b'; jb = b'a' b'b'
"""

FSTRINGS = '''\
name = "w"
f"plain {name}"
f"{name!r:>{10}} {name!s} {name!a} {3.14159:.2f} {'nested' + f'{name}'}"
f"{name=}"
f"""multi
{name:{'<'}{5}}
"""
'''

MATCH = """\
match command:
    case None | True | False:
        pass
    case 0 | 1.5 | -2 | 3 + 4j | "s" | b"b":
        pass
    case [first, *rest] if first:
        pass
    case (a, b, *_):
        pass
    case {"key": value, **others}:
        pass
    case Point(x=0, y=yy) | Point(1, 2) as p:
        pass
    case Color.RED:
        pass
    case str() | bytes():
        pass
    case _:
        pass
"""

DEFINITIONS = '''\
"""Docstring with a non-BMP character: \U0001F40D."""
import os, sys as system
from . import sibling
from ..pkg.mod import (a as b, c)

@decorator
@decorator.attr(1, key=2)
@(lambda f: f)
class Thing(Base, metaclass=Meta, **options):
    """The thing."""
    attr: int = 0
    other: "list[str]"

    @property
    def value(self, /, pos, *args, kw_only=1, **kwargs) -> int:
        global G
        return (yield from self.gen())

    async def run(self):
        async with lock as held, other():
            async for item in aiter():
                await item
        nonlocal_user = [x async for x in y if x]

    def closure(self):
        z = 0
        def inner():
            nonlocal z
            z += 1
        return inner

try:
    pass
except (ValueError, TypeError) as exc:
    raise RuntimeError("wrapped") from exc
except Exception:
    raise
else:
    pass
finally:
    pass

with open("f") as f, open("g"):
    pass
while (n := len(data)) > 10:
    break
else:
    continue_ = 1
for i, (j, k) in enumerate(pairs):
    continue
assert x, "message"
lam = lambda a, *b, c=1, **d: (a, b, c, d)
comp = [x for x in range(3) if x for y in x], {k: v for k, v in d}, {s for s in t}, (g for g in h)
sl = seq[1:2, ::3, ...]
star = [*a, *b]; dd = {**a, "k": 1}
cond = a if b else c
call(*args, **kwargs)
del a[0], b.c
'''


@pytest.mark.parametrize("source", [
    pytest.param("", id="empty module"),
    pytest.param("\n\n# only a comment\n", id="comments only"),
    pytest.param(EVERY_OPERATOR, id="every operator and context"),
    pytest.param(CONSTANTS, id="constants of every type"),
    pytest.param(FSTRINGS, id="f-strings"),
    pytest.param(MATCH, id="match statements"),
    pytest.param(DEFINITIONS, id="decorators, classes, functions, non-BMP text"),
])
def test_the_corners_of_the_grammar_load_as_they_parse(source: str) -> None:
    check_source(source)


def test_type_comments_and_ignores_load_as_they_parse() -> None:
    source = ("import os  # type: ignore\n"
              "def f(a,  # type: int\n"
              "      b):\n"
              "    # type: (...) -> None\n"
              "    x = []  # type: list[int]\n"
              "y = 1  # type: ignore[assignment]\n")
    parsed = ast.parse(source, type_comments=True)
    assert len(parsed.type_ignores) == 2
    assert_same_tree(parsed, round_trip(parsed))


@pytest.mark.skipif(sys.version_info < (3, 11), reason="except* is Python 3.11")
def test_except_star_loads_as_it_parses() -> None:
    check_source("try:\n    pass\nexcept* ValueError as group:\n    pass\n")


@pytest.mark.skipif(sys.version_info < (3, 12), reason="type parameters are Python 3.12")
def test_type_parameters_load_as_they_parse() -> None:
    check_source("type Alias[T] = list[T]\ndef f[T: int, *Ts, **P](x: T) -> T: ...\n"
                 "class C[T]: ...\n")


def test_constants_keep_their_types() -> None:
    loaded = round_trip(ast.parse(CONSTANTS))
    values = {node.targets[0].id: node.value for node in loaded.body  # type: ignore[attr-defined]
              if isinstance(node, ast.Assign)}
    assert values["n"].value is None and values["e"].value is Ellipsis
    assert values["t"].value is True and values["f"].value is False
    assert values["big"].left.value == 123456789012345678901234567890
    assert type(values["c"].value) is complex and values["c"].value == 3j
    assert type(values["b"].value) is bytes and values["b"].value == b"\x00\xff bytes"
    assert values["u"].value == "caf\u00e9 \U0001F600 \U00010348"
    assert values["inf"].value == float("inf")


def test_a_loaded_tree_compiles_and_is_its_own() -> None:
    parsed = ast.parse(DEFINITIONS)
    one, two = round_trip(parsed), round_trip(parsed)
    compile(one, "<loaded>", "exec")
    # Two loads share no mutable node or list: a rule may annotate its tree.
    mutable_ids = {id(n) for n in ast.walk(one) if n.__dict__}
    assert not mutable_ids & {id(n) for n in ast.walk(two)}
    one.body.append(ast.Pass())  # type: ignore[attr-defined]
    assert dumped(two) == dumped(parsed)


class Marked(ast.Name):
    """A node class made after the codec was imported: it keeps the default reduction."""


def test_extra_attributes_and_unknown_node_classes_survive() -> None:
    assert Marked not in _tree_codec._TreePickler.dispatch_table
    tree = ast.parse("x = y\n")
    tree.body[0].parent = tree  # type: ignore[attr-defined]  # a cycle, as parent links make
    tree.body[0].value = Marked(id="y", ctx=ast.Load(), lineno=1,  # type: ignore[attr-defined]
                                col_offset=4, end_lineno=1, end_col_offset=5)
    loaded = round_trip(tree)
    assert loaded.body[0].parent is loaded  # type: ignore[attr-defined]
    assert type(loaded.body[0].value) is Marked  # type: ignore[attr-defined]
    assert dumped(loaded) == dumped(tree)


@settings(max_examples=150, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.complex_numbers(allow_nan=False, allow_infinity=False) | st.text() | st.binary()
    | st.just(...),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=12))
def test_any_literal_loads_as_it_parses(value: object) -> None:
    check_source(f"value = {value!r}\n")


# ---------------------------------------------------------------------------------------
# Small files, the stored payload, other formats


def test_text_round_trips_with_non_bmp_and_lone_surrogates() -> None:
    text = "s = '\U0001F600'\n# \udcff a lone surrogate, as a decode error handler leaves one\n"
    stored = trees.codec().encode(text)
    assert trees.codec().decode(stored) == text


def test_the_payload_names_its_format_and_python() -> None:
    codec = trees.codec()
    tree_payload = codec.serialize(ast.parse("x = 1\n"))
    text_payload = codec.serialize("x = 1\n")
    assert tree_payload.startswith(HEADER + bytes((PICKLED,)))
    assert text_payload.startswith(HEADER + bytes((TEXT,)))
    assert HEADER[2:] == bytes((_tree_codec.FORMAT, *sys.version_info[:2]))
    with pytest.raises(TypeError):
        codec.serialize(b"bytes are neither")


def test_big_trees_are_lz4_packed_and_small_ones_plain() -> None:
    from heap_native._codecs import FLAG_LZ4, FLAG_PLAIN

    big = trees.codec().encode(ast.parse(DEFINITIONS * 3))
    small = trees.codec().encode(ast.parse("x\n"))
    assert big[0] == FLAG_LZ4 and small[0] == FLAG_PLAIN
    fast = TreeCodec(high_compression=False).encode(ast.parse(DEFINITIONS * 3))
    assert fast[0] == FLAG_LZ4 and len(big) < len(fast)
    assert dumped(trees.codec().decode(fast)) == dumped(ast.parse(DEFINITIONS * 3))


@pytest.mark.parametrize("stored", [
    pytest.param(PickleCodec().encode(ast.parse(DEFINITIONS)), id="an older shoal's pickle"),
    pytest.param(PickleCodec().encode("x = 1\n"), id="an older shoal's text"),
    pytest.param(TreeCodec().pack(b"\xa5T" + bytes((_tree_codec.FORMAT, 2, 7, PICKLED))
                                  + pickle.dumps(ast.parse("x"))), id="another Python"),
    pytest.param(TreeCodec().pack(b"\xa5T" + bytes((_tree_codec.FORMAT - 1,
                                                    *sys.version_info[:2], PICKLED))
                                  + pickle.dumps(ast.parse("x"))), id="another format"),
    pytest.param(TreeCodec().pack(HEADER + b"?whatever"), id="an unknown kind"),
    pytest.param(TreeCodec().pack(HEADER), id="a header alone"),
])
def test_an_entry_of_another_format_loads_as_no_tree(stored: bytes) -> None:
    assert trees.codec().decode(stored) is None
    heap = SharedHeap(heap_size=1 << 20, hash_slots=64, dep_slots=64)
    try:
        table = heap.table(trees.TREES_TABLE, codec=trees.codec(), cache_size=0)
        heap.add(table.heap_key("m:digest:m.py"), stored)
        assert trees.load_tree(heap, "m:digest:m.py") is None
    finally:
        heap.close()


def test_a_deep_tree_is_not_stored_and_a_stored_one_loads_deep() -> None:
    deep = ast.parse("x = " + "-" * 1000 + "1\n")
    encoded = trees.encode_tree(deep, "x" * 1000)
    # Too deep for 3.11's pickler: not stored, parsed again. 3.13's pickles it: then it loads.
    if sys.version_info < (3, 12):
        assert encoded is None
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10_000)
    try:
        stored = trees.codec().encode(deep)
    finally:
        sys.setrecursionlimit(limit)
    # unpickling is not recursive: the tree loads under the default limit (and is compared
    # node by node, ast.dump being recursive)
    def nodes(tree: ast.AST) -> list[tuple[str, object]]:
        return [(type(n).__name__, getattr(n, "col_offset", None)) for n in ast.walk(tree)]

    assert nodes(trees.codec().decode(stored)) == nodes(deep)
    if encoded is not None:
        assert nodes(trees.codec().decode(encoded)) == nodes(deep)


# ---------------------------------------------------------------------------------------
# Other processes


def test_a_tree_stored_by_a_forked_worker_loads_in_the_master() -> None:
    tree = ast.parse(DEFINITIONS + MATCH)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: encode and hand the bytes over
        try:
            os.close(read)
            data = trees.codec().encode(tree)
            with os.fdopen(write, "wb") as out:
                out.write(data)
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert_same_tree(tree, trees.codec().decode(data))


def test_a_tree_loads_in_a_fresh_interpreter() -> None:
    # Nothing of the codec is imported there but by the pickle's own global names.
    source = DEFINITIONS + MATCH + EVERY_OPERATOR
    stored = trees.codec().encode(ast.parse(source))
    program = (
        "import ast, pickle, sys\n"
        "payload = sys.stdin.buffer.read()\n"
        "import lz4.block\n"
        "body = lz4.block.decompress(payload[1:]) if payload[0] == 1 else payload[1:]\n"
        "tree = pickle.loads(body[6:])\n"
        "load = ast.parse('x').body[0].value.ctx\n"
        "assert any(n is load for n in ast.walk(tree))\n"
        "sys.stdout.write(ast.dump(tree, include_attributes=True))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", program], input=stored, capture_output=True,
                          env=env, cwd=ROOT, check=False, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode() == dumped(ast.parse(source))
