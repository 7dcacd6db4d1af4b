"""SH005 (unused-definition): a module-level definition nothing in the project uses.

Built from facts: each module's own uses (``ModuleFacts.uses``) and the names other modules
reference in it, read through ``index.references`` (which records ``ref[module]``, so an
edit elsewhere that adds or drops a reference rechecks exactly this module). What keeps a
name alive, and what the rule cannot see, is in the class docstring (``shoal rule SH005``).
"""
from __future__ import annotations

import os

from analyzer.rules import Export, Invalid, ModuleFacts, ProjectIndex, ProjectRule, Valid

__all__ = ["UnusedDefinition"]

#: Decorators (last dotted part) that hand a function to a framework that calls it:
#: pytest's fixtures and hooks, ``atexit.register``, ``functools.singledispatch``'s
#: ``.register``.
_CALLED_BY_FRAMEWORK = frozenset({"fixture", "hookimpl", "hookspec", "register"})

#: Names pytest and unittest look up in a test module or a ``conftest.py``.
_TEST_PROTOCOL = frozenset({
    "pytestmark", "pytest_plugins", "collect_ignore", "collect_ignore_glob", "load_tests",
    "setUpModule", "tearDownModule", "setup_module", "teardown_module", "setup_function",
    "teardown_function", "setup", "teardown",
})


def _is_test_module(path: str) -> bool:
    """A test file by its name, or any file in a ``test``/``tests`` folder (helpers there are
    loaded by test runners and by name: ``import_fresh_module("test.datetimetester")``)."""
    folder, name = os.path.split(path)
    if name.startswith("test_") or name.endswith("_test.py") or name in (
            "conftest.py", "tests.py", "test.py"):
        return True
    return not _TEST_FOLDERS.isdisjoint(folder.replace("\\", "/").split("/"))


def _collected_by_a_test_runner(export: Export) -> bool:
    """In a test module: what pytest or unittest collects by name or by class. unittest
    collects any ``TestCase`` subclass, however named and through project bases it cannot
    see here, so every class with a base is spared; and every name saying ``test``
    (``Source_LineEndingTest = test_both(...)`` binds test classes to variables)."""
    name = export.name
    if "test" in name.lower() or name in _TEST_PROTOCOL:
        return True
    return export.kind == "class" and bool(export.bases)


_TEST_FOLDERS = frozenset({"test", "tests", "testing"})


#: Files a tool reads every name of by name: Sphinx's ``conf.py``, extension-helpers'
#: ``setup_package.py`` (``get_extensions``, ``get_package_data``).
_READ_BY_A_TOOL = frozenset({"conf.py", "setup_package.py"})


def _read_by_a_tool(path: str) -> bool:
    """A file whose every name a tool reads by name (:data:`_READ_BY_A_TOOL`)."""
    return os.path.basename(path) in _READ_BY_A_TOOL


def _decorator_name(text: str) -> str:
    """``app.route("/x")`` -> ``app.route``: the dotted name a decorator is written as."""
    return text.split("(", 1)[0].strip().lstrip("@").strip()


class UnusedDefinition(ProjectRule):
    """SH005: a module-level function, class or variable that nothing in the project uses.

    Used means: read anywhere in its own module (a call, a value, a base class, an
    annotation, under ``if __name__ == "__main__":``, its own body included), named by a short
    string there (``getattr(mod, "name")``, a string annotation), or referenced by another
    project module: imported (``from m import f``, also through a re-export, each hop being
    an import), or read as an attribute of an imported module (``m.f``, ``pkg.m.f``).

    Never reported (public API, or called by a framework): names in ``__all__``; public
    names of a package ``__init__``; dunder names; every name of a Sphinx ``conf.py`` or an
    extension-helpers ``setup_package.py``;
    ``test*`` functions and ``Test*`` classes anywhere (pytest's ``python_files`` may
    point at any file); entry points of ``pyproject.toml``
    (``[project.scripts]``, ``gui-scripts``, ``entry-points``); in test modules and
    ``conftest.py`` and the files of ``test``/``tests``/``testing`` folders, names containing
    ``test`` (any case), classes with a base (unittest collects ``TestCase`` subclasses
    however named) and pytest's module-level names;
    ``pytest_*`` hooks; functions decorated ``@...fixture``, ``@...register``, ``@hookimpl``
    or by a decorator in ``dead-code-ignore-decorators`` (written as that dotted name, or
    ending with ``.`` and it); ``_`` (not ``dummy-variable-rgx``, which would spare every
    private name, the likeliest to be dead); every name of a module
    whose namespace is dynamic (``globals()`` writes, a dynamic ``__all__``), and every
    public name of a module another one star-imports without ``__all__``.

    Not seen (false positives, documented): a library's public API in plain modules, used by
    other projects and not by this one (declare ``__all__``, re-export it from the package,
    or ``per-file-ignores``); examples and test data no module imports; uses from outside
    the indexed files (scripts, docs, other projects), through strings that are not the name itself
    (``importlib.import_module``, ``"pkg.mod:func"`` in a setup file, plugin registries),
    through an alias bound at run time (``m = importlib.import_module(...)``; ``m.f``), and
    framework registration by a decorator not configured (``@app.command()``). Not reported
    when it should be (false negatives): a name kept alive only by an unused import or an
    unused re-export, or by its own body (recursion), or whose name appears as a short
    string anywhere in its module. Off by default.
    """

    CODE = "SH005"
    NAME = "unused-definition"
    MESSAGE = "definition is never used in the project"
    DEFAULT_ENABLED = False
    READS_REFERENCES = True
    READS_BODY = frozenset({"uses", "references"})
    VALID = [
        Valid("""\
            # file: app.py
            from lib import helper
            import lib
            helper()
            print(lib.Config)
            # file: lib.py
            __all__ = ["exported"]
            def helper(): return _private()
            def _private(): return 1
            class Config: pass
            def exported(): pass
            """),
        Valid("""\
            # file: app.py
            from pkg import api
            api()
            # file: pkg/__init__.py
            from .impl import api
            def public(): pass
            # file: pkg/impl.py
            def api(): pass
            """),
        Valid("""\
            # file: tests/test_app.py
            import pytest
            @pytest.fixture
            def client(): return 1
            def test_client(client): assert client
            class TestThing:
                pass
            """),
    ]
    INVALID = [
        Invalid("""\
            # file: lib.py
            def used(): pass
            def unused(): pass
            # file: app.py
            from lib import used
            used()
            """, line=2, column=1, message="function 'unused' is never used in the project"),
        Invalid("""\
            # file: lib.py
            import os
            LIMIT = 10
            class Old: pass
            print(os.sep)
            """, line=2, column=1, message="variable 'LIMIT' is never used in the project"),
    ]

    def check(self, facts: ModuleFacts, index: ProjectIndex) -> None:
        """Report each definition neither this module nor the project's references use."""
        if facts.all_dynamic or facts.dynamic_namespace:
            return  # its names may be read and written by name at run time
        candidates = [e for e in facts.exports if self._may_be_dead(facts, e)]
        if not candidates:
            return  # nothing to ask: no dependency on the other modules' references
        referenced = index.references(facts.module)
        star = "*" in referenced and facts.all_names is None
        for export in candidates:
            if export.name in referenced or (star and not export.name.startswith("_")):
                continue
            self.report(export.line, export.column,
                        f"{export.kind} '{export.name}' is never used in the project")

    def _may_be_dead(self, facts: ModuleFacts, export: Export) -> bool:
        """Whether ``export`` is a definition nothing in its own module keeps alive."""
        if export.kind not in ("function", "class", "variable"):
            return False
        name = export.name
        if export.kind == "variable" and export.conditional and export.line == 1 \
                and export.column == 1:
            return False  # bound where the statement pass cannot see (walrus, ``global``)
        if (name.startswith("__") and name.endswith("__")) or name in facts.uses:
            return False
        if facts.all_names is not None and name in facts.all_names:
            return False
        if facts.is_package and not name.startswith("_"):
            return False  # a package's public names are its API
        if name.startswith("pytest_") or _read_by_a_tool(facts.path):
            return False
        if (export.kind == "function" and name.startswith("test")) or (
                export.kind == "class" and name.startswith("Test")):
            return False  # pytest collects them wherever ``python_files`` points
        if not name.strip("_"):
            return False  # ``_``: a throwaway by convention
        settings = self.context.settings
        if _is_test_module(facts.path) and _collected_by_a_test_runner(export):
            return False
        for point in settings.entry_points:
            module, _, attribute = point.partition(":")
            if module.strip() == facts.module and attribute.split(".", 1)[0].strip() == name:
                return False
        for text in export.decorators:
            decorator = _decorator_name(text)
            if decorator.rsplit(".", 1)[-1] in _CALLED_BY_FRAMEWORK:
                return False
            for ignored in settings.dead_code_ignore_decorators:
                if decorator == ignored or decorator.endswith("." + ignored):
                    return False
        return True
