"""Generate a large project from copies of the standard library (issue 16's scale tree).

    python bench/scale_tree.py DEST [--files 20000]

Each copy is a package ``partN`` holding the standard library (without its test suite,
idlelib, lib2to3, turtledemo and site-packages). Absolute imports of standard-library modules
are rewritten to the copy's own package, keeping the names they bind (``import os`` becomes
``import partN.os as os``; ``from os import path`` becomes ``from partN.os import path``), so
each copy's dependency table is as dense as the original's. Copies are added until the tree
holds ``--files`` files (the last copy is cut short, in sorted order, so the count is exact).
"""
from __future__ import annotations

import argparse
import ast
import os
import shutil
import sys
import sysconfig
from pathlib import Path

SKIP_DIRS = {"test", "tests", "idlelib", "lib2to3", "turtledemo", "site-packages",
             "__pycache__", "idle_test"}


def stdlib_sources() -> list[Path]:
    """The standard library's .py files that go into every copy, sorted."""
    root = Path(sysconfig.get_paths()["stdlib"])
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if name.endswith(".py"):
                found.append(Path(dirpath, name).relative_to(root))
    return found


def top_level_names(files: list[Path]) -> set[str]:
    """The names a standard-library import can start with (modules and packages)."""
    # Built-in and extension modules have no source to copy: their imports stay as written.
    return {f.parts[0].removesuffix(".py") for f in files}


def rewrite(source: str, prefix: str, tops: set[str]) -> str:
    """``source`` with absolute imports of ``tops`` moved under package ``prefix``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []  # (line, start col, end col, text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and node.lineno == node.end_lineno:
            parts = []
            for alias in node.names:
                top = alias.name.split(".", 1)[0]
                if top not in tops:
                    parts.append(alias.name + (f" as {alias.asname}" if alias.asname else ""))
                elif alias.asname:
                    parts.append(f"{prefix}.{alias.name} as {alias.asname}")
                elif "." in alias.name:
                    # `import a.b` binds `a`: import the copy's `a.b`, then bind `a` to it.
                    parts.append(f"{prefix}.{alias.name}, {prefix}.{top} as {top}")
                else:
                    parts.append(f"{prefix}.{alias.name} as {alias.name}")
            edits.append((node.lineno, node.col_offset, node.end_col_offset or 0,
                          "import " + ", ".join(parts)))
        elif (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
              and node.module.split(".", 1)[0] in tops and node.module != "__future__"):
            line = lines[node.lineno - 1]
            head = line[node.col_offset:]
            # Only the module name after `from` changes; keep the rest as written.
            start = node.col_offset + head.index(node.module, len("from"))
            edits.append((node.lineno, start, start + len(node.module),
                          f"{prefix}.{node.module}"))
    for lineno, start, end, text in sorted(edits, reverse=True):
        line = lines[lineno - 1]
        lines[lineno - 1] = line[:start] + text + line[end:]
    return "".join(lines)


def generate(dest: Path, files_wanted: int) -> int:
    """Write the tree under ``dest``; return the number of files written."""
    root = Path(sysconfig.get_paths()["stdlib"])
    sources = stdlib_sources()
    tops = top_level_names(sources) - {"__future__"}
    texts = {}
    for rel in sources:
        try:
            texts[rel] = (root / rel).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "pyproject.toml").write_text("[tool.shoal]\n", encoding="utf-8")
    written = 0
    copy = 0
    while written < files_wanted:
        prefix = f"part{copy}"
        package = dest / prefix
        package.mkdir(exist_ok=True)
        (package / "__init__.py").write_text("", encoding="utf-8")
        written += 1
        for rel, text in texts.items():
            if written >= files_wanted:
                break
            target = package / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(rewrite(text, prefix, tops), encoding="utf-8")
            written += 1
        copy += 1
    return written


def main() -> int:
    """Generate the tree named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--files", type=int, default=20_000)
    args = parser.parse_args()
    if args.dest.exists():
        shutil.rmtree(args.dest)
    count = generate(args.dest, args.files)
    print(f"{count} files under {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
