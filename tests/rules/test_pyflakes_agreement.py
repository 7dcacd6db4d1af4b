"""The scope-provider F codes (F401, F402-F407, F811, F821-F823, F841, F842) agree with pyflakes on a deterministic slice of the standard library.

The comparison is on (file, line, code) sets. Every difference must belong to a kind listed in
DELIBERATE with its reason; the whole-stdlib figure is produced by bench/, not here.
"""
from __future__ import annotations

import ast
import functools
import os
import sysconfig
from collections.abc import Collection, Iterable
from pathlib import Path

import pyflakes.checker as checker
import pyflakes.messages as messages

from analyzer.rules import RuleContext, RuleSettings, run_module_rules
from plugins import import_rules, local_rules, scope_rules
from tests.rules.ruff_reexports import reexported

RULES = scope_rules.RULES + import_rules.RULES + local_rules.RULES

CODES = {
    messages.UnusedImport: "F401",
    messages.RedefinedWhileUnused: "F811",
    messages.UndefinedName: "F821",
    messages.UndefinedExport: "F822",
    messages.UnusedVariable: "F841",
    messages.ImportShadowedByLoopVar: "F402",
    messages.ImportStarUsed: "F403",
    messages.LateFutureImport: "F404",
    messages.ImportStarUsage: "F405",
    messages.ImportStarNotPermitted: "F406",
    messages.FutureFeatureNotDefined: "F407",
    messages.UndefinedLocal: "F823",
    messages.UnusedAnnotation: "F842",
}

#: Kinds of difference that are choices, not bugs: kind -> reason.
DELIBERATE = {
    "all-extend": "shoal reads module-level __all__.extend([...])/.append('x'), pyflakes does "
    "not: names listed that way are exported (no F401) and checked (F822)",
    "reexport": "as ruff: import x as x, from m import x as x and from m import * are "
    "re-exports, no F401 (tests/rules/ruff_reexports.py)",
    "dummy-variable": "ruff's default dummy-variable-rgx: an unused local named _x is no F841, "
    "and a _x redefining a non-import is no F811 (pyflakes spares only _)",
    "call-argument-value": "as ruff: a call's arguments in an annotation are values "
    "(ForwardRef('int', module='mod')): pyflakes parses their strings as types",
    "annotated-forward-reference": "as ruff: Annotated's type is a forward reference at run "
    "time too (list[Annotated['MyInt', 3]] reads MyInt)",
    "abc-forward-reference": "as ruff: a string in a collections.abc subscript "
    "(Callable[['Request'], None]) is a forward reference, as in a typing one",
    "module-first-forward-reference": "as ruff (PEP 563): a postponed annotation reads a "
    "name the module binds from the module first, even in a function that imports it again "
    "(which then neither leaves the module's import unused nor redefines it unused)",
    "loop-variable-as-ruff": "as ruff: F402 is a loop's target only, in the import's own "
    "branch; a def or import in a loop's body is F811 as elsewhere",
    "global-over-annotation": "as ruff: a function's `global x; x = ...` defines x at module "
    "level even where a bare `x: T` names it there (pyflakes lets the annotation hide it)",
}

SLICE_SIZE = 60


@functools.cache
def stdlib_slice() -> list[Path]:
    """Every n-th .py file of the standard library (sorted), skipping test data and bad syntax."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(
        p for p in root.rglob("*.py")
        if "site-packages" not in p.parts and "lib2to3" not in p.parts and "data" not in p.parts
        and "bad" not in p.name and "badsyntax" not in str(p)
    )  # fmt: skip
    step = max(1, len(files) // SLICE_SIZE)
    return files[::step][:SLICE_SIZE]


def _extended_all_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        call = getattr(node, "value", None)
        func = getattr(call, "func", None)
        if (
            isinstance(call, ast.Call)
            and isinstance(func, ast.Attribute)
            and getattr(func.value, "id", None) == "__all__"
            and func.attr in ("extend", "append")
        ):
            for sub in ast.walk(call):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    names.add(sub.value)
    return names


def _annotated_and_global(tree: ast.Module) -> set[str]:
    """Names a bare module-level annotation names and some function declares global."""
    bare = {node.target.id for node in tree.body if isinstance(node, ast.AnnAssign)
            and node.value is None and isinstance(node.target, ast.Name)}
    declared = {n for node in ast.walk(tree) if isinstance(node, ast.Global) for n in node.names}
    return bare & declared


def _call_strings(tree: ast.Module, annotated: bool = False) -> set[str]:
    """The identifiers in the string arguments of calls (or, with ``annotated``, in the
    strings of Annotated[...] subscripts)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if annotated:
            if not (isinstance(node, ast.Subscript) and getattr(node.value, "id", "")
                    == "Annotated"):
                continue
        elif not isinstance(node, ast.Call):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                found.update(word for word in sub.value.replace(".", " ").split()
                             if word.isidentifier())
    return found


def _reimported(tree: ast.Module) -> set[str]:
    """Names a module-level import binds that an import inside a function binds again."""
    def bound(nodes: Iterable[ast.AST]) -> set[str]:
        return {(a.asname or a.name).split(".")[0] for node in nodes
                if isinstance(node, (ast.Import, ast.ImportFrom)) for a in node.names}
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    inner = {id(node): node for fn in ast.walk(tree) if isinstance(fn, functions)
             for node in ast.walk(fn)}
    return bound(n for n in ast.walk(tree) if id(n) not in inner) & bound(inner.values())


def _in_loops(tree: ast.Module, line: int) -> bool:
    """Whether ``line`` starts a statement directly in a ``for`` loop's body or else."""
    return any(stmt.lineno == line for loop in ast.walk(tree)
               if isinstance(loop, (ast.For, ast.AsyncFor))
               for stmt in (*loop.body, *loop.orelse))


def _abc_subscripts(tree: ast.Module) -> bool:
    """Whether a collections.abc member is subscripted with a string somewhere."""
    names = {a.asname or a.name for node in ast.walk(tree)
             if isinstance(node, ast.ImportFrom) and node.module == "collections.abc"
             for a in node.names}
    return any(isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
               and node.value.id in names and any(isinstance(c, ast.Constant)
                                                  and isinstance(c.value, str)
                                                  for c in ast.walk(node.slice))
               for node in ast.walk(tree))


def classify(code: str, name: str, extra: bool, tree: ast.Module,
             exports: Collection[tuple[int, str]] = (), line: int = 0) -> str:
    """The DELIBERATE kind a difference belongs to, or "unexplained"."""
    if code == "F401" and not extra and (line, name) in exports:
        return "reexport"
    if code in ("F811", "F841") and not extra and RuleSettings().is_dummy(name):
        return "dummy-variable"
    if code == "F821" and not extra and name in _annotated_and_global(tree):
        return "global-over-annotation"
    if (code in ("F401", "F811")
            and name.split(" as ")[-1].rsplit(".", 1)[-1] in _reimported(tree)):
        return "module-first-forward-reference"
    if (code == "F402" and not extra) or (code == "F811" and extra and _in_loops(tree, line)):
        return "loop-variable-as-ruff"
    if code == "F401" and not extra and _abc_subscripts(tree):
        return "abc-forward-reference"
    if code == "F821" and not extra and name in _call_strings(tree):
        return "call-argument-value"
    if code == "F841" and not extra and name in _call_strings(tree, annotated=True):
        return "annotated-forward-reference"
    if name in _extended_all_names(tree) or name.rsplit(".", 1)[-1] in _extended_all_names(tree):
        if (code == "F401" and not extra) or (code == "F822" and extra):
            return "all-extend"
    return "unexplained"


def _name(message: str) -> str:
    """The first quoted part of a message (the name), else the whole message."""
    return message.split("'")[1] if "'" in message else message


def compare(path: Path) -> list[str]:
    """The unexplained differences between pyflakes and shoal on one file."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    is_package = path.name == "__init__.py"
    theirs = {}
    for msg in checker.Checker(ast.parse(source), filename=str(path)).messages:
        code = CODES.get(type(msg))
        if code:
            theirs[(msg.lineno, code, _name(msg.message % msg.message_args))] = msg
    context = RuleContext(path=str(path), module="", is_package=is_package, source=source)
    ours = {}
    for d in run_module_rules(context, RULES, tree):
        assert d.code in CODES.values(), d
        ours[(d.line, d.code, _name(d.message))] = d
    problems = []
    for key in ours.keys() - theirs.keys():
        if classify(key[1], key[2], True, tree, line=key[0]) == "unexplained":
            problems.append(f"{path}:{key[0]}: shoal only: {key[1]} {key[2]}")
    exports = reexported(source)
    for key in theirs.keys() - ours.keys():
        if classify(key[1], key[2], False, tree, exports, key[0]) == "unexplained":
            problems.append(f"{path}:{key[0]}: pyflakes only: {key[1]} {key[2]}")
    return problems


def test_slice_is_deterministic_and_large_enough() -> None:
    files = stdlib_slice()
    assert len(files) == SLICE_SIZE
    assert files == stdlib_slice()


def test_agreement_with_pyflakes() -> None:
    problems: list[str] = []
    compared = 0
    for path in stdlib_slice():
        try:
            problems.extend(compare(path))
        except (SyntaxError, UnicodeDecodeError):
            continue
        compared += 1
    assert compared >= SLICE_SIZE - 5, "too few stdlib files parsed: the test would prove nothing"
    assert problems == [], "\n".join(problems)


def test_agreement_finds_something() -> None:
    """The slice must contain findings, or agreement would be vacuous."""
    total = 0
    for path in stdlib_slice()[:30]:
        source = path.read_text(encoding="utf-8")
        msgs = checker.Checker(ast.parse(source), filename=os.fspath(path)).messages
        total += sum(type(m) in CODES for m in msgs)
    assert total > 0


def test_a_module_first_forward_reference_is_a_deliberate_difference(tmp_path: Path) -> None:
    """pyflakes calls the TYPE_CHECKING import unused (F401), shoal reads it as ruff does."""
    path = tmp_path / "forward.py"
    path.write_text("from __future__ import annotations\nfrom typing import TYPE_CHECKING\n"
                    "if TYPE_CHECKING:\n    from m import Bar\n"
                    "def f():\n    from m import Bar\n    x: Bar = Bar()\n    return x\n",
                    encoding="utf-8")
    source = path.read_text(encoding="utf-8")
    theirs = checker.Checker(ast.parse(source), filename=str(path)).messages
    assert [type(m) for m in theirs if type(m) in CODES] == [messages.UnusedImport,
                                                            messages.RedefinedWhileUnused]
    assert compare(path) == []
