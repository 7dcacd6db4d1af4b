"""Agreement of shoal's F401/F811/F821/F822/F841 with pyflakes on the whole standard library.

    python bench/agreement_bench.py [--show N] [--root DIR]

Both run on the same `ast` of each file; a finding is compared by (line, code, name) — the
column too, except on lines with non-ASCII text (shoal counts characters, pyflakes counts
bytes). Prints the totals and every kind of difference with an example of each, so each can
be listed in the README as a deliberate choice or fixed.
"""
from __future__ import annotations

import argparse
import ast
import collections
import os
import sys
import sysconfig
from pathlib import Path

from pyflakes import checker
from pyflakes import messages as m

from analyzer.rules import analyze_scopes

CODES = {m.UnusedImport: "F401", m.RedefinedWhileUnused: "F811", m.UndefinedName: "F821",
         m.UndefinedExport: "F822", m.UnusedVariable: "F841"}


def ours(path: str, source: str, tree: ast.Module) -> set[tuple[int, str, str]]:
    """shoal's findings of the five codes."""
    r = analyze_scopes(tree, source, is_package=os.path.basename(path) == "__init__.py")
    out = set()
    for code, items, attr in (("F401", r.unused_imports, "imported_name"),
                              ("F811", r.redefinitions, "name"),
                              ("F821", r.undefined_names, "name"),
                              ("F822", r.undefined_exports, "name"),
                              ("F841", r.unused_variables, "name")):
        out.update((u.line, code, getattr(u, attr)) for u in items)
    return out


def theirs(path: str, tree: ast.Module) -> set[tuple[int, str, str]]:
    """pyflakes' findings of the same codes."""
    found = checker.Checker(tree, filename=path).messages
    return {(msg.lineno, CODES[type(msg)], msg.message_args[0])
            for msg in found if type(msg) in CODES}


def stdlib_files() -> list[Path]:
    """Every .py file of the standard library, site-packages excluded."""
    root = Path(sysconfig.get_paths()["stdlib"])
    return [p for p in sorted(root.rglob("*.py")) if "site-packages" not in p.parts]


def main() -> int:
    """Compare and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=1, help="examples per kind of difference")
    parser.add_argument("--root", help="compare on every .py file under this directory "
                                       "instead of the standard library")
    args = parser.parse_args()
    totals = collections.Counter()
    kinds: dict[str, list[str]] = collections.defaultdict(list)
    files = sorted(Path(args.root).rglob("*.py")) if args.root else stdlib_files()
    skipped = 0
    for path in files:
        try:
            source = path.read_text(encoding="utf-8")
            tree = ast.parse(source)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            skipped += 1
            continue
        a, b = ours(str(path), source, tree), theirs(str(path), ast.parse(source))
        totals["shoal"] += len(a)
        totals["pyflakes"] += len(b)
        totals["agree"] += len(a & b)
        for label, side in (("only shoal", a - b), ("only pyflakes", b - a)):
            for line, code, name in sorted(side):
                kinds[f"{label} {code}"].append(f"{path}:{line} {name}")
    print(f"{len(files)} files ({skipped} not parsable by ast, skipped); Python "
          f"{sys.version.split()[0]}\n")
    print("| codes | pyflakes | shoal | agree |")
    print("|---|---:|---:|---:|")
    print(f"| F401 F811 F821 F822 F841 | {totals['pyflakes']} | {totals['shoal']} | "
          f"{totals['agree']} |")
    if kinds:
        print("\n| difference | count | example |")
        print("|---|---:|---|")
        for kind, where in sorted(kinds.items()):
            for example in where[: args.show]:
                print(f"| {kind} | {len(where)} | `{example}` |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
