"""The scope analysis' nested scopes: functions, lambdas, classes, comprehensions, type params.

Each construct here opens a scope. A function's decorators, defaults and annotations are
read where it is defined, its body later (deferred, so that it sees every module-level
name, as in pyflakes); a class body runs at once; a comprehension's first iterable is read
outside its scope and everything else inside; PEP 695 type parameters get a scope of their
own around the function, class or alias that declares them.
"""
from __future__ import annotations

import ast
import sys

from analyzer.rules._bindings import (
    _ARGUMENT,
    _ASSIGN,
    _CLASS,
    _CLASS_SCOPE,
    _COMP,
    _COMPVAR,
    _FUNC,
    _FUNCTION,
    _GEN,
    _LAMBDA,
    _MODULE,
    _TYPE,
    _TYPEPARAM,
)
from analyzer.rules._scope_annotations import _AnnotationVisitor


class _NestedScopeVisitor(_AnnotationVisitor):
    """The visitors of the nodes that open a scope, and of what only a function may hold."""

    #: A Jupyter notebook's module: IPython runs its top-level ``await``, whose operand is
    #: then read as any expression (pyflakes, for a module, stops at the ``await``).
    top_level_await = False

    def v_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._visit_all(node.decorator_list)
        # A scope for the type parameters only when there are some, as CPython's symbol
        # table has (3.12+ gives every def an empty list): the scopes a plugin reads are
        # then the same on every Python for the same code.
        type_params = getattr(node, "type_params", None)
        if type_params:
            self._push(_TYPE, node, node.name)
            self._visit_all(type_params)
        self._function(node)
        if type_params:
            self._pop()
        b = self._new(node.name, _FUNCTION, node)
        self._add(b)

    v_AsyncFunctionDef = v_FunctionDef

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        args = node.args
        annotations = [a.annotation for a in args.posonlyargs]
        annotations += [a.annotation for a in args.args]
        annotations += [a.annotation for a in args.kwonlyargs]
        if args.vararg:
            annotations.append(args.vararg.annotation)
        if args.kwarg:
            annotations.append(args.kwarg.annotation)
        if not isinstance(node, ast.Lambda):
            annotations.append(node.returns)
        for annotation in annotations:
            if annotation is not None:
                self._annotation(annotation)
        self._visit_all(args.defaults)
        self._visit_all(args.kw_defaults)
        self._defer(self._function_body, node)

    def _function_body(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        if isinstance(node, ast.Lambda):
            self._push(_LAMBDA, node, "<lambda>")
        else:
            self._push(_FUNC, node, node.name)
        args = node.args
        for arg in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg):
            if arg is not None:
                self._add(self._new(arg.arg, _ARGUMENT, arg))
        if isinstance(node, ast.Lambda):
            self.visit(node.body)
        else:
            self._visit_all(node.body)
        self._pop()

    def v_Lambda(self, node: ast.Lambda) -> None:
        self._function(node)

    def v_ClassDef(self, node: ast.ClassDef) -> None:
        self._visit_all(node.decorator_list)
        type_params = getattr(node, "type_params", None)
        if type_params:
            self._push(_TYPE, node, node.name)
            self._visit_all(type_params)
        self._visit_all(node.bases)
        self._visit_all(node.keywords)
        self._push(_CLASS_SCOPE, node, node.name)
        self._visit_all(node.body)
        self._pop()
        if type_params:
            self._pop()
        b = self._new(node.name, _CLASS, node)
        self._add(b)

    def v_Return(self, node: ast.Return) -> None:
        if self.stack[-1].kind <= _CLASS_SCOPE:
            return  # pyflakes: 'return' outside function, value not examined
        if node.value is not None:
            self.visit(node.value)

    def v_Yield(self, node: ast.Yield | ast.YieldFrom | ast.Await) -> None:
        kind = self.stack[-1].kind
        if kind <= _CLASS_SCOPE and not (kind == _MODULE and self.top_level_await
                                         and type(node) is ast.Await):
            return
        if node.value is not None:
            self.visit(node.value)

    v_YieldFrom = v_Await = v_Yield

    def v_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        generators = node.generators
        self.visit(generators[0].iter)
        cls = node.__class__
        if cls is ast.GeneratorExp:
            self._push(_GEN, node, "<genexpr>")
        else:
            self._push(_COMP, node, "<" + cls.__name__.lower() + ">")
        first = True
        for gen in generators:
            if not first:
                self.visit(gen.iter)
            first = False
            self._store(gen.target, _COMPVAR, _COMPVAR, None)
            self._visit_all(gen.ifs)
        if isinstance(node, ast.DictComp):
            self.visit(node.key)
            self.visit(node.value)
        else:
            self.visit(node.elt)
        self._pop()

    v_SetComp = v_GeneratorExp = v_DictComp = v_ListComp

    # PEP 695 nodes exist from 3.12 only; older Pythons never dispatch to these.
    if sys.version_info >= (3, 12):

        def v_TypeVar(self, node: ast.TypeVar) -> None:
            self._add(self._new(node.name, _TYPEPARAM, node))
            bound = getattr(node, "bound", None)
            if bound is not None:
                self._defer(self._annotation_now, bound)

        def v_ParamSpec(self, node: ast.ParamSpec | ast.TypeVarTuple) -> None:
            self._add(self._new(node.name, _TYPEPARAM, node))

        v_TypeVarTuple = v_ParamSpec

        def v_TypeAlias(self, node: ast.TypeAlias) -> None:
            self._push(_TYPE, node, node.name.id)
            self._visit_all(node.type_params)
            self._defer(self._annotation_now, node.value)
            self._pop()
            self._store(node.name, _ASSIGN, _ASSIGN, None)
