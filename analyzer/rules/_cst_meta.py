"""libcst metadata of one file, computed lazily, each provider at most once, cheaply where exact.

Four providers have stand-ins giving the answers libcst gives (same values, same missing
keys); every other provider goes through one :class:`libcst.metadata.MetadataWrapper` over
the very tree the rules visit (no copy: shoal never changes the tree).

* ``ParentNodeProvider``: recorded by the rule walk itself (:mod:`._cst_walk`) for the nodes
  it enters; a node it pruned (whitespace, punctuation) triggers one full recording.
* ``PositionProvider`` and ``WhitespaceInclusivePositionProvider``: one codegen pass with a
  lean state that notes character offsets (no ``CodePosition`` per node, no generator per
  syntactic position), both providers at once; an offset becomes a line and column only for
  a node asked for, counting line breaks as libcst does (``\\r\\n``, ``\\r`` or ``\\n``
  within one token).
* ``QualifiedNameProvider``: libcst computes it as ``scope.get_qualified_names_for(node)``
  for every node that has a scope and the empty set for the other nodes of the tree, through
  one more full traversal; the stand-in makes the same call on demand from the
  ScopeProvider's mapping, which saves the traversal.
"""
from __future__ import annotations

import bisect
import re
from typing import Any

import libcst
from libcst._nodes.internal import CodegenState
from libcst._position import CodePosition, CodeRange
from libcst.metadata import (
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
    WhitespaceInclusivePositionProvider,
)

from analyzer.rules import _cst_walk

__all__ = ["FileMetadata"]

_NEWLINE = re.compile(r"\r\n?|\n")
_MISSING = object()


class FileMetadata:
    """The libcst metadata of one module, resolved provider by provider on first request."""

    def __init__(self, module: libcst.Module) -> None:
        self.module = module
        #: id -> parent / id -> node, filled by the rule walk (see :func:`_cst_walk.walk`).
        self.parents: dict[int, libcst.CSTNode] = {}
        self.nodes: dict[int, libcst.CSTNode] = {}
        self._complete = False
        self._values: dict[type, Any] = {}
        self._wrapper: MetadataWrapper | None = None
        self._offsets: _OffsetState | None = None

    @property
    def wrapper(self) -> MetadataWrapper:
        """The metadata wrapper over the module itself (created on first need)."""
        if self._wrapper is None:
            self._wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        return self._wrapper

    def resolve(self, provider: type) -> Any:
        """The mapping node -> value of ``provider`` for this module."""
        value = self._values.get(provider, _MISSING)
        if value is _MISSING:
            value = self._values[provider] = self._compute(provider)
        return value

    def _compute(self, provider: type) -> Any:
        if provider is ParentNodeProvider:
            return _Parents(self)
        if provider is PositionProvider:
            return _Ranges(self._offset_state(), syntactic=True)
        if provider is WhitespaceInclusivePositionProvider:
            return _Ranges(self._offset_state(), syntactic=False)
        if provider is QualifiedNameProvider:
            return _QualifiedNames(self.resolve(ScopeProvider), self)
        with _cst_walk.read_only_visits():
            return self.wrapper.resolve(provider)

    def _offset_state(self) -> _OffsetState:
        if self._offsets is None:
            state = _OffsetState(self.module.default_indent, self.module.default_newline)
            self.module._codegen(state)
            state.finish()
            self._offsets = state
        return self._offsets

    def statement_text(self, node: Any, replacement: Any) -> tuple[str, int, int, str] | None:
        """(module code, start, end, new text): ``node``, a statement in a body, replaced by
        ``replacement`` (a statement or a ``FlattenSentinel`` of them) over its
        whitespace-inclusive span, with the module's code unchanged around it.

        None when that is not certain to equal regenerating the whole module (the node is
        not a body statement, or its span reaches the newline a module without a trailing
        newline drops), and the caller regenerates the module instead.
        """
        replacements = (
            tuple(replacement.nodes) if isinstance(replacement, libcst.FlattenSentinel)
            else (replacement,)
        )
        if not isinstance(node, libcst.BaseStatement) or not all(
            isinstance(r, libcst.BaseStatement) for r in replacements
        ):
            return None
        state = self._offset_state()
        span = state.inclusive.get(id(node))
        parents = self.resolve(ParentNodeProvider)
        parent = parents.get(node)
        if span is None or span[1] > len(state.code) or not isinstance(
            parent, (libcst.IndentedBlock, libcst.Module)
        ):
            return None
        # A statement's code depends only on the indentation of the blocks around it.
        indents = []
        while parent is not None:
            if isinstance(parent, libcst.IndentedBlock):
                indents.append(self.module.default_indent if parent.indent is None else parent.indent)
            parent = parents.get(parent)
        indents.reverse()

        def generate(statement: libcst.CSTNode) -> str:
            codegen = CodegenState(
                default_indent=self.module.default_indent,
                default_newline=self.module.default_newline,
                indent_tokens=list(indents),
            )
            statement._codegen(codegen)
            return "".join(codegen.tokens)

        start, end = span
        if generate(node) != state.code[start:end]:
            return None
        return state.code, start, end, "".join(generate(r) for r in replacements)

    def complete_parents(self) -> None:
        """Record the parent of every node of the tree (once), not only the walked ones."""
        if not self._complete:
            parents, nodes = _cst_walk.all_parents(self.module)
            self.parents.update(parents)
            self.nodes.update(nodes)
            self._complete = True

    def in_tree(self, node: object) -> bool:
        """True when ``node`` is a node of the module (the module included)."""
        if self.nodes.get(id(node)) is node:
            return True
        self.complete_parents()
        return self.nodes.get(id(node)) is node


class _Parents:
    """ParentNodeProvider's mapping: node -> parent, for every node but the module."""

    __slots__ = ("_meta",)

    def __init__(self, meta: FileMetadata) -> None:
        self._meta = meta

    def __getitem__(self, node: object) -> libcst.CSTNode:
        value = self.get(node, _MISSING)
        if value is _MISSING:
            raise KeyError(node)
        return value

    def get(self, node: object, default: Any = None) -> Any:
        """The parent of ``node``; ``default`` for the module or a node not in the tree."""
        meta = self._meta
        if meta.nodes.get(id(node)) is not node:
            meta.complete_parents()
            if meta.nodes.get(id(node)) is not node:
                return default
        return meta.parents.get(id(node), default)

    def __contains__(self, node: object) -> bool:
        return self.get(node, _MISSING) is not _MISSING


class _Syntactic:
    """``record_syntactic_position`` as a plain context manager (libcst's is a generator)."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state: _OffsetState, node: Any, start_node: Any, end_node: Any) -> None:
        self.state = state
        self.node = node
        self.start_node = start_node
        self.end_node = end_node

    def __enter__(self) -> None:
        self.start = self.state.offset

    def __exit__(self, *exc: object) -> None:
        state = self.state
        start, end = self.start, state.offset
        if self.start_node is not None:
            start = state.span(self.start_node)[0]
        if self.end_node is not None:
            end = state.span(self.end_node)[1]
        state.syntactic[id(self.node)] = (start, end)


class _OffsetState(CodegenState):
    """A codegen state noting each node's start and end as character offsets."""

    __slots__ = ("offset", "stack", "inclusive", "syntactic", "line_starts", "code", "popped")

    def __init__(self, default_indent: str, default_newline: str) -> None:
        super().__init__(default_indent=default_indent, default_newline=default_newline)
        self.offset = 0
        self.stack: list[int] = []
        self.inclusive: dict[int, tuple[int, int]] = {}
        self.syntactic: dict[int, tuple[int, int]] = {}
        self.line_starts: list[int] = []
        #: The module's code (set by :meth:`finish`).
        self.code = ""
        self.popped = 0

    def add_indent_tokens(self) -> None:
        tokens = self.indent_tokens
        self.tokens.extend(tokens)
        for token in tokens:
            self.offset += len(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)

    def before_codegen(self, node: Any) -> None:
        self.stack.append(self.offset)

    def after_codegen(self, node: Any) -> None:
        start = self.stack.pop()
        key = id(node)
        if key not in self.inclusive:
            self.inclusive[key] = (start, self.offset)

    def pop_trailing_newline(self) -> None:
        # libcst's position states count the dropped newline too (positions never rewind);
        # the token stays so that line breaks are counted over the same text.
        if self.tokens:
            self.popped = len(self.tokens[-1])

    def record_syntactic_position(  # type: ignore[override]  # a plain context manager, not a generator
        self, node: Any, *, start_node: Any = None, end_node: Any = None
    ) -> _Syntactic:
        return _Syntactic(self, node, start_node, end_node)

    def span(self, node: Any) -> tuple[int, int]:
        """The (start, end) offsets PositionProvider has for ``node`` at this point."""
        key = id(node)
        found = self.syntactic.get(key)
        return found if found is not None else self.inclusive[key]

    def finish(self) -> None:
        """Find the line starts, as libcst's per-token line counting finds them."""
        starts = [0]
        text = "".join(self.tokens)
        if "\r" not in text:
            starts.extend(m.end() for m in re.finditer("\n", text))
        else:
            # A "\r" ending one token and a "\n" starting the next are two line breaks to
            # libcst, which splits each token on its own.
            base = 0
            for token in self.tokens:
                starts.extend(base + m.end() for m in _NEWLINE.finditer(token))
                base += len(token)
        self.line_starts = starts
        self.code = text[:len(text) - self.popped]
        self.tokens = []

    def position(self, offset: int) -> CodePosition:
        """The libcst position (1-based line, 0-based column) of a character offset."""
        line = bisect.bisect_right(self.line_starts, offset)
        return CodePosition(line, offset - self.line_starts[line - 1])


class _NodeMapping:
    """A read-only node -> value mapping defined by ``__getitem__`` (KeyError: not in the
    tree), with the ``get``/``in`` that libcst's metadata mappings offer."""

    __slots__ = ()

    def __getitem__(self, node: object) -> Any:  # pragma: no cover - overridden
        raise KeyError(node)

    def get(self, node: object, default: Any = None) -> Any:
        """The value for ``node``, or ``default`` for a node not in the tree."""
        try:
            return self[node]
        except KeyError:
            return default

    def __contains__(self, node: object) -> bool:
        return self.get(node, _MISSING) is not _MISSING


class _Ranges(_NodeMapping):
    """PositionProvider's (or WhitespaceInclusivePositionProvider's) mapping node -> CodeRange."""

    __slots__ = ("_state", "_table", "_cache")

    def __init__(self, state: _OffsetState, syntactic: bool) -> None:
        self._state = state
        self._table = state.syntactic if syntactic else None
        self._cache: dict[int, CodeRange] = {}

    def __getitem__(self, node: object) -> CodeRange:
        key = id(node)
        found = self._cache.get(key)
        if found is not None:
            return found
        span = self._table.get(key) if self._table is not None else None
        if span is None:
            span = self._state.inclusive[key]
        state = self._state
        found = self._cache[key] = CodeRange(state.position(span[0]), state.position(span[1]))
        return found

    def __contains__(self, node: object) -> bool:
        return id(node) in self._state.inclusive


class _QualifiedNames(_NodeMapping):
    """QualifiedNameProvider's mapping, computed per node from the ScopeProvider's."""

    __slots__ = ("_scopes", "_meta", "_cache")

    def __init__(self, scopes: Any, meta: FileMetadata) -> None:
        self._scopes = scopes
        self._meta = meta
        self._cache: dict[int, Any] = {}

    def __getitem__(self, node: object) -> Any:
        key = id(node)
        found = self._cache.get(key, _MISSING)
        if found is not _MISSING:
            return found
        scope = self._scopes.get(node, None)
        if scope:
            found = scope.get_qualified_names_for(node)
        elif node in self._scopes or self._meta.in_tree(node):
            found = set()
        else:
            raise KeyError(node)
        self._cache[key] = found
        return found
