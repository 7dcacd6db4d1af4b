"""The scope analysis' walking state: the scope stack, node dispatch, and pyflakes' binding rules.

:class:`_ScopeState` is the bottom of the analyzer's class chain (annotations, then nested
scopes, then plain statements and expressions build on it in ``_scope_annotations``,
``_scope_nesting`` and ``_scope``). It owns what every visitor shares: the stack of open
scopes, the branch path (``fork``) and conditional depth, deferred work (function bodies and
postponed annotations run after the module body, as pyflakes' ``deferFunction``), and the
operations that add, look up and store bindings. The findings it collects are turned into
the public records by ``_scope_findings``.
"""
from __future__ import annotations

import ast
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from analyzer.rules._bindings import (
    _ANNASSIGN,
    _ANNOTATION,
    _ASSIGN,
    _AUG,
    _B,
    _BUILTIN,
    _CLASS_SCOPE,
    _COMP,
    _EXPORT,
    _FROM,
    _FUNC,
    _FUTURE,
    _GEN,
    _LAMBDA,
    _LOOP,
    _MODULE,
    _NAMED,
    _STAR,
    _Builtin,
    _different_forks,
    _Fork,
    _Located,
    _redefines,
    _Scope,
)
from analyzer.rules._scope_exports import all_names

# Annotation states (pyflakes' AnnotationState).
_NONE, _STRING, _BARE = 0, 1, 2

#: Modules whose subscripted members are types, their string arguments forward references:
#: ``typing``'s, and as ruff reads them ``collections.abc``'s (``Callable[["Request"], X]``
#: in a module-level alias reads the TYPE_CHECKING import of ``Request``).
_TYPING_MODULES = frozenset(("typing", "typing_extensions", "collections.abc"))


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


class _ClassMagic:
    names = dir()


#: Names a class body may read without defining them (``__module__``, ``__qualname__``...).
_CLASS_MAGIC = frozenset(_ClassMagic.names)

# One builtins dict per builtins set, copied into each module scope.
_BUILTIN_DICTS: dict[frozenset[str], dict[str, _B | _Builtin]] = {}

#: analyzer class -> node class -> its handler, an unbound function (``_handler_for``).
_DISPATCH: dict[type, dict[type[ast.AST], Callable[[Any, ast.AST], None]]] = {}
#: analyzer class -> node class without a handler -> the fields its generic walk visits.
_GENERIC: dict[type, dict[type[ast.AST], tuple[str, ...]]] = {}

#: Work run after the module body: (function, its argument, scope stack, fork, cond depth).
_Deferred = tuple[Callable[[Any], None], Any, list[_Scope], _Fork, int]


class _PythonWalk:
    """The analyzer's dispatch in Python: the fallback of ``_scope_native.Walk`` (its C
    twin, used when built unless ``SHOAL_NATIVE_SCOPE=0``) and the model its tests compare
    it to. The C one handles the nodes that bind and decide nothing (``_scope_native.c``
    names them) without calling their handlers; results are the same."""

    _dispatch: dict[type[ast.AST], Callable[[Any, ast.AST], None]]
    _handler_for: Callable[[type[ast.AST]], Callable[[Any, ast.AST], None]]
    _new_python: Callable[[str, int, Any], Any]
    _add_python: Callable[[Any], None]
    _check_local_python: Callable[[str], None]
    _store_name_python: Callable[[Any, int, Any], None]
    _store_python: Callable[[Any, int, int, Any], None]

    def visit(self, node: ast.AST) -> None:
        """Dispatch ``node`` to its ``v_<Class>`` handler, or walk its fields."""
        try:
            handler = self._dispatch[node.__class__]
        except KeyError:
            handler = self._handler_for(node.__class__)
        handler(self, node)

    def _visit_opt(self, node: ast.AST | None) -> None:
        if node is not None:
            self.visit(node)

    # The binding operations, whose C twins (``_scope_bind.h``) do the common cases
    # themselves: here each is its ``_python`` method.
    def _new(self, name: str, kind: int, node: Any) -> Any:
        return self._new_python(name, kind, node)

    def _add(self, b: Any) -> None:
        self._add_python(b)

    def _check_local(self, name: str) -> None:
        self._check_local_python(name)

    def _store_name(self, node: Any, kind: int, stmt: Any) -> None:
        self._store_name_python(node, kind, stmt)

    def _store(self, target: Any, direct: int, nested: int, stmt: Any) -> None:
        self._store_python(target, direct, nested, stmt)

    # The loop calls a node's handler straight from the table, as visit() would: one call
    # per node rather than two.
    def _visit_all(self, nodes: Iterable[ast.AST | None]) -> None:
        dispatch = self._dispatch
        for node in nodes:
            if node is not None:
                handler = dispatch.get(node.__class__) or self._handler_for(node.__class__)
                handler(self, node)


_Walk: type = _PythonWalk
if os.environ.get("SHOAL_NATIVE_SCOPE") != "0":
    try:
        from analyzer.rules._scope_native import Walk as _NativeWalk
    except ImportError:  # built without a C compiler: the same analysis, in Python
        pass
    else:
        _Walk = _NativeWalk
#: Whether the analyzer dispatches in C (``_scope_native``).
NATIVE_SCOPE = _Walk is not _PythonWalk


class _ScopeState(_Walk):  # the base is chosen at import: C when built
    """One pass over the module (function bodies deferred, as pyflakes' deferFunction)."""

    def __init__(self, builtins: frozenset[str], is_package: bool, is_stub: bool = False) -> None:
        base = _BUILTIN_DICTS.get(builtins)
        if base is None:
            base = dict.fromkeys(builtins, _BUILTIN)
            _BUILTIN_DICTS[builtins] = base
        self.is_package = is_package
        self.is_stub = is_stub
        self.module_scope: _Scope | None = None
        self.base_builtins = base
        self.stack: list[_Scope] = []
        self.scopes: list[_Scope] = []
        self.dead: list[_Scope] = []
        self.deferred: deque[_Deferred] = deque()
        self.fork: _Fork = ()
        self.cond = 0
        self.ann = _NONE
        #: Inside an annotation that Python leaves unevaluated (under ``from __future__
        #: import annotations``): with string annotations, what ruff calls a forward
        #: reference.
        self.forward = False
        self.except_stack: list[Iterable[str | None]] = [()]
        self.future_annotations = False
        # Builtin name -> the scope and node of its latest read (a builtin has no _B).
        self.used_builtins: dict[str, tuple[int, _Located]] = {}
        self.all_bindings: list[_B] = []
        # Findings, with ast positions (byte columns) until the end.
        self.undefined: list[tuple[str, _Located]] = []
        #: (name, node, the star-imported modules it may come from) for F405.
        self.star_undefined: list[tuple[str, _Located, str]] = []
        self.shadowed_imports: list[tuple[_B, _Located, int]] = []
        self.undefined_locals: list[tuple[str, _Located, int | None]] = []
        self.unused_annotations: list[tuple[str, _Located]] = []
        # Import statements: (module or feature, node) for F403, F406, F404, F407.
        self.star_imports: list[tuple[str, ast.ImportFrom]] = []
        self.misplaced_star_imports: list[tuple[str, ast.ImportFrom]] = []
        self.late_futures: list[tuple[str, ast.ImportFrom]] = []
        self.undefined_futures: list[tuple[str, ast.ImportFrom]] = []
        self.futures_allowed = True
        #: The parsed string annotations (positions at their string), for rules on them.
        self.string_annotations: list[ast.expr] = []
        # Stubs: reads that found no binding, retried once the module is complete.
        self.stub_pending: list[tuple[str, _Located, list[_Scope], Iterable[str | None]]] = []
        self.resolving_stub = False
        self.redefinitions: list[tuple[_B, _Located, int, bool]] = []
        self.unused_imports: list[_B] = []
        self.unused_variables: list[tuple[str, _Located]] = []
        self.undefined_exports: list[tuple[str, _Located]] = []
        self.all_binding: _B | None = None
        #: Names an import of ``typing`` or ``typing_extensions`` (or of a member) has bound:
        #: only these can resolve to a binding that ``_is_typing`` accepts.
        self.typing_names: set[str] = set()
        self._dispatch = _DISPATCH.setdefault(type(self), {})
        self._generic_fields = _GENERIC.setdefault(type(self), {})

    # -- driving ---------------------------------------------------------------------------

    def run(self, tree: ast.Module) -> None:
        """Walk ``tree``, then everything deferred; closed scopes are left in ``dead``."""
        module = self._push(_MODULE, tree, "<module>")
        module.bindings = self.base_builtins.copy()
        self.module_scope = module
        visit = self.visit
        for stmt in tree.body:
            if self.futures_allowed and not (
                stmt.__class__ is ast.ImportFrom
                or (isinstance(stmt, ast.Expr) and _is_str(stmt.value))
            ):
                # pyflakes: only docstrings and from-imports may precede a __future__ import.
                self.futures_allowed = False
            visit(stmt)
        deferred = self.deferred
        while deferred:
            fn, arg, stack, fork, cond = deferred.popleft()
            self.stack, self.fork, self.cond = stack, fork, cond
            fn(arg)
        if self.stub_pending:
            self._resolve_stub_reads()
        self.stack = [module]
        self._pop()

    def _defer(self, fn: Callable[[Any], None], arg: object) -> None:
        # The scope stack is copied (later bindings in those scopes stay visible) together
        # with the branch path and the conditional depth, which pyflakes reads off parents.
        self.deferred.append((fn, arg, self.stack[:], self.fork, self.cond))

    def _push(self, kind: int, node: ast.AST, name: str) -> _Scope:
        parent = self.stack[-1] if self.stack else None
        scope = _Scope(kind, node, parent, name)
        scope.index = len(self.scopes)
        self.scopes.append(scope)
        self.stack.append(scope)
        return scope

    def _pop(self) -> None:
        # Checked only once everything has run: a nested function (deferred) may still
        # read the names of the scope being closed.
        self.dead.append(self.stack.pop())

    # -- visiting (visit, _visit_opt and _visit_all come from the base) ------------------

    def _handler_for(self, cls: type[ast.AST]) -> Callable[[Any, ast.AST], None]:
        # Unbound functions in a table of the class, not bound methods in one of the
        # instance: those would make the analyzer a cycle, freed (with the tree its scopes
        # hold) only by the cyclic collector.
        handler = getattr(type(self), "v_" + cls.__name__, None)
        if handler is None:
            fields = tuple(f for f in cls._fields if f not in ("ctx", "op"))

            def handler(self: _ScopeState, node: ast.AST, fields: tuple[str, ...] = fields,
                        ) -> None:
                self._walk_fields(node, fields)

            self._generic_fields[cls] = fields
        self._dispatch[cls] = handler
        return handler

    def _walk_fields(self, node: ast.AST, fields: tuple[str, ...]) -> None:
        dispatch = self._dispatch
        for name in fields:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                handler = dispatch.get(value.__class__) or self._handler_for(value.__class__)
                handler(self, value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        handler = dispatch.get(item.__class__) or self._handler_for(item.__class__)
                        handler(self, item)

    def _in_fork(self, fork_node: ast.AST, part: int | None, stmts: list[ast.stmt]) -> None:
        saved = self.fork
        self.fork = (*saved, (fork_node, part))
        self._visit_all(stmts)
        self.fork = saved

    # -- bindings --------------------------------------------------------------------------

    def _new_python(self, name: str, kind: int, node: _Located) -> _B:
        """A new binding in the current scope (``_new``; its C twin is ``_scope_bind.h``)."""
        b = _B(name, kind, node, self.stack[-1].index, self.fork)
        self.all_bindings.append(b)
        return b

    def _add_python(self, b: _B) -> None:
        """pyflakes' addBinding: report redefinitions, then store ``b`` in its scope (``_add``;
        the C twin stores a binding that hides nothing and leaves the others to this)."""
        name = b.name
        stack = self.stack
        current = stack[-1]
        existing = None
        found = None
        for scope in reversed(stack):
            existing = scope.bindings.get(name)
            if existing is not None:
                found = scope
                break
        if (
            existing is not None
            and existing is not _BUILTIN
            and not _different_forks(b.fork, existing.fork)
        ):
            if existing.kind <= _FUTURE and b.kind == _LOOP:
                # F402 as ruff: a loop's target, not an import in its body (pyflakes reports
                # both), and only in the import's own branch, as F811 below (ruff never
                # reports a loop variable as F811).
                if b.fork == existing.fork:
                    self.shadowed_imports.append((b, b.node, existing.stmt.lineno))
            # F811 as ruff: only within one branch (the same if/elif/else clause, try part
            # or match case, fork paths equal). pyflakes also reports a branch's binding over
            # one before the `if` -- `if TYPE_CHECKING: from m import X` then, under
            # `if __name__ == "__main__":`, `from m import X` again, rich's idiom.
            elif found is current:
                if (
                    not existing.used
                    and b.fork == existing.fork
                    and _redefines(b, existing)
                    and (name != "_" or existing.kind <= _FUTURE)
                    and not self._is_overload(existing)
                ):
                    line = existing.stmt.lineno
                    b.redefined_line = line
                    self.redefinitions.append((b, b.node, line, existing.kind <= _FUTURE))
            elif existing.kind <= _FUTURE and b.fork == existing.fork and _redefines(b, existing):
                if existing.redefined is None:
                    existing.redefined = []
                existing.redefined.append(b)
        bindings = current.bindings
        here = bindings.get(name)
        if here is not None:
            if here is _BUILTIN:
                b.use = self.used_builtins.get(name)
                b.used = b.use is not None
            else:
                b.used, b.use = here.used, here.use
        if here is None or b.kind != _ANNOTATION:
            if b.kind == _NAMED:
                # PEP 572: the target belongs to the scope around the comprehensions.
                for scope in reversed(stack):
                    if scope.kind != _COMP and scope.kind != _GEN:
                        break
                old = scope.bindings.get(name)
                if old is None or (old is not _BUILTIN and old.kind == _ANNOTATION):
                    scope.bindings[name] = b
                    b.scope_index = scope.index
            else:
                bindings[name] = b

    def _lookup(self, name: str) -> _B | _Builtin | None:
        for scope in reversed(self.stack):
            b = scope.bindings.get(name)
            if b is not None:
                return b
        return None

    def _is_typing(self, node: ast.AST, attr: str | None) -> bool:
        """Does ``node`` name ``typing.<attr>`` (any member when ``attr`` is None)?"""
        # Asked of every call's callee: a name no typing import ever bound is no member.
        if isinstance(node, ast.Name):
            if node.id not in self.typing_names:
                return False
            b = self._lookup(node.id)
            return (
                isinstance(b, _B)
                and (b.kind == _FROM or b.kind == _FUTURE)
                and b.module in _TYPING_MODULES
                and (attr is None or b.real_name == attr)
            )
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id not in self.typing_names:
                return False
            b = self._lookup(node.value.id)
            return (
                isinstance(b, _B)
                and b.kind <= _FUTURE
                and b.full_name in _TYPING_MODULES
                and (attr is None or node.attr == attr)
            )
        return False

    def _is_overload(self, b: _B) -> bool:
        node = b.node
        # The node of a _FUNCTION binding, and only of one, is a def: test the node, as it
        # is also what narrows its type.
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not node.decorator_list:
            return False
        return any(self._is_typing(d, "overload") for d in node.decorator_list)

    def _postponed(self) -> bool:
        ann = self.ann
        return ann == _STRING or (
            ann == _BARE and (self.future_annotations or sys.version_info >= (3, 14))
        )

    def _load(self, name: str, node: _Located) -> None:
        """pyflakes' handleNodeLoad."""
        can_access: bool | None = None
        star = False
        stack = self.stack
        use = (stack[-1].index, node)
        scopes: Iterable[_Scope] = reversed(stack)
        if len(stack) > 1 and (self.ann == _STRING or (self.forward and self.ann == _BARE)):
            # PEP 563: a forward reference the module can resolve resolves there, as ruff
            # reads it (pyflakes looks from the annotation's own scope): a TYPE_CHECKING
            # import is used by a postponed annotation in a function that imports the same
            # name again for its body.
            top = stack[0].bindings.get(name)
            if top is not None and (top is _BUILTIN or top.kind != _ANNOTATION):
                scopes = (stack[0],)
        for scope in scopes:
            kind = scope.kind
            if kind == _CLASS_SCOPE:
                if name == "__class__":
                    return
                if can_access is False:
                    continue
            b = scope.bindings.get(name)
            if b is not None:
                if b is _BUILTIN:
                    self.used_builtins[name] = use
                    return
                b.use = use
                if b.kind == _ANNOTATION and not self._postponed():
                    b.used = True
                    continue
                b.used = True
                if b.kind <= _FUTURE and b.full_name.split(".")[-1] != name:
                    # pyflakes: using ``mp`` of ``import multiprocessing as mp`` also uses
                    # a ``multiprocessing`` binding (``import multiprocessing.connection``).
                    other = scope.bindings.get(b.full_name)
                    if isinstance(other, _B):
                        other.used = True
                        other.use = use
                return
            if scope.star:
                star = True
            if can_access is not False:
                can_access = kind >= _COMP
        if self.is_stub and not self.resolving_stub:
            # A stub is never run: any name may be a forward reference.
            self.stub_pending.append((name, node, self.stack[:], self.except_stack[-1]))
            return
        if star:
            # A star import's binding is keyed ``module.*``, which no other binding can be:
            # looked up by those keys, not found among all the module's bindings, which cost
            # each unresolved read in such a module a pass over every name it binds.
            keys = dict.fromkeys(module + ".*" for module, _ in self.star_imports)
            modules = []
            for scope in self.stack:
                if not scope.star:
                    continue
                for key in keys:
                    sb = scope.bindings.get(key)
                    if isinstance(sb, _B) and sb.kind == _STAR:
                        sb.used = True
                        modules.append(sb.full_name)
            self.star_undefined.append((name, node, ", ".join(sorted(modules))))
            return
        if name == "__path__" and self.is_package:
            return
        if name in _CLASS_MAGIC and self.stack[-1].kind == _CLASS_SCOPE:
            return
        if "NameError" not in self.except_stack[-1]:
            self.undefined.append((name, node))

    def _resolve_stub_reads(self) -> None:
        """Retry the reads of a stub that found no binding, against the complete scopes."""
        self.resolving_stub = True
        saved_ann = self.ann
        self.ann = _STRING  # every annotation of a stub is postponed
        for name, node, stack, handlers in self.stub_pending:
            self.stack = stack
            self.except_stack = [handlers]
            self._load(name, node)
        self.ann = saved_ann
        self.except_stack = [()]

    def _check_local_python(self, name: str) -> None:
        """pyflakes' UndefinedLocal (F823): a local about to be bound that this function
        already read from an enclosing function, the module or the builtins."""
        current = self.stack[-1]
        if (current.kind != _FUNC and current.kind != _LAMBDA) or name in current.bindings:
            return
        for scope in self.stack[:-1]:
            kind = scope.kind
            if kind != _FUNC and kind != _LAMBDA and kind != _MODULE:
                continue
            b = scope.bindings.get(name)
            if b is None:
                continue
            use = self.used_builtins.get(name) if b is _BUILTIN else b.use
            if use is not None and use[0] == current.index:
                line = None if b is _BUILTIN else b.stmt.lineno
                self.undefined_locals.append((name, use[1], line))
                return

    def _store_name_python(self, node: ast.Name, kind: int, stmt: ast.stmt | None) -> None:
        """Bind a stored name (``_store_name``; its C twin is ``_scope_bind.h``)."""
        name = node.id
        if (
            stmt is not None
            and name == "__all__"
            and self.stack[-1].kind == _MODULE
            and kind in (_ASSIGN, _AUG, _ANNASSIGN)
        ):
            b = self._new(name, _EXPORT, node)
            b.stmt = stmt
            self._export_names(b, stmt)
        else:
            b = self._new(name, kind, node)
        self._check_local(name)
        self._add(b)

    def _export_names(self, b: _B, stmt: ast.stmt) -> None:
        old = self.stack[-1].bindings.get("__all__")
        names, dynamic = all_names(stmt)
        if isinstance(stmt, ast.AugAssign) and isinstance(old, _B):
            names = list(old.names or ()) + names
            b.dynamic = old.dynamic
        b.names = names
        b.dynamic = b.dynamic or dynamic

    # These two read ``target.__class__`` once into a local and test that (every assignment
    # and del target passes here); mypy narrows ``x.__class__ is C`` but not through the
    # local, hence the ignores, each naming the class its test has established.

    def _store_python(self, target: ast.expr, direct: int, nested: int,
                      stmt: ast.stmt | None) -> None:
        """Bind the names of an assignment target (pyflakes' handleNodeStore; ``_store``,
        whose C twin is ``_scope_bind.h``)."""
        cls = target.__class__
        if cls is ast.Name:
            self._store_name(target, direct, stmt)
        elif cls is ast.Tuple or cls is ast.List:
            for elt in target.elts:  # type: ignore[attr-defined]  # an ast.Tuple or ast.List
                self._store(elt, nested, nested, None)
        elif cls is ast.Starred:
            self._store(target.value, nested, nested, None)  # type: ignore[attr-defined]  # Starred
        else:
            self.visit(target)

    def _delete(self, target: ast.expr) -> None:
        cls = target.__class__
        if cls is ast.Name:
            if self.cond:
                return  # a conditional del may not run: keep the binding
            name: str = target.id  # type: ignore[attr-defined]  # an ast.Name
            b = self.stack[-1].bindings.pop(name, None)
            if b is None:
                self.undefined.append((name, target))
            elif b is not _BUILTIN:
                b.deleted = True
        elif cls is ast.Tuple or cls is ast.List:
            for elt in target.elts:  # type: ignore[attr-defined]  # an ast.Tuple or ast.List
                self._delete(elt)
        else:
            self.visit(target)


if NATIVE_SCOPE:
    # A plain name read resolves in C (``_scope_load.h``) while ``_load`` is this one, and
    # the binding operations run there (``_scope_bind.h``).
    from analyzer.rules import _scope_native

    _scope_native.configure(_Scope, _B, _BUILTIN, _ScopeState._load, {
        "class": _CLASS_SCOPE, "comprehension": _COMP, "annotation": _ANNOTATION,
        "future": _FUTURE, "module": _MODULE, "function": _FUNC, "lambda": _LAMBDA,
        "named": _NAMED,
    })
