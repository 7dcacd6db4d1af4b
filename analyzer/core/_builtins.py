"""The builtin names of a target Python version: what any module may use without defining.

One table for the whole project (the scope provider reads it; ``[tool.shoal]
target-version`` picks the version). It starts from the running interpreter's
``dir(builtins)`` and adds or removes the names known to differ between 3.10 and 3.14.
"""
from __future__ import annotations

import builtins
import sys

#: Builtins added in a version shoal can target, by the version that added them.
ADDED_IN: dict[tuple[int, int], frozenset[str]] = {
    (3, 10): frozenset({"aiter", "anext", "EncodingWarning"}),
    (3, 11): frozenset({"BaseExceptionGroup", "ExceptionGroup"}),
    (3, 13): frozenset({"PythonFinalizationError"}),
}
#: Names ``site`` adds (absent under ``python -S``) and names pyflakes treats as builtins
#: everywhere (``WindowsError`` so cross-platform code is not flagged; the module globals).
ALWAYS = frozenset({
    "copyright", "credits", "exit", "help", "license", "quit",
    "WindowsError", "__file__", "__builtins__", "__annotations__",
})
#: Present in the running interpreter's ``builtins`` but not names a program may rely on.
NEVER = frozenset({"_", "_IncompleteInputError"})


#: (target, size of the builtins module's namespace) -> its names; the size keys it as well
#: because a program may add a builtin at run time (pyflakes reads ``dir(builtins)`` once).
_NAMES: dict[tuple[tuple[int, int], int], frozenset[str]] = {}


def builtin_names(target_version: tuple[int, int] | None = None) -> frozenset[str]:
    """The builtin names of ``target_version`` (default: the running Python)."""
    target = target_version or sys.version_info[:2]
    # Asked once per analysed file: one set to build per target, not per file, and the same
    # frozenset each time, whose hash the scope analysis' table of builtins dicts reuses.
    key = (target, len(vars(builtins)))
    cached = _NAMES.get(key)
    if cached is not None:
        return cached
    names = (set(dir(builtins)) | ALWAYS) - NEVER
    for version, added in ADDED_IN.items():
        if version <= target:
            names |= added
        else:
            names -= added
    cached = _NAMES[key] = frozenset(names)
    return cached
