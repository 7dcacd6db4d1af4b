"""Facts of a module: what other modules may know about it, extracted once from its ``ast``.

Project rules work from facts alone, and facts are the future cache format, so they are
frozen slotted dataclasses of tuples and scalars (cheap to pickle, equal by content).
The schema is public: docs/contracts.md, section 1. Bump :data:`FACTS_VERSION` on any change.
"""
from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

FACTS_VERSION = 1

POSITIONAL_ONLY = "positional_only"
POSITIONAL_OR_KEYWORD = "positional_or_keyword"
VAR_POSITIONAL = "var_positional"
KEYWORD_ONLY = "keyword_only"
VAR_KEYWORD = "var_keyword"

#: Names a ``try`` handler may catch for its body's imports to count as guarded.
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


class _Columns(Protocol):
    def column(self, lineno: int, col_offset: int) -> int: ...


# ---------------------------------------------------------------------------------------
# The schema


class _Record:
    """Base of every facts record: pickles as (class, field values).

    A slotted dataclass pickles its state through ``dataclasses.fields()`` on every object;
    facts cross the heap by the hundred thousand, and that call dominated loading them.
    """

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple]:
        return (type(self), tuple([getattr(self, name) for name in self.__match_args__]))


@dataclass(frozen=True, slots=True)
class Param(_Record):
    """One parameter: its name, its kind (``inspect.Parameter`` kinds, lower-case), a default."""

    name: str
    kind: str
    has_default: bool = False


@dataclass(frozen=True, slots=True)
class Signature(_Record):
    """A callable's parameters in declaration order (annotations and defaults' values omitted)."""

    params: tuple[Param, ...]
    is_async: bool = False

    @property
    def has_var_positional(self) -> bool:
        """The signature takes ``*args``."""
        return any(p.kind == VAR_POSITIONAL for p in self.params)

    @property
    def has_var_keyword(self) -> bool:
        """The signature takes ``**kwargs``."""
        return any(p.kind == VAR_KEYWORD for p in self.params)

    def bind(self, positional: int, keywords: Sequence[str], name: str) -> str | None:
        """The ``TypeError`` message Python gives for a call of this shape, or None if it binds.

        The call must have no ``*x``/``**x`` argument (its shape would be unknown).
        """
        pos = [p for p in self.params if p.kind in (POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD)]
        kwonly = [p for p in self.params if p.kind == KEYWORD_ONLY]
        varargs = self.has_var_positional
        varkw = self.has_var_keyword
        if positional > len(pos) and not varargs:
            required = sum(1 for p in pos if not p.has_default)
            if required == len(pos):
                takes = f"{len(pos)} positional argument{'s' if len(pos) != 1 else ''}"
            else:
                takes = f"from {required} to {len(pos)} positional arguments"
            given = f"{positional} {'was' if positional == 1 else 'were'} given"
            return f"{name}() takes {takes} but {given}"
        by_name = {p.name: i for i, p in enumerate(pos) if p.kind == POSITIONAL_OR_KEYWORD}
        posonly = {p.name for p in pos if p.kind == POSITIONAL_ONLY}
        kwonly_names = {p.name for p in kwonly}
        posonly_as_keyword = []
        for keyword in keywords:
            if keyword in by_name:
                if by_name[keyword] < positional:
                    return f"{name}() got multiple values for argument '{keyword}'"
            elif keyword in kwonly_names or varkw:
                continue
            elif keyword in posonly:
                posonly_as_keyword.append(keyword)
            else:
                return f"{name}() got an unexpected keyword argument '{keyword}'"
        if posonly_as_keyword:
            listed = ", ".join(posonly_as_keyword)
            return (
                f"{name}() got some positional-only arguments passed as keyword arguments: "
                f"'{listed}'"
            )
        given = set(keywords)
        missing = [
            p.name
            for i, p in enumerate(pos)
            if i >= positional
            and not p.has_default
            and not (p.kind == POSITIONAL_OR_KEYWORD and p.name in given)
        ]
        if missing:
            return f"{name}() missing {_count_names(missing, 'positional')}"
        missing = [p.name for p in kwonly if not p.has_default and p.name not in given]
        if missing:
            return f"{name}() missing {_count_names(missing, 'keyword-only')}"
        return None


def _count_names(names: list[str], kind: str) -> str:
    quoted = [f"'{n}'" for n in names]
    if len(quoted) == 1:
        listed = quoted[0]
    elif len(quoted) == 2:
        listed = f"{quoted[0]} and {quoted[1]}"
    else:
        listed = ", ".join(quoted[:-1]) + f", and {quoted[-1]}"
    plural = "s" if len(names) != 1 else ""
    return f"{len(names)} required {kind} argument{plural}: {listed}"


@dataclass(frozen=True, slots=True)
class ImportSource(_Record):
    """What an import binds a name to: ``from .m import x`` is ``(1, "m", "x")``."""

    level: int
    module: str
    name: str | None


@dataclass(frozen=True, slots=True)
class Export(_Record):
    """One module-level name and what it is bound to (the last binding in source order)."""

    name: str
    kind: str  # "function" | "class" | "variable" | "import"
    line: int
    column: int
    conditional: bool = False
    rebound: bool = False
    signature: Signature | None = None
    decorators: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    source: ImportSource | None = None


@dataclass(frozen=True, slots=True)
class Import(_Record):
    """One imported name of an import statement, as written (relative names unresolved)."""

    module: str
    name: str | None
    alias: str | None
    level: int
    line: int
    column: int
    end_line: int
    end_column: int
    stmt_line: int
    stmt_column: int
    guarded_by: str = ""  # "" | "ImportError" | "TYPE_CHECKING"
    import_time: bool = True


@dataclass(frozen=True, slots=True)
class Call(_Record):
    """A call site whose callee's first component is bound by a module-level import."""

    callee: str
    line: int
    column: int
    end_line: int
    end_column: int
    positional: int
    keywords: tuple[str, ...] = ()
    star_args: bool = False
    star_kwargs: bool = False


@dataclass(frozen=True, slots=True)
class ModuleFacts(_Record):
    """Exports and uses of one module (docs/contracts.md, section 1)."""

    module: str
    path: str
    is_package: bool
    parse_ok: bool
    exports: tuple[Export, ...] = ()
    imports: tuple[Import, ...] = ()
    calls: tuple[Call, ...] = ()
    all_names: tuple[str, ...] | None = None
    all_dynamic: bool = False
    #: The module writes its own namespace (calls ``globals()`` or ``vars()``): a name it
    #: does not visibly bind may still exist.
    dynamic_namespace: bool = False
    version: int = FACTS_VERSION

    @property
    def star_imports(self) -> tuple[Import, ...]:
        """The ``from m import *`` statements, in source order."""
        return tuple(i for i in self.imports if i.name == "*")

    def export(self, name: str) -> Export | None:
        """The export named ``name``, or None (a linear scan: the index keeps a dict)."""
        for export in self.exports:
            if export.name == name:
                return export
        return None

    @property
    def public_names(self) -> tuple[str, ...]:
        """What ``from module import *`` binds, star imports of this module left aside."""
        if self.all_names is not None:
            return self.all_names
        return tuple(sorted(e.name for e in self.exports if not e.name.startswith("_")))


def unknown_facts(module: str, path: str, is_package: bool) -> ModuleFacts:
    """Facts of a module that did not parse or could not be read: UNKNOWN to the index."""
    return ModuleFacts(module=module, path=path, is_package=is_package, parse_ok=False)


# ---------------------------------------------------------------------------------------
# Interface digests


def _digest(value: object) -> str:
    # repr of nested tuples of str/int/bool/None is canonical and stable across runs.
    return hashlib.blake2b(repr(value).encode("utf-8"), digest_size=16).hexdigest()


def _signature_key(signature: Signature | None) -> object:
    if signature is None:
        return None
    return (signature.is_async, tuple((p.name, p.kind, p.has_default) for p in signature.params))


def _export_key(export: Export) -> object:
    source = export.source
    return (
        export.kind,
        export.conditional,
        export.rebound,
        _signature_key(export.signature),
        export.decorators,
        export.bases,
        export.members,
        None if source is None else (source.level, source.module, source.name),
    )


def interface_digests(facts: ModuleFacts) -> dict[str, str]:
    """Per-symbol digests of the interface, no positions (docs/contracts.md, section 2).

    One entry per exported name, ``"*"`` for the public-name set and ``__all__``, and ``""``
    for the module as a whole (what a lookup of a name it does not export depends on).
    """
    stars = tuple((i.level, i.module) for i in facts.star_imports)
    names = {e.name for e in facts.exports}
    digests = {e.name: _digest(_export_key(e)) for e in facts.exports}
    digests["*"] = _digest(
        (tuple(sorted(facts.public_names)), facts.all_names, facts.all_dynamic, stars)
    )
    digests[""] = _digest(
        (
            facts.parse_ok,
            facts.is_package,
            facts.all_dynamic,
            facts.dynamic_namespace,
            "__getattr__" in names,
            stars,
        )
    )
    return digests


# ---------------------------------------------------------------------------------------
# Extraction


def _text(node: ast.expr) -> str:
    """Source text of a decorator or base: dotted names fast, anything else unparsed."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        parts = [node.attr]
        value = node.value
        while isinstance(value, ast.Attribute):
            parts.append(value.attr)
            value = value.value
        if isinstance(value, ast.Name):
            parts.append(value.id)
            return ".".join(reversed(parts))
    return ast.unparse(node)


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _signature(args: ast.arguments, is_async: bool, drop_first: bool = False) -> Signature:
    params: list[Param] = []
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    for i, arg in enumerate(positional):
        kind = POSITIONAL_ONLY if i < len(args.posonlyargs) else POSITIONAL_OR_KEYWORD
        params.append(Param(arg.arg, kind, i >= first_default))
    if drop_first and params:
        params.pop(0)
    if args.vararg is not None:
        params.append(Param(args.vararg.arg, VAR_POSITIONAL))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        params.append(Param(arg.arg, KEYWORD_ONLY, default is not None))
    if args.kwarg is not None:
        params.append(Param(args.kwarg.arg, VAR_KEYWORD))
    return Signature(tuple(params), is_async)


def _target_names(target: ast.expr, out: list[str]) -> None:
    if isinstance(target, ast.Name):
        out.append(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _target_names(element, out)
    elif isinstance(target, ast.Starred):
        _target_names(target.value, out)


def _catches_import_error(handlers: list[ast.ExceptHandler]) -> bool:
    for handler in handlers:
        kind = handler.type
        if kind is None:
            return True
        for element in kind.elts if isinstance(kind, ast.Tuple) else [kind]:
            name = _dotted(element)
            if name is not None and name.rsplit(".", 1)[-1] in _IMPORT_ERRORS:
                return True
    return False


def _is_type_checking(test: ast.expr) -> bool:
    name = _dotted(test)
    return name is not None and name.rsplit(".", 1)[-1] == "TYPE_CHECKING"


def _is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either side)."""
    if not (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
    ):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def _literal_strings(node: ast.expr | None) -> list[str] | None:
    """Strings of a list/tuple literal (or a sum of them), else None."""
    if isinstance(node, (ast.List, ast.Tuple)):
        out = []
        for element in node.elts:
            if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
                return None
            out.append(element.value)
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        # ``a + b + c`` nests to the left: walk that spine iteratively (no recursion limit).
        operands = []
        while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            operands.append(node.right)
            node = node.left
        operands.append(node)
        out = []
        for operand in reversed(operands):
            if not isinstance(operand, (ast.List, ast.Tuple)):
                return None
            strings = _literal_strings(operand)
            if strings is None:
                return None
            out.extend(strings)
        return out
    return None


def _body_names(body: Iterable[ast.stmt], out: set[str]) -> None:
    """Names bound directly in a class body (descending into if/try/with/for)."""
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(stmt.name)
        elif isinstance(stmt, ast.Assign):
            names: list[str] = []
            for target in stmt.targets:
                _target_names(target, names)
            out.update(names)
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            if isinstance(stmt.target, ast.Name):
                out.add(stmt.target.id)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                if alias.name != "*":
                    out.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(stmt, ast.If):
            _body_names(stmt.body, out)
            _body_names(stmt.orelse, out)
        elif isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            _body_names(stmt.body, out)
            _body_names(stmt.orelse, out)
            _body_names(stmt.finalbody, out)
            for handler in stmt.handlers:
                _body_names(handler.body, out)
        elif isinstance(stmt, (ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)):
            _body_names(stmt.body, out)


def _constructor(node: ast.ClassDef) -> Signature | None:
    """The signature ``C(...)`` must bind to, or None when it cannot be known."""
    if node.keywords:
        return None
    for base in node.bases:
        name = _dotted(base)
        if name is None:
            return None
        last = name.rsplit(".", 1)[-1]
        # Enum's metaclass __call__ looks members up by value instead of calling __init__.
        if last.endswith(("Enum", "Flag")):
            return None
    defs: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
    for stmt in node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name in (
            "__init__",
            "__new__",
        ):
            defs.setdefault(stmt.name, []).append(stmt)
    if not defs:
        only_object = all(_dotted(b) in ("object", "builtins.object") for b in node.bases)
        return Signature(()) if only_object else None
    if len(defs) == 2:
        return None
    (found,) = defs.values()
    if len(found) != 1 or found[0].decorator_list:
        return None
    return _signature(found[0].args, False, drop_first=True)


class _Scope:
    __slots__ = ("parent", "names", "globals", "is_module", "import_time")

    def __init__(self, parent: _Scope | None, import_time: bool = True) -> None:
        self.parent = parent
        self.names: set[str] = set()
        self.globals: set[str] = set()
        self.is_module = parent is None
        # Class bodies and comprehensions at module level run when the module is imported.
        self.import_time = import_time and (parent is None or parent.import_time)


_FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_MATCH_CAPTURES = tuple(
    getattr(ast, name) for name in ("MatchAs", "MatchStar") if hasattr(ast, name)
)
_TRY_TYPES = tuple(getattr(ast, name) for name in ("Try", "TryStar") if hasattr(ast, name))

# Child fields per node type, without ``ctx`` (a Load/Store singleton, never interesting).
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(node_type: type) -> tuple[str, ...]:
    fields = _CHILD_FIELDS.get(node_type)
    if fields is None:
        fields = tuple(f for f in node_type._fields if f != "ctx")  # type: ignore[attr-defined]
        _CHILD_FIELDS[node_type] = fields
    return fields


class _Extractor:
    """One module's extraction: a structured pass over module statements, then one walk."""

    def __init__(self, lines: _Columns) -> None:
        self.lines = lines
        self.exports: dict[str, Export] = {}
        self.imports: list[Import] = []
        self.all_names: list[str] | None = None
        self.all_dynamic = False
        self.all_seen = False
        self.dynamic_namespace = False
        self.import_time = True

    # -- module-level statements -------------------------------------------------------

    def bind(self, name: str, kind: str, node: ast.AST, conditional: bool, **fields: object) -> None:
        previous = self.exports.get(name)
        line = node.lineno  # type: ignore[attr-defined]
        column = self.lines.column(line, node.col_offset)  # type: ignore[attr-defined]
        self.exports[name] = Export(
            name,
            kind,
            line,
            column,
            conditional=conditional or (previous is not None and previous.conditional),
            # ``import a.b`` then ``import a.c`` bind ``a`` to the same module twice.
            rebound=previous is not None
            and (previous.rebound or previous.source is None or previous.source != fields.get("source")),
            **fields,  # type: ignore[arg-type]
        )

    def statements(self, body: list[ast.stmt], conditional: bool, guard: str) -> None:
        for stmt in body:
            kind = type(stmt)
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                self.bind(
                    stmt.name,  # type: ignore[attr-defined]
                    "function",
                    stmt,
                    conditional,
                    signature=_signature(stmt.args, kind is ast.AsyncFunctionDef),  # type: ignore[attr-defined]
                    decorators=tuple(_text(d) for d in stmt.decorator_list),  # type: ignore[attr-defined]
                )
            elif kind is ast.ClassDef:
                assert isinstance(stmt, ast.ClassDef)
                decorators = tuple(_text(d) for d in stmt.decorator_list)
                if any(d.endswith("global_enum") for d in decorators):
                    # enum.global_enum copies the members into the module's namespace.
                    self.dynamic_namespace = True
                members: set[str] = set()
                _body_names(stmt.body, members)
                bases = [_text(b) for b in stmt.bases]
                bases += [
                    f"{k.arg}={_text(k.value)}" if k.arg else f"**{_text(k.value)}"
                    for k in stmt.keywords
                ]
                self.bind(
                    stmt.name,
                    "class",
                    stmt,
                    conditional,
                    signature=_constructor(stmt),
                    decorators=decorators,
                    bases=tuple(bases),
                    members=tuple(sorted(members)),
                )
            elif kind is ast.Import or kind is ast.ImportFrom:
                self.import_statement(stmt, guard, self.import_time, conditional)  # type: ignore[arg-type]
            elif kind is ast.Assign:
                assert isinstance(stmt, ast.Assign)
                names: list[str] = []
                for target in stmt.targets:
                    _target_names(target, names)
                for name in names:
                    if name == "__all__":
                        plain = len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                        self.set_all(_literal_strings(stmt.value) if plain else None)
                    self.bind(name, "variable", stmt, conditional)
            elif kind is ast.AnnAssign or kind is ast.AugAssign:
                target = stmt.target  # type: ignore[attr-defined]
                if isinstance(target, ast.Name):
                    if target.id == "__all__":
                        value = _literal_strings(stmt.value)  # type: ignore[attr-defined]
                        if kind is ast.AnnAssign:
                            self.set_all(value)
                        elif isinstance(stmt.op, ast.Add):  # type: ignore[attr-defined]
                            self.extend_all(value)
                        else:
                            self.all_dynamic = True
                    self.bind(target.id, "variable", stmt, conditional)
            elif kind is ast.Expr:
                self.all_method_call(stmt.value)  # type: ignore[attr-defined]
            elif kind is ast.If and _is_main_guard(stmt.test):  # type: ignore[attr-defined]
                # ``if __name__ == "__main__":`` never runs when the module is imported.
                saved, self.import_time = self.import_time, False
                self.statements(stmt.body, True, guard)  # type: ignore[attr-defined]
                self.import_time = saved
                self.statements(stmt.orelse, True, guard)  # type: ignore[attr-defined]
            elif kind is ast.If:
                assert isinstance(stmt, ast.If)
                self.statements(
                    stmt.body, True, "TYPE_CHECKING" if _is_type_checking(stmt.test) else guard
                )
                self.statements(stmt.orelse, True, guard)
            elif kind in _TRY_TYPES:
                caught = _catches_import_error(stmt.handlers)  # type: ignore[attr-defined]
                self.statements(stmt.body, True, "ImportError" if caught else guard)  # type: ignore[attr-defined]
                for handler in stmt.handlers:  # type: ignore[attr-defined]
                    self.statements(handler.body, True, guard)
                self.statements(stmt.orelse, True, guard)  # type: ignore[attr-defined]
                self.statements(stmt.finalbody, True, guard)  # type: ignore[attr-defined]
            elif kind is ast.For or kind is ast.AsyncFor:
                names = []
                _target_names(stmt.target, names)  # type: ignore[attr-defined]
                for name in names:
                    if name == "__all__":
                        self.all_dynamic = True
                    self.bind(name, "variable", stmt, True)
                self.statements(stmt.body, True, guard)  # type: ignore[attr-defined]
                self.statements(stmt.orelse, True, guard)  # type: ignore[attr-defined]
            elif kind is ast.While:
                self.statements(stmt.body, True, guard)  # type: ignore[attr-defined]
                self.statements(stmt.orelse, True, guard)  # type: ignore[attr-defined]
            elif kind is ast.With or kind is ast.AsyncWith:
                for item in stmt.items:  # type: ignore[attr-defined]
                    if item.optional_vars is not None:
                        names = []
                        _target_names(item.optional_vars, names)
                        for name in names:
                            self.bind(name, "variable", stmt, True)
                self.statements(stmt.body, True, guard)  # type: ignore[attr-defined]
            elif kind is getattr(ast, "Match", None):
                for case in stmt.cases:  # type: ignore[attr-defined]
                    self.statements(case.body, True, guard)

    def set_all(self, value: list[str] | None) -> None:
        self.all_seen = True
        if value is None:
            self.all_dynamic = True
        else:
            self.all_names = list(value)

    def extend_all(self, value: list[str] | None) -> None:
        if value is None or self.all_names is None:
            self.all_dynamic = True
        else:
            self.all_names.extend(value)

    def all_method_call(self, node: ast.expr) -> None:
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "__all__"
        ):
            return
        method = node.func.attr
        arg = node.args[0] if len(node.args) == 1 and not node.keywords else None
        if method == "extend":
            self.extend_all(_literal_strings(arg))
        elif method in ("append", "remove") and self.all_names is not None:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                if method == "append":
                    self.all_names.append(arg.value)
                elif arg.value in self.all_names:
                    self.all_names.remove(arg.value)
                return
            self.all_dynamic = True
        else:
            self.all_dynamic = True

    def import_statement(
        self,
        stmt: ast.Import | ast.ImportFrom,
        guard: str,
        import_time: bool,
        conditional: bool,
        bind: bool = True,
    ) -> None:
        """Record each imported name; ``bind``: also a module-level binding (export)."""
        columns = self.lines
        stmt_line = stmt.lineno
        stmt_column = columns.column(stmt_line, stmt.col_offset)
        is_from = isinstance(stmt, ast.ImportFrom)
        module = (stmt.module or "") if is_from else ""  # type: ignore[union-attr]
        level = (stmt.level or 0) if is_from else 0  # type: ignore[union-attr]
        for alias in stmt.names:
            line = alias.lineno
            end_line = alias.end_lineno or line
            name: str | None
            if is_from:
                name = alias.name
            else:
                module, name = alias.name, None
            self.imports.append(
                Import(
                    module=module,
                    name=name,
                    alias=alias.asname,
                    level=level,
                    line=line,
                    column=columns.column(line, alias.col_offset),
                    end_line=end_line,
                    end_column=columns.column(end_line, alias.end_col_offset or alias.col_offset),
                    stmt_line=stmt_line,
                    stmt_column=stmt_column,
                    guarded_by=guard,
                    import_time=import_time,
                )
            )
            if not bind or name == "*":
                continue
            if is_from:
                source = ImportSource(level, module, name)
                bound = alias.asname or alias.name
            elif alias.asname:
                source = ImportSource(0, alias.name, None)
                bound = alias.asname
            else:
                bound = alias.name.split(".")[0]
                source = ImportSource(0, bound, None)
            self.bind(bound, "import", alias, conditional, source=source)

    # -- the walk: scopes, call sites, function-level imports ---------------------------

    def walk(self, tree: ast.Module) -> list[Call]:
        imported = {name for name, e in self.exports.items() if e.kind == "import"}
        module_scope = _Scope(None)
        stack: list[tuple[ast.AST, _Scope, str]] = [
            (stmt, module_scope, "") for stmt in reversed(tree.body)
        ]
        candidates: list[tuple[ast.Call, _Scope, str]] = []
        push = stack.append
        name_type = ast.Name
        load_type = ast.Load
        call_type = ast.Call
        ast_type = ast.AST
        while stack:
            node, scope, guard = stack.pop()
            kind = type(node)
            if kind is name_type:
                if type(node.ctx) is not load_type:  # type: ignore[attr-defined]
                    name = node.id  # type: ignore[attr-defined]
                    if name in scope.globals:
                        module_scope.names.add(name)
                    else:
                        scope.names.add(name)
                continue
            if kind is call_type:
                func = node.func  # type: ignore[attr-defined]
                if type(func) is name_type and func.id in ("globals", "vars") and not node.args:  # type: ignore[attr-defined]
                    self.dynamic_namespace = True
                elif imported:
                    callee = _dotted(func)
                    if callee is not None and callee.split(".", 1)[0] in imported:
                        candidates.append((node, scope, callee))  # type: ignore[arg-type]
            elif kind in _FUNCTION_TYPES or kind is ast.Lambda:
                if kind is not ast.Lambda:
                    scope.names.add(node.name)  # type: ignore[attr-defined]
                    for decorator in node.decorator_list:  # type: ignore[attr-defined]
                        push((decorator, scope, guard))
                    if node.returns is not None:  # type: ignore[attr-defined]
                        push((node.returns, scope, guard))  # type: ignore[attr-defined]
                args: ast.arguments = node.args  # type: ignore[attr-defined]
                inner = _Scope(scope, import_time=False)
                for default in (*args.defaults, *args.kw_defaults):
                    if default is not None:
                        push((default, scope, guard))
                for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
                    if arg is not None:
                        inner.names.add(arg.arg)
                        if arg.annotation is not None:
                            push((arg.annotation, scope, guard))
                body = node.body  # type: ignore[attr-defined]
                if kind is ast.Lambda:
                    push((body, inner, guard))
                else:
                    for stmt in reversed(body):
                        push((stmt, inner, guard))
                continue
            elif kind is ast.ClassDef:
                scope.names.add(node.name)  # type: ignore[attr-defined]
                inner = _Scope(scope)
                for stmt in reversed(node.body):  # type: ignore[attr-defined]
                    push((stmt, inner, guard))
                for child in (*node.bases, *node.keywords, *node.decorator_list):  # type: ignore[attr-defined]
                    push((child, scope, guard))
                continue
            elif kind in _COMPREHENSIONS:
                scope = _Scope(scope)
            elif kind is ast.Global:
                scope.globals.update(node.names)  # type: ignore[attr-defined]
                module_scope.names.update(node.names)  # type: ignore[attr-defined]
                continue
            elif kind is ast.Nonlocal:
                scope.names.update(node.names)  # type: ignore[attr-defined]
                continue
            elif kind is ast.Import or kind is ast.ImportFrom:
                for alias in node.names:  # type: ignore[attr-defined]
                    if alias.name != "*":
                        scope.names.add(alias.asname or alias.name.split(".")[0])
                if not scope.is_module:
                    self.import_statement(  # type: ignore[arg-type]
                        node, guard, scope.import_time, True, bind=False
                    )
                continue
            elif kind in _TRY_TYPES:
                if _catches_import_error(node.handlers):  # type: ignore[attr-defined]
                    for stmt in reversed(node.body):  # type: ignore[attr-defined]
                        push((stmt, scope, "ImportError"))
                    for field in ("handlers", "orelse", "finalbody"):
                        for child in reversed(getattr(node, field)):
                            push((child, scope, guard))
                    continue
            elif kind is ast.If and not scope.is_module and _is_type_checking(node.test):  # type: ignore[attr-defined]
                for child in reversed(node.orelse):  # type: ignore[attr-defined]
                    push((child, scope, guard))
                for child in reversed(node.body):  # type: ignore[attr-defined]
                    push((child, scope, "TYPE_CHECKING"))
                continue
            elif kind is ast.ExceptHandler:
                if node.name:  # type: ignore[attr-defined]
                    scope.names.add(node.name)  # type: ignore[attr-defined]
            elif kind in _MATCH_CAPTURES:
                if node.name:  # type: ignore[attr-defined]
                    scope.names.add(node.name)  # type: ignore[attr-defined]
            elif kind is getattr(ast, "MatchMapping", None) and node.rest:  # type: ignore[attr-defined]
                scope.names.add(node.rest)  # type: ignore[attr-defined]
            for field in reversed(_child_fields(kind)):
                value = getattr(node, field)
                if type(value) is list:
                    for child in reversed(value):
                        if isinstance(child, ast_type):
                            push((child, scope, guard))
                elif isinstance(value, ast_type):
                    push((value, scope, guard))

        # Module-scope bindings the structured pass cannot see: walrus, match captures,
        # ``global`` assignments in functions. Conditional: they may never run.
        for name in module_scope.names - self.exports.keys():
            if name == "__all__":
                self.all_dynamic = True
            self.exports[name] = Export(name, "variable", 1, 1, conditional=True)

        calls = []
        columns = self.lines
        for node, scope, callee in candidates:
            root = callee.split(".", 1)[0]
            local = False
            current: _Scope | None = scope
            while current is not None and not current.is_module:
                if root in current.names and root not in current.globals:
                    local = True
                    break
                current = current.parent
            if local:
                continue
            line = node.lineno
            end_line = node.end_lineno or line
            keywords = tuple(k.arg for k in node.keywords if k.arg is not None)
            calls.append(
                Call(
                    callee=callee,
                    line=line,
                    column=columns.column(line, node.col_offset),
                    end_line=end_line,
                    end_column=columns.column(end_line, node.end_col_offset or node.col_offset),
                    positional=sum(1 for a in node.args if not isinstance(a, ast.Starred)),
                    keywords=keywords,
                    star_args=any(isinstance(a, ast.Starred) for a in node.args),
                    star_kwargs=len(keywords) != len(node.keywords),
                )
            )
        calls.sort(key=lambda c: (c.line, c.column))
        return calls


def extract_facts(
    tree: ast.Module, *, module: str, path: str, is_package: bool, lines: _Columns
) -> ModuleFacts:
    """Extract a module's facts from its ``ast`` (docs/contracts.md, section 1).

    ``lines`` is the file's :class:`analyzer.rules.SourceLines` (byte to character columns).
    """
    extractor = _Extractor(lines)
    extractor.statements(tree.body, False, "")
    calls = extractor.walk(tree)
    imports = sorted(extractor.imports, key=lambda i: (i.line, i.column))
    all_names: tuple[str, ...] | None = None
    if extractor.all_names is not None and not extractor.all_dynamic:
        all_names = tuple(dict.fromkeys(extractor.all_names))
    return ModuleFacts(
        module=module,
        path=path,
        is_package=is_package,
        parse_ok=True,
        exports=tuple(extractor.exports.values()),
        imports=tuple(imports),
        calls=tuple(calls),
        all_names=all_names,
        all_dynamic=extractor.all_dynamic,
        dynamic_namespace=extractor.dynamic_namespace,
    )
