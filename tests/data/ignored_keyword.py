"""A plugin project rule that reads other modules' trees (``READS_TREES``), as a user would
write one; the tests copy this file into their projects and name it in ``plugins``.

X960 ignored-keyword: a call of a project function with a keyword argument that the function
takes through ``**kwargs`` and whose *body* never looks up (``kwargs["k"]``,
``kwargs.get("k")``, ``kwargs.pop("k")``, ``"k" in kwargs``). The facts say the function has
``**kwargs``; only its body says which keys it reads, so the rule reads the callee module's
tree through the index: any edit of that module, a body-only one included, rechecks the
caller.
"""
import ast

from analyzer.model import ModuleFacts, ProjectIndex, Symbol
from analyzer.rules import Invalid, ProjectRule, Valid

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _key(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def looked_up(function: ast.FunctionDef | ast.AsyncFunctionDef, kwargs: str) -> set[str] | None:
    """The keys ``function``'s body looks up in its ``**kwargs`` dict; None when the dict is
    used otherwise too (passed on, returned, iterated): then any key may be read."""
    found: set[str] = set()
    seen: set[int] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Subscript) and _is(node.value, kwargs):
            key, holder = _key(node.slice), node.value
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ("get", "pop") and _is(node.func.value, kwargs)
              and node.args):
            key, holder = _key(node.args[0]), node.func.value
        elif (isinstance(node, ast.Compare) and len(node.ops) == 1
              and isinstance(node.ops[0], (ast.In, ast.NotIn))
              and _is(node.comparators[0], kwargs)):
            key, holder = _key(node.left), node.comparators[0]
        else:
            continue
        if key is not None:
            found.add(key)
            seen.add(id(holder))
    uses = [n for n in ast.walk(function) if _is(n, kwargs)]
    return found if all(id(n) in seen for n in uses) else None


class IgnoredKeyword(ProjectRule):
    """A keyword argument the called project function takes in ``**kwargs`` and never reads."""

    CODE = "X960"
    NAME = "ignored-keyword"
    MESSAGE = "keyword argument is ignored"
    READS_TREES = True  # check() calls index.tree(): phase 1 keeps every module's tree
    VALID = [Valid("""\
        # file: app.py
        from lib import draw
        draw(1, color="red")
        # file: lib.py
        def draw(x, **options):
            return options.get("color")
        """)]
    INVALID = [Invalid("""\
        # file: app.py
        from lib import draw
        draw(1, colour="red")
        # file: lib.py
        def draw(x, **options):
            return options.get("color")
        """, line=2, column=1, message="draw() ignores the keyword 'colour'")]

    def check(self, facts: ModuleFacts, index: ProjectIndex) -> None:
        exports = {e.name: e for e in facts.exports}
        for call in facts.calls:
            if not call.keywords or call.star_kwargs:
                continue
            symbol = _callee(facts, index, exports, call.callee)
            if symbol is None or symbol.kind != "function":
                continue
            tree = index.tree(symbol.module)  # records content[symbol.module]
            if tree is None:
                continue
            defs = [n for n in tree.body if isinstance(n, _FUNCTIONS) and n.name == symbol.name]
            if not defs or defs[-1].args.kwarg is None:
                continue
            function = defs[-1]
            args = function.args
            params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
            read = looked_up(function, args.kwarg.arg)
            if read is None:
                continue
            for keyword in call.keywords:
                if keyword not in params and keyword not in read:
                    self.report(call.line, call.column,
                                f"{symbol.name}() ignores the keyword '{keyword}'",
                                end_line=call.end_line, end_column=call.end_column)


def _callee(facts: ModuleFacts, index: ProjectIndex, exports: dict, callee: str) -> Symbol | None:
    """The project symbol a dotted callee names (``f`` of ``from m import f``, ``m.f``)."""
    root, *attributes = callee.split(".")
    export = exports.get(root)
    if export is None or export.kind != "import" or export.rebound or export.source is None:
        return None
    source = export.source
    target = index.resolve_import(facts.module, facts.is_package, source.level, source.module)
    if target is None:
        return None
    found: object = (Symbol(target, "", "module") if source.name is None
                     else index.lookup(target, source.name))
    for attribute in attributes:
        if not (isinstance(found, Symbol) and found.kind == "module"):
            return None
        found = index.lookup(found.module, attribute)
    return found if isinstance(found, Symbol) else None
