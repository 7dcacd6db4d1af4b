"""``.gitignore`` files as discovery honours them: every file from the git work tree's root
down to a directory, plus ``.git/info/exclude``, and only inside a git work tree (ruff's
rule, ruff#6335)."""
from __future__ import annotations

import functools
import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec

__all__ = ["IgnoreStack", "OutputRule", "git_root", "ignore_stack_for", "named_sources",
           "output_rules"]

#: (glob of one path component, whether it ignores rather than re-includes, whether it
#: names directories only): a ``.gitignore`` pattern as it applies to a folder's entries.
OutputRule = tuple[str, bool, bool]


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


def output_rules(directory: str, stack: IgnoreStack) -> tuple[OutputRule, ...]:
    """The patterns of ``stack`` that may name an entry directly in ``directory``, in the
    order git weighs them (the last match decides); none unless one ignores something.

    What they are for: a module missing from a package whose folder git ignores it in was
    never committed, a build output (protoc's ``*_pb2.py``, a generated ``gen/``) that a
    fresh checkout lacks until the build runs; its name is then no finding's business."""
    rules: list[OutputRule] = []
    for base, spec in stack.specs:
        relative = os.path.relpath(directory, base).replace(os.sep, "/")
        if relative.startswith(".."):
            continue
        prefix = "" if relative == "." else relative + "/"
        for pattern in spec.patterns:
            rule = _rule_in(pattern, prefix)
            if rule is not None:
                rules.append(rule)
    return tuple(rules) if any(include for _, include, _ in rules) else ()


def _rule_in(pattern: pathspec.Pattern, prefix: str) -> OutputRule | None:
    """``pattern`` as a rule for the entries of the folder ``prefix`` (relative to the
    pattern's ``.gitignore``, with a trailing slash), or None when it names none of them."""
    text = getattr(pattern, "pattern", None)
    if pattern.include is None or not isinstance(text, str):
        return None  # a comment or a blank line
    shape = _shape(text)
    if shape is None:
        return None
    last, dir_only, probe = shape
    # A pattern with a slash before its last component reaches the folders its path
    # matches (`src/*/gen/*.py`: src/a/gen/ only): asked with an entry its last component
    # matches. One without reaches every folder below its .gitignore.
    if probe and pattern.match_file(prefix + probe) is None:
        return None
    return last, bool(pattern.include), dir_only


@functools.lru_cache(maxsize=1024)
def _shape(text: str) -> tuple[str, bool, str] | None:
    """(last component, directory only, an entry to ask the whole pattern about when its
    path reaches only some folders, else "") of a pattern's text; None when no module can
    match it (a hidden name, another suffix, a negated class) or it has an escape this
    reading skips."""
    line = text.strip().removeprefix("!")
    if "\\" in line:
        return None
    dir_only = line.endswith("/")
    path = line.rstrip("/")
    head, _, last = path.rpartition("/")
    witness = _witness(last)
    if witness is None or not (witness[0].isalpha() or witness[0] == "_"):
        return None
    if "." in witness and not (witness.endswith(".py") or last.endswith("*")):
        return None  # `*.so`, `*.py[cod]`: no module's file, and no package's folder
    anywhere = head == "" or (head == "**" and not line.startswith("/"))
    if head == "" and line.startswith("/"):
        anywhere = False  # `/build`: the .gitignore's own folder only
    return last, dir_only, "" if anywhere else witness + ("/" if dir_only else "")


_GLOB_PART = re.compile(r"\*+|\?|\[[^]]*\]")


def _witness(glob: str) -> str | None:
    """A name ``glob`` (one path component) matches, or None when its classes are negated."""
    def one(found: re.Match[str]) -> str:
        part = found.group()
        if part.startswith("["):
            return part[1] if len(part) > 2 and part[1] not in "!^" else "\0"
        return "x"
    name = _GLOB_PART.sub(one, glob)
    return None if not name or "\0" in name else name


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
