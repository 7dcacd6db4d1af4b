"""The full walk: every node once, for scopes, call sites and function-level imports.

One explicit stack (no recursion limit), one dispatch on ``type(node)``: a handler sees a
node kind that opens a scope, binds a name or guards imports, and returns the scope to
descend with (or None when it pushed the children itself). Every other node's children are
pushed generically. ``Name`` is handled inline: it is most of the nodes.

Native. The loop itself (:func:`_traverse_python`) is also built in C
(``_traverse_native.c``, an optional extension of the build): :func:`_traverse` uses it
when it was built, unless ``SHOAL_NATIVE_FACTS=0``. It pops the same stack and calls the
same handlers in the same order; the Python loop is the fallback and the model the tests
hold the C one to.
"""
from __future__ import annotations

import ast
import os
from collections.abc import Callable
from typing import Any

from analyzer.model._extract_calls import (
    RAISES,
    AttributeCandidate,
    Candidate,
    attribute_records,
    call_records,
    catches_type_error,
    expected_lambdas,
    expects_failure,
    expects_type_error,
    never_runs,
    patched_names,
)
from analyzer.model._extract_dynamic import (
    BUILDS_MODULE,
    CONVERT_METHODS,
    NAMESPACE_BUILTINS,
    SYS_MODULES_WRITERS,
    built_module,
    is_own_module_item,
    key_prefix,
    returns_own_module,
    sys_modules_call_keys,
    sys_modules_names,
    writes_own_namespace,
)
from analyzer.model._extract_imports import (
    IMPORT_ERRORS,
    catches_import_error,
    handles_import_error,
    is_type_checking,
    record_imports,
)
from analyzer.model._extract_refs import MAX_NAME_STRING, Usage
from analyzer.model._facts import Attribute, Call
from analyzer.model._scope import Scope
from analyzer.model._state import ModuleState
from analyzer.model._syntax import TRY_TYPES, dotted

# A node, the scope it is in, and the guard of the imports under it. Nodes are Any: the
# dispatch on ``type(node)`` is what types them, and mypy cannot follow it.
_Item = tuple[Any, Scope, str]


class _Walk:
    """What handlers share: the module's state, its scope, imported names, found calls."""

    __slots__ = ("state", "module_scope", "imported", "sys_modules", "candidates",
                 "attributes", "push", "usage", "local_imported", "expected", "patched")

    def __init__(
        self, state: ModuleState, module_scope: Scope, push: Callable[[_Item], None],
        usage: Usage | None = None,
    ) -> None:
        self.state = state
        self.module_scope = module_scope
        self.imported = {name for name, e in state.exports.items() if e.kind == "import"}
        #: How this module spells ``sys.modules`` (``import sys as s`` → ``s.modules``).
        self.sys_modules = sys_modules_names(
            (name, e.source.module, e.source.name)
            for name, e in state.exports.items()
            if e.kind == "import" and e.source is not None and e.source.level == 0
        )
        self.candidates: list[Candidate] = []
        self.attributes: list[AttributeCandidate] = []
        self.push = push
        #: what SH005 needs: names read, identifiers in strings, chains of imported names
        self.usage = Usage() if usage is None else usage
        #: names bound by imports inside functions (``def f(): import m; m.g()``)
        self.local_imported: set[str] = set()
        #: (first, last) lines of the blocks that expect a TypeError (:func:`_with`, :func:`_try`)
        self.expected: list[tuple[int, int]] = []
        #: (first, last) lines of the blocks that mock what they call, with the names mocked
        self.patched: list[tuple[int, int, frozenset[str]]] = []


_Handler = Callable[[_Walk, Any, Scope, str], Scope | None]

_native_traverse: Callable[..., None] | None
try:
    from analyzer.model._traverse_native import traverse as _native_traverse
except ImportError:  # built without a C compiler: the Python loop below
    _native_traverse = None
if os.environ.get("SHOAL_NATIVE_FACTS") == "0":
    _native_traverse = None

#: Whether the facts walk runs the C loop.
NATIVE_FACTS = _native_traverse is not None


def walk(state: ModuleState, tree: ast.Module, *, calls: bool = True, chains: bool = True,
         usage: bool = True) -> tuple[list[Call], list[Attribute], Usage]:
    """Walk the whole tree once; bind what only it sees; return the calls, the attribute
    chains of imported names and the module's :class:`Usage`. Without ``calls``, no call
    records; without ``chains``, no attribute chains (records, nor ``Usage.chains``);
    without ``usage``, no string is noted (a check whose rules read neither the uses nor
    the references those make)."""
    module_scope = Scope(None)
    stack: list[_Item] = [(stmt, module_scope, "") for stmt in reversed(tree.body)]
    context = _Walk(state, module_scope, stack.append, None if usage else _Unnoted())
    _traverse(context, stack, _HANDLERS if chains else _HANDLERS_NO_CHAINS,
              _GATED if usage else _GATED_CALLS)
    state.bind_unseen(module_scope.names)
    return (call_records(context.candidates, state.lines, context.expected, context.patched)
            if calls else [],
            attribute_records(context.attributes, state.lines) if chains else [],
            context.usage)


class _Unnoted(Usage):
    """A :class:`Usage` that notes no string: a builtin that does nothing stands for
    :meth:`Usage.add_string`, so the C loop makes no Python call per string constant (its
    Name reads still land in ``loads``, a set addition each, unread)."""

    __slots__ = ()

    add_string = id  # type: ignore[assignment]


def _traverse(context: _Walk, stack: list[_Item], handlers: dict[type, _Handler] | None = None,
              gated: dict[type, Any] | None = None) -> None:
    if handlers is None:
        handlers = _HANDLERS
    if gated is None:
        gated = _GATED
    if _native_traverse is not None:
        _native_traverse(context, stack, handlers, _CHILD_FIELDS, _child_fields, _NODE_TYPES,
                         _PLAIN_TYPES, gated, _CALL_NAMES, _CALL_ATTRS)
    else:
        _traverse_python(context, stack, handlers)


def _traverse_python(context: _Walk, stack: list[_Item],
                     handlers: dict[type, _Handler]) -> None:
    """:func:`_traverse` in Python: the fallback, and the model of the C loop."""
    # The hot loop of phase 1: names bound to locals, no call for a Name. A Name or a
    # Constant met among a node's children is handled there and then, never pushed: both
    # are leaves, and what they record (a set member) does not depend on when.
    pop, push = stack.pop, stack.append
    handler_of = handlers.get
    fields_of = _CHILD_FIELDS.get
    module_names = context.module_scope.names
    usage = context.usage
    loaded = usage.loads.add
    add_string = usage.add_string
    name_type, const_type, load_type, ast_type = ast.Name, ast.Constant, ast.Load, ast.AST
    list_type, str_type = list, str
    node_types, plain = _NODE_TYPES, _PLAIN_TYPES
    while stack:
        node, scope, guard = pop()
        kind = type(node)
        if kind is name_type:
            if type(node.ctx) is not load_type:
                name = node.id
                if name in scope.globals:
                    module_names.add(name)
                else:
                    scope.names.add(name)
            else:
                loaded(node.id)
            continue
        handler = handler_of(kind)
        if handler is not None:
            descend = handler(context, node, scope, guard)
            if descend is None:
                continue
            scope = descend
        fields = fields_of(kind)
        if fields is None:
            fields = _child_fields(kind)
        for field in fields:
            value = getattr(node, field)
            kind = type(value)
            # The list and the single-child branches repeat each other on purpose: one loop
            # over ``(value,)`` for a single child cost 4-6% of the facts walk (callgrind).
            if kind is list_type:
                for child in reversed(value):
                    kind = type(child)
                    if kind is name_type:
                        if type(child.ctx) is not load_type:
                            name = child.id
                            if name in scope.globals:
                                module_names.add(name)
                            else:
                                scope.names.add(name)
                        else:
                            loaded(child.id)
                    elif kind is const_type:
                        if type(child.value) is str_type:
                            add_string(child.value)
                    elif kind in node_types or (kind not in plain and isinstance(child, ast_type)):
                        push((child, scope, guard))
            elif kind is name_type:
                if type(value.ctx) is not load_type:
                    name = value.id
                    if name in scope.globals:
                        module_names.add(name)
                    else:
                        scope.names.add(name)
                else:
                    loaded(value.id)
            elif kind is const_type:
                if type(value.value) is str_type:
                    add_string(value.value)
            elif kind in node_types or (kind not in plain and isinstance(value, ast_type)):
                push((value, scope, guard))


# Child fields per node type, reversed (the stack pops the last pushed first), without
# ``ctx``, ``op`` and ``ops`` (Load/Store and operator singletons, never interesting).
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
_SINGLETON_FIELDS = frozenset(("ctx", "op", "ops"))

#: The node classes of ``ast`` (a set lookup on the exact type is cheaper than isinstance),
#: and the types of the other values node fields hold; anything else is asked isinstance.
_NODE_TYPES = frozenset(
    c for c in vars(ast).values() if isinstance(c, type) and issubclass(c, ast.AST)
)
_PLAIN_TYPES = frozenset((str, int, type(None)))


def _child_fields(node_type: type[ast.AST]) -> tuple[str, ...]:
    fields = tuple(reversed([f for f in node_type._fields if f not in _SINGLETON_FIELDS]))
    _CHILD_FIELDS[node_type] = fields
    return fields


# -- handlers, by node kind --------------------------------------------------------------


def _call(context: _Walk, node: ast.Call, scope: Scope, guard: str) -> Scope | None:
    # Every call passes here (in the C loop, those its gate lets through: keep the gate in
    # step with any new case): the callee's shape decides which checks can apply, and the
    # dotted callee is built only for a chain that starts at an imported name.
    func: Any = node.func  # typed by the ``type(func)`` tests below
    kind = type(func)
    if kind is ast.Name:
        name = func.id
        if name in _NAMESPACE_CALLS and not node.args and (name != "locals" or scope.is_module):
            # globals() or vars() anywhere, locals() at module level
            context.state.dynamic_namespace = True
        elif name in context.imported:
            if returns_own_module(name):
                context.state.dynamic_namespace = True
            context.candidates.append((node, scope, name))
        if name in RAISES:
            context.expected.extend(expected_lambdas(node))
        return scope
    if kind is not ast.Attribute:
        return scope
    attr = func.attr
    if attr in RAISES:
        context.expected.extend(expected_lambdas(node))
    if attr in CONVERT_METHODS and writes_own_namespace(node):
        context.state.dynamic_namespace = True
        return scope
    if attr in SYS_MODULES_WRITERS:
        keys = sys_modules_call_keys(node, context.sys_modules)
        if keys is not None:
            _plants(context.state, keys)
    elif attr == BUILDS_MODULE:
        built = built_module(node)
        if built is not None:
            # A cffi builder's module appears with the build, as a planted one does; the
            # builder's own namespace is as visible as before.
            context.state.dynamic_modules.add(built)
    imported = context.imported
    if imported:
        value: Any = func.value
        while type(value) is ast.Attribute:
            value = value.value
        if type(value) is ast.Name and value.id in imported:
            if returns_own_module(attr):
                context.state.dynamic_namespace = True
            callee = dotted(func)
            assert callee is not None  # a Name under Attributes, as just seen
            context.candidates.append((node, scope, callee))
    return scope


#: Calls of these names, without arguments, return a namespace the module may write
#: (``locals`` only at module level).
_NAMESPACE_CALLS = frozenset((*NAMESPACE_BUILTINS, "locals"))


def _attribute(context: _Walk, node: ast.Attribute, scope: Scope, guard: str) -> Scope | None:
    # The C loop calls this only where its gate finds an imported first name (in step).
    if context.imported or context.local_imported:
        # The chain's first name decides; the dotted name is built only for an imported
        # one (most chains start at self or a local).
        value = node.value
        while isinstance(value, ast.Attribute):
            value = value.value
        if not isinstance(value, ast.Name):
            return scope
        root = value.id
        if root not in context.imported and root not in context.local_imported:
            return scope
        name = dotted(node)
        assert name is not None  # a Name under Attributes, as just seen
        if root in context.imported:
            context.attributes.append((node, scope, name))
            context.usage.chains.add(name)
            # The rest of the chain is Names and Attributes being read: nothing to bind.
            return None
        if root in context.local_imported:
            context.usage.chains.add(name)
            return None
    return scope


def _constant(context: _Walk, node: ast.Constant, scope: Scope, guard: str) -> Scope | None:
    value = node.value
    if type(value) is str:
        context.usage.add_string(value)
    return None


def _subscript(context: _Walk, node: ast.Subscript, scope: Scope, guard: str) -> Scope | None:
    # ``sys.modules[key] = m`` plants a module; ``sys.modules[__name__]`` is the module itself,
    # whose attributes may then be set (``setattr(sys.modules[__name__], name, value)``).
    value: Any = node.value  # typed by the ``type(value)`` checks below
    kind = type(value)
    spellings = context.sys_modules
    if not (
        (kind is ast.Name and value.id in spellings)
        or (kind is ast.Attribute and value.attr == "modules" and dotted(value) in spellings)
    ):
        return scope
    if type(node.ctx) is ast.Store:
        _plants(context.state, [key_prefix(node.slice)])
    elif is_own_module_item(node):
        context.state.dynamic_namespace = True
    return scope


def _plants(state: ModuleState, keys: list[str]) -> None:
    """The module writes ``sys.modules`` under ``keys``: modules it does not own may exist,
    and its own namespace may be replaced."""
    state.dynamic_namespace = True
    state.dynamic_modules.update(keys)


def _function(
    context: _Walk, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, guard: str
) -> Scope | None:
    scope.names.add(node.name)
    push = context.push
    body_guard = _marked(context, node, guard)
    for decorator in node.decorator_list:
        push((decorator, scope, guard))
    if node.returns is not None:
        push((node.returns, scope, guard))
    inner = _parameters(context, node.args, scope, guard)
    body = node.body
    end = _reachable(body) if len(body) > 1 else 1
    if end < len(body):
        # What follows a ``pytest.skip(...)`` never runs (a type checker has it unreachable):
        # its calls are not recorded and its imports are guarded.
        _expects(context, body[end:])
        for stmt in reversed(body[end:]):
            push((stmt, inner, "ImportError"))
        body = body[:end]
    for stmt in reversed(body):
        push((stmt, inner, body_guard))
    return None


#: What a statement-level call never returns from (the callee's last name): pytest's
#: ``skip``/``fail``/``xfail``/``exit``, unittest's ``self.skipTest``/``self.fail``,
#: ``sys.exit``, ``os._exit``.
_NO_RETURN = frozenset({"skip", "skipTest", "fail", "xfail", "exit", "_exit"})


def _reachable(body: list[ast.stmt]) -> int:
    """How many of ``body``'s statements may run: up to a ``raise`` or a statement-level
    call of :data:`_NO_RETURN`, inclusive; all of them when there is none."""
    # The searches run in C (list.index): this is asked of every function body, and only
    # the expression statements (docstrings, calls) need a look in Python.
    last = len(body) - 1
    kinds = list(map(type, body))
    stop = kinds.index(ast.Raise, 0, last) if ast.Raise in kinds[:last] else last
    at = -1
    while True:
        try:
            at = kinds.index(ast.Expr, at + 1, stop)
        except ValueError:
            break
        call = body[at].value  # type: ignore[attr-defined]
        if type(call) is ast.Call:
            func = call.func
            name = func.attr if type(func) is ast.Attribute else getattr(func, "id", None)
            if name in _NO_RETURN:
                return at + 1
    return stop + 1


def _marked(context: _Walk, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
            guard: str) -> str:
    """The guard of the body of ``node``, a test or a class of tests: a test marked to fail
    may call wrongly (its lines are noted, ``_expects``) or import what is not there yet
    (its imports are guarded, as in a ``try`` whose handler catches ImportError); so may
    a test skipped whatever happens, which never runs."""
    decorators = node.decorator_list
    if not decorators:
        return guard
    skipped = never_runs(decorators)
    if skipped or expects_failure(decorators):
        _expects(context, node.body)
    _patches(context, decorators, node.body)
    return "ImportError" if skipped or expects_failure(decorators, IMPORT_ERRORS) else guard


def _lambda(context: _Walk, node: ast.Lambda, scope: Scope, guard: str) -> Scope | None:
    inner = _parameters(context, node.args, scope, guard)
    context.push((node.body, inner, guard))
    return None


def _parameters(context: _Walk, args: ast.arguments, scope: Scope, guard: str) -> Scope:
    """The function's own scope, holding its parameters; defaults and annotations run outside."""
    push = context.push
    inner = Scope(scope, import_time=False)
    for default in (*args.defaults, *args.kw_defaults):
        if default is not None:
            push((default, scope, guard))
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
        if arg is not None:
            inner.names.add(arg.arg)
            if arg.annotation is not None:
                push((arg.annotation, scope, guard))
    return inner


def _class(context: _Walk, node: ast.ClassDef, scope: Scope, guard: str) -> Scope | None:
    scope.names.add(node.name)
    body_guard = _marked(context, node, guard)
    inner = Scope(scope)
    push = context.push
    for stmt in reversed(node.body):
        push((stmt, inner, body_guard))
    for child in (*node.bases, *node.keywords, *node.decorator_list):
        push((child, scope, guard))
    return None


def _comprehension(context: _Walk, node: ast.expr, scope: Scope, guard: str) -> Scope | None:
    return Scope(scope)


def _global(context: _Walk, node: ast.Global, scope: Scope, guard: str) -> Scope | None:
    scope.globals.update(node.names)
    context.module_scope.names.update(node.names)
    return None


def _nonlocal(context: _Walk, node: ast.Nonlocal, scope: Scope, guard: str) -> Scope | None:
    scope.names.update(node.names)
    return None


def _import(
    context: _Walk, node: ast.Import | ast.ImportFrom, scope: Scope, guard: str
) -> Scope | None:
    for alias in node.names:
        if alias.name != "*":
            scope.names.add(alias.asname or alias.name.split(".")[0])
            if not scope.is_module:
                context.local_imported.add(alias.asname or alias.name.split(".")[0])
    if not scope.is_module:
        # Module-level imports were recorded by the statement pass, with their bindings.
        record_imports(context.state, node, guard, scope.import_time, True, bind=False)
    return None


def _try(context: _Walk, node: Any, scope: Scope, guard: str) -> Scope | None:
    # ``node`` is ast.Try or ast.TryStar (3.11+, unknown to mypy's 3.10 view).
    if catches_type_error(node.handlers):
        _expects(context, node.body)
    if not catches_import_error(node.handlers):
        return scope
    push = context.push
    for stmt in reversed(node.body):
        push((stmt, scope, "ImportError"))
    for handler in reversed(node.handlers):
        push((handler, scope, "ImportError" if handles_import_error(handler) else guard))
    for children in (node.orelse, node.finalbody):
        for child in reversed(children):
            push((child, scope, guard))
    return None


def _with(context: _Walk, node: ast.With | ast.AsyncWith, scope: Scope, guard: str) -> Scope | None:
    if any(expects_type_error(item.context_expr) for item in node.items):
        _expects(context, node.body)
    _patches(context, [item.context_expr for item in node.items], node.body)
    return scope


def _patches(context: _Walk, patchers: list[ast.expr], body: list[ast.stmt]) -> None:
    """Note ``body``'s lines with the names the ``patchers`` among ``patchers`` (a with's
    items, a test's decorators) mock there: calls of them go to the mock."""
    names = frozenset().union(*map(patched_names, patchers))
    if names:
        context.patched.append((body[0].lineno, body[-1].end_lineno or body[-1].lineno, names))


def _expects(context: _Walk, body: list[ast.stmt]) -> None:
    """Note ``body``'s lines as a block whose calls may be wrong on purpose
    (``_extract_calls.call_records`` records none of them)."""
    context.expected.append((body[0].lineno, body[-1].end_lineno or body[-1].lineno))


def _if(context: _Walk, node: ast.If, scope: Scope, guard: str) -> Scope | None:
    # At module level the statement pass has guarded the imports already.
    if scope.is_module or not is_type_checking(node.test):
        return scope
    push = context.push
    for child in reversed(node.orelse):
        push((child, scope, guard))
    for child in reversed(node.body):
        push((child, scope, "TYPE_CHECKING"))
    return None


def _capture(
    context: _Walk, node: ast.ExceptHandler | ast.MatchAs | ast.MatchStar, scope: Scope, guard: str
) -> Scope | None:
    if node.name:
        scope.names.add(node.name)
    return scope


def _match_mapping(
    context: _Walk, node: ast.MatchMapping, scope: Scope, guard: str
) -> Scope | None:
    if node.rest:
        scope.names.add(node.rest)
    return scope


#: The walk's handler per node type (exact types: a dict lookup beats an isinstance chain).
_HANDLERS: dict[type, _Handler] = {
    ast.Call: _call,
    ast.Attribute: _attribute,
    ast.Constant: _constant,
    ast.Subscript: _subscript,
    ast.FunctionDef: _function,
    ast.AsyncFunctionDef: _function,
    ast.Lambda: _lambda,
    ast.ClassDef: _class,
    ast.ListComp: _comprehension,
    ast.SetComp: _comprehension,
    ast.DictComp: _comprehension,
    ast.GeneratorExp: _comprehension,
    ast.Global: _global,
    ast.Nonlocal: _nonlocal,
    ast.Import: _import,
    ast.ImportFrom: _import,
    **{kind: _try for kind in TRY_TYPES},
    ast.With: _with,
    ast.AsyncWith: _with,
    ast.If: _if,
    ast.ExceptHandler: _capture,
    ast.MatchAs: _capture,
    ast.MatchStar: _capture,
    ast.MatchMapping: _match_mapping,
}

#: The handlers the C loop may skip where its gate shows they would record nothing
#: (``_traverse_gates.h`` states the tests; they stand for ``_call`` and ``_attribute``
#: and change with them): most calls and attribute chains start at a local or a builtin.
#: Under ``str``: ``Usage.add_string`` and its length limit, for the strings the loop notes
#: as that method would (identifiers) or drops (empty, too long).
_GATED: dict[type, Any] = {ast.Call: _call, ast.Attribute: _attribute,
                           str: (Usage.add_string, MAX_NAME_STRING)}
#: The handlers and gates of a walk that notes no attribute chain (``walk(chains=False)``),
#: and the gates of one that notes no string (``walk(usage=False)``).
_HANDLERS_NO_CHAINS = {kind: handler for kind, handler in _HANDLERS.items()
                       if kind is not ast.Attribute}
_GATED_CALLS: dict[type, Any] = {ast.Call: _call, ast.Attribute: _attribute}
#: Callee names and attributes whose calls ``_call`` always looks at.
_CALL_NAMES = _NAMESPACE_CALLS | RAISES
_CALL_ATTRS = CONVERT_METHODS | SYS_MODULES_WRITERS | RAISES | {BUILDS_MODULE}
