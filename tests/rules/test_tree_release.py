"""Once the module rules are done with a file, reference counting frees its tree and all
they made: the runner, the walk and the scope analysis leave no cycle behind (the cyclic
collector is paused while phase 1 checks a file)."""
from __future__ import annotations

import ast
import gc
import weakref

from analyzer.rules import LintRule, RuleContext, RuleSettings, run_module_rules
from plugins import builtin_rules

SOURCE = '''\
"""Doc."""
from __future__ import annotations
import os, sys
from typing import TYPE_CHECKING
from collections import *
__all__ = ["f", "C", "missing"]
x: int = 1
if TYPE_CHECKING:
    import json

def f(a, b=[], *args, c: "os.PathLike[str]" = None, **kw):
    global x
    y = [i for i in range(3) if i]
    z = {k: v for k, v in kw.items()}
    g = lambda q: q + y[0]
    try:
        w = undefined_name
    except (ValueError, TypeError) as exc:
        raise NotImplemented
    finally:
        pass
    def inner():
        nonlocal y
        y = "%s %d" % (a,) ; return "{} {}".format(a)
    if x == None or type(a) == type(b): l = 1
    return f"{a}" + f"plain"

class C:
    attr = 1
    def m(self) -> "C":
        yield from (i for i in self.attr)
    async def n(self):
        async with self as s, open(os.sep) as t:
            await s
        match self:
            case {"k": v}: pass
            case [1, *rest]: pass
'''


def _rules() -> tuple[type[LintRule], ...]:
    return tuple(r for r in builtin_rules() if isinstance(r, type) and issubclass(r, LintRule))


def test_the_tree_is_freed_by_reference_counting_after_the_rules():
    rules = _rules()
    assert len(rules) > 50
    context = RuleContext(path="m.py", module="m", is_package=False, source=SOURCE,
                          settings=RuleSettings())
    run_module_rules(context, rules, ast.parse(SOURCE))  # imports, plans, caches
    enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        tree = ast.parse(SOURCE)
        alive = weakref.ref(tree)
        diagnostics = run_module_rules(context, rules, tree)
        del tree
        assert alive() is None
        # ... and nothing else the run made is left for the collector either.
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()
    assert {d.code for d in diagnostics} >= {"F401", "F405", "E711", "B006"}
