"""Built-in pyflakes rules on imports, read off the scope provider: F402 to F407.

Star imports (F403, F405, F406), ``__future__`` imports (F404, F407) and imports that a
``for`` loop rebinds (F402). Codes, messages and positions are pyflakes's, so existing
``# noqa`` comments carry over; the scope analysis finds them in its one walk.
"""
from __future__ import annotations

import ast
from typing import ClassVar

from analyzer.rules import Invalid, LintRule, ScopeProvider, Valid
from plugins._scope_base import ScopeRule as _ScopeRule


class ImportShadowedByLoopVar(_ScopeRule):
    """A ``for`` loop's target rebinds an imported name, in the import's own branch."""

    CODE = "F402"
    EQUIVALENT = "pyflakes F402, ruff F402"
    EQUIVALENT_NOTE = ("as ruff: only a loop's target, in the branch of the import (the same "
                       "if/elif/else clause, try part, match case or with body); a def or an "
                       "import in the loop's body is F811, as elsewhere (pyflakes reports "
                       "both as F402, in any branch)")
    NAME = "import-shadowed-by-loop-var"
    MESSAGE = "import shadowed by loop variable"
    VALID: ClassVar[list[Valid]] = [
        Valid("import os\nfor path in os.listdir():\n    print(path)\n"),
        Valid("import os\nprint([os for os in range(3)])\n"),
        Valid("def f():\n    import os\n    print(os)\nfor os in range(3):\n    pass\n"),
        Valid("import os\nif len:\n    for os in range(3):\n        pass\n"),
        Valid("import os\nfor i in range(3):\n    import os\n    print(os)\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("import os\nfor os in range(3):\n    pass\n", line=2, column=5,
                message="import 'os' from line 1 shadowed by loop variable"),
        Invalid("from m import a\nfor a, b in pairs:\n    pass\n", line=2, column=5),
        Invalid("import os\ndef f():\n    for os in range(3):\n        pass\n", line=3, column=9),
    ]  # fmt: skip

    def visit_Module(self, node: ast.Module) -> None:
        """Report every import a loop shadows."""
        for s in self.get_metadata(ScopeProvider).shadowed_imports:
            self.report(
                (s.line, s.column),
                f"import {s.name!r} from line {s.original_line!r} shadowed by loop variable",
                end=(s.end_line, s.end_column),
            )


class UndefinedLocalWithImportStar(_ScopeRule):
    """``from m import *`` hides which names a module defines, so undefined names go unseen."""

    CODE = "F403"
    EQUIVALENT = "pyflakes F403, ruff F403"
    NAME = "undefined-local-with-import-star"
    MESSAGE = "star import used; unable to detect undefined names"
    VALID: ClassVar[list[Valid]] = [
        Valid("from os import path\n"),
        Valid("def f():\n    from os import *\n"),  # F406, not F403
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("from os import *\n", line=1, column=1,
                message="'from os import *' used; unable to detect undefined names"),
        Invalid("if x:\n    from .. import *\n", line=2, column=5,
                message="'from .. import *' used; unable to detect undefined names"),
    ]  # fmt: skip

    def visit_Module(self, node: ast.Module) -> None:
        """Report every module-level star import."""
        for s in self.get_metadata(ScopeProvider).star_imports:
            self.report(
                (s.line, s.column),
                f"'from {s.name} import *' used; unable to detect undefined names",
                end=(s.end_line, s.end_column),
            )


class LateFutureImport(_ScopeRule):
    """A ``__future__`` import after other code does not compile."""

    CODE = "F404"
    EQUIVALENT = "pyflakes F404, ruff F404"
    NAME = "late-future-import"
    MESSAGE = "from __future__ imports must occur at the beginning of the file"
    VALID: ClassVar[list[Valid]] = [
        Valid('"""Docstring."""\nfrom __future__ import annotations\nimport os\n'),
        Valid("from __future__ import division\nfrom __future__ import annotations\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("import os\nfrom __future__ import annotations\n", line=2, column=1,
                message="from __future__ imports must occur at the beginning of the file"),
        Invalid("from os import path\nfrom __future__ import annotations\n", line=2),
        Invalid("def f():\n    from __future__ import annotations\n", line=2, column=5),
    ]  # fmt: skip

    def visit_Module(self, node: ast.Module) -> None:
        """Report every ``__future__`` import that comes too late."""
        for s in self.get_metadata(ScopeProvider).late_future_imports:
            self.report((s.line, s.column), end=(s.end_line, s.end_column))


class UndefinedLocalWithImportStarUsage(_ScopeRule):
    """A name no one defines, unless one of the module's star imports does."""

    CODE = "F405"
    EQUIVALENT = "pyflakes F405, ruff F405"
    NAME = "undefined-local-with-import-star-usage"
    MESSAGE = "name may be undefined, or defined from star imports"
    VALID: ClassVar[list[Valid]] = [
        Valid("from os import *\nfrom os import getcwd\nprint(getcwd())\n"),
        Valid("print(missing)\nfrom os import *\n"),  # F821: the star import comes later
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("from os import *\nprint(getcwd())\n", line=2, column=7,
                message="'getcwd' may be undefined, or defined from star imports: os"),
        Invalid("from sys import *\nfrom os import *\ndef f():\n    return getcwd()\n",
                line=4, column=12,
                message="'getcwd' may be undefined, or defined from star imports: os, sys"),
        Invalid("from os import *\n__all__ = ['getcwd']\n", line=2, column=1,
                message="'getcwd' may be undefined, or defined from star imports: os"),
    ]  # fmt: skip

    def visit_Module(self, node: ast.Module) -> None:
        """Report every name that only a star import may define; for a name ``__all__``
        lists, at the ``__all__`` statement (as pyflakes), and a ``# noqa`` on the name's own
        line (where ruff reports it) counts too."""
        for u in self.get_metadata(ScopeProvider).star_usages:
            self.report(
                (u.line, u.column),
                f"{u.name!r} may be undefined, or defined from star imports: {u.from_list}",
                end=(u.end_line, u.end_column),
                noqa_line=u.name_line if u.name_line != u.line else 0,
            )


class UndefinedLocalWithNestedImportStarUsage(_ScopeRule):
    """``from m import *`` inside a function or class does not compile."""

    CODE = "F406"
    EQUIVALENT = "pyflakes F406, ruff F406"
    NAME = "undefined-local-with-nested-import-star-usage"
    MESSAGE = "star import only allowed at module level"
    VALID: ClassVar[list[Valid]] = [
        Valid("from os import *\n"),
        Valid("def f():\n    from os import getcwd\n    return getcwd()\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("def f():\n    from os import *\n", line=2, column=5,
                message="'from os import *' only allowed at module level"),
        Invalid("class C:\n    from .m import *\n", line=2,
                message="'from .m import *' only allowed at module level"),
    ]  # fmt: skip

    def visit_Module(self, node: ast.Module) -> None:
        """Report every star import outside the module scope."""
        for s in self.get_metadata(ScopeProvider).misplaced_star_imports:
            self.report(
                (s.line, s.column),
                f"'from {s.name} import *' only allowed at module level",
                end=(s.end_line, s.end_column),
            )


class FutureFeatureNotDefined(_ScopeRule):
    """A ``__future__`` feature the running Python does not know does not compile."""

    CODE = "F407"
    EQUIVALENT = "pyflakes F407, ruff F407"
    NAME = "future-feature-not-defined"
    MESSAGE = "future feature is not defined"
    VALID: ClassVar[list[Valid]] = [
        Valid("from __future__ import annotations, division\n"),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid("from __future__ import braces_please\n", line=1, column=1,
                message="future feature braces_please is not defined"),
    ]  # fmt: skip

    def visit_Module(self, node: ast.Module) -> None:
        """Report every unknown ``__future__`` feature, at its statement."""
        for s in self.get_metadata(ScopeProvider).undefined_futures:
            self.report(
                (s.line, s.column),
                f"future feature {s.name} is not defined",
                end=(s.end_line, s.end_column),
            )


#: The rules of this module, for ``plugins.builtin_rules()``.
RULES: tuple[type[LintRule], ...] = (
    ImportShadowedByLoopVar,
    UndefinedLocalWithImportStar,
    LateFutureImport,
    UndefinedLocalWithImportStarUsage,
    UndefinedLocalWithNestedImportStarUsage,
    FutureFeatureNotDefined,
)
