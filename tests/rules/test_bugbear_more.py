"""The bugbear and comprehension rules report what ruff 0.17 reports on the files of cases
in tests/fixtures/bugbear (each line below checked against ``ruff check --isolated
--select ...``), with ruff's messages."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from analyzer.rules import check_source
from plugins import (
    bugbear_blocks,
    bugbear_classes,
    bugbear_expressions,
    bugbear_rules,
    bugbear_statements,
    bugbear_strict,
    comprehension_casts,
    comprehension_rules,
)

DATA = Path(__file__).parents[1] / "fixtures" / "bugbear"

#: (line, column, code) ruff reports in expressions.py.
EXPRESSIONS = [(4, 1, 'B002'), (5, 1, 'B002'), (7, 4, 'B004'), (9, 1, 'B004'), (10, 1, 'B004'), (10, 1, 'B009'), (11, 1, 'B005'), (13, 1, 'B009'), (17, 1, 'B010'), (19, 6, 'B022'), (21, 28, 'B022'), (23, 12, 'B033'), (23, 20, 'B033'), (23, 25, 'B033'), (23, 30, 'B033')]

#: The same in statements.py.
STATEMENTS = [(2, 1, 'B003'), (5, 8, 'B011'), (6, 8, 'B011'), (12, 9, 'B012'), (19, 17, 'B012'), (25, 17, 'B012'), (28, 8, 'B013'), (32, 1, 'B029'), (34, 9, 'B025'), (36, 8, 'B025'), (38, 9, 'B025'), (40, 1, 'B015'), (41, 1, 'B015'), (42, 7, 'B016'), (43, 7, 'B016'), (45, 7, 'B016'), (47, 1, 'B018'), (50, 1, 'B018'), (51, 1, 'B018'), (52, 1, 'B018'), (53, 1, 'B018'), (54, 1, 'B018'), (57, 1, 'B018'), (59, 1, 'B018'), (60, 1, 'B018'), (61, 1, 'B018'), (64, 5, 'B021'), (66, 5, 'B021'), (67, 5, 'B015'), (69, 5, 'B015'), (70, 1, 'B032'), (71, 1, 'B032'), (75, 1, 'B018'), (76, 1, 'B018'), (77, 1, 'B018')]


#: The same in blocks.py (loops, handlers and calls; ruff run with --target-version py313).
BLOCKS = [(3, 5, 'B007'), (5, 5, 'B007'), (10, 8, 'B007'), (21, 5, 'B904'), (32, 9, 'B904'), (34, 5, 'B904'), (35, 1, 'B905'), (40, 1, 'B905'), (42, 1, 'B905'), (43, 1, 'B028'), (44, 1, 'B028'), (49, 5, 'B007'), (49, 5, 'B020'), (51, 5, 'B007'), (51, 5, 'B020'), (53, 6, 'B007'), (53, 9, 'B007'), (53, 9, 'B020'), (56, 10, 'B026'), (59, 1, 'B034'), (61, 1, 'B034'), (62, 1, 'B034'), (65, 2, 'B035'), (66, 2, 'B035'), (68, 2, 'B035'), (71, 8, 'B014'), (75, 9, 'B030'), (77, 8, 'B030'), (79, 8, 'B030')]
#: The same in handlers.py (what a loop body uses, where B904 looks in a handler).
HANDLERS = [(6, 9, "B007"), (8, 8, "B007"), (10, 5, "B007"), (18, 9, "B904"), (20, 9, "B007"),
            (26, 9, "B904"), (30, 13, "B904"), (35, 9, "B904"), (37, 9, "B904"),
            (49, 9, "B007")]
#: The same in classes.py (tests, caches, abstract classes, context variables).
CLASSES = [
    (12, 14, "B017"), (16, 14, "B017"), (20, 14, "B017"), (22, 9, "B017"), (23, 9, "B017"),
    (29, 5, "B019"), (33, 5, "B019"), (37, 5, "B019"), (61, 7, "B024"), (62, 5, "B027"),
    (71, 5, "B027"), (74, 5, "B027"), (77, 5, "B027"), (88, 7, "B024"), (92, 7, "B024"),
    (107, 5, "B027"), (112, 31, "B039"), (114, 31, "B039"), (116, 31, "B039"),
    (119, 10, "B008"), (119, 17, "B006"), (119, 58, "B008"), (119, 86, "B008"),
    (119, 101, "B008"),
]
#: The same in defaults.py (calls and mutable values in defaults).
DEFAULTS = [
    (10, 9, "B008"), (10, 16, "B008"), (14, 10, "B008"), (14, 21, "B006"), (14, 22, "B008"),
    (14, 30, "B006"), (14, 36, "B008"), (14, 44, "B008"), (14, 46, "B008"), (14, 55, "B008"),
    (14, 62, "B008"), (14, 71, "B008"), (14, 81, "B008"), (18, 80, "B008"), (22, 18, "B008"),
    (22, 38, "B008"), (22, 60, "B006"), (22, 70, "B006"), (22, 80, "B006"), (22, 89, "B008"),
    (26, 18, "B008"), (30, 13, "B008"), (30, 22, "B008"), (30, 39, "B008"), (30, 53, "B008"),
]
DEFAULT_RULES = (*bugbear_rules.RULES,)
CLASS_RULES = (*bugbear_classes.RULES, *bugbear_rules.RULES)
#: The same in comprehensions.py (flake8-comprehensions' C4).
COMPREHENSIONS = [
    (1, 1, "C400"), (2, 1, "C401"), (3, 1, "C402"), (4, 1, "C403"), (4, 5, "C416"),
    (5, 1, "C404"), (6, 1, "C405"), (7, 1, "C405"), (8, 1, "C405"), (9, 1, "C406"),
    (10, 1, "C406"), (11, 1, "C408"), (12, 1, "C408"), (13, 1, "C408"), (14, 1, "C408"),
    (15, 1, "C409"), (16, 1, "C409"), (17, 1, "C410"), (18, 1, "C410"), (19, 1, "C411"),
    (19, 6, "C416"), (20, 1, "C414"), (21, 1, "C413"), (22, 1, "C413"), (23, 1, "C414"),
    (24, 1, "C414"), (25, 1, "C414"), (26, 1, "C415"), (27, 1, "C415"), (28, 1, "C416"),
    (29, 1, "C416"), (30, 1, "C416"), (32, 1, "C417"), (33, 1, "C417"), (34, 1, "C418"),
    (35, 1, "C418"), (36, 5, "C416"), (36, 5, "C419"), (37, 5, "C416"), (37, 5, "C419"),
    (38, 1, "C420"), (39, 1, "C420"), (41, 5, "C416"), (44, 1, "C414"), (45, 1, "C414"),
    (46, 1, "C414"), (47, 1, "C414"), (48, 1, "C414"), (49, 1, "C414"), (50, 1, "C413"),
    (51, 1, "C413"), (52, 1, "C413"), (53, 1, "C415"), (55, 1, "C415"), (56, 1, "C420"),
    (61, 1, "C420"), (62, 5, "C416"), (62, 5, "C419"), (64, 5, "C416"), (64, 5, "C419"),
    (68, 1, "C418"), (68, 6, "C416"), (69, 1, "C413"), (71, 1, "C416"), (72, 1, "C417"),
    (73, 1, "C417"), (74, 1, "C417"), (75, 1, "C417"), (76, 1, "C417"), (82, 1, "C417"),
    (85, 7, "C417"), (86, 8, "C417"),
]
#: Its rules.
C4_RULES = (*comprehension_rules.RULES, *comprehension_casts.RULES)
#: Its rules: the loop and handler checks, and the call checks it exercises.
BLOCK_RULES = (*bugbear_blocks.RULES, *bugbear_strict.RULES,
               *(r for r in bugbear_expressions.RULES
                 if r.CODE in ("B026", "B028", "B034", "B035")))


@pytest.mark.parametrize(("name", "rules", "expected"), [
    ("expressions.py", bugbear_expressions.RULES, EXPRESSIONS),
    ("statements.py", bugbear_statements.RULES, STATEMENTS),
    ("blocks.py", BLOCK_RULES, BLOCKS),
    ("handlers.py", bugbear_blocks.RULES, HANDLERS),
    ("classes.py", CLASS_RULES, CLASSES),
    ("defaults.py", DEFAULT_RULES, DEFAULTS),
    ("comprehensions.py", C4_RULES, COMPREHENSIONS),
])
def test_each_finding_is_ruffs(name: str, rules: tuple, expected: list) -> None:
    source = (DATA / name).read_text(encoding="utf-8")
    got = sorted((d.line, d.column, d.code) for d in check_source(source, list(rules)))
    assert got == expected


def test_the_messages_name_what_was_found() -> None:
    source = (DATA / "statements.py").read_text(encoding="utf-8")
    messages = {(d.line, d.message) for d in check_source(source, list(bugbear_statements.RULES))}
    assert (19, "`break` inside `finally` blocks cause exceptions to be silenced") in messages
    assert (36, "try-except block with duplicate exception `ValueError`") in messages
    assert (69, "Pointless comparison at end of function scope. Did you mean to return the "
                "expression result?") in messages


def test_a_stub_states_an_interface_no_abstract_class_check_applies() -> None:
    # typeshed's importlib/abc.pyi: every method is `...`, and ruff leaves stubs alone.
    source = "from abc import ABC\nclass Loader(ABC):\n    def load(self) -> None: ...\n"
    rules = list(bugbear_classes.RULES)
    assert [d.code for d in check_source(source, rules, path="abc.py")] == ["B024", "B027"]
    assert check_source(source, rules, path="abc.pyi") == []


def test_a_notebook_without_statements_breaks_no_cell_end_rule() -> None:
    # nbformat's tests/many_tracebacks.ipynb: its one cell holds no statement, and B015 and
    # B018's cell ends were a zip() of unequal lengths, SH900 on a real notebook.
    from analyzer.rules import RuleContext, RuleSettings, run_module_rules

    context = RuleContext(path="n.ipynb", module="n", is_package=False, source="\n",
                          settings=RuleSettings(), cells=(1,))
    rules = [r for r in bugbear_statements.RULES if r.CODE in ("B015", "B018")]
    assert run_module_rules(context, rules, ast.parse("\n")) == []
