"""F401/F811/F821/F822/F841 through the public runner: examples, messages, positions, fixes."""
from __future__ import annotations

import textwrap

import pytest

from analyzer.rules import check_source
from analyzer.rules._examples import apply_fixes, run_example
from plugins.scope_rules import RULES

EXAMPLES = [(rule, ex) for rule in RULES for ex in [*rule.VALID, *rule.INVALID]]


@pytest.mark.parametrize(
    ("rule", "example"),
    EXAMPLES,
    ids=[f"{r.CODE}-{type(e).__name__}-{i}" for i, (r, e) in enumerate(EXAMPLES)],
)
def test_examples(rule, example) -> None:
    assert run_example(rule, example) == []


def assert_reports(source: str, expected: list[tuple[int, int, str, str]], **kw) -> None:
    """Run the five rules on dedented ``source``; show input, expected and got on mismatch."""
    source = textwrap.dedent(source)
    got = [(d.line, d.column, d.code, d.message) for d in sorted(check_source(source, RULES, **kw))]
    assert got == expected, f"\n--- input ---\n{source}--- expected ---\n{expected}\n--- got ---\n{got}"


REPORTS = {
    "all-five": (
        """\
        import os
        import sys
        import sys
        __all__ = ['missing']
        def f():
            unused = 1
            return nope
        """,
        [
            (1, 1, "F401", "'os' imported but unused"),
            (3, 1, "F401", "'sys' imported but unused"),
            (3, 1, "F811", "redefinition of unused 'sys' from line 2"),
            (4, 1, "F822", "undefined name 'missing' in __all__"),
            (6, 5, "F841", "local variable 'unused' is assigned to but never used"),
            (7, 12, "F821", "undefined name 'nope'"),
        ],
    ),
    "non-ascii-column": (
        "x = 'ééé'; print(nope)\n",
        [(1, 18, "F821", "undefined name 'nope'")],
    ),
    # F811 as ruff: only within one branch (pyflakes reports all but the same-branch ones)
    "f811-branch-over-top": (
        "import os\nif __debug__:\n    import os\n",
        [(3, 5, "F401", "'os' imported but unused")],
    ),
    "f811-type-checking-then-main": (
        """\
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from m import Console
        def f(c: "Console"):
            pass
        if __name__ == "__main__":
            from m import Console
            Console()
        """,
        [],
    ),
    "f811-same-branch": (
        "if __debug__:\n    import os\n    import os\n    os\n",
        [(3, 5, "F811", "redefinition of unused 'os' from line 2")],
    ),
    "f811-assignment-in-branch-over-local-function": (
        "def g(x):\n    def h():\n        pass\n    if __debug__:\n        h = x\n    return h\n",
        [],
    ),
    "f811-two-branches-each-redefined": (
        "if __debug__:\n    import os\n    import os\nelse:\n    import os\n    import os\nos\n",
        [(3, 5, "F811", "redefinition of unused 'os' from line 2"),
         (6, 5, "F811", "redefinition of unused 'os' from line 5")],
    ),
    "f811-nested-scope-import": (
        "import os\ndef f():\n    import os\n    os\ndef g():\n    if __debug__:\n        import os\n"
        "        os\n",
        [(1, 1, "F401", "'os' imported but unused"),
         (3, 5, "F811", "redefinition of unused 'os' from line 1")],
    ),
    "f811-with-blocks-are-branches-loops-are-not": (
        "import contextlib\nwith contextlib.suppress(Exception):\n    class A:\n        pass\n"
        "with contextlib.suppress(Exception):\n    class A:\n        pass\n"
        "for i in range(2):\n    class B:\n        pass\nfor i in range(2):\n    class B:\n"
        "        pass\n",
        [(12, 5, "F811", "redefinition of unused 'B' from line 9")],
    ),
    "quote-in-name-uses-repr": (
        "from m import a as b\n",
        [(1, 1, "F401", "'m.a as b' imported but unused")],
    ),
    # A typing call's annotation argument, by the module's alias or by the bare name.
    "typing-cast-by-module-alias": (
        "import typing as t\nx = t.cast('Undefined1', 1)\n",
        [(2, 12, "F821", "undefined name 'Undefined1'")],
    ),
    "typing-cast-by-name": (
        "from typing import cast\nx = cast('Undefined2', 1)\n",
        [(2, 10, "F821", "undefined name 'Undefined2'")],
    ),
}


@pytest.mark.parametrize("case", sorted(REPORTS))
def test_reports(case: str) -> None:
    source, expected = REPORTS[case]
    assert_reports(source, expected)


def test_init_py_skips_f822_but_reports_f401() -> None:
    assert_reports(
        "import os\n__all__ = ['x']\n",
        [(1, 1, "F401", "'os' imported but unused")],
        path="pkg/__init__.py",
    )


FIXES = {
    "whole-statement": ("import os\nx = 1\n", "x = 1\n"),
    "first-of-two": ("import os, sys\nsys\n", "import sys\nsys\n"),
    "last-of-two": ("import os, sys\nos\n", "import os\nos\n"),
    "middle-of-three": ("from m import a, b, c\na, c\n", "from m import a, c\na, c\n"),
    "two-of-three": ("from m import a, b, c\nb\n", "from m import b\nb\n"),
    "trailing-run": ("from m import a, b, c\na\n", "from m import a\na\n"),
    "parenthesized-multiline": (
        "from m import (\n    a,\n    b,\n    c,\n)\nb\n",
        "from m import (\n    b,\n)\nb\n",
    ),
    "only-statement-of-block": ("if True:\n    import os\n", "if True:\n    pass\n"),
    "only-statement-on-header-line": ("def f(): import os\n", "def f(): pass\n"),
    "followed-by-semicolon": ("import os; x = 1\n", "x = 1\n"),
    "after-semicolon": ("x = 1; import os\n", "x = 1\n"),
    "with-comment": ("import os  # old\nx = 1\n", "x = 1\n"),
    "no-trailing-newline": ("x = 1\nimport os", "x = 1\n"),
    "block-keeps-other-statements": ("def f():\n    import os\n    return 1\n",
                                     "def f():\n    return 1\n"),
    "non-ascii-alias": ("from m import é, b\nb\n", "from m import b\nb\n"),
    # Each the only statement of a block, deep down, beside statements on other lines.
    "only-statements-of-nested-blocks": (
        "x = 1\nclass C:\n    y = 2\n    def f(self):\n        try:\n            import os\n"
        "        except E:\n            match v:\n                case 1:\n"
        "                    import sys\n        z = 3\n",
        "x = 1\nclass C:\n    y = 2\n    def f(self):\n        try:\n            pass\n"
        "        except E:\n            match v:\n                case 1:\n"
        "                    pass\n        z = 3\n",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(FIXES))
def test_f401_fix(case: str) -> None:
    source, expected = FIXES[case]
    diags = [d for d in check_source(source, RULES) if d.code == "F401"]
    assert diags, f"no F401 on {source!r}"
    assert all(d.fix is None or d.fix.applicability == "safe" for d in diags)
    fixed = apply_fixes(source, diags)
    assert fixed == expected, f"\n--- input ---\n{source}--- expected ---\n{expected}--- got ---\n{fixed}"
