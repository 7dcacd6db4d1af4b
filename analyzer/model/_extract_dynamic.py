"""Dynamic namespaces: signs that a module binds names, or plants modules, no statement shows.

Such a module sets ``ModuleFacts.dynamic_namespace``, and a lookup of a name it does not
visibly bind is then not reported as missing. A module that writes ``sys.modules`` also
records in ``ModuleFacts.dynamic_modules`` the constant prefix of each key it writes, so that
the index does not call a module it may plant missing (docs/contracts.md §1, §3).
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from analyzer.model._syntax import dotted

#: Builtins whose no-argument call returns the module's own namespace, ready to be written.
NAMESPACE_BUILTINS = ("globals", "vars")


def writes_own_namespace(call: ast.Call) -> bool:
    """``globals()`` or ``vars()``, or ``Enum._convert_(…, __name__, …)`` (which copies the
    members into the module named, as ``ssl`` does): the module may write names into its
    own namespace."""
    func = call.func
    if type(func) is ast.Attribute and func.attr in CONVERT_METHODS:
        return any(_is_own_name(a) for a in call.args) or any(
            k.arg == "module" and _is_own_name(k.value) for k in call.keywords)
    return type(func) is ast.Name and func.id in NAMESPACE_BUILTINS and not call.args


#: What the name of a function that returns the module it is called from ends with
#: (astropy's ``utils.find_current_module``): ``astropy/constants/__init__.py`` hands its own
#: module to a helper that sets every constant on it, so no statement binds ``c`` or ``G``.
_OWN_MODULE_GETTER = "current_module"


def returns_own_module(callee: str) -> bool:
    """A call of ``callee`` gives the calling module's own object, whose attributes may
    then be set anywhere (as ``sys.modules[__name__]`` does)."""
    return callee.endswith(_OWN_MODULE_GETTER)


#: Enum's ``_convert_`` (and its older spelling) take the name of the module to fill.
CONVERT_METHODS = frozenset({"_convert_", "_convert"})


def _is_own_name(node: ast.expr) -> bool:
    return type(node) is ast.Name and node.id == "__name__"


def copies_members_into_module(decorators: tuple[str, ...]) -> bool:
    """A class decorator (``enum.global_enum``) copies the class's members into the module."""
    return any(d.endswith("global_enum") for d in decorators)


#: ``sys.modules`` methods that add entries (``pop``/``clear`` only remove: never a module).
SYS_MODULES_WRITERS = frozenset({"update", "setdefault", "__setitem__"})

#: cffi's ``FFI.set_source(module_name, source)``: the builder names the extension module
#: its build makes (pyzmq's ``zmq.backend.cffi._cffi``), which no file stands for.
BUILDS_MODULE = "set_source"

_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


def built_module(call: ast.Call) -> str | None:
    """The recorded form (:func:`key_prefix`'s) of the dotted module a cffi builder's
    ``ffi.set_source("pkg._cffi", ...)`` makes; None for any other call."""
    first = call.args[0] if call.args else next(
        (k.value for k in call.keywords if k.arg == "module_name"), None)
    if type(first) is not ast.Constant or type(first.value) is not str:
        return None
    return first.value + "." if _DOTTED.fullmatch(first.value) else None


#: How a key that begins with the writer's own ``__name__`` is recorded.
OWN_NAME = "__name__"

#: The entry of a package that extends its ``__path__`` (pkgutil's ``extend_path``,
#: ``pkg_resources.declare_namespace``): the children it lacks come from other folders,
#: and what lies under them; its own children's contents are their business.
PATH_EXTENDED = "__path__"

# A piece of a key expression: constant text, the writer's own name, or something unknown.
_OWN = object()
_UNKNOWN = object()


def sys_modules_names(import_sources: Iterable[tuple[str, str, str | None]]) -> frozenset[str]:
    """Dotted spellings of ``sys.modules`` in a module, from (bound name, module, name) of its
    module-level imports: ``sys.modules`` always, ``s.modules`` after ``import sys as s``,
    ``m`` after ``from sys import modules as m``."""
    names = {"sys.modules"}
    for bound, module, name in import_sources:
        if module == "sys":
            if name is None:
                names.add(f"{bound}.modules")
            elif name == "modules":
                names.add(bound)
    return frozenset(names)


def is_local_namespace_call(call: ast.Call) -> bool:
    """``locals()``: at module level it is the module's namespace, as ``globals()`` is."""
    func = call.func
    return type(func) is ast.Name and func.id == "locals" and not call.args


def sys_modules_call_keys(call: ast.Call, spellings: frozenset[str]) -> list[str] | None:
    """The recorded keys of ``sys.modules.update/setdefault/__setitem__(...)``, else None."""
    func = call.func
    if not (
        type(func) is ast.Attribute
        and func.attr in SYS_MODULES_WRITERS
        and dotted(func.value) in spellings
    ):
        return None
    if func.attr != "update":
        return [key_prefix(call.args[0]) if call.args else ""]
    keys = [key_prefix(ast.Constant(k.arg)) if k.arg else "" for k in call.keywords]
    for arg in call.args:
        if isinstance(arg, ast.Dict):
            keys.extend("" if k is None else key_prefix(k) for k in arg.keys)
        else:
            keys.append("")
    return keys


def is_own_module_item(node: ast.Subscript) -> bool:
    """``sys.modules[__name__]``: the module's own object, whose attributes may be set."""
    key = node.slice
    return type(key) is ast.Name and key.id == "__name__"


def key_prefix(key: ast.expr) -> str:
    """The recorded form of a ``sys.modules`` key (docs/contracts.md §1, ``dynamic_modules``).

    Constant text followed by something unknown is its text (``"pkg.vendor." + name`` →
    ``"pkg.vendor."``); a wholly constant key ends with a dot (``"pkg.x"`` → ``"pkg.x."``:
    the module and the modules under it); a key that begins with ``__name__`` is recorded as
    ``"__name__"`` plus what follows; a key with no constant beginning is ``""``.
    """
    text: list[str] = []
    complete = True
    for index, piece in enumerate(_pieces(key)):
        if piece is _OWN and index == 0:
            text.append(OWN_NAME)
        elif isinstance(piece, str):
            text.append(piece)
        else:
            complete = False
            break
    prefix = "".join(text)
    return prefix + "." if complete and prefix else prefix


def _pieces(node: ast.expr) -> list[object]:
    """The key as pieces, left to right; an operand shoal cannot read is ``_UNKNOWN``."""
    # ``a + b + c`` nests to the left: walk that spine iteratively (no recursion limit).
    operands = []
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        operands.append(node.right)
        node = node.left
    operands.append(node)
    pieces: list[object] = []
    for operand in reversed(operands):
        pieces.extend(_operand(operand))
    return pieces


def _operand(node: ast.expr) -> list[object]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and node.id == "__name__":
        return [_OWN]
    if isinstance(node, ast.JoinedStr):
        out: list[object] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                out.append(value.value)
            elif (isinstance(value, ast.FormattedValue) and value.conversion == -1
                  and value.format_spec is None and isinstance(value.value, ast.Name)
                  and value.value.id == "__name__"):
                out.append(_OWN)
            else:
                out.append(_UNKNOWN)
        return out
    template = _template(node)
    if template is not None:
        text, marker = template
        cut = text.find(marker)
        return [text] if cut < 0 else [text[:cut], _UNKNOWN]
    return [_UNKNOWN]


def _template(node: ast.expr) -> tuple[str, str] | None:
    """``"pkg.%s" % x`` and ``"pkg.{}".format(x)``: the template and where its holes start."""
    if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod)
            and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)):
        return node.left.value, "%"
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format" and isinstance(node.func.value, ast.Constant)
            and isinstance(node.func.value.value, str)):
        return node.func.value.value, "{"
    return None
