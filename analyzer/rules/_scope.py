"""shoal's scope provider: a pyflakes-grade binding analysis over the standard ``ast`` tree.

Computed once per file, for any rule that lists :class:`ScopeProvider` in its
``METADATA_DEPENDENCIES`` (AST and CST rules alike)::

    class NoUnusedArgs(LintRule):
        METADATA_DEPENDENCIES = (ScopeProvider,)

        def visit_Module(self, node):
            scopes: ScopeAnalysis = self.get_metadata(ScopeProvider)
            for b in scopes.bindings:
                if b.kind == "argument" and not b.used:
                    self.report((b.line, b.column), f"unused argument {b.name!r}")

Why not libcst's ScopeProvider: on the standard library it costs 2.8 libcst parses per file
(issue 4); this one runs on the ``ast`` tree in less time than pyflakes takes, and it follows
pyflakes' rules so that findings and ``# noqa: F401`` comments carry over.

The analysis is one walk by a chain of visitor classes, bottom up: ``_scope_state`` (scope
stack, dispatch, pyflakes' binding rules), ``_scope_annotations`` (annotation state),
``_scope_nesting`` (nodes that open a scope) and this module's :class:`_Analyzer` (the other
statements and expressions); then ``_scope_findings`` collects the findings and builds the
:class:`ScopeAnalysis`, whose records (:class:`Scope`, :class:`Binding`...) are in
``_bindings``.

Semantics are pyflakes 3.x's (the agreement test pins them on the standard library), with
these documented choices:

- Star imports: a name that is undefined in a module with ``from m import *`` goes to
  ``star_undefined_names`` (pyflakes' F405), never to ``undefined_names`` (F821), and marks
  the star imports used.
- ``__all__``: besides pyflakes' literal list/tuple, ``+=`` and ``[...] + [...]``, shoal also
  reads module-level ``__all__.extend([...])``, ``__all__.append("x")`` and
  ``__all__ += other`` (dynamic); a non-literal part makes ``all_dynamic`` true.
- Stubs (``.pyi``, as ruff reads them): a name read before its definition is looked up
  again once the module is complete (forward references are allowed anywhere).
- Re-exports, as ruff reads them in every file: ``import x as x`` / ``from m import x as x``
  (PEP 484's explicit re-export, which mypy and pyright honour too) are never unused, nor is
  ``from m import *``, whose names no one can list (pyflakes reports both).
- Builtins follow ``target_version`` (names added in later Pythons are removed, e.g.
  ``ExceptionGroup`` before 3.11) plus the configured ``builtins``.
- Unlike pyflakes, the analysis never mutates the caller's tree.
"""
from __future__ import annotations
import __future__

import ast
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from analyzer.core import SourceLines, builtin_names
from analyzer.rules._bindings import (
    _ANNASSIGN,
    _ANNOTATION,
    _ASSIGN,
    _AUG,
    _BUILTIN,
    _EXCEPT,
    _FROM,
    _FUTURE,
    _GLOBAL,
    _IMPORT,
    _LOOP,
    _MATCH,
    _MODULE,
    _NAMED,
    _NONLOCAL,
    _STAR,
    _SUBMODULE,
    _UNPACK,
    _WITH,
)
from analyzer.rules._scope_findings import (
    ScopeAnalysis,
    _apply_extended_all,
    _check_closed_scopes,
    _exported_in_any_branch,
    _extend_all,
)
from analyzer.rules._scope_nesting import _NestedScopeVisitor
from analyzer.rules._scope_state import _TYPING_MODULES

if TYPE_CHECKING:
    from analyzer.rules._lint_rule import RuleContext

__all__ = ["ScopeAnalysis", "ScopeProvider", "analyze_scopes"]


def _has_elts(node: ast.AST) -> bool:
    return isinstance(node, (ast.Tuple, ast.List))


class _Analyzer(_NestedScopeVisitor):
    """The complete visitor: statements and expressions that do not open a scope."""

    # -- statements ------------------------------------------------------------------------

    def v_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        nested = _UNPACK
        if _has_elts(node.value) and all(_has_elts(t) for t in node.targets):
            nested = _ASSIGN  # literal tuple unpacking: pyflakes checks each name
        for target in node.targets:
            self._store(target, _ASSIGN, nested, node)

    def v_AugAssign(self, node: ast.AugAssign) -> None:
        target = node.target
        if target.__class__ is ast.Name:
            self._load(target.id, target)
        self.visit(node.value)
        self._store(target, _AUG, _AUG, node)

    def v_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._annotation(node.annotation)
        if node.value is not None:
            if self._is_typing(node.annotation, "TypeAlias"):
                self._annotation_now(node.value)
            else:
                self.visit(node.value)
            self._store(node.target, _ANNASSIGN, _ANNASSIGN, node)
        else:
            self._store(node.target, _ANNOTATION, _ANNOTATION, None)

    def v_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self._store(node.target, _LOOP, _LOOP, None)
        self._visit_all(node.body)
        self._visit_all(node.orelse)

    v_AsyncFor = v_For

    def v_While(self, node: ast.While) -> None:
        self.cond += 1
        self.visit(node.test)
        self._visit_all(node.body)
        self._visit_all(node.orelse)
        self.cond -= 1

    def v_If(self, node: ast.If) -> None:
        self.cond += 1
        saved = self.fork
        self.fork = (*saved, (node, None))
        self.visit(node.test)
        self.fork = saved
        self._in_fork(node, 0, node.body)
        self._in_fork(node, None, node.orelse)
        self.cond -= 1

    def v_IfExp(self, node: ast.IfExp) -> None:
        self.cond += 1
        self.visit(node.test)
        self.visit(node.body)
        self.visit(node.orelse)
        self.cond -= 1

    def v_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._store(item.optional_vars, _WITH, _UNPACK, None)
        # A branch of its own for F811, as ruff reads it (the manager may swallow what the
        # body raises); with one part it never makes two bindings pyflakes's different forks.
        self._in_fork(node, 0, node.body)

    v_AsyncWith = v_With

    def _handler_names(self, handlers: list[ast.ExceptHandler]) -> list[str | None]:
        names: list[str | None] = []
        for handler in handlers:
            t = handler.type
            if isinstance(t, ast.Tuple):
                names.extend(getattr(e, "id", None) for e in t.elts)
            elif t is not None:
                names.append(getattr(t, "id", None))
        return names

    def v_Try(self, node: ast.Try) -> None:
        self.except_stack.append(self._handler_names(node.handlers))
        self._in_fork(node, 0, node.body)
        self.except_stack.pop()
        saved = self.fork
        for i, handler in enumerate(node.handlers, 1):
            self.fork = (*saved, (node, i))
            self.visit(handler)
        self.fork = saved
        self._in_fork(node, 0, node.orelse)
        self._in_fork(node, None, node.finalbody)

    # ast.TryStar exists from 3.11 only; older Pythons never dispatch to it.
    if sys.version_info >= (3, 11):

        def v_TryStar(self, node: ast.TryStar) -> None:
            # pyflakes treats try/except* branches as one fork (no alternatives).
            self.except_stack.append(self._handler_names(node.handlers))
            self._visit_all(node.body)
            self.except_stack.pop()
            self._visit_all(node.handlers)
            self._visit_all(node.orelse)
            self._visit_all(node.finalbody)

    def v_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        name = node.name
        if name is None:
            self._visit_opt(node.type)
            self._visit_all(node.body)
            return
        bindings = self.stack[-1].bindings
        original = bindings.get(name)
        if original is not None:
            # Bound over the name before, as pyflakes does, for what that reports (an unused
            # import it redefines); but what follows the handler sees that name again, not
            # a binding of the handler's that no read can reach. pyflakes keeps the latter
            # and reports it unused: `def g(e): ... except ValueError as e: print(e)` (ruff
            # reports nothing; an unused `e = 1` before is reported at its own line).
            self._add(self._new(name, _EXCEPT, node))
            bindings[name] = original
        previous = bindings.pop(name, None)
        self._check_local(name)
        self._add(self._new(name, _EXCEPT, node))
        self._visit_opt(node.type)
        self._visit_all(node.body)
        b = bindings.pop(name, None)
        if b is not None and b is not _BUILTIN and not b.used:
            self.unused_variables.append((name, node))
        if previous is not None:
            bindings[name] = previous

    def v_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if "." in alias.name and not alias.asname:
                b = self._new(alias.name.split(".")[0], _SUBMODULE, node)
            else:
                b = self._new(alias.asname or alias.name, _IMPORT, node)
            b.full_name = alias.name
            b.module = alias.name
            b.alias = alias
            if alias.name in _TYPING_MODULES:
                self.typing_names.add(b.name)
            self._add(b)

    def v_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        future = node.module == "__future__"
        at_module = self.stack[-1].kind == _MODULE
        if future:
            if not (at_module and self.futures_allowed):
                self.late_futures.append((module, node))
        elif at_module:
            self.futures_allowed = False
        for alias in node.names:
            name = alias.asname or alias.name
            if future:
                b = self._new(name, _FUTURE, node)
                b.used = True
                if alias.name not in __future__.all_feature_names:
                    self.undefined_futures.append((alias.name, node))
                if alias.name == "annotations":
                    self.future_annotations = True
            elif alias.name == "*":
                scope = self.stack[-1]
                if scope.kind != _MODULE:
                    # a SyntaxError at compile time; pyflakes' F406
                    self.misplaced_star_imports.append((module, node))
                    continue
                self.star_imports.append((module, node))
                scope.star = True
                b = self._new(module + ".*", _STAR, node)
                b.full_name = module
            else:
                b = self._new(name, _FROM, node)
                b.real_name = alias.name
            if alias.name != "*":
                sep = "" if module.endswith(".") else "."
                b.full_name = module + sep + alias.name
                b.real_name = alias.name
            b.module = module
            b.alias = alias
            if module in _TYPING_MODULES:
                self.typing_names.add(b.name)
            self._add(b)

    def v_Global(self, node: ast.Global | ast.Nonlocal) -> None:
        module = self.stack[0]
        if self.stack[-1] is module:
            return
        kind = _GLOBAL if isinstance(node, ast.Global) else _NONLOCAL
        for name in node.names:
            b = self._new(name, kind, node)
            b.used = True
            # pyflakes withdraws undefined-name findings already made for a name that a
            # function declares global: the function may define it at module level.
            if self.undefined:
                self.undefined = [u for u in self.undefined if u[0] != name]
            # A bare module-level annotation (`x: int`) defines nothing, and pyflakes lets
            # it hide the global a function binds (`global x; x = 1`): every later read of
            # x is then "undefined". ruff reads the function's binding; so do we.
            old = module.bindings.get(name)
            if old is None or (old is not _BUILTIN and old.kind == _ANNOTATION):
                module.bindings[name] = b
            for scope in self.stack[1:]:
                scope.bindings[name] = b

    v_Nonlocal = v_Global

    def v_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._delete(target)

    def v_Expr(self, node: ast.Expr) -> None:
        self.visit(node.value)

    def v_Pass(self, node: ast.AST) -> None:
        pass

    v_Break = v_Continue = v_Pass

    def v_Match(self, node: ast.Match) -> None:
        saved = self.fork
        self.fork = (*saved, (node, None))
        self.visit(node.subject)
        for i, case in enumerate(node.cases):
            self.fork = (*saved, (node, None))
            self.visit(case.pattern)
            self._visit_opt(case.guard)
            self.fork = (*saved, (node, i))
            self._visit_all(case.body)
        self.fork = saved

    def _capture(self, node: ast.pattern, name: str | None) -> None:
        if name:
            self._check_local(name)
            self._add(self._new(name, _MATCH, node))

    def v_MatchAs(self, node: ast.MatchAs) -> None:
        self._capture(node, node.name)
        self._visit_opt(node.pattern)

    def v_MatchStar(self, node: ast.MatchStar) -> None:
        self._capture(node, node.name)

    def v_MatchMapping(self, node: ast.MatchMapping) -> None:
        self._capture(node, node.rest)
        self._visit_all(node.keys)
        self._visit_all(node.patterns)

    # -- expressions -----------------------------------------------------------------------

    def v_Name(self, node: ast.Name) -> None:
        ctx = node.ctx.__class__
        if ctx is ast.Load:
            self._load(node.id, node)
        elif ctx is ast.Store:
            self._store_name(node, _ASSIGN, None)
        else:
            self._delete(node)

    def v_Attribute(self, node: ast.Attribute) -> None:
        # `a.b.c...` nests down its value: a loop, so a long chain costs no recursion
        value = node.value
        while isinstance(value, ast.Attribute):
            value = value.value
        self.visit(value)

    def v_BinOp(self, node: ast.BinOp) -> None:
        # `1 + 1 + ... + 1` nests to the left, one level per operator: walk that spine with
        # a loop (generated code holds such chains of thousands of terms, legal Python),
        # visiting in source order as the recursion did.
        rights = []
        left: ast.expr = node
        while isinstance(left, ast.BinOp):
            rights.append(left.right)
            left = left.left
        self.visit(left)
        for right in reversed(rights):
            self.visit(right)

    def v_BoolOp(self, node: ast.BoolOp) -> None:
        self._visit_all(node.values)

    def v_UnaryOp(self, node: ast.UnaryOp) -> None:
        self.visit(node.operand)

    def v_Compare(self, node: ast.Compare) -> None:
        self.visit(node.left)
        self._visit_all(node.comparators)

    def v_Tuple(self, node: ast.Tuple | ast.List | ast.Set) -> None:
        # mypy does not narrow on ``is not``: past the first test the node is a Tuple or List.
        if node.__class__ is not ast.Set and node.ctx.__class__ is not ast.Load:  # type: ignore[union-attr]  # not a Set
            self._store(node, _ASSIGN, _UNPACK, None)
            return
        self._visit_all(node.elts)

    v_List = v_Set = v_Tuple

    def v_Starred(self, node: ast.Starred) -> None:
        self.visit(node.value)

    def v_keyword(self, node: ast.keyword) -> None:
        self.visit(node.value)

    def v_Dict(self, node: ast.Dict) -> None:
        visit = self.visit
        for k, v in zip(node.keys, node.values, strict=False):
            if k is not None:
                visit(k)
            visit(v)

    def v_JoinedStr(self, node: ast.JoinedStr) -> None:
        self._visit_all(node.values)

    def v_FormattedValue(self, node: ast.FormattedValue) -> None:
        self.visit(node.value)
        if node.format_spec is not None:
            self.visit(node.format_spec)

    def v_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._store_name(node.target, _NAMED, None)

    def v_Slice(self, node: ast.Slice) -> None:
        self._visit_all((node.lower, node.upper, node.step))


def analyze_scopes(
    tree: ast.Module,
    source: str = "",
    *,
    is_package: bool = False,
    builtins: Iterable[str] = (),
    target_version: tuple[int, int] | None = None,
    column: Callable[[int, int], int] | None = None,
    is_stub: bool = False,
    top_level_await: bool = False,
) -> ScopeAnalysis:
    """Analyse the scopes and bindings of one parsed module.

    :param source: the text ``tree`` was parsed from (for character columns).
    :param is_package: the file is a package's ``__init__.py`` (``__path__`` is defined and
        undefined ``__all__`` names are not reported, as in pyflakes).
    :param builtins: extra builtin names (``[tool.shoal] builtins``).
    :param target_version: decides the builtins list; the running Python's when None.
    :param column: converts (line, UTF-8 byte offset) to a 1-based character column.
    :param is_stub: the file is a ``.pyi`` stub: any name may be a forward reference.
    :param top_level_await: a module-level ``await`` runs (a Jupyter notebook's cells).
    """
    names = builtin_names(target_version)
    extra = frozenset(builtins)
    if extra:
        names = names | extra
    analyzer = _Analyzer(names, is_package, is_stub)
    if top_level_await:
        analyzer.top_level_await = True
    analyzer.run(tree)
    _check_closed_scopes(analyzer)
    if _extend_all(analyzer, tree):
        _apply_extended_all(analyzer)
    _exported_in_any_branch(analyzer)
    return ScopeAnalysis(analyzer, column or SourceLines(source).column)


class ScopeProvider:
    """Metadata provider: the :class:`ScopeAnalysis` of a file, computed once per file."""

    @classmethod
    def compute(cls, context: RuleContext, ast_tree: ast.Module) -> ScopeAnalysis:
        """Analyse ``ast_tree`` (parsed from ``context.source``) with the context's settings."""
        settings = context.settings
        path = context.path.replace("\\", "/")
        return analyze_scopes(
            ast_tree,
            context.source,
            is_package=context.is_package or path.rsplit("/", 1)[-1] == "__init__.py",
            builtins=settings.builtins,
            target_version=settings.target_version,
            column=context.lines.column,
            is_stub=path.endswith(".pyi"),
            top_level_await=context.is_notebook,
        )
