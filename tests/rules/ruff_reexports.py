"""Where shoal reads imports as ruff does, not as pyflakes: the re-exports F401 never reports.

``import x as x``, ``from m import x as x`` (PEP 484's explicit re-export) and
``from m import *`` are never unused for ruff, mypy and pyright; pyflakes reports them. The
tests that compare shoal with pyflakes drop pyflakes's F401 findings on such imports, named
here once.
"""
from __future__ import annotations

import ast

__all__ = ["reexported", "without_reexports"]


def reexported(source: str) -> set[tuple[int, str]]:
    """(statement line, pyflakes's name for it) of every import of ``source`` ruff reads as a
    re-export: pyflakes names a redundant alias without its ``as`` and a star import ``m.*``."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update((node.lineno, a.name) for a in node.names if a.asname == a.name)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            prefix = module if module.endswith(".") else module + "."
            for a in node.names:
                if a.name == "*":
                    # pyflakes spells `from .. import *` out rather than write `...*`
                    star = f"from {module} import *" if module.endswith(".") else prefix + "*"
                    found.add((node.lineno, star))
                elif a.asname == a.name:
                    found.add((node.lineno, prefix + a.name))
    return found


def without_reexports(source: str, findings: list[tuple[int, int, str, str]],
                      ) -> list[tuple[int, int, str, str]]:
    """pyflakes's (line, column, code, message) findings less its F401 on re-exports."""
    exports = reexported(source)
    if not exports:
        return findings
    return [f for f in findings
            if not (f[2] == "F401" and (f[0], f[3].split("'")[1]) in exports)]
