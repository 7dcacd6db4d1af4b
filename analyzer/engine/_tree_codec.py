"""The encoding of module trees in the heap (``_trees.codec()``, issue 15): a tree is pickled
so that unpickling rebuilds each node with as little work as CPython allows.

What a stored value holds: the heap table's flag byte and lz4 from a kilobyte (the
:class:`~heap_native.Codec` base), then a payload of

* :data:`HEADER` — a magic pair, :data:`FORMAT`, and the Python ``major, minor`` whose
  ``ast`` classes the tree is made of;
* a kind byte: :data:`PICKLED` (a tree, pickle protocol 5) or :data:`TEXT` (a small file's
  source, UTF-8; ``_trees.PARSE_BELOW``);
* the rest.

A payload without that exact header — written by another format (shoal before this codec
stored a bare pickle) or by another Python (a dask worker's snapshot, say), whose ``ast``
has other fields — decodes to None, so the module is parsed again: it is never misread. A
warm cache of another build is already refused whole (``_cache_keys.build_digest``).

How a node is pickled. ``ast.AST.__reduce_ex__`` gives ``(cls, (), state)``: unpickling
calls ``cls()`` (``ast_type_init`` and its look-ups), builds the state dict, then BUILD
creates the node's ``__dict__`` and copies the state into it key by key, interning each key
— two dicts per node. Here each node reduces to ``copyreg.__newobj__`` (``cls.__new__``, no
``__init__``) and a *state setter*: ``ast.AST``'s own ``__dict__`` slot, a C setter that
installs the unpickled state dict as the node's ``__dict__``, one dict per node. Unpickling
the standard library's trees drops from 0.77x their ``ast.parse`` to 0.43x
(``bench/tree_bench.py``, no compression; 0.45x with lz4). The keys of a loaded node's
``__dict__`` are equal to, not the same objects as, the interned names of a parse:
interning them (a prelude of ``sys.intern`` calls the pickler's memo points at) cost
10-25 % more on files under 2 KB, and attribute reads on a loaded tree are a parse's within
the noise either way.

The unpickler resolves the globals a tree names (its node classes, the two functions below,
``Ellipsis``, ``complex``) from a table (:class:`_TreeUnpickler`) instead of importing the
module of each anew per load, as the C unpickler's ``find_class`` does: a fifth of the load
of a file under 250 bytes, 4 % of one of 2 to 10 KB.

The field-less nodes a parse shares — ``Load()``, ``Store()``, ``Del()``, the operators —
are pickled as references to the running interpreter's own (:func:`_singleton`), so a
loaded tree holds the objects a parse would, not copies. Nodes of classes this module does
not know (a subclass made after import) keep the default reduction. The reducers' globals
(:func:`_state_setter`, :func:`_singleton`) are module-level functions here, importable by
name in any process that unpickles (a forked worker stores, the master loads).

Measured and left out, on the standard library: positional construction ``cls(*fields)``
with BUILD of the attributes (0.73x a parse); ``__newobj__`` with BUILD (0.71x);
``Pickler.fast``, no memo (1.65x: every class and every repeated name written and resolved
again); dropping ``None`` fields from the state (2 % less, but the node's ``__dict__`` would
no longer be a parse's); lz4's fast mode (see :meth:`TreeCodec.pack`).
"""
from __future__ import annotations

import ast
import copyreg
import io
import pickle
import sys
from typing import Any

import lz4.block

from heap_native import Codec
from heap_native._codecs import FLAG_LZ4, FLAG_PLAIN

__all__ = ["FORMAT", "HEADER", "PICKLED", "TEXT", "TreeCodec"]

#: Bumped on any change of the payload's layout or of how nodes are pickled.
FORMAT = 2
#: First bytes of every payload: magic, format, the Python whose ``ast`` the tree is of.
#: (Never ``\x80``, the first byte of a bare pickle: the format before this one.)
HEADER = b"\xa5T" + bytes((FORMAT, sys.version_info[0], sys.version_info[1]))
#: Kind byte: a pickled tree follows.
PICKLED = ord("p")
#: Kind byte: the source text follows (UTF-8, lone surrogates kept).
TEXT = ord("t")
#: lz4's high-compression mode at this level packs a tree (see :meth:`TreeCodec.pack`).
HC_LEVEL = 1

_BODY = len(HEADER) + 1
_NEWOBJ = copyreg.__newobj__  # type: ignore[attr-defined]
#: ``ast.AST``'s ``__dict__`` slot: ``_SET_DICT(node, state)`` makes ``state`` its ``__dict__``.
_SET_DICT = ast.AST.__dict__["__dict__"].__set__

#: A parse's shared field-less nodes (``Load()``, ``Add()``...), by class; one occurrence of
#: each in this source is enough.
_SHARED_SOURCE = """\
x; x = 1; del x
a and b; a or b
a + b; a - b; a * b; a @ b; a / b; a % b; a ** b; a << b; a >> b; a | b; a ^ b; a & b; a // b
not a; ~a; -a; +a
a == b; a != b; a < b; a <= b; a > b; a >= b; a is b; a is not b; a in b; a not in b
"""


def _shared_nodes() -> dict[type, ast.AST]:
    return {type(node): node for node in ast.walk(ast.parse(_SHARED_SOURCE))
            if not node.__dict__ and not type(node)._fields}


_SHARED = _shared_nodes()
_SHARED_BY_NAME = {cls.__name__: node for cls, node in _SHARED.items()}


def _singleton(name: str) -> ast.AST:
    """The running interpreter's shared node of class ``name`` (``"Load"``, ``"Add"``...)."""
    return _SHARED_BY_NAME[name]


def _state_setter() -> Any:
    """The state setter of every pickled node: ``ast.AST``'s ``__dict__`` slot."""
    return _SET_DICT


class _StateSetter:
    """What the pickler is handed as the state setter: it pickles as :func:`_state_setter`
    (the slot itself cannot be pickled by name)."""

    def __call__(self, node: ast.AST, state: dict[str, Any]) -> None:
        _SET_DICT(node, state)

    def __reduce__(self) -> tuple[Any, ...]:
        return _state_setter, ()


_SET_STATE = _StateSetter()


def _reduce_node(node: ast.AST) -> tuple[Any, ...]:
    state = node.__dict__
    cls = type(node)
    if state:
        return _NEWOBJ, (cls,), state, None, None, _SET_STATE
    if _SHARED.get(cls) is node:
        return _singleton, (cls.__name__,)
    return _NEWOBJ, (cls,)


def _node_classes() -> list[type]:
    found: list[type] = []
    todo: list[type] = [ast.AST]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


class _TreePickler(pickle.Pickler):
    """Pickle protocol 5 with the node reduction above (the C pickler: the reducers are the
    only Python it calls, once per node)."""

    dispatch_table = {cls: _reduce_node for cls in _node_classes()}
    dispatch_table[_StateSetter] = _StateSetter.__reduce__


#: The globals a tree's pickle names, resolved without an import each (the C unpickler's
#: ``find_class`` imports the module again for every distinct global of every load).
_GLOBALS: dict[tuple[str, str], Any] = {
    **{(cls.__module__, cls.__qualname__): cls for cls in _TreePickler.dispatch_table},
    (__name__, "_state_setter"): _state_setter,
    (__name__, "_singleton"): _singleton,
    ("builtins", "Ellipsis"): Ellipsis,
    ("builtins", "complex"): complex,
}


class _TreeUnpickler(pickle.Unpickler):
    """The C unpickler, with the globals of :data:`_GLOBALS` looked up in it."""

    def find_class(self, module: str, name: str) -> Any:
        found = _GLOBALS.get((module, name))
        if found is None:
            return super().find_class(module, name)
        return found


class TreeCodec(Codec):
    """The ``ast`` table's codec: an ``ast.Module`` or a source text in, the same out; a
    payload of another format or Python decodes to None (see the module docstring)."""

    name = "ast-tree"

    def __init__(self, *, high_compression: bool = True) -> None:
        super().__init__()
        self.high_compression = high_compression

    def __repr__(self) -> str:
        return f"{type(self).__name__}(high_compression={self.high_compression})"

    def pack(self, payload: bytes) -> bytes:
        """As the base packs, in lz4's high-compression mode (``high_compression``, level
        :data:`HC_LEVEL`): the state setter's call names each node by its memo index, a
        number new at every node that the fast mode packs poorly (1.85 heap bytes per source
        byte on the standard library against 1.45, the tables' default pickle 1.25); the
        decompression costs the same, the compression about 0.14x a parse more."""
        threshold = self.compress_threshold
        if not self.high_compression or threshold is None or len(payload) < threshold:
            return super().pack(payload)
        packed = lz4.block.compress(payload, mode="high_compression", compression=HC_LEVEL,
                                    store_size=True)
        if len(packed) < len(payload):
            return bytes((FLAG_LZ4,)) + packed
        return bytes((FLAG_PLAIN,)) + payload

    def serialize(self, value: Any) -> bytes:
        """The payload of a tree (pickled) or of a source text (``str``)."""
        if isinstance(value, str):
            return HEADER + bytes((TEXT,)) + value.encode("utf-8", "surrogatepass")
        if not isinstance(value, ast.AST):
            raise TypeError(f"TreeCodec stores ast trees and source text, got "
                            f"{type(value).__name__}")
        out = io.BytesIO()
        out.write(HEADER + bytes((PICKLED,)))
        _TreePickler(out, protocol=5).dump(value)
        return out.getvalue()

    def deserialize(self, payload: memoryview) -> ast.AST | str | None:
        """The tree or text of ``payload``; None for a payload this codec did not write (an
        older format, another Python)."""
        if payload[:len(HEADER)] != HEADER or len(payload) <= len(HEADER):
            return None
        kind = payload[len(HEADER)]
        if kind == PICKLED:
            tree: ast.AST = _TreeUnpickler(io.BytesIO(payload[_BODY:])).load()
            return tree
        if kind == TEXT:
            return str(payload[_BODY:], "utf-8", "surrogatepass")
        return None
