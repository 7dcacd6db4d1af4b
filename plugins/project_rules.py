"""Project rules no per-file linter can do: SH001, SH002, SH004, SH005, SH006 (SH003 is the
master's; SH005 lives in ``plugins.dead_code``).

They read other modules only through the project index, so every dependency they have is
recorded (docs/contracts.md, section 3). Messages never quote positions in other modules:
those would go stale when the other module is edited and this one is not rechecked.
"""
from __future__ import annotations

from typing import Any

from analyzer.rules import (
    EXTERNAL,
    MISSING,
    UNKNOWN,
    Attribute,
    Import,
    ImportSource,
    Invalid,
    ModuleFacts,
    ProjectIndex,
    ProjectRule,
    Symbol,
    Valid,
)
from plugins.dead_code import UnusedDefinition

__all__ = ["CallSignatureMismatch", "ImportMissingModule", "ImportMissingName",
           "MissingModuleAttribute", "UnusedDefinition", "project_rules"]


class ImportMissingName(ProjectRule):
    """SH001: ``from m import x`` where project module ``m`` has no ``x`` by any route.

    Silent when ``m`` is UNKNOWN (unparsable, dynamic ``__all__``, ``__getattr__``, a namespace
    or ``sys.modules`` write), outside the project, or missing (that is SH004), and for imports
    guarded by ``try/except ImportError``, in its body or as the handler's fallback.
    """

    CODE = "SH001"
    NAME = "import-missing-name"
    MESSAGE = "imported name is not defined in the module"
    READS_BODY = frozenset()
    VALID = [
        Valid("""\
            # file: app.py
            from lib import present
            # file: lib.py
            present = 1
            """),
        Valid("""\
            # file: app.py
            try:
                from lib import missing
            except ImportError:
                missing = None
            try:
                from lib import present
            except ImportError:  # a fallback, for another release of lib
                from lib import old_name as present
            # file: lib.py
            present = 1
            """),
        Valid("""\
            # file: app.py
            from pkg.dtypes import Added
            # file: pkg/__init__.py
            # file: pkg/dtypes.py
            def _add(cls):
                from pkg import dtypes  # its own module object, which it then fills
                setattr(dtypes, cls.__name__, cls)
            """),
        Valid("""\
            # file: pkg/__init__.py
            version = "1"
            from . import sub, shim, later, version  # version: bound before, as hasattr sees
            from pkg import sub as again
            def later():
                pass
            # file: pkg/sub.py
            # file: pkg/shim/__init__.py
            # file: other/__init__.py
            from . import anything  # found by its __getattr__
            def __getattr__(name):
                return name
            """),
        Valid("""\
            # file: test_app.py
            import pytest
            from sympy.testing.pytest import XFAIL

            @pytest.mark.xfail(reason="not there yet")
            def test_later():
                from lib import later
                later()

            @XFAIL
            def test_screenshot():
                from lib import ScreenShot

            class TestOld:
                @pytest.mark.xfail(raises=(ImportError, TypeError))
                def test_old(self):
                    def inner():
                        from lib import gone

            @pytest.mark.xfail
            class TestNew:
                def test_new(self):
                    from lib import new

            def test_skipped():
                pytest.skip("not there yet")
                from lib import planned
            # file: lib.py
            present = 1
            """),
    ]
    INVALID = [
        Invalid("""\
            # file: app.py
            from lib import present, missing
            # file: lib.py
            present = 1
            """, line=1, column=26, message="'missing' is not defined in module 'lib'"),
        Invalid("""\
            # file: test_app.py
            import pytest

            @pytest.mark.xfail(raises=ValueError)  # an ImportError fails this test
            def test_value():
                from lib import missing
            # file: lib.py
            present = 1
            """, line=5, column=21, message="'missing' is not defined in module 'lib'"),
        Invalid("""\
            # file: pkg/__init__.py
            from . import present, missing
            # file: pkg/present.py
            """, line=1, column=24, message="'missing' is not defined in module 'pkg'"),
    ]

    def check(self, facts: ModuleFacts, index: ProjectIndex) -> None:
        """Look every from-imported name up in its module."""
        if facts.path.endswith(".pyi"):
            # A stub is never run: a type checker reads it, resolving its imports against
            # other stubs (numpy/_core/arrayprint.pyi's _FormatOptions, which the .py
            # lacks), where the index takes the module Python imports. Its names and
            # calls are the type checker's to judge (numpy's typing tests fail on purpose).
            return
        for imp in facts.imports:
            if imp.name is None or imp.name == "*" or imp.guarded_by == "ImportError":
                continue
            target = index.resolve_import(facts.module, facts.is_package, imp.level, imp.module)
            if target is None or not isinstance(index.resolve(target), ModuleFacts):
                continue
            if index.lookup(target, imp.name) is MISSING or (
                    target == facts.module and self._own_submodule_missing(facts, imp, index)):
                self.report(
                    imp.line,
                    imp.column,
                    f"'{imp.name}' is not defined in module '{target}'",
                    end_line=imp.end_line,
                    end_column=imp.end_column,
                )

    @staticmethod
    def _own_submodule_missing(facts: ModuleFacts, imp: Import, index: ProjectIndex) -> bool:
        """``from . import x`` in a package's ``__init__``: the lookup meets this very
        import (a cycle, so UNKNOWN), but ``x`` can only be a submodule when nothing else in
        the package binds it and no ``__getattr__`` answers for it."""
        if not facts.is_package or facts.dynamic_namespace:
            return False
        exports = {e.name: e for e in facts.exports}
        if "__getattr__" in exports:
            return False
        export = exports.get(imp.alias or imp.name or "")
        source = export.source if export is not None else None
        if (export is None or export.kind != "import" or export.rebound or source is None
                or (source.level, source.module, source.name)
                != (imp.level, imp.module, imp.name)):
            return False
        return index.resolve(f"{facts.module}.{imp.name}") is MISSING


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


class ImportMissingModule(ProjectRule):
    """SH004: an import of a project-relative module that does not exist.

    Relative imports, and absolute imports whose top-level package is a project package.
    Imports guarded by ``try/except ImportError`` (in its body, or the handler's fallback) or
    ``TYPE_CHECKING`` are skipped, and so are
    modules a ``sys.modules`` write may plant (the index says UNKNOWN).
    """

    CODE = "SH004"
    NAME = "import-missing-module"
    MESSAGE = "imported module does not exist"
    READS_BODY = frozenset()
    VALID = [
        Valid("""\
            # file: pkg/__init__.py
            from . import util
            # file: pkg/util.py
            """),
        Valid("""\
            # file: pkg/__init__.py
            try:
                from . import missing
            except ImportError:
                missing = None
            """),
        Valid("""\
            # file: pkg/__init__.py
            try:
                from .compat import helper
            except ImportError:  # the old layout, for an older release
                from .compat_old import helper
            # file: pkg/compat.py
            def helper():
                pass
            """),
    ]
    INVALID = [
        Invalid("""\
            # file: pkg/__init__.py
            from . import util
            from .missing import thing
            # file: pkg/util.py
            """, line=2, column=1, message="No module named 'pkg.missing'"),
        Invalid("""\
            # file: pkg/app.py
            import pkg.nothere
            # file: pkg/__init__.py
            """, line=1, message="No module named 'pkg.nothere'"),
    ]

    def check(self, facts: ModuleFacts, index: ProjectIndex) -> None:
        """Resolve every imported module, prefix by prefix."""
        reported: set[tuple[int, int, str]] = set()
        for imp in facts.imports:
            if imp.guarded_by:
                continue
            # ``import a.b`` is reported at ``a.b``; ``from m import x`` at the statement.
            if imp.name is None:
                line, column = imp.line, imp.column
            else:
                line, column = imp.stmt_line, imp.stmt_column
            target = index.resolve_import(facts.module, facts.is_package, imp.level, imp.module)
            message = None
            if target is None:
                if "/" in facts.module or ("." not in facts.module and not facts.is_package):
                    # A file outside any package (a script's folder, a top-level module):
                    # how it is run decides where its relative imports lead (`python -m
                    # demo.app` makes demo a namespace package), so shoal cannot call one
                    # wrong.
                    continue
                message = "attempted relative import beyond top-level package"
            else:
                message = self._first_missing(index, target)
            if message is None or (line, column, message) in reported:
                continue
            reported.add((line, column, message))
            self.report(line, column, message, end_line=imp.end_line, end_column=imp.end_column)

    @staticmethod
    def _first_missing(index: ProjectIndex, module: str) -> str | None:
        parts = module.split(".")
        previous: object = None
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            if parts[i - 1] == "__init__" and isinstance(previous, ModuleFacts):
                return None  # ``pkg.__init__`` imports the package's file a second time
            resolved = index.resolve(prefix)
            if resolved is EXTERNAL:
                return None
            if resolved is MISSING:
                if previous is UNKNOWN:
                    # Below a compiled extension (or a file that does not parse), whose
                    # init may register submodules in sys.modules (PyO3 does).
                    return None
                # ``os.path``: a plain module may plant a module in sys.modules under its
                # own name; it binds that module as an attribute when it does.
                if isinstance(previous, ModuleFacts) and not previous.is_package:
                    bound = index.lookup(previous.module, parts[i - 1])
                    if bound is UNKNOWN or (
                        isinstance(bound, Symbol) and bound.kind in ("module", "external")
                        and not bound.name
                    ):
                        return None
                return f"No module named '{prefix}'"
            previous = resolved
        return None


class MissingModuleAttribute(ProjectRule):
    """SH006: an attribute of an imported project module that the module does not define.

    ``import pkg.mod`` then ``pkg.mod.nope``, or ``from pkg import mod`` then ``mod.nope``,
    where project module ``pkg.mod`` has no ``nope`` by any route. Built from facts (the attribute chains of imported names), no tree. Silent when the
    module is UNKNOWN (unparsable, dynamic ``__all__`` or namespace, ``__getattr__``, a
    ``sys.modules`` write), external, when the name the chain starts from is rebound, and
    when this module assigns that attribute itself (``mod.x = 1``). Off by default: another
    module may set the attribute at run time (``mod.x = 1`` elsewhere, ``setattr``), and a
    read guarded by ``hasattr`` or ``except AttributeError`` is reported all the same.
    """

    CODE = "SH006"
    NAME = "missing-module-attribute"
    MESSAGE = "module has no such attribute"
    DEFAULT_ENABLED = False
    READS_BODY = frozenset({"attributes"})
    VALID = [
        Valid("""\
            # file: app.py
            import pkg.mod
            from pkg import mod
            print(pkg.mod.present, mod.present, mod.Cls.anything, pkg.other.x)
            mod.added = 1
            print(mod.added)
            # file: pkg/__init__.py
            # file: pkg/mod.py
            present = 1
            class Cls: pass
            # file: pkg/other.py
            x = 1
            """),
    ]
    INVALID = [
        Invalid("""\
            # file: app.py
            import pkg.mod
            print(pkg.mod.nope)
            # file: pkg/__init__.py
            # file: pkg/mod.py
            present = 1
            """, line=2, column=7, message="module 'pkg.mod' has no attribute 'nope'"),
        Invalid("""\
            # file: app.py
            from pkg import mod
            mod.nope()
            # file: pkg/__init__.py
            # file: pkg/mod.py
            present = 1
            """, line=2, column=1, message="module 'pkg.mod' has no attribute 'nope'"),
    ]

    def check(self, facts: ModuleFacts, index: ProjectIndex) -> None:
        """Follow each attribute chain of an imported module, name by name."""
        if not facts.attributes:
            return
        exports = {e.name: e for e in facts.exports}
        # What this module assigns (``mod.x = 1``, ``mod.x.y = 2``) exists when read.
        stored: set[str] = set()
        for attribute in facts.attributes:
            if attribute.store:
                parts = attribute.name.split(".")
                stored.update(".".join(parts[:i]) for i in range(2, len(parts) + 1))
        # A module names the same few imports in many chains: each bound module and each
        # (module, name) is asked once per check (the index recorded its keys the first time).
        bound: dict[str, str | None] = {}
        found: dict[tuple[str, str], Any] = {}
        for attribute in facts.attributes:
            if not attribute.store:
                self._follow(facts, index, exports, stored, attribute, bound, found)

    def _follow(self, facts: ModuleFacts, index: ProjectIndex, exports: dict, stored: set[str],
                attribute: Attribute, bound: dict[str, str | None],
                seen: dict[tuple[str, str], Any]) -> None:
        root, *rest = attribute.name.split(".")
        export = exports.get(root)
        if export is None or export.kind != "import" or export.rebound or export.source is None:
            return
        if root in bound:
            current = bound[root]
        else:
            current = bound[root] = self._module_bound(facts, index, export.source)
        walked = root
        for part in rest:
            walked = f"{walked}.{part}"
            if current is None or walked in stored:
                return
            found = seen.get((current, part))
            if found is None:
                found = seen[current, part] = index.lookup(current, part)
            if found is MISSING:
                self.report(attribute.line, attribute.column,
                            f"module '{current}' has no attribute '{part}'",
                            end_line=attribute.end_line, end_column=attribute.end_column)
                return
            current = found.module if isinstance(found, Symbol) and found.kind == "module" \
                else None

    @staticmethod
    def _module_bound(facts: ModuleFacts, index: ProjectIndex,
                      source: ImportSource) -> str | None:
        """The project module an import binds its name to, or None."""
        target = index.resolve_import(facts.module, facts.is_package, source.level, source.module)
        if target is None:
            return None
        if source.name is None:
            return target if isinstance(index.resolve(target), ModuleFacts) else None
        found = index.lookup(target, source.name)
        return found.module if isinstance(found, Symbol) and found.kind == "module" else None


def project_rules() -> list[type[ProjectRule]]:
    """The built-in project rules, in code order."""
    return [ImportMissingName, CallSignatureMismatch, ImportMissingModule, UnusedDefinition,
            MissingModuleAttribute]
