"""The module-rule base class, the per-file context it sees, and the metadata-provider protocol.

A module rule is Fixit-shaped::

    class NoAssertFalse(LintRule):
        CODE = "X100"
        NAME = "no-assert-false"
        MESSAGE = "assert False is removed under -O"
        TREE = "ast"          # or "cst" (the default): which tree the visit_* names refer to

        def visit_Assert(self, node: ast.Assert) -> None:
            if isinstance(node.test, ast.Constant) and node.test.value is False:
                self.report(node)

Rules are instantiated once per file by the runner (``cls(context)``), so instance state
never leaks from one file to the next. ``visit_X``/``leave_X`` are called for every node of
class X — or of a subclass of X, so ``visit_expr`` sees every expression — in source order;
their return value is ignored (one traversal serves every rule, so no rule can prune it).
The class is validated when it is defined (:meth:`LintRule.__init_subclass__`): a typo in a
``visit_`` name is a :class:`TypeError` at import, not a rule that silently never runs.
A class whose ``CODE`` is empty is an abstract base and is not validated.
"""
from __future__ import annotations

import _ast
import bisect
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from analyzer.core import SourceLines
from analyzer.frontend import DUMMY_VARIABLE_RGX
from analyzer.rules._guards import guard_of

if TYPE_CHECKING:
    import ast

    from analyzer.core import Fix
    from analyzer.rules._cases import Invalid, Valid
    from analyzer.rules._cst_meta import FileMetadata

_CODE_RE = re.compile(r"[A-Z]{1,3}[0-9]+")
_NAME_RE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")

#: Every node class the running Python's parser can produce, by name. Taken from ``_ast`` rather
#: than ``ast``: the latter also holds deprecated aliases (``Num``, ``Str``…) that the parser
#: never produces and that warn when touched.
AST_NODE_CLASSES: Mapping[str, type] = {
    name: value
    for name, value in vars(_ast).items()
    if isinstance(value, type) and issubclass(value, _ast.AST)
}

_NO_DEFAULT: Any = object()


@dataclass(frozen=True)
class RuleSettings:
    """Settings a rule may read: extra builtins, the target Python, per-rule options."""

    #: Names configured as builtins on top of the target version's (``[tool.shoal] builtins``).
    builtins: frozenset[str] = frozenset()
    #: The Python version the code targets (``target-version``), as ``(major, minor)``; a
    #: file ``per-file-target-version`` matches gets its own here.
    target_version: tuple[int, int] = (sys.version_info[0], sys.version_info[1])
    #: ``per-file-target-version`` (ruff's key): (glob, version) pairs, globs relative to
    #: ``project_root``; the engine hands a matching file's rules that version as
    #: ``target_version``.
    per_file_target_version: tuple[tuple[str, tuple[int, int]], ...] = ()
    #: The configuration's directory, which those globs are relative to (None: none found).
    project_root: str | None = None
    #: Options per rule, keyed by rule NAME or CODE; read them with :meth:`options_for`.
    options: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    #: ``dummy-variable-rgx``: names of unused locals and redefinitions left alone (ruff's).
    dummy_variable_rgx: str = DUMMY_VARIABLE_RGX
    #: ``line-length``: the width E501 allows.
    line_length: int = 88
    #: ``allowed-unused-imports``: modules whose imports are never unused (F401).
    allowed_unused_imports: tuple[str, ...] = ()
    #: ``dead-code-ignore-decorators``: decorators (dotted, as written) whose functions and
    #: classes SH005 never reports: a framework calls them (``app.route``).
    dead_code_ignore_decorators: tuple[str, ...] = ()
    #: ``module:object`` entry points of ``pyproject.toml``'s ``[project.scripts]``,
    #: ``[project.gui-scripts]`` and ``[project.entry-points.*]``: used from outside.
    entry_points: tuple[str, ...] = ()

    def is_dummy(self, name: str) -> bool:
        """Whether ``dummy-variable-rgx`` matches ``name`` (searched, as ruff does)."""
        return re.search(self.dummy_variable_rgx, name) is not None

    def options_for(self, rule: type[LintRule] | LintRule) -> Mapping[str, object]:
        """The options configured for ``rule`` (by NAME, else by CODE); empty if none."""
        return self.options.get(rule.NAME) or self.options.get(rule.CODE) or {}


@dataclass(frozen=True)
class RuleContext:
    """What a module rule knows about the file it checks; one per file, built by the pipeline."""

    #: The path as shown in output (relative to the working directory when inside it).
    path: str
    #: Dotted module name, ``""`` when unknown.
    module: str
    is_package: bool
    #: The decoded source text.
    source: str
    settings: RuleSettings = field(default_factory=RuleSettings)
    #: Line access and column conversion over :attr:`source`; built from it when not given.
    lines: SourceLines = None  # type: ignore[assignment]  # None only until __post_init__
    #: A Jupyter notebook's: the line each of its code cells starts on in :attr:`source` (the
    #: cells joined, 1-based, ascending); empty for a Python file.
    cells: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.lines is None:
            object.__setattr__(self, "lines", SourceLines(self.source))

    @property
    def is_notebook(self) -> bool:
        """Whether the file is a Jupyter notebook (its code cells joined in :attr:`source`)."""
        return bool(self.cells)

    def cell_index(self, line: int) -> int:
        """The 0-based index among :attr:`cells` of the code cell holding ``line`` (0 in a
        Python file, one cell)."""
        return max(0, bisect.bisect_right(self.cells, line) - 1)


class MetadataProvider:
    """Base for shoal's file-level metadata providers, computed from the ``ast`` tree.

    A provider is any class with a ``compute(context, ast_tree)`` classmethod (subclassing
    this one is optional: the runner only looks for ``compute``). It is called at most once
    per file, the first time a rule that lists the provider in ``METADATA_DEPENDENCIES`` asks
    for it, and never in a file where no rule asks. ``get_metadata(Provider)`` returns the
    computed value; ``get_metadata(Provider, node)`` returns ``value[node]``.
    """

    @classmethod
    def compute(cls, context: RuleContext, ast_tree: ast.Module) -> object:
        """Compute this provider's value for one file."""
        raise NotImplementedError(f"{cls.__qualname__}.compute")


class MetadataNotDeclaredError(LookupError):
    """A rule asked for a provider missing from its ``METADATA_DEPENDENCIES``."""

    def __init__(self, rule: type[LintRule], provider: type) -> None:
        super().__init__(
            f"rule {rule.CODE} ({rule.NAME}) asked for {provider.__qualname__}, which is not in "
            f"its METADATA_DEPENDENCIES; add it there so the runner computes it"
        )
        self.rule = rule
        self.provider = provider


class _Run(Protocol):
    """The runner's side of one file, as a rule instance sees it (``_runner._FileRun``)."""

    def add_report(self, rule: LintRule, node: object, message: str | None, fix: object,
                   end: tuple[int, int] | None, noqa_line: int = 0) -> None: ...

    def metadata(self, rule: LintRule, provider: type, node: object, default: Any) -> Any: ...

    def cst_metadata(self) -> FileMetadata: ...


class LintRule:
    """Base class of module rules: visit_*/leave_* over the ast or libcst tree of one file."""

    #: Code shown in output, matched by noqa comments and ``select``: 1-3 capitals, digits.
    CODE: ClassVar[str] = ""
    #: Kebab-case name (``unused-import``).
    NAME: ClassVar[str] = ""
    #: Default message of :meth:`report`; also the one-line description in ``shoal rules``.
    MESSAGE: ClassVar[str] = ""
    #: ``"ast"``: visit the standard ``ast`` tree (fast); ``"cst"``: the libcst tree.
    TREE: ClassVar[Literal["ast", "cst"]] = "cst"
    #: Providers this rule reads with :meth:`get_metadata`; nothing else is computed for it.
    METADATA_DEPENDENCIES: ClassVar[tuple[type, ...]] = ()
    DEFAULT_ENABLED: ClassVar[bool] = True
    FIXABLE: ClassVar[bool] = False
    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []
    #: The options the rule takes from ``[tool.shoal.options.NAME]``: name -> type (or a
    #: tuple of types). When declared, an unknown key or a wrong type is a configuration
    #: error naming it (exit 2); ``None`` accepts any key.
    OPTIONS: ClassVar[Mapping[str, type | tuple[type, ...]] | None] = None

    def __init__(self, context: RuleContext) -> None:
        self.context = context
        # Set by the runner; a rule used outside it has nowhere to report.
        self._shoal_run: _Run | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.CODE:
            _validate_rule_class(cls)

    def report(
        self,
        node: object,
        message: str | None = None,
        *,
        fix: Fix | object | None = None,
        end: tuple[int, int] | None = None,
        replacement: object | None = None,
        noqa_line: int = 0,
    ) -> None:
        """Report a finding at ``node`` (an ast node, a libcst node or a (line, column) pair).

        :param message: defaults to :attr:`MESSAGE`.
        :param fix: a :class:`~analyzer.rules.Fix`, or for CST rules a libcst node that
            replaces ``node``.
        :param end: (line, column) overriding the end of the reported range.
        :param replacement: Fixit's name for ``fix`` as a libcst node (CST rules only), so a
            rule written for Fixit's ``report(node, message, replacement=...)`` runs as is.
        :param noqa_line: another line whose ``# noqa`` also suppresses the finding (ruff's
            "parent"), e.g. the imported name's line inside a multi-line import.
        """
        if self._shoal_run is None:
            raise RuntimeError(f"{type(self).__qualname__}.report() called outside the runner")
        if replacement is not None:
            if fix is not None:
                raise TypeError("report() takes fix= or replacement=, not both")
            if self.TREE != "cst":
                raise TypeError(f"{type(self).__qualname__}: replacement= needs TREE = 'cst' "
                                f"(an ast rule passes fix=Fix(...))")
            fix = replacement
        self._shoal_run.add_report(self, node, message, fix, end, noqa_line)

    def get_metadata(self, provider: type, node: object = None, default: Any = _NO_DEFAULT) -> Any:
        """The value of ``provider`` for this file, or for ``node`` when one is given."""
        if self._shoal_run is None:
            raise RuntimeError(f"{type(self).__qualname__}.get_metadata() called outside the runner")
        return self._shoal_run.metadata(self, provider, node, default)


def _validate_rule_class(cls: type[LintRule]) -> None:
    where = cls.__qualname__
    if not isinstance(cls.CODE, str) or not _CODE_RE.fullmatch(cls.CODE):
        raise TypeError(f"{where}.CODE = {cls.CODE!r}: must be 1-3 capitals then digits, e.g. 'F401'")
    if not isinstance(cls.NAME, str) or not _NAME_RE.fullmatch(cls.NAME):
        raise TypeError(f"{where}.NAME = {cls.NAME!r}: must be kebab-case, e.g. 'unused-import'")
    if not isinstance(cls.MESSAGE, str) or not cls.MESSAGE:
        raise TypeError(f"{where}.MESSAGE must be a non-empty string")
    if cls.TREE not in ("ast", "cst"):
        raise TypeError(f"{where}.TREE = {cls.TREE!r}: must be 'ast' or 'cst'")
    deps = cls.METADATA_DEPENDENCIES
    if not isinstance(deps, tuple) or not all(isinstance(p, type) for p in deps):
        raise TypeError(f"{where}.METADATA_DEPENDENCIES must be a tuple of provider classes")
    for provider in deps:
        if not callable(getattr(provider, "compute", None)) and not (
            cls.TREE == "cst" and _is_libcst_provider(provider)
        ):
            kinds = "a compute() classmethod" + (
                " or a libcst metadata provider" if cls.TREE == "cst" else ""
            )
            raise TypeError(f"{where}.METADATA_DEPENDENCIES: {provider.__qualname__} is not {kinds}")
    for name in dir(cls):
        if name.startswith(("visit_", "leave_")):
            node_name = name.partition("_")[2]
            if not callable(getattr(cls, name)):
                raise TypeError(f"{where}.{name} must be a method")
            if cls.TREE != "ast" and guard_of(getattr(cls, name)) is not None:
                # The libcst walk calls every method it binds: a predicate would be ignored.
                raise TypeError(f"{where}.{name}: visit_when is for ast rules (TREE = 'ast')")
            if node_class(cls.TREE, node_name) is None:
                raise TypeError(
                    f"{where}.{name}: {node_name!r} is not a node class of the "
                    f"{'ast' if cls.TREE == 'ast' else 'libcst'} tree (TREE = {cls.TREE!r})"
                )


def node_class(tree: str, name: str) -> type | None:
    """The node class ``name`` of the ``ast`` or libcst tree, or None if there is none."""
    if tree == "ast":
        return AST_NODE_CLASSES.get(name)
    import libcst

    value = getattr(libcst, name, None)
    if isinstance(value, type) and issubclass(value, libcst.CSTNode):
        return value
    return None


def _is_libcst_provider(provider: type) -> bool:
    # Importing libcst only for CST rules: AST-only runs never pay its import time.
    from libcst.metadata.base_provider import BaseMetadataProvider

    return issubclass(provider, BaseMetadataProvider)
