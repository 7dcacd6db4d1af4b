"""What one module's extraction has found so far, and how a module-level name gets bound.

Both passes (:mod:`analyzer.model._extract` over module statements, then
:mod:`analyzer.model._extract_walk` over every node) write into one :class:`ModuleState`;
:func:`analyzer.model._extract.extract_facts` turns it into :class:`ModuleFacts`.
"""
from __future__ import annotations

import ast
from typing import Protocol

from analyzer.model._facts import Export, Import, ImportSource, Signature


class Columns(Protocol):
    """Converts an ``ast`` byte offset to a 1-based character column (``SourceLines``)."""

    def column(self, lineno: int, col_offset: int) -> int:
        """The character column of byte offset ``col_offset`` on line ``lineno``."""
        ...


class ModuleState:
    """Exports, imports, ``__all__`` and namespace flags of one module, as found so far."""

    __slots__ = ("lines", "exports", "imports", "all_names", "all_dynamic",
                 "dynamic_namespace", "dynamic_modules", "import_time", "extends_path",
                 "registered")

    def __init__(self, lines: Columns) -> None:
        self.lines = lines
        #: One entry per name, in order of first binding; a rebinding replaces the value.
        self.exports: dict[str, Export] = {}
        self.imports: list[Import] = []
        self.all_names: list[str] | None = None
        self.all_dynamic = False
        self.dynamic_namespace = False
        #: Constant prefixes of the ``sys.modules`` keys the module writes (encoded).
        self.dynamic_modules: set[str] = set()
        #: False inside ``if __name__ == "__main__":``, which never runs on import.
        self.import_time = True
        #: A module-level call extends the package's ``__path__`` (``extends_path``).
        self.extends_path = False
        #: Names a module-level decorator takes as an argument (``@type_callable(f)``).
        self.registered: set[str] = set()

    def bind(
        self,
        name: str,
        kind: str,
        node: ast.stmt | ast.alias,
        conditional: bool,
        *,
        signature: Signature | None = None,
        decorators: tuple[str, ...] = (),
        bases: tuple[str, ...] = (),
        members: tuple[str, ...] = (),
        source: ImportSource | None = None,
    ) -> None:
        """Bind ``name`` at module level; a binding that may not run makes it conditional."""
        previous = self.exports.get(name)
        line = node.lineno
        self.exports[name] = Export(
            name,
            kind,
            line,
            self.lines.column(line, node.col_offset),
            conditional=conditional or (previous is not None and previous.conditional),
            # ``import a.b`` then ``import a.c`` bind ``a`` to the same module twice.
            rebound=previous is not None
            and (previous.rebound or previous.source is None or previous.source != source),
            signature=signature,
            decorators=decorators,
            bases=bases,
            members=members,
            source=source,
        )

    def bind_unseen(self, names: set[str]) -> None:
        """Bind module-level names only the full walk sees, as conditional variables.

        Walrus targets, match captures, ``global`` assignments in functions: they may
        never run, and their position is not worth a second search.
        """
        # Sorted: a set's order follows string hashes, which differ between processes (the
        # facts are cached and shipped to dask workers), and the order is part of the facts.
        for name in sorted(names - self.exports.keys()):
            if name == "__all__":
                self.all_dynamic = True
            self.exports[name] = Export(name, "variable", 1, 1, conditional=True)

    def set_all(self, value: list[str] | None) -> None:
        """``__all__ = value``; None: a value the extraction cannot read."""
        if value is None:
            self.all_dynamic = True
        else:
            self.all_names = list(value)

    def extend_all(self, value: list[str] | None) -> None:
        """``__all__ += value``; None: a value the extraction cannot read."""
        if value is None or self.all_names is None:
            self.all_dynamic = True
        else:
            self.all_names.extend(value)
