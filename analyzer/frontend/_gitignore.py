"""``.gitignore`` files as discovery honours them: every file from the git work tree's root
down to a directory, plus ``.git/info/exclude``, and only inside a git work tree (ruff's
rule, ruff#6335)."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec

__all__ = ["IgnoreStack", "git_root", "ignore_stack_for", "named_sources"]


def git_root(directory: str) -> str | None:
    """The git work tree holding ``directory`` (the nearest ancestor with ``.git``), or None."""
    current = directory
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


class IgnoreStack:
    """The ``.gitignore`` specs that apply in a directory, shallowest first."""

    def __init__(self, specs: tuple[tuple[str, pathspec.GitIgnoreSpec], ...] = ()) -> None:
        self.specs = specs

    def child(self, directory: str) -> IgnoreStack:
        """The stack for ``directory``: this one plus its own ``.gitignore``, if any."""
        spec = _load_spec(os.path.join(directory, ".gitignore"))
        return IgnoreStack(self.specs + ((directory, spec),)) if spec else self

    def ignored(self, path: str, is_dir: bool) -> bool:
        """Whether the last matching pattern over every applicable file ignores ``path``."""
        verdict = False
        for base, spec in self.specs:
            relative = os.path.relpath(path, base).replace(os.sep, "/")
            if relative.startswith(".."):
                continue
            if is_dir:
                relative += "/"
            for pattern in spec.patterns:
                if pattern.include is not None and pattern.match_file(relative) is not None:
                    verdict = bool(pattern.include)
        return verdict


def named_sources(base: str, spec: pathspec.GitIgnoreSpec) -> list[str]:
    """The Python files a ``.gitignore`` in ``base`` names one by one, by a path without
    wildcards (``src/pkg/_version.py``; a bare name is the one in ``base``): build outputs
    (setuptools-scm's version file) that a fresh checkout does not have yet."""
    found = []
    for pattern in spec.patterns:
        text = getattr(pattern, "pattern", None)
        if pattern.include is not True or not isinstance(text, str):
            continue
        line = text.strip().lstrip("/")
        if line.endswith((".py", ".pyi")) and not any(char in line for char in "*?[\\"):
            found.append(os.path.normpath(os.path.join(base, line)))
    return found


def _load_spec(path: str) -> pathspec.GitIgnoreSpec | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    if not lines:
        return None
    import pathspec  # here: ~10 ms of imports that a project without .gitignore never pays

    return pathspec.GitIgnoreSpec.from_lines(lines)


def ignore_stack_for(directory: str) -> IgnoreStack:
    """The gitignore stack in force in ``directory``: every ``.gitignore`` from the work tree
    root down to it, plus ``.git/info/exclude``; empty outside a git work tree."""
    root = git_root(directory)
    if root is None:
        return IgnoreStack()
    stack = IgnoreStack()
    exclude = _load_spec(os.path.join(root, ".git", "info", "exclude"))
    if exclude is not None:
        stack = IgnoreStack(((root, exclude),))
    chain = [directory]
    while chain[-1] != root:
        chain.append(os.path.dirname(chain[-1]))
    for each in reversed(chain):
        stack = stack.child(each)
    return stack
