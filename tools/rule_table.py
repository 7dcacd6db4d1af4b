"""Rewrite the rule table of README.md from the registry of built-in rules.

    python tools/rule_table.py [--check]

The table sits between the two marker comments of the README's Rules section; ``--check``
exits 1, changing nothing, when the README differs (``tests/test_rule_table.py`` checks it).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analyzer.interfaces._rule_table import markdown_table, splice
from analyzer.loading import Registry

README = Path(__file__).resolve().parent.parent / "README.md"


def main() -> int:
    """Rewrite (or with --check, compare) the README's rule table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    args = parser.parse_args()
    current = README.read_text(encoding="utf-8")
    wanted = splice(current, markdown_table(Registry.builtin()))
    if wanted == current:
        return 0
    if args.check:
        print(f"{README} is out of date: run python tools/rule_table.py", file=sys.stderr)
        return 1
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
