"""Plugin fact extractors: what a plugin records about each module for its project rules.

An extractor runs in phase 1 on each module's tree, in the job that parsed it (no extra
parse), and returns a small immutable value; shoal stores it beside the built-in facts, and
project rules read it through ``ProjectIndex.plugin_fact`` / ``plugin_facts``, which record
the dependency (docs/contracts.md, "Plugin facts").
"""
from __future__ import annotations

import ast
import re
from collections.abc import Callable, Hashable, Sequence
from typing import Any, ClassVar

from analyzer.model import PluginFact, interface_digest

__all__ = ["FactExtractor", "run_extractors"]

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


class FactExtractor:
    """Base class of plugin fact extractors: set ``NAME`` and ``VERSION``, override
    :meth:`extract` (and :meth:`interface` when readers depend on less than the value).

    One instance extracts from one module. The value must be immutable and picklable
    (tuples, strings, numbers, frozen dataclasses of those): it crosses process boundaries
    and is kept in the warm cache. ``None`` means "no value for this module".
    """

    #: the name rules read it by: ``index.plugin_fact(module, NAME)``
    NAME: ClassVar[str]
    #: bump whenever what :meth:`extract` returns changes: older values are discarded
    VERSION: ClassVar[int] = 1
    #: ``"ast"`` (an ``ast.Module``) or ``"cst"`` (a ``libcst.Module``)
    TREE: ClassVar[str] = "ast"

    def extract(self, tree: Any, path: str, module: str) -> Any:
        """The module's value (None: none); ``tree`` is of the kind ``TREE`` names."""
        raise NotImplementedError(f"{type(self).__name__}.extract")

    def interface(self, value: Any) -> Hashable:
        """The part of ``value`` that readers in other modules depend on (default: all of it).

        Leave positions and other details out: an edit that keeps the interface equal
        rechecks no reader (early cutoff)."""
        return value


def check_extractor(cls: type[FactExtractor]) -> str | None:
    """Why ``cls`` cannot run (a bad NAME, VERSION or TREE), or None when it can."""
    name = getattr(cls, "NAME", None)
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        return f"fact extractor {cls.__qualname__} has NAME {name!r}: an identifier is needed"
    version = getattr(cls, "VERSION", None)
    if not isinstance(version, int) or isinstance(version, bool):
        return f"fact extractor {cls.__qualname__} has VERSION {version!r}: an int is needed"
    if getattr(cls, "TREE", None) not in ("ast", "cst"):
        return f"fact extractor {cls.__qualname__} has TREE {cls.TREE!r}: 'ast' or 'cst'"
    return None


def run_extractors(
    extractors: Sequence[type[FactExtractor]],
    tree: ast.Module,
    cst: Callable[[], Any] | None,
    *,
    path: str,
    module: str,
    display: str | None = None,
) -> tuple[tuple[PluginFact, ...], list[str]]:
    """Run each extractor on one module: (the plugin facts with a value, sorted by name;
    the failures, one message each, naming the file as ``display``, default ``path``).
    A CST extractor gets nothing when ``cst`` is None (the file is too large for libcst)."""
    facts: list[PluginFact] = []
    errors: list[str] = []
    for cls in extractors:
        try:
            if cls.TREE == "cst":
                if cst is None:
                    continue
                source_tree: Any = cst()
            else:
                source_tree = tree
            extractor = cls()
            value = extractor.extract(source_tree, path, module)
            if value is None:
                continue
            digest = interface_digest(cls.VERSION, extractor.interface(value))
        except Exception as exc:  # noqa: BLE001 — one plugin's bug must not cost the file
            errors.append(f"fact extractor {cls.NAME} failed on {display or path}: "
                          f"{type(exc).__name__}: {exc}")
            continue
        facts.append(PluginFact(cls.NAME, cls.VERSION, value, digest))
    facts.sort(key=lambda f: f.name)
    return tuple(facts), errors
