"""Project rules no per-file linter can do: SH001, SH002, SH004, SH005, SH006 (SH003 is the
master's; SH002 lives in ``plugins.call_rules``, SH005 in ``plugins.dead_code``).

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
from plugins.call_rules import CallSignatureMismatch
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
