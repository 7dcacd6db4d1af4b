"""Call sites of imported names: the calls project rules check against signatures.

The walk keeps a candidate for every call whose callee's first component is imported at
module level; once every scope is complete, candidates shadowed by a local binding go, and
so do those in a block that expects a ``TypeError`` (``with pytest.raises(TypeError):``,
``with self.assertRaises(TypeError):``, ``try: ... except TypeError:``, the lambda of
``raises(TypeError, lambda: f(1))``, a test marked to fail): a test of a function's argument
checks, a test of what is not done yet, or a fallback for an older signature, calls it
wrongly on purpose.
"""
from __future__ import annotations

import ast
import bisect
from collections.abc import Callable, Sequence

from analyzer.model._facts import Attribute, Call
from analyzer.model._scope import Scope, binds_locally
from analyzer.model._state import Columns
from analyzer.model._syntax import dotted, name_in, names_one_of

#: A call the walk met: the node, the scope it is in, its dotted callee.
Candidate = tuple[ast.Call, Scope, str]
#: An attribute chain the walk met: the node, its scope, its dotted name.
AttributeCandidate = tuple[ast.Attribute, Scope, str]


def imported_callee(call: ast.Call, imported: set[str]) -> str | None:
    """The dotted callee of ``call`` when its first component is one of ``imported``."""
    callee = dotted(call.func)
    if callee is not None and callee.split(".", 1)[0] in imported:
        return callee
    return None


def call_records(candidates: list[Candidate], columns: Columns,
                 expected: Sequence[tuple[int, int]] = (),
                 patched: Sequence[tuple[int, int, frozenset[str]]] = ()) -> list[Call]:
    """The candidates no local binding shadows, outside the ``expected`` blocks (first and
    last lines of those that expect a ``TypeError``) and not calling a name a block of
    ``patched`` (first and last lines, the names :func:`patched_names` gives) mocks there,
    as :class:`Call` records in source order."""
    inside = within(expected) if expected else None
    mocked = _mocked(patched) if patched else None
    calls = [
        _record(node, callee, columns)
        for node, scope, callee in candidates
        if not binds_locally(scope, callee.split(".", 1)[0])
        and not (inside is not None and inside(node.lineno))
        and not (mocked is not None and mocked(node.lineno, callee))
    ]
    calls.sort(key=lambda c: (c.line, c.column))
    return calls


def _mocked(patched: Sequence[tuple[int, int, frozenset[str]]]) -> Callable[[int, str], bool]:
    """A test of whether a call on a line, of a callee, is of a name a block mocks there:
    by name first, so that each call meets only the blocks that mock its name."""
    blocks: dict[str, list[tuple[int, int]]] = {}
    for first, last, names in patched:
        for name in names:
            blocks.setdefault(name, []).append((first, last))
    tests = {name: within(lines) for name, lines in blocks.items()}

    def mocked(line: int, callee: str) -> bool:
        test = tests.get(callee.rpartition(".")[2])
        return test is not None and test(line)

    return mocked


#: ``unittest.mock``'s patchers, by the callee's last name: ``patch("pkg.mod.f")``,
#: ``patch.object(C, "__init__")`` (``mock.patch…``, pytest-mock's ``mocker.patch…``).
_PATCH = frozenset({"patch"})
#: The attributes whose patch makes a call of the class itself go to the mock.
_CONSTRUCTORS = frozenset({"__init__", "__new__"})


def patched_names(expr: ast.expr) -> frozenset[str]:
    """The last names of the callables ``expr`` replaces by a mock while it is in force,
    when ``expr`` is ``patch("pkg.mod.f")`` (``f``) or ``patch.object(Owner, "f")``
    (``f``), the class for its ``__init__`` or ``__new__`` (Django's ``with
    patch.object(BaseDatabaseWrapper, "__init__", return_value=None):
    BaseDatabaseWrapper()``); none for any other expression, or with ``autospec``, whose
    mock keeps the signature."""
    if type(expr) is not ast.Call:
        return frozenset()
    func = expr.func
    if type(func) is ast.Attribute and func.attr == "object" and name_in(func.value, _PATCH):
        if len(expr.args) < 2 or _autospec(expr):
            return frozenset()
        owner, attr = expr.args[0], expr.args[1]
        if type(attr) is not ast.Constant or type(attr.value) is not str:
            return frozenset()
        if attr.value not in _CONSTRUCTORS:
            return frozenset({attr.value})
        name = owner.attr if type(owner) is ast.Attribute else getattr(owner, "id", None)
        return frozenset({name}) if name else frozenset()
    if not name_in(func, _PATCH) or _autospec(expr):
        return frozenset()
    target = expr.args[0] if expr.args else next(
        (k.value for k in expr.keywords if k.arg == "target"), None)
    if type(target) is not ast.Constant or type(target.value) is not str:
        return frozenset()
    parts = target.value.split(".")
    if len(parts) > 2 and parts[-1] in _CONSTRUCTORS:
        return frozenset({parts[-2]})
    return frozenset({parts[-1]})


def _autospec(call: ast.Call) -> bool:
    """``autospec=`` or ``spec_set=`` given something other than ``False``/``None``."""
    return any(k.arg in ("autospec", "spec_set") and not (
        type(k.value) is ast.Constant and k.value.value in (False, None))
        for k in call.keywords)


def within(blocks: Sequence[tuple[int, int]]) -> Callable[[int], bool]:
    """A test of whether a line lies in one of ``blocks`` (first and last lines, nested or
    not). Merged and bisected: a test module has hundreds of blocks and of calls
    (``test_typing.py``: 363 and 660; testing each call against each block cost more than
    half its facts walk)."""
    starts: list[int] = []
    ends: list[int] = []
    for first, last in sorted(blocks):
        if ends and first <= ends[-1]:
            ends[-1] = max(ends[-1], last)
        else:
            starts.append(first)
            ends.append(last)

    def inside(line: int) -> bool:
        i = bisect.bisect_right(starts, line) - 1
        return i >= 0 and line <= ends[i]

    return inside


#: Exceptions whose handler makes a ``try`` body expect a TypeError: by name only, since a
#: broad ``except Exception`` around a call is no sign the call is wrong on purpose.
_TYPE_ERROR = frozenset({"TypeError"})
#: What ``pytest.raises``/``assertRaises`` may expect for a TypeError to pass the test.
_RAISES_TYPE_ERROR = frozenset({"TypeError", "Exception", "BaseException"})
#: Helpers that expect a block, or a callable they call, to raise (the callee's last name):
#: pytest's (and sympy's), unittest's (and its old spelling), Django's
#: ``assertRaisesMessage``.
RAISES = frozenset({"raises", "assertRaises", "assertRaisesRegex", "assertRaisesRegexp",
                    "assertRaisesMessage"})


def catches_type_error(handlers: list[ast.ExceptHandler]) -> bool:
    """One of the handlers names ``TypeError`` (alone or in a tuple)."""
    return any(handler.type is not None and names_one_of(handler.type, _TYPE_ERROR)
               for handler in handlers)


def expects_type_error(expr: ast.expr) -> bool:
    """``expr`` is ``pytest.raises(E)``, ``self.assertRaises(E)``, ``assertRaisesRegex(E,
    ...)`` or Django's ``assertRaisesMessage(E, ...)``, where ``E`` lets a ``TypeError``
    pass (the context manager forms)."""
    if type(expr) is not ast.Call or not name_in(expr.func, RAISES):
        return False
    expected = expr.args[0] if expr.args else next(
        (k.value for k in expr.keywords if k.arg == "expected_exception"), None)
    return expected is not None and names_one_of(expected, _RAISES_TYPE_ERROR)


#: Decorators that skip a test whatever happens (the last name): unittest's ``skip(…)``,
#: pytest's ``mark.skip`` and ``mark.skip(…)``.
_SKIP = frozenset({"skip"})
#: Decorators that skip a test when their first argument is true, or false.
_SKIP_IF = frozenset({"skipIf", "skipif"})
_SKIP_UNLESS = frozenset({"skipUnless"})


def never_runs(decorators: list[ast.expr]) -> bool:
    """One of ``decorators`` skips the test unconditionally: ``@unittest.skip("why")``,
    ``@pytest.mark.skip``, or ``skipIf``/``skipif`` given the constant ``True``
    (``skipUnless``, ``False``): pyomo's ``@unittest.skipIf(True, "fragile")``."""
    for decorator in decorators:
        call = decorator if type(decorator) is ast.Call else None
        func = decorator if call is None else call.func
        if name_in(func, _SKIP):
            return True
        if call is not None and call.args and type(call.args[0]) is ast.Constant:
            value = call.args[0].value
            if (value is True and name_in(func, _SKIP_IF)) or (
                    value is False and name_in(func, _SKIP_UNLESS)):
                return True
    return False


#: Decorators marking a test expected to fail (the last name): pytest's ``mark.xfail``,
#: sympy's ``XFAIL``, unittest's ``expectedFailure``.
_XFAIL = frozenset({"xfail", "XFAIL", "expectedFailure"})
#: Decorators expecting the test to raise what they name (nose, pytest-relaxed).
_RAISES_DECORATORS = frozenset({"raises"})


def expects_failure(decorators: list[ast.expr], errors: frozenset[str] = _RAISES_TYPE_ERROR,
                    ) -> bool:
    """One of ``decorators`` marks the test expected to fail, by one of ``errors`` (the
    exception's last name; a TypeError by default) among others: pytest's ``raises=``
    narrows it to what that names. Or expected to raise one of them: nose's and
    pytest-relaxed's ``@raises(TypeError)``, whose test passes only when it does."""
    for decorator in decorators:
        call = decorator if type(decorator) is ast.Call else None
        if call is not None and name_in(call.func, _RAISES_DECORATORS):
            if any(names_one_of(arg, errors) for arg in call.args):
                return True
            continue
        if not name_in(decorator if call is None else call.func, _XFAIL):
            continue
        raises = None if call is None else next(
            (k.value for k in call.keywords if k.arg == "raises"), None)
        if raises is None or names_one_of(raises, errors):
            return True
    return False


def expected_lambdas(call: ast.Call) -> list[tuple[int, int]]:
    """The lines of the lambdas ``call`` passes to a raises-helper expecting a TypeError,
    which calls them (``raises(TypeError, lambda: f(1))``, sympy's tests' form;
    ``self.assertRaises(TypeError, lambda: f(1))``); none for any other call."""
    if not expects_type_error(call):
        return []
    return [(arg.body.lineno, arg.body.end_lineno or arg.body.lineno)
            for arg in call.args[1:] if type(arg) is ast.Lambda]


def _record(node: ast.Call, callee: str, columns: Columns) -> Call:
    line = node.lineno
    end_line = node.end_lineno or line
    keywords = tuple(k.arg for k in node.keywords if k.arg is not None)
    return Call(
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


def attribute_records(candidates: list[AttributeCandidate], columns: Columns) -> list[Attribute]:
    """The attribute chains no local binding shadows, in source order."""
    out = []
    for node, scope, name in candidates:
        if binds_locally(scope, name.split(".", 1)[0]):
            continue
        line = node.lineno
        end_line = node.end_lineno or line
        out.append(Attribute(
            name, line, columns.column(line, node.col_offset), end_line,
            columns.column(end_line, node.end_col_offset or node.col_offset),
            type(node.ctx) is not ast.Load))
    out.sort(key=lambda a: (a.line, a.column))
    return out
