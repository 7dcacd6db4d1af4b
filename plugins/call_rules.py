"""SH002, call-signature-mismatch: a call to a project function or class whose arguments
cannot bind, with Python's own message.

It reads other modules only through the project index, so every dependency it has is
recorded (docs/contracts.md, section 3); its messages never quote positions in other modules.
"""
from __future__ import annotations

from analyzer.rules import (
    Invalid,
    ModuleFacts,
    ProjectIndex,
    ProjectRule,
    Symbol,
    Valid,
)

__all__ = ["CallSignatureMismatch"]


#: Metaclasses that construct as ``type`` does (a class whose base names one keeps its
#: ``__init__``'s signature).
_PLAIN_METACLASSES = frozenset({"ABCMeta", "type"})
#: How many classes up the bases SH002 looks for a metaclass.
_MAX_BASES = 64


class CallSignatureMismatch(ProjectRule):
    """SH002: a call to a project function or class whose arguments cannot bind.

    Skipped when the call has ``*x``/``**x``, or the callee is rebound, decorated, or has a
    constructor shoal cannot know (docs/contracts.md, "Constructor signature of a class"),
    and in a block that expects the TypeError (``with pytest.raises(TypeError):``,
    ``self.assertRaises``, ``try: ... except TypeError:``, the lambda of
    ``raises(TypeError, lambda: f())``, a test marked ``xfail``, ``XFAIL`` or
    ``expectedFailure``, or decorated ``@raises(TypeError)`` as nose and pytest-relaxed
    have it): a test of the callee's argument checks, a test of what is not done
    yet, or a fallback for another version's signature, calls it wrongly on purpose.
    Also after a ``raise`` or a ``pytest.skip(...)`` (``self.skipTest``, ``sys.exit``, ...)
    in a function's body: that code never runs. Nor for a call of what a ``unittest.mock``
    patch replaces in its block (``with patch.object(C, "__init__"): C()``, ``@patch("m.f")``),
    unless the patch is autospec'd; for a class a project base of which names a metaclass
    (other than ``ABCMeta``), whose ``__call__`` may construct it otherwise; and for a
    callee defined in a stub (``.pyi``), which stands for a compiled module whose C
    functions may take what the stub does not say. And for a function a module-level decorator
    takes as an argument (numba's ``@type_callable(f)``): compiled code calls it as the
    registered implementation has it.
    """

    CODE = "SH002"
    NAME = "call-signature-mismatch"
    MESSAGE = "arguments do not match the signature"
    READS_BODY = frozenset({"calls"})
    VALID = [
        Valid("""\
            # file: app.py
            from lib import scale
            scale(2, factor=3)
            # file: lib.py
            def scale(x, factor=1):
                return x * factor
            """),
        Valid("""\
            # file: test_lib.py
            import unittest
            import pytest
            from lib import scale
            def test_scale():
                with pytest.raises(TypeError, match="positional"):
                    scale(2, 3, 4)
            class TestScale(unittest.TestCase):
                async def test_scale(self):
                    async with other(), self.assertRaisesRegex((ValueError, TypeError), "x"):
                        scale()
                    with self.assertRaisesMessage(TypeError, "takes"):  # Django's
                        scale(1, 2, 3)
                    try:
                        scale(2, 3, 4)
                    except TypeError:
                        scale(2)  # an older signature
                    self.assertRaises(TypeError, lambda: scale(2, 3, 4))
                    self.assertRaisesRegex(TypeError, "takes", lambda: scale(1, 2, 3))
            # file: test_sympy_style.py
            from lib import scale
            from testing import raises, XFAIL
            def test_scale():
                raises(TypeError, lambda: scale())
                raises(TypeError,
                       lambda: scale(
                           1, 2, 3))
            @XFAIL
            def test_not_done_yet():
                scale(1, inline=True)
            # file: test_marked.py
            import unittest
            import pytest
            from lib import scale
            @pytest.mark.xfail(reason="the keyword is planned")
            def test_planned():
                scale(1, inline=True)
            class TestScale(unittest.TestCase):
                @unittest.expectedFailure
                def test_planned(self):
                    scale(1, 2, 3)
            @pytest.mark.xfail(raises=(TypeError, KeyError))
            class TestMore:
                def test_more(self):
                    scale()
            # file: test_relaxed.py
            from pytest_relaxed import raises
            from lib import scale
            class scale_:
                @raises(TypeError)
                def requires_x(self):
                    scale()
                @raises(ValueError, TypeError)
                def requires_a_number(self):
                    scale(1, 2, 3)
            # file: test_skipped.py
            import sys
            import pytest
            from lib import scale
            def test_planned():
                pytest.skip("the keyword is planned")
                scale(1, inline=True)  # never runs
            class TestScale:
                def test_later(self):
                    self.skipTest("later")
                    scale()
                def test_raised(self):
                    raise NotImplementedError
                    scale()
            def main():
                sys.exit(scale(1))
                scale()
            # file: lib.py
            def scale(x, factor=1):
                return x * factor
            # file: testing.py
            def raises(expected, code):
                pass
            def XFAIL(func):
                return func
            """),
        Valid("""\
            # file: jit.py
            from numba.extending import type_callable
            def from_data():
                raise RuntimeError("only in compiled code")
            @type_callable(from_data)
            def typer(context):
                return lambda panels, length: None
            # file: app.py
            from jit import from_data
            from_data([1], 2)  # compiled by numba, typed by `typer`
            """),
    ]
    INVALID = [
        Invalid("""\
            # file: app.py
            from lib import scale
            scale(2, 3, 4)
            # file: lib.py
            def scale(x, factor=1):
                return x * factor
            """, line=2, column=1),
        Invalid("""\
            # file: app.py
            import lib
            lib.scale(2, size=3)
            # file: lib.py
            def scale(x, factor=1):
                return x * factor
            """, line=2, column=1),
        Invalid("""\
            # file: test_lib.py
            import sys
            import pytest
            from lib import scale
            def test_posix():
                if sys.platform == "win32":
                    pytest.skip("posix only")  # the rest runs elsewhere
                scale(1, 2, 3)
            # file: lib.py
            def scale(x, factor=1):
                return x * factor
            """, line=7, column=5),
        Invalid("""\
            # file: test_lib.py
            import pytest
            from lib import scale
            with pytest.raises(ValueError):
                scale()  # fails the test with its TypeError
            # file: lib.py
            def scale(x, factor=1):
                return x * factor
            """, line=4, column=5),
        Invalid("""\
            # file: test_lib.py
            from pytest_relaxed import raises
            from lib import scale
            @raises(ValueError)
            def test_value():
                scale()  # a TypeError fails this test
            # file: lib.py
            def scale(x, factor=1):
                return x * factor
            """, line=5, column=5),
        Invalid("""\
            # file: test_lib.py
            from lib import scale
            from testing import raises
            raises(ValueError, lambda: scale())
            # file: lib.py
            def scale(x, factor=1):
                return x * factor
            # file: testing.py
            def raises(expected, code):
                pass
            """, line=3, column=28),
        Invalid("""\
            # file: test_lib.py
            import pytest
            from lib import scale
            @pytest.mark.xfail(raises=ValueError)
            def test_scale():
                scale(1, inline=True)  # fails the test with its TypeError
            # file: lib.py
            def scale(x, factor=1):
                return x * factor
            """, line=5, column=5),
        Invalid("""\
            # file: app.py
            from lib import scale
            try:
                scale(2, 3, 4)
            except Exception:
                pass
            # file: lib.py
            def scale(x, factor=1):
                return x * factor
            """, line=3, column=5),
    ]

    def check(self, facts: ModuleFacts, index: ProjectIndex) -> None:
        """Bind each recorded call's argument shape to its callee's signature."""
        if not facts.calls or facts.path.endswith(".pyi"):
            return  # see ImportMissingName.check
        exports = {e.name: e for e in facts.exports}
        # A module calls the same callee with the same shape many times (a test module's
        # helpers): the index answers alike within one check, so one answer serves them all.
        outcomes: dict[tuple[str, int, tuple[str, ...]], str | None] = {}
        for call in facts.calls:
            if call.star_args or call.star_kwargs:
                continue
            shape = (call.callee, call.positional, call.keywords)
            if shape in outcomes:
                message = outcomes[shape]
            else:
                message = outcomes[shape] = self._mismatch(facts, index, exports, *shape)
            if message is not None:
                self.report(
                    call.line,
                    call.column,
                    message,
                    end_line=call.end_line,
                    end_column=call.end_column,
                )

    @classmethod
    def _mismatch(cls, facts: ModuleFacts, index: ProjectIndex, exports: dict, callee: str,
                  positional: int, keywords: tuple[str, ...]) -> str | None:
        """The ``TypeError`` message a call of this shape would raise, or None."""
        symbol = cls._callee(facts, index, exports, callee)
        if symbol is None or symbol.kind not in ("function", "class"):
            return None
        export = symbol.export
        if export is None or export.rebound or export.decorators or export.signature is None:
            return None
        home = index.resolve(symbol.module)
        if isinstance(home, ModuleFacts) and home.path.endswith(".pyi"):
            # A stub that stands for a compiled module tells a type checker's story: numpy's
            # lapack_lite.pyi gives xerbla two parameters, its C function takes any.
            return None
        if symbol.kind == "class" and cls._metaclass_above(index, symbol, set()):
            return None
        signature = export.signature
        if symbol.kind == "class" and not signature.params and (positional or keywords):
            return f"{symbol.name}() takes no arguments"
        return signature.bind(positional, keywords, symbol.name)

    @classmethod
    def _metaclass_above(cls, index: ProjectIndex, symbol: Symbol, seen: set[tuple[str, str]],
                         ) -> bool:
        """Whether a project base of the class (at any depth) names a metaclass, whose
        ``__call__`` may construct it otherwise (ibis's ``AbstractMeta.__call__`` hands
        ``PatternList(p)`` to ``__create__(patterns, type=list)``). ``abc``'s ``ABCMeta``
        constructs as ``type`` does."""
        key = (symbol.module, symbol.name)
        export = symbol.export
        if key in seen or export is None or len(seen) > _MAX_BASES:
            return False
        seen.add(key)
        for base in export.bases:
            if base.startswith("metaclass="):
                if base[len("metaclass="):].rpartition(".")[2] not in _PLAIN_METACLASSES:
                    return True
                continue
            if "=" in base or base.startswith("*"):
                continue
            parent = cls._base_class(index, symbol.module, base)
            if parent is not None and cls._metaclass_above(index, parent, seen):
                return True
        return False

    @staticmethod
    def _base_class(index: ProjectIndex, module: str, base: str) -> Symbol | None:
        """The project class a base expression of a class in ``module`` names (``Name`` or
        ``mod.Name``, as its module binds them), else None."""
        root, *rest = base.split(".")
        if not root.isidentifier() or not all(part.isidentifier() for part in rest):
            return None  # a call, a subscript: nothing to follow
        found: object = index.lookup(module, root)
        for part in rest:
            if not (isinstance(found, Symbol) and found.kind == "module"):
                return None
            found = index.lookup(found.module, part)
        return found if isinstance(found, Symbol) and found.kind == "class" else None

    @staticmethod
    def _callee(
        facts: ModuleFacts, index: ProjectIndex, exports: dict, callee: str
    ) -> Symbol | None:
        """The project symbol a dotted callee refers to, following ``import mod`` chains."""
        root, *attributes = callee.split(".")
        export = exports.get(root)
        if export is None or export.kind != "import" or export.rebound or export.source is None:
            return None
        source = export.source
        target = index.resolve_import(facts.module, facts.is_package, source.level, source.module)
        if target is None:
            return None
        found: object
        if source.name is None:
            found = (
                Symbol(target, "", "module")
                if isinstance(index.resolve(target), ModuleFacts)
                else None
            )
        else:
            found = index.lookup(target, source.name)
        for attribute in attributes:
            if not (isinstance(found, Symbol) and found.kind == "module"):
                return None
            found = index.lookup(found.module, attribute)
        return found if isinstance(found, Symbol) else None
