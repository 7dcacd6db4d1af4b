"""How configured globs match files (``per-file-ignores``, ``per-file-target-version``,
``exclude``), as ruff matches them: against the path relative to the configuration's
directory, or the file's basename."""
from __future__ import annotations

import fnmatch
import os
from pathlib import Path

__all__ = ["expand_braces", "glob_matches", "relative_posix", "target_for_path"]


def expand_braces(pattern: str) -> list[str]:
    """``pattern`` with each ``{a,b}`` alternation spelt out, as ruff's globs take it:
    ``{pkg,tests}/**/*.{py,pyi}`` is four patterns. Nested ones too; none: ``[pattern]``."""
    start = pattern.find("{")
    if start < 0:
        return [pattern]
    depth = 0
    for end in range(start, len(pattern)):
        char = pattern[end]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                break
    else:
        return [pattern]  # unbalanced: taken as written
    options, depth, piece = [], 0, ""
    for char in pattern[start + 1:end]:
        if char == "," and depth == 0:
            options.append(piece)
            piece = ""
            continue
        depth += (char == "{") - (char == "}")
        piece += char
    options.append(piece)
    rest = expand_braces(pattern[end + 1:])
    return [pattern[:start] + head + tail
            for option in options for head in expand_braces(option) for tail in rest]


def relative_posix(path: str | os.PathLike[str], root: Path | None) -> str:
    """``path`` relative to ``root`` (the working directory when None), posix-style; absolute
    when it lies outside."""
    absolute = os.path.abspath(os.fspath(path))
    base = os.fspath(root) if root is not None else os.getcwd()
    relative = os.path.relpath(absolute, base)
    if relative.startswith(".."):
        relative = absolute
    return relative.replace(os.sep, "/")


def target_for_path(root: Path | None, targets: tuple[tuple[str, tuple[int, int]], ...],
                    path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """The first of ``targets`` (``per-file-target-version`` pairs, globs relative to
    ``root``) whose glob matches ``path``; None where none does."""
    if not targets:
        return None
    relative, name = relative_posix(path, root), os.path.basename(os.fspath(path))
    for pattern, version in targets:
        if glob_matches(pattern, relative, name):
            return version
    return None


def glob_matches(pattern: str, relative: str, name: str) -> bool:
    """Whether a configured glob matches a path (relative, posix) or its basename.

    As in ruff, ``*`` also crosses ``/``, ``**/`` also stands for no directory at all
    (pylint's ``tests/**/functional/`` covers ``tests/functional``) and a trailing ``/`` is
    ignored; a pattern matching any leading directory of ``relative`` matches too
    (``"tests"`` covers ``tests/a/b.py``).
    """
    pattern = pattern.rstrip("/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if "**/" in pattern:
        # Each variant with those directories left out: fnmatch's `*` needs the slashes.
        bare = pattern.replace("/**/", "/")
        bare = bare[3:] if bare.startswith("**/") else bare
        return _matches(bare, relative, name) or _matches(pattern, relative, name)
    return _matches(pattern, relative, name)


def _matches(pattern: str, relative: str, name: str) -> bool:
    if fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(relative, pattern):
        return True
    parent = relative
    while "/" in parent:
        parent = parent.rsplit("/", 1)[0]
        if fnmatch.fnmatchcase(parent, pattern):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Finding and loading
