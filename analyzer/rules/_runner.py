"""Run the module rules of one file: one traversal per tree kind, whatever the number of rules.

Traversal. For a set of rule classes the runner builds, once (cached by the tuple of
classes), a dispatch plan (:mod:`._dispatch`): node class -> the (rule, method) pairs to
call on entering and on leaving such a node, a ``visit_expr`` being registered under every
expression class. Per
file it binds the plan to fresh rule instances and walks the tree once: ``visit_*`` before
the children, ``leave_*`` after, children in ``_fields`` order (the order of
:class:`ast.NodeVisitor`). Fields that only hold operator/context singletons (``ctx``,
``op``, ``ops``) are skipped unless some rule visits those classes. The ``ast`` walk recurses
until it is :data:`RECURSION_BUDGET` levels deep and continues with an explicit stack, so the
10,000-term ``1+1+...`` chain that ``ast.parse`` accepts never raises RecursionError in the
walk itself (:mod:`._ast_walk`). CST rules share one read-only walk of the libcst tree that
fans out the same way, in libcst's visiting order, skipping subtrees where no visited class
can occur (:mod:`._cst_walk`).

Failures. A rule that raises (including RecursionError from its own recursion) yields one
``SH900`` diagnostic naming the rule, the file, the node being visited and the exception, and
is dropped for the rest of the file; the other rules go on. What it reported before the
failure is kept. Failures of the CST machinery (libcst cannot parse, or recurses too deep)
yield one SH900 naming the CST rules that were skipped.

Metadata. A provider is computed at most once per file, on the first :meth:`get_metadata`
call of a rule that declares it, and never when no rule asks. Two kinds:

* shoal providers: any class with a ``compute(context, ast_tree) -> value`` classmethod
  (:class:`~analyzer.rules.MetadataProvider` documents the protocol). ``get_metadata(P)``
  returns the value; ``get_metadata(P, node)`` returns ``value[node]``. The pipeline may pass
  values it already computed (``metadata={P: value}``); they are used as they are.
* libcst providers (CST rules only): resolved by :class:`~._cst_meta.FileMetadata` over the
  very tree the rules visit (node identities are the ones the rules see): parents, positions
  and qualified names by exact stand-ins, the others through one
  :class:`libcst.metadata.MetadataWrapper` (``unsafe_skip_copy``) created on first need.

Positions. An ast node's range comes from the node, its byte columns converted to character
columns by :class:`~analyzer.rules.SourceLines`; a node without a position (``arguments``…)
reports at its first positioned descendant. CST nodes are kept as reported and converted
after the traversal, with libcst's PositionProvider computed (one lean codegen pass) only in
a file where a CST rule reported. A CST rule's ``fix=replacement_node`` becomes one safe edit
replacing the whitespace-inclusive range of the reported node with ``module.code_for_node(replacement)``.
"""
from __future__ import annotations

import ast
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from analyzer.core import Diagnostic, Fix
from analyzer.frontend import parse_module
from analyzer.rules._ast_walk import walk_ast
from analyzer.rules._dispatch import _plan_for
from analyzer.rules._guards import Guarded
from analyzer.rules._lint_rule import (
    _NO_DEFAULT,
    LintRule,
    MetadataNotDeclaredError,
    RuleContext,
    RuleSettings,
)
from analyzer.rules._rule_timing import (
    AST_WALK,
    CST_PARSE,
    CST_POSITIONS,
    CST_WALK,
    Outside,
    rule_key,
    timed_actions,
)

if TYPE_CHECKING:
    import libcst
    from libcst.metadata import MetadataWrapper

    from analyzer.rules._cst_meta import FileMetadata

#: Depth at which the ast walk switches from recursion to an explicit stack.
RECURSION_BUDGET = 200
INTERNAL_ERROR_CODE = "SH900"
INTERNAL_ERROR_NAME = "internal-error"


# ---------------------------------------------------------------------------------------------
# One file


class _FileRun:
    """The state of running a rule set over one file: instances, metadata, findings."""

    def __init__(
        self,
        context: RuleContext,
        ast_tree: ast.Module,
        cst_tree: Callable[[], libcst.Module] | None,
        metadata: Mapping[type, object] | None,
        timings: dict[str, float] | None = None,
    ) -> None:
        self.context = context
        #: rule key / phase name -> seconds, filled only when given (``--timings``)
        self.timings = timings
        self.ast_tree = ast_tree
        self._cst_tree_factory = cst_tree
        self._cst_module: libcst.Module | None = None
        self._cst_metadata: FileMetadata | None = None
        # A provider's value is whatever it computed: opaque here, a mapping when indexed.
        self._provided: dict[type, Any] = dict(metadata or {})
        self._provider_errors: dict[type, Exception] = {}
        self.diagnostics: list[Diagnostic] = []
        self._cst_reports: list[tuple[LintRule, object, str, object, tuple[int, int] | None,
                                      int]] = []
        # id -> instance of the rules that raised; kept alive so ids stay unique.
        self._failed: dict[int, LintRule] = {}
        self._actions: dict[type, tuple[tuple, tuple]] = {}

    def release(self) -> None:
        """Let go of the trees, the metadata and the rules once the file is done.

        The rules hold this run (``_shoal_run``) and it holds their bound methods: a cycle
        that, left alone, keeps the tree and every provider's value alive until the cyclic
        collector finds it, where reference counting frees them now. The actions are
        cleared in place: the ast walk's closure, a cycle of its own, holds the same dict.
        """
        self._actions.clear()
        self._failed = {}
        self._provided = {}
        self._cst_module = None
        self._cst_metadata = None
        self._cst_tree_factory = None
        self._cst_reports = []
        self.ast_tree = None  # type: ignore[assignment]  # the run is over

    # -- rules ------------------------------------------------------------------------------

    def instantiate(self, rules: Sequence[type[LintRule]]) -> list[LintRule | None]:
        instances: list[LintRule | None] = []
        timings = self.timings
        for rule in rules:
            start = time.perf_counter() if timings is not None else 0.0
            try:
                instance = rule(self.context)
                if timings is not None:
                    key = rule_key(rule)
                    timings[key] = timings.get(key, 0.0) + time.perf_counter() - start
            except Exception as exc:
                self.internal_error(rule, exc, "while being created")
                instances.append(None)
                continue
            instance._shoal_run = self
            instance.__dict__.setdefault("context", self.context)
            instances.append(instance)
        return instances

    def run_ast(self, rules: Sequence[type[LintRule]]) -> None:
        plan = _plan_for(rules, "ast")
        self._actions = plan.bind(self.instantiate(rules), self.on_error)
        if self.timings is not None:
            self._actions = timed_actions(self._actions, self.timings)
        if self._actions:
            with Outside(self.timings, rules, AST_WALK):
                walk_ast(
                    self.ast_tree, self._actions, plan.fields, plan.inert, self.on_error,
                    RECURSION_BUDGET,
                )

    def run_cst(self, rules: Sequence[type[LintRule]]) -> None:
        from analyzer.rules import _cst_fix

        plan = _plan_for(rules, "cst")
        try:
            with Outside(self.timings, (), CST_PARSE):
                module = self.cst_module()
        except Exception as exc:
            self.machinery_error(rules, f"libcst could not parse it: {type(exc).__name__}: {exc}")
            return
        self._actions = plan.bind(self.instantiate(rules))
        if self.timings is not None:
            self._actions = timed_actions(self._actions, self.timings)
        if not self._actions:
            return
        try:
            with Outside(self.timings, rules, CST_WALK):
                _cst_fix.visit(module, self._actions, self.on_error, plan.calls,
                               self.cst_metadata())
            if self._cst_reports:
                with Outside(self.timings, (), CST_POSITIONS):
                    self._convert_cst_reports(module)
        except RecursionError as exc:
            # A tree this deep defeats the recursive traversal and position computation
            # alike: what the rules reported cannot be placed, so it is dropped with them.
            live = [rule for rule in rules if not self._is_failed_class(rule)]
            self.machinery_error(live, f"the libcst tree is too deep: RecursionError: {exc}")

    def _is_failed_class(self, rule: type[LintRule]) -> bool:
        return any(type(instance) is rule for instance in self._failed.values())

    def on_error(self, fn: Any, exc: Exception, node: object) -> None:
        """A rule method raised: report it once and unbind every method of that rule."""
        rule = fn.__self__
        if id(rule) in self._failed:
            return
        where = f"{fn.__name__}({type(node).__name__}"
        lineno = getattr(node, "lineno", None)
        where += f" at line {lineno})" if lineno is not None else ")"
        self.internal_error(type(rule), exc, f"in {where}")
        self._failed[id(rule)] = rule

        def kept(f: Any) -> bool:
            # A guarded entry loses the rule's methods, and goes once it has none left.
            return f.drop(rule) if isinstance(f, Guarded) else f.__self__ is not rule

        for cls, (visits, leaves) in list(self._actions.items()):
            self._actions[cls] = (tuple(filter(kept, visits)), tuple(filter(kept, leaves)))

    def internal_error(self, rule: type[LintRule], exc: BaseException, where: str) -> None:
        message = (
            f"rule {rule.CODE} ({rule.NAME}) failed on {self.context.path} {where}: "
            f"{type(exc).__name__}: {exc}"
        )
        self.diagnostics.append(_internal(self.context.path, message))

    def machinery_error(self, rules: Sequence[type[LintRule]], what: str) -> None:
        codes = ", ".join(f"{r.CODE} ({r.NAME})" for r in rules)
        message = f"CST rules {codes} skipped on {self.context.path}: {what}"
        self.diagnostics.append(_internal(self.context.path, message))

    # -- what rules call --------------------------------------------------------------------

    def add_report(
        self,
        rule: LintRule,
        node: object,
        message: str | None,
        fix: object,
        end: tuple[int, int] | None,
        noqa_line: int = 0,
    ) -> None:
        if id(rule) in self._failed:
            return
        message = rule.MESSAGE if message is None else message
        if isinstance(node, tuple):
            line, column = node
            end_line, end_column = end if end is not None else node
        elif isinstance(node, ast.AST):
            positioned = _positioned(node)
            if positioned is None:
                line = column = end_line = end_column = 1
            else:
                line, column, end_line, end_column = self.context.lines.node_range(positioned)
            if end is not None:
                end_line, end_column = end
        elif rule.TREE == "cst":
            self._cst_reports.append((rule, node, message, fix, end, noqa_line))
            return
        else:
            raise TypeError(
                f"report() takes an ast node or a (line, column) pair, not {type(node).__name__}"
            )
        if fix is not None and not isinstance(fix, Fix):
            raise TypeError(
                f"fix must be an analyzer.rules.Fix (or, in a CST rule reporting a libcst node, "
                f"a replacement node), not {type(fix).__name__}"
            )
        self.diagnostics.append(
            Diagnostic(
                self.context.path, line, column, rule.CODE, message,
                end_line, end_column, rule.NAME, fix, noqa_line,
            )
        )

    def metadata(self, rule: LintRule, provider: type, node: object, default: Any) -> Any:
        if provider not in type(rule).METADATA_DEPENDENCIES:
            raise MetadataNotDeclaredError(type(rule), provider)
        try:
            value = self._provided[provider]
        except KeyError:
            value = self._compute(provider)
        if node is None:
            return value
        try:
            return value[node]
        except KeyError:
            if default is _NO_DEFAULT:
                raise
            return default

    def _compute(self, provider: type) -> Any:
        if provider in self._provider_errors:
            raise self._provider_errors[provider]
        try:
            compute = getattr(provider, "compute", None)
            if callable(compute):
                value = compute(self.context, self.ast_tree)
            else:
                value = self.cst_metadata().resolve(provider)
        except Exception as exc:
            self._provider_errors[provider] = exc
            raise
        self._provided[provider] = value
        return value

    # -- libcst -----------------------------------------------------------------------------

    def cst_module(self) -> libcst.Module:
        if self._cst_module is None:
            if self._cst_tree_factory is not None:
                self._cst_module = self._cst_tree_factory()
            else:
                import libcst

                self._cst_module = libcst.parse_module(self.context.source)
        return self._cst_module

    def cst_metadata(self) -> FileMetadata:
        """The libcst metadata of the file (:class:`~analyzer.rules._cst_meta.FileMetadata`)."""
        if self._cst_metadata is None:
            from analyzer.rules._cst_meta import FileMetadata

            self._cst_metadata = FileMetadata(self.cst_module())
        return self._cst_metadata

    def cst_wrapper(self) -> MetadataWrapper:
        return self.cst_metadata().wrapper

    def _convert_cst_reports(self, module: libcst.Module) -> None:
        from analyzer.rules import _cst_fix

        meta = self.cst_metadata()
        needs_fix_ranges = any(_cst_fix.is_cst_node(report[3]) for report in self._cst_reports)
        ranges, fix_ranges = _cst_fix.resolve_positions(meta, needs_fix_ranges)
        for rule, node, message, fix, end, noqa_line in self._cst_reports:
            try:
                line, column, end_line, end_column = _cst_fix.node_range(ranges, node)
                if end is not None:
                    end_line, end_column = end
                if _cst_fix.is_cst_node(fix):
                    fix = _cst_fix.replacement_fix(module, fix_ranges, node, fix, rule.NAME)
                elif fix is not None and not isinstance(fix, Fix):
                    raise TypeError(
                        f"fix must be an analyzer.rules.Fix or a libcst node, not {type(fix).__name__}"
                    )
            except Exception as exc:
                if id(rule) not in self._failed:
                    self._failed[id(rule)] = rule
                    self.internal_error(type(rule), exc, f"reporting a {type(node).__name__}")
                continue
            self.diagnostics.append(
                Diagnostic(
                    self.context.path, line, column, rule.CODE, message,
                    end_line, end_column, rule.NAME, fix, noqa_line,
                )
            )


def _positioned(node: ast.AST) -> ast.AST | None:
    if hasattr(node, "lineno"):
        return node
    for child in ast.walk(node):
        if hasattr(child, "lineno"):
            return child
    return None


def _internal(path: str, message: str) -> Diagnostic:
    return Diagnostic(path, 1, 1, INTERNAL_ERROR_CODE, message, 1, 1, INTERNAL_ERROR_NAME)


# ---------------------------------------------------------------------------------------------
# Entry points


def run_module_rules(
    context: RuleContext,
    rules: Sequence[type[LintRule]],
    ast_tree: ast.Module,
    cst_tree: Callable[[], libcst.Module] | None = None,
    *,
    metadata: Mapping[type, object] | None = None,
    timings: dict[str, float] | None = None,
) -> list[Diagnostic]:
    """Run ``rules`` over one file: one ast traversal for the AST rules, one libcst one for the rest.

    :param cst_tree: returns the libcst tree of the file; called only when a CST rule is
        selected (default: ``libcst.parse_module(context.source)``).
    :param metadata: provider values already computed for this file (``{Provider: value}``).
    :param timings: when given, each rule's time (its creation and visit/leave methods,
        with the metadata they compute) is added under :func:`rule_key`, and the walks'
        own time under :data:`AST_WALK` and the ``CST_*`` keys.
    :returns: the findings, sorted, SH900 diagnostics included.
    """
    run = _FileRun(context, ast_tree, cst_tree, metadata, timings)
    ast_rules = [rule for rule in rules if rule.TREE == "ast"]
    cst_rules = [rule for rule in rules if rule.TREE != "ast"]
    try:
        if ast_rules:
            run.run_ast(ast_rules)
        if cst_rules:
            run.run_cst(cst_rules)
    finally:
        run.release()
    run.diagnostics.sort(key=Diagnostic.sort_key)
    return run.diagnostics


def check_source(
    source: str,
    rules: Sequence[type[LintRule]],
    *,
    path: str = "<string>",
    module: str = "",
    settings: RuleSettings | None = None,
) -> list[Diagnostic]:
    """Parse ``source`` and run ``rules`` on it (for tests and the example harness).

    A syntax error propagates as :class:`SyntaxError`: the pipeline, not this helper, turns
    it into E999.
    """
    tree = parse_module(source, filename=path)
    context = RuleContext(
        path=path,
        module=module,
        is_package=os.path.basename(path) in ("__init__.py", "__init__.pyi"),
        source=source,
        settings=settings if settings is not None else RuleSettings(),
    )
    return run_module_rules(context, rules, tree)
