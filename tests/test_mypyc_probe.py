"""bench/mypyc_probe.py's source rewrites leave behaviour alone (checked in pure Python).

The probe compiles a rewritten copy of the tree; if a rewrite lost an alias or a
version-guarded method, the compiled build would differ for a reason that is not mypyc.
Here the rewritten copy runs uncompiled, in a subprocess, on sources that reach every
aliased handler, and must report exactly what the worktree reports.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Reaches the aliased scope handlers (async for/with/def, nonlocal, break/continue,
# list/set displays as targets, yield from/await, the comprehensions) and the aliased rule
# visitors (async defs with mutable defaults and annotations).
SOURCE = '''
import os, sys
from typing import List
async def f(a=[], *, b: "List[int]" = {}) -> None:
    async for x in a:
        await g(x)
    async with open(os) as h:
        [p, q] = h
    def inner():
        nonlocal b
        yield from (y for y in b if y)
        return {k: v for k, v in b}, {s for s in b}, [t for t in b]
    for i in range(3):
        if i:
            break
        continue
    return undefined_name
def g(x, unused=()):
    local = 1
'''

DUMP = '''
import ast, sys
from analyzer.rules._scope import analyze_scopes
src = sys.stdin.read()
a = analyze_scopes(ast.parse(src), src)
for field in ("unused_imports", "undefined_names", "unused_variables", "redefinitions"):
    print(field, [r[:1] + tuple(x for x in r[1:] if isinstance(x, int)) for r in getattr(a, field)])
print("handlers", sorted(a._analyzer._dispatch and [
    (c.__name__, h.__name__) for c, h in a._analyzer._dispatch.items()]))
'''


def _probe():
    spec = importlib.util.spec_from_file_location("mypyc_probe", REPO / "bench/mypyc_probe.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(args: list[str], pythonpath: Path, stdin: str = "") -> str:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    done = subprocess.run([sys.executable, *args], input=stdin, env=env, cwd=pythonpath,
                          capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr  # 1: `shoal check` found something
    return done.stdout


def test_rewritten_tree_behaves_as_the_worktree(tmp_path: Path) -> None:
    probe = _probe()
    scratch = tmp_path / "scratch"
    # The worktree as it is, not HEAD (the probe's export): uncommitted edits are compared too.
    for package in ("analyzer", "parallel", "heap_native", "plugins"):
        shutil.copytree(REPO / package, scratch / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.c"))
    probe._rewrite_scope_classes(scratch)
    probe._rewrite_rules(scratch)
    assert "_ALIASES = {" in (scratch / "analyzer/rules/_scope_state.py").read_text()
    assert " = v_" not in (scratch / "analyzer/rules/_scope.py").read_text()

    expected = _run(["-c", DUMP], REPO, SOURCE)
    assert "('AsyncFor', 'v_For')" in expected and "('Nonlocal', 'v_Global')" in expected
    assert _run(["-c", DUMP], scratch, SOURCE) == expected

    sample = tmp_path / "sample.py"
    sample.write_text(SOURCE)
    check = ["-m", "analyzer", "check", str(sample), "--no-cache", "--output-format", "json"]
    findings = _run(check, REPO)
    assert '"B006"' in findings  # the aliased visit_AsyncFunctionDef of a plugin rule ran
    assert _run(check, scratch) == findings
