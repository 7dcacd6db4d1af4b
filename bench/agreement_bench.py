"""Agreement of shoal's F codes with pyflakes on the whole standard library.

    python bench/agreement_bench.py [--show N] [--root DIR]

Both run on the same `ast` of each file; a finding is compared by (line, code, name) for
F401/F811/F821/F822/F841 and by (line, code, message) for the syntactic codes (F5xx, F6xx,
F7xx, F722, F831, F901). Prints the totals per code and every kind of difference with an
example of each, so each can be listed in the README as a deliberate choice or fixed.
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
from style_agreement import report as style_report  # bench/, beside this script

from analyzer.rules import RuleContext, analyze_scopes, run_module_rules
from plugins import annotation_rules, compile_rules, format_rules, syntax_rules

CODES = {m.UnusedImport: "F401", m.RedefinedWhileUnused: "F811", m.UndefinedName: "F821",
         m.UndefinedExport: "F822", m.UnusedVariable: "F841"}
#: The syntactic codes, compared by message (flake8's numbering of pyflakes's messages).
SYNTAX_CODES = {getattr(m, name): code for name, code in (
    ("PercentFormatInvalidFormat", "F501"), ("PercentFormatExpectedMapping", "F502"),
    ("PercentFormatExpectedSequence", "F503"), ("PercentFormatExtraNamedArguments", "F504"),
    ("PercentFormatMissingArgument", "F505"), ("PercentFormatMixedPositionalAndNamed", "F506"),
    ("PercentFormatPositionalCountMismatch", "F507"),
    ("PercentFormatStarRequiresSequence", "F508"),
    ("PercentFormatUnsupportedFormatCharacter", "F509"),
    ("StringDotFormatInvalidFormat", "F521"), ("StringDotFormatExtraNamedArguments", "F522"),
    ("StringDotFormatExtraPositionalArguments", "F523"),
    ("StringDotFormatMissingArgument", "F524"), ("StringDotFormatMixingAutomatic", "F525"),
    ("MultiValueRepeatedKeyLiteral", "F601"), ("MultiValueRepeatedKeyVariable", "F602"),
    ("TooManyExpressionsInStarredAssignment", "F621"), ("TwoStarredExpressions", "F622"),
    ("AssertTuple", "F631"), ("InvalidPrintSyntax", "F633"), ("IfTuple", "F634"),
    ("BreakOutsideLoop", "F701"), ("ContinueOutsideLoop", "F702"),
    ("YieldOutsideFunction", "F704"), ("ReturnOutsideFunction", "F706"),
    ("DefaultExceptNotLast", "F707"), ("ForwardAnnotationSyntaxError", "F722"),
    ("DuplicateArgument", "F831"), ("RaiseNotImplemented", "F901"))}
SYNTAX_RULES = tuple(rule for module in (format_rules, syntax_rules, compile_rules, annotation_rules)
                     for rule in module.RULES if rule.CODE in SYNTAX_CODES.values())


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
    context = RuleContext(path=path, module="", is_package=False, source=source)
    out.update((d.line, d.code, d.message) for d in run_module_rules(context, SYNTAX_RULES, tree))
    return out


def theirs(path: str, tree: ast.Module) -> set[tuple[int, str, str]]:
    """pyflakes' findings of the same codes."""
    found = checker.Checker(tree, filename=path).messages
    out = {(msg.lineno, CODES[type(msg)], msg.message_args[0])
           for msg in found if type(msg) in CODES}
    out.update((msg.lineno, SYNTAX_CODES[type(msg)], msg.message % msg.message_args)
               for msg in found if type(msg) in SYNTAX_CODES)
    return out


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
        for label, side in (("shoal", a), ("pyflakes", b), ("agree", a & b)):
            for _, code, _ in side:
                totals[(code, label)] += 1
        for label, side in (("only shoal", a - b), ("only pyflakes", b - a)):
            for line, code, name in sorted(side):
                kinds[f"{label} {code}"].append(f"{path}:{line} {name}")
    print(f"{len(files)} files ({skipped} not parsable by ast, skipped); Python "
          f"{sys.version.split()[0]}\n")
    print("| code | pyflakes | shoal | agree |")
    print("|---|---:|---:|---:|")
    for code in sorted({*CODES.values(), *SYNTAX_CODES.values()}):
        print(f"| {code} | {totals[(code, 'pyflakes')]} | {totals[(code, 'shoal')]} | "
              f"{totals[(code, 'agree')]} |")
    if kinds:
        print("\n| difference | count | example |")
        print("|---|---:|---|")
        for kind, where in sorted(kinds.items()):
            for example in where[: args.show]:
                print(f"| {kind} | {len(where)} | `{example}` |")
    style_report(files, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
