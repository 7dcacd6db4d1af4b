"""Does compiling the hot phase-1 modules with mypyc pay? A scratch build, then an A/B.

    python bench/mypyc_probe.py build /tmp/shoal-mypyc       # copy HEAD, rewrite, compile
    python bench/mypyc_probe.py compare /tmp/shoal-mypyc /tmp/stdlib --repeat 2

``build`` exports the committed tree (``git archive HEAD``) into a scratch directory, applies
the rewrites mypyc needs (below: none changes what the code does) and compiles the modules of
:data:`MODULES` in place, beside their ``.py``. Nothing in the worktree changes, and shoal's
own build does not use mypyc: the README's cold-check section says why (it did not pay
enough). ``compare`` runs ``shoal check PATH --no-cache --output-format json`` alternately
with the pure-Python modules and with the scratch tree first on ``PYTHONPATH``, reports the
CPU seconds of each run (the workers included) and whether the JSON is byte-identical.

The rewrites, because mypyc compiles classes into native ones that do not allow them:
``v_X = v_Y`` aliases in a class body (a native class drops them: the alias would silently
not exist) become a name table the scope analyzer's dispatch reads, or a delegating method in
a plugin rule; methods defined under ``if sys.version_info`` in a class body are defined
unconditionally (their node classes never occur on older Pythons); the ``dir()`` of a class
body is taken by running one; a tuple class attribute that subclasses override is a
``ClassVar``. ``ScopeAnalysis`` (it sets its slots through ``object.__setattr__``), the facts
records (pickled dataclasses) and the plugin modules with multiple inheritance stay Python.
Needs setuptools >= 77 in the environment (mypyc builds through it and reads pyproject.toml).
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

MODULES = [
    "analyzer/model/_extract.py", "analyzer/model/_extract_assigns.py",
    "analyzer/model/_extract_calls.py", "analyzer/model/_extract_defs.py",
    "analyzer/model/_extract_dynamic.py", "analyzer/model/_extract_imports.py",
    "analyzer/model/_extract_refs.py", "analyzer/model/_extract_walk.py",
    "analyzer/model/_scope.py", "analyzer/model/_state.py", "analyzer/model/_syntax.py",
    "analyzer/rules/_ast_walk.py", "analyzer/rules/_bindings.py", "analyzer/rules/_scope.py",
    "analyzer/rules/_scope_state.py", "analyzer/rules/_scope_nesting.py",
    "analyzer/rules/_scope_annotations.py",
    "plugins/format_rules.py", "plugins/style_rules.py", "plugins/pattern_rules.py",
    "plugins/annotation_rules.py", "plugins/import_rules.py", "plugins/scope_rules.py",
    "plugins/dead_code.py", "plugins/project_rules.py", "plugins/local_rules.py",
    "plugins/_operators.py", "plugins/_text.py", "plugins/_scope_base.py",
]  # fmt: skip

_SCOPE_ALIAS = re.compile(r"^    ((?:v_\w+ = )*v_\w+) = (v_\w+)\n", re.M)
_RULE_ALIAS = re.compile(
    r"^(\s+)((?:(?:visit|leave)_\w+ = )*(?:visit|leave)_\w+) = ((?:visit|leave)_\w+)\n", re.M
)
_VERSION_BLOCK = re.compile(
    r"^    if sys\.version_info >= \(3, \d+\):\n((?:\n|        .*\n)+)", re.M
)


def _export(scratch: Path) -> None:
    scratch.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "HEAD", "analyzer", "parallel", "heap_native",
                              "plugins", "pyproject.toml"], cwd=REPO, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(scratch)], input=archive, check=True)
    for built in (REPO / "heap_native").glob("_native*.so"):
        (scratch / "heap_native" / built.name).write_bytes(built.read_bytes())


def _rewrite_scope_classes(scratch: Path) -> None:
    aliases: dict[str, str] = {}
    for name in ("_scope.py", "_scope_nesting.py"):
        path = scratch / "analyzer/rules" / name
        text = path.read_text()

        def unalias(match: re.Match[str]) -> str:
            for alias in match.group(1).split(" = "):
                aliases[alias[2:]] = match.group(2)[2:]
            return ""

        text = _SCOPE_ALIAS.sub(unalias, text)

        def unguard(match: re.Match[str]) -> str:
            body = re.sub(r"^    ", "", match.group(1), flags=re.M)
            body = _SCOPE_ALIAS.sub(unalias, body)
            return re.sub(r"\(self, node: [^)]*\)", "(self, node: Any)", body)

        text = _VERSION_BLOCK.sub(unguard, text)
        text = text.replace("\nimport sys\n", "\nimport sys\nfrom typing import Any\n", 1)
        path.write_text(text)
    path = scratch / "analyzer/rules/_scope_state.py"
    text = path.read_text()
    for old, new in [
        ("class _ClassMagic:\n    names = dir()\n",
         "_MAGIC: dict = {}\nexec('class _ClassMagic:\\n    names = dir()\\n', _MAGIC)\n"),
        ("frozenset(_ClassMagic.names)", "frozenset(_MAGIC['_ClassMagic'].names)"),
        ('getattr(type(self), "v_" + cls.__name__, None)',
         'getattr(type(self), "v_" + _ALIASES.get(cls.__name__, cls.__name__), None)'),
    ]:
        if old not in text:
            raise SystemExit(f"_scope_state.py no longer has {old!r}: update the probe")
        text = text.replace(old, new)
    path.write_text(text + f"\n_ALIASES = {aliases!r}\n")


def _rewrite_rules(scratch: Path) -> None:
    for name in MODULES:
        if not name.startswith("plugins/"):
            continue
        path = scratch / name
        text = path.read_text()

        def delegate(match: re.Match[str]) -> str:
            indent, target = match.group(1), match.group(3)
            return "".join(f"{indent}def {alias}(self, node: Any) -> None:\n"
                           f"{indent}    self.{target}(node)\n"
                           for alias in match.group(2).split(" = "))

        new = _RULE_ALIAS.sub(delegate, text)
        new = re.sub(r"^(    _SINGLETONS): (tuple\[str, \.\.\.\])", r"\1: ClassVar[\2]", new,
                     flags=re.M)
        if new != text:
            typing = "\nimport ast\nfrom typing import Any, ClassVar\n"
            new = new.replace("\nimport ast\n", typing, 1)
            path.write_text(new)


def build(scratch: Path) -> None:
    """Export, rewrite and compile :data:`MODULES` into ``scratch``."""
    _export(scratch)
    _rewrite_scope_classes(scratch)
    _rewrite_rules(scratch)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "mypyc", *MODULES], cwd=scratch, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"compiled {len(MODULES)} modules in {time.monotonic() - started:.0f} s wall; "
          f"PYTHONPATH={scratch}")


def _check(path: str, pythonpath: str | None) -> tuple[float, bytes]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["shoal", "check", path, "--no-cache", "--output-format", "json"],
                         env=env, capture_output=True, cwd="/").stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, out


def compare(scratch: Path, path: str, repeat: int) -> None:
    """Alternate pure-Python and compiled cold checks of ``path``; CPU and identity."""
    outputs = {}
    for _ in range(repeat):
        for label, pythonpath in (("pure", None), ("mypyc", str(scratch))):
            load = os.getloadavg()[0]
            cpu, outputs[label] = _check(path, pythonpath)
            print(f"{label:6} {cpu:6.2f} CPU-s (load {load:.2f})", flush=True)
    print("findings byte-identical:", outputs["pure"] == outputs["mypyc"])


def main() -> None:
    """Command line: ``build SCRATCH`` or ``compare SCRATCH PATH``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build").add_argument("scratch", type=Path)
    cmp = sub.add_parser("compare")
    cmp.add_argument("scratch", type=Path)
    cmp.add_argument("path")
    cmp.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    if args.command == "build":
        build(args.scratch)
    else:
        compare(args.scratch, args.path, args.repeat)


if __name__ == "__main__":
    main()
