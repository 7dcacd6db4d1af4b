"""Built-in rules for code that parses but does not compile: F701, F702, F704, F706, F707 and
E999 for the compile-only errors pyflakes has no code for.

``ast.parse`` accepts ``break`` at module level, ``await`` in a plain function, ``nonlocal`` at
module level…; CPython refuses them when it compiles. These rules find them in the one shared
traversal by knowing, at each node, the enclosing function, class, loop and comprehension: a
stack of frames pushed on entering those nodes and popped on leaving them. A node that sits in
the part of a frame evaluated outside it (a default or decorator of a function, the bases of a
class, the first iterable of a comprehension, the ``else`` of a loop) belongs to the frame
below, which is decided by position, so no parent links are needed.

F-codes, messages and positions are pyflakes's where pyflakes has the check; E999 carries
CPython's own message. Pattern-matching and walrus-in-comprehension errors, and a
``nonlocal`` name the scope analysis does not see bound, are left to CPython itself:
``compile()`` runs only on a file that has one of those.
"""
from __future__ import annotations

import ast
import operator
import sys
import warnings
from collections import deque
from collections.abc import Iterator
from typing import ClassVar

from analyzer.rules import Invalid, LintRule, RuleContext, ScopeProvider, Valid, visit_when
from plugins._frames import (
    _ASYNC_FUNCTION,
    _CLASS,
    _COMPREHENSION,
    _COMPREHENSION_NAMES,
    _EXCEPT_STAR,
    _FUNCTION,
    _LAMBDA,
    _LOOP,
    _SCOPES,
    _SCOPES_AND_COMPREHENSIONS,
    _AllFrames,
    _ComprehensionFrames,
    _Frame,
    _Frames,
    _LoopFrames,
)
from plugins._spans import lines_with, spans


class BreakOutsideLoop(_LoopFrames):
    """F701: ``break`` outside a loop does not compile."""

    CODE = "F701"
    NAME = "break-outside-loop"
    EQUIVALENT = "pyflakes F701, ruff F701"
    EQUIVALENT_NOTE = ("also `break` in an `async def` inside a loop, which CPython refuses; "
                       "pyflakes walks through the `async def`")
    MESSAGE = "'break' outside loop"
    VALID = [Valid("for x in y:\n    if x:\n        break\n"), Valid("while 1:\n    break\n")]
    INVALID = [
        Invalid("break\n", line=1, column=1),
        Invalid("for x in y:\n    pass\nelse:\n    break\n", line=4, column=5),
        Invalid("while 1:\n    def f():\n        break\n", line=3, column=9),
        Invalid("while 1:\n    async def f():\n        break\n", line=3, column=9),
    ]

    def visit_Break(self, node: ast.Break) -> None:
        if self.outside_loop(node):
            self.report(node)


class ContinueOutsideLoop(_LoopFrames):
    """F702: ``continue`` outside a loop does not compile."""

    CODE = "F702"
    NAME = "continue-outside-loop"
    EQUIVALENT = "pyflakes F702, ruff F702"
    MESSAGE = "'continue' not properly in loop"
    VALID = [Valid("for x in y:\n    continue\n")]
    INVALID = [Invalid("def f():\n    continue\n", line=2, column=5),
               Invalid("class A:\n    while 1:\n        class B:\n            continue\n",
                       line=4, column=13)]

    def visit_Continue(self, node: ast.Continue) -> None:
        if self.outside_loop(node):
            self.report(node)


class YieldOutsideFunction(_ComprehensionFrames):
    """F704: ``yield`` or ``await`` in a module or class body does not compile."""

    CODE = "F704"
    NAME = "yield-outside-function"
    EQUIVALENT = "pyflakes F704, ruff F704"
    EQUIVALENT_NOTE = ("`await` at module level says `'await' outside function`, CPython's words, "
                       "where pyflakes says `'yield'`")
    MESSAGE = "'yield' outside function"
    VALID = [Valid("def f():\n    yield 1\n"), Valid("f = lambda: (yield)\n"),
             Valid("async def f():\n    await x\n")]
    INVALID = [
        Invalid("yield 1\n", line=1, column=1),
        Invalid("class A:\n    x = yield from y\n", line=2, column=9),
        Invalid("await x\n", line=1, column=1, message="'await' outside function"),
        Invalid("def f(a=(yield)):\n    pass\n", line=1, column=10),
    ]

    def visit_Yield(self, node: ast.Yield | ast.YieldFrom | ast.Await) -> None:
        # As pyflakes: a comprehension at module level is a scope of its own, where CPython's
        # error is another one (E999, "'yield' inside list comprehension").
        frame = self.enclosing(node, _SCOPES_AND_COMPREHENSIONS)
        if frame is None or frame.kind == _CLASS:
            what = "await" if isinstance(node, ast.Await) else "yield"
            if what == "await" and frame is None and self.context.is_notebook:
                return  # IPython runs a cell's top-level `await` (as ruff allows it)
            self.report(node, f"'{what}' outside function")

    visit_YieldFrom = visit_Await = visit_Yield


class ReturnOutsideFunction(_Frames):
    """F706: ``return`` in a module or class body does not compile."""

    CODE = "F706"
    NAME = "return-outside-function"
    EQUIVALENT = "pyflakes F706, ruff F706"
    MESSAGE = "'return' outside function"
    VALID = [Valid("def f():\n    return 1\n")]
    INVALID = [Invalid("return\n", line=1, column=1),
               Invalid("def f():\n    class A:\n        return 1\n", line=3, column=9)]

    def visit_Return(self, node: ast.Return) -> None:
        frame = self.enclosing(node, _SCOPES)
        if frame is None or frame.kind == _CLASS:
            self.report(node)


class DefaultExceptNotLast(LintRule):
    """F707: a bare ``except:`` before other handlers does not compile."""

    CODE = "F707"
    NAME = "default-except-not-last"
    EQUIVALENT = "pyflakes F707, ruff F707"
    MESSAGE = "default 'except:' must be last"
    TREE = "ast"
    VALID = [Valid("try:\n    pass\nexcept ValueError:\n    pass\nexcept:\n    pass\n")]
    INVALID = [Invalid("try:\n    pass\nexcept:\n    pass\nexcept ValueError:\n    pass\n",
                       line=3, column=1)]

    def visit_Try(self, node: ast.Try) -> None:
        for handler in node.handlers[:-1]:
            if handler.type is None:
                self.report(handler)

    if sys.version_info >= (3, 11):
        visit_TryStar = visit_Try


# ---------------------------------------------------------------------------------------------
# E999: the other compile-only errors, with CPython's message


#: Errors with their own F code: compile()'s fallback leaves them to those rules.
_F_CODED = ("'break' outside loop", "'continue' not properly in loop",
            "'return' outside function", "'yield' outside function", "'await' outside function",
            "default 'except:' must be last", "multiple starred expressions in assignment",
            "too many expressions in star-unpacking assignment", "duplicate argument",
            "from __future__ imports must occur", "future feature", "not a chance",
            "import * only allowed at module level")


class CompileError(_AllFrames):
    """E999: the file parses but CPython refuses to compile it."""

    CODE = "E999"
    NAME = "syntax-error"
    EQUIVALENT = "pycodestyle/flake8 E999, ruff (syntax errors)"
    EQUIVALENT_NOTE = "also code that parses but does not compile, with CPython's message"
    MESSAGE = "SyntaxError"
    METADATA_DEPENDENCIES = (ScopeProvider,)
    #: The registry shows the pipeline's row for E999; this class only runs its checks.
    SHARES_PIPELINE_CODE: ClassVar[bool] = True
    VALID = [
        Valid("async def f():\n    await x\n    async for y in z:\n        pass\n"),
        Valid("def f():\n    x = 1\n    def g():\n        nonlocal x\n"),
        Valid("async def f():\n    return [await x for x in y]\n"),
        Valid("x = (await y for y in z)\n"),
        Valid("if __debug__:\n    pass\n"),
    ]
    INVALID = [
        Invalid("nonlocal x\n", line=1, column=1,
                message="SyntaxError: nonlocal declaration not allowed at module level"),
        Invalid("def f():\n    await x\n", line=2, column=5,
                message="SyntaxError: 'await' outside async function"),
        Invalid("__debug__ = 1\n", line=1, column=1,
                message="SyntaxError: cannot assign to __debug__"),
        Invalid("def f():\n    [(yield x) for x in y]\n", line=2, column=7,
                message="SyntaxError: 'yield' inside list comprehension"),
        Invalid("def f(a):\n    global a\n", line=2, column=5,
                message="SyntaxError: name 'a' is parameter and global"),
        Invalid("match x:\n    case a:\n        pass\n    case 1:\n        pass\n", line=2,
                message="SyntaxError: name capture 'a' makes remaining patterns unreachable"),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._star_handlers: set[int] = set()
        self._reported: set[ast.AST] = set()
        self._lines: set[int] = set()
        self._needs_compiler = False
        self._bound: set[tuple[int, str]] | None = None
        # Async functions (by id) that yield, and their returns with a value.
        self._yielding: set[int] = set()
        self._returning: dict[int, list[ast.Return]] = {}

    def error(self, node: ast.AST | tuple[int, int], message: str) -> None:
        """Report one compile error at ``node`` (once per node)."""
        if isinstance(node, ast.AST):
            if node in self._reported:
                return
            self._reported.add(node)
            self._lines.add(node.lineno)  # type: ignore[attr-defined]
        self.report(node, f"SyntaxError: {message}")

    # -- frames of their own ---------------------------------------------------------------

    def visit_ListComp(self, node: ast.expr) -> None:
        if any(gen.is_async for gen in node.generators):  # type: ignore[attr-defined]
            self._async_comprehension(node)
        super().visit_ListComp(node)

    visit_SetComp = visit_DictComp = visit_ListComp

    def leave_AsyncFunctionDef(self, node: ast.AST) -> None:
        self._pop(node)
        returns = self._returning.get(id(node))
        if returns and id(node) in self._yielding:
            self.error(returns[0], "'return' with value in async generator")

    if sys.version_info >= (3, 11):
        def visit_TryStar(self, node: ast.TryStar) -> None:
            self._star_handlers.update(id(handler) for handler in node.handlers)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if id(node) in self._star_handlers:
            self._push_except_star(node)

    def leave_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        self._pop(node)

    # -- checks -----------------------------------------------------------------------------

    def visit_Await(self, node: ast.Await) -> None:
        frame = self.enclosing(node, _SCOPES_AND_COMPREHENSIONS)
        if frame is None or frame.kind == _CLASS:
            return  # F704
        if frame.kind in (_FUNCTION, _LAMBDA):
            self.error(node, "'await' outside async function")
        elif frame.kind == _COMPREHENSION:
            self._async_comprehension(frame.node)

    def _async_comprehension(self, node: ast.AST) -> None:
        """A comprehension that awaits must be in an async function (or a generator
        expression, itself asynchronous then); the error is on the outermost one."""
        outermost = node
        for frame in reversed(self.frames):
            if frame.node is node or not frame.holds(outermost):
                continue
            if frame.kind == _COMPREHENSION:
                if isinstance(frame.node, ast.GeneratorExp):
                    return
                outermost = frame.node
                continue
            if frame.kind == _ASYNC_FUNCTION:
                return
            if frame.kind in _SCOPES:
                break
        if isinstance(outermost, ast.GeneratorExp):
            return
        self.error(outermost, "asynchronous comprehension outside of an asynchronous function")

    def visit_AsyncFor(self, node: ast.For | ast.AsyncFor | ast.While) -> None:
        self._outside_async(node, "async for")
        super().visit_AsyncFor(node)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self._outside_async(node, "async with")

    def _outside_async(self, node: ast.stmt, what: str) -> None:
        frame = self.enclosing(node, _SCOPES)
        if frame is None or frame.kind != _ASYNC_FUNCTION:
            self.error(node, f"'{what}' outside async function")

    def visit_Yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        frame = self.enclosing(node, _SCOPES_AND_COMPREHENSIONS)
        if frame is None:
            return  # F704
        if frame.kind == _COMPREHENSION:
            name = _COMPREHENSION_NAMES[type(frame.node)]
            self.error(node, f"'yield' inside {name}")
            return
        frame = self.enclosing(node, _SCOPES)
        if frame is not None and frame.kind == _ASYNC_FUNCTION:
            if isinstance(node, ast.YieldFrom):
                self.error(node, "'yield from' inside async function")
            self._yielding.add(id(frame.node))

    visit_YieldFrom = visit_Yield

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            if isinstance(node.value, ast.Starred):
                self.error(node.value, "can't use starred expression here")
            frame = self.enclosing(node, _SCOPES)
            if frame is not None and frame.kind == _ASYNC_FUNCTION:
                self._returning.setdefault(id(frame.node), []).append(node)
        self._not_in_except_star(node, stop_at_loop=False)

    def visit_Break(self, node: ast.Break | ast.Continue) -> None:
        self._not_in_except_star(node, stop_at_loop=True)

    visit_Continue = visit_Break

    def _not_in_except_star(self, node: ast.stmt, stop_at_loop: bool) -> None:
        for frame in reversed(self.frames):
            if frame.kind == _EXCEPT_STAR:
                self.error(node, "'break', 'continue' and 'return' cannot appear in an "
                                 "except* block")
                return
            if frame.kind in _SCOPES or (stop_at_loop and frame.kind == _LOOP
                                         and frame.holds(node)):
                return

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        frame = self.enclosing(node, _SCOPES)
        if frame is None:
            self.error(node, "nonlocal declaration not allowed at module level")
        elif not any(f.kind in (_FUNCTION, _ASYNC_FUNCTION, _LAMBDA) for f in self.frames):
            self.error(node, f"no binding for nonlocal '{node.names[0]}' found")
        elif not self._parameter_declared(node, frame, "nonlocal"):
            self._nonlocal_bound(node, frame)

    def _nonlocal_bound(self, node: ast.Nonlocal, frame: _Frame) -> None:
        """Each name must be bound in an enclosing function: the scope analysis answers the
        usual case (a binding is there) without compiling the file."""
        scopes = self.get_metadata(ScopeProvider)
        if self._bound is None:
            self._bound = {(scope, name) for scope, name, kind, _ in scopes.binding_names
                           if kind != "global" and kind != "nonlocal"}
        here = next((s for s in scopes.scopes if s.node is frame.node), None)
        if here is None:
            return
        for name in node.names:
            parent = here.parent
            while parent is not None:
                scope = scopes.scopes[parent]
                if scope.kind in ("function", "lambda") and (parent, name) in self._bound:
                    break
                parent = scope.parent
            else:
                # Not seen bound (a name bound only by `del` is not a binding there): CPython's
                # symbol table decides.
                self._needs_compiler = True
                return

    def visit_Global(self, node: ast.Global) -> None:
        frame = self.enclosing(node, _SCOPES)
        if frame is not None:
            self._parameter_declared(node, frame, "global")

    def _parameter_declared(self, node: ast.Global | ast.Nonlocal, frame: _Frame,
                            what: str) -> bool:
        if frame.kind == _CLASS:
            return False
        args = frame.node.args  # type: ignore[attr-defined]
        params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs,
                                  args.vararg, args.kwarg) if a is not None}
        for name in node.names:
            if name in params:
                self.error(node, f"name '{name}' is parameter and {what}")
                return True
        return False

    # Only a call with keywords can repeat one: the test is C (attrgetter), so the walk
    # skips the Python call of this method on most calls.
    @visit_when(operator.attrgetter("keywords"))
    def visit_Call(self, node: ast.Call) -> None:
        keywords = node.keywords
        if len(keywords) > 1:
            seen = set()
            for keyword in keywords:
                if keyword.arg is not None:
                    if keyword.arg in seen:
                        self.error(keyword, f"keyword argument repeated: {keyword.arg}")
                        return
                    seen.add(keyword.arg)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if target.__class__ is ast.Starred:
                self.error(target, "starred assignment target must be in a list or tuple")
        if node.value.__class__ is ast.Starred:
            self.error(node.value, "can't use starred expression here")

    def visit_Match(self, node: ast.Match) -> None:
        self._needs_compiler = True  # pattern errors: CPython's compiler knows them all

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        if any(frame.kind == _COMPREHENSION for frame in self.frames):
            self._needs_compiler = True  # the walrus rules of comprehensions

    def visit_Module(self, node: ast.Module) -> None:
        # Rare enough to look for in the text first; then only the names are checked.
        source = self.context.source
        if "__debug__" in source:
            for target, deleting in _debug_targets(node, lines_with(self.context, "__debug__")):
                self.error(target, f"cannot {'delete' if deleting else 'assign to'} __debug__")

    def leave_Module(self, node: ast.Module) -> None:
        if not self._needs_compiler:
            return
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(node, self.context.path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            message = exc.msg or ""
            line = exc.lineno or 1
            if line in self._lines or message.startswith(_F_CODED):
                return
            column = self.context.lines.column(line, (exc.offset or 1) - 1)
            self.report((line, column), f"SyntaxError: {message}")
        except (RecursionError, MemoryError, ValueError):
            pass  # too deep for the compiler: nothing more to say than the parser did


def _walk_statements_on(tree: ast.Module, lines: set[int]) -> Iterator[ast.AST]:
    """``ast.walk(tree)`` (same order) without the statements that span none of ``lines``.

    A name is one token: a node naming ``__debug__`` starts on a line where the text occurs,
    inside statements that span that line. Most files that hold the text hold it once (``if
    __debug__:``), so most of the tree is never walked."""
    ordered = sorted(lines)
    todo: deque[ast.AST] = deque([tree])
    while todo:
        node = todo.popleft()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt) and not spans(child, ordered):
                continue
            todo.append(child)
        yield node


def _debug_targets(tree: ast.Module, lines: set[int]) -> list[tuple[ast.AST, bool]]:
    """Every place on ``lines`` that binds or deletes the name ``__debug__`` (CPython
    refuses them all)."""
    found: list[tuple[ast.AST, bool]] = []
    for node in _walk_statements_on(tree, lines):
        if isinstance(node, ast.Name) and node.id == "__debug__":
            if not isinstance(node.ctx, ast.Load):
                found.append((node, isinstance(node.ctx, ast.Del)))
        elif isinstance(node, ast.Attribute) and node.attr == "__debug__":
            if not isinstance(node.ctx, ast.Load):
                found.append((node, isinstance(node.ctx, ast.Del)))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == "__debug__":
                found.append((node, False))
        elif isinstance(node, ast.arg) and node.arg == "__debug__":
            found.append((node, False))
        elif isinstance(node, ast.keyword) and node.arg == "__debug__":
            found.append((node, False))
        elif isinstance(node, ast.alias) and (node.asname or node.name) == "__debug__":
            found.append((node, False))
        elif isinstance(node, ast.ExceptHandler) and node.name == "__debug__":
            found.append((node, False))
    return found


#: The rules of this module, in code order.
RULES: tuple[type[LintRule], ...] = (
    CompileError,
    BreakOutsideLoop,
    ContinueOutsideLoop,
    YieldOutsideFunction,
    ReturnOutsideFunction,
    DefaultExceptNotLast,
)
