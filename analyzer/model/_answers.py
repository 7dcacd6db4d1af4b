"""What the project index answers: a :class:`Symbol`, or an :class:`Outcome` when it found
none; and how a relative import names its module (:func:`absolute_module`)."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from analyzer.model._facts import Export

__all__ = ["EXTERNAL", "MISSING", "UNKNOWN", "Outcome", "Symbol", "absolute_module"]


class Outcome(enum.Enum):
    """What a resolve or lookup found when it found no module or symbol."""

    #: The project can be sure it does not exist.
    MISSING = "missing"
    #: It cannot be known (unparsable module, dynamic ``__all__``, ``__getattr__``, a
    #: namespace or ``sys.modules`` write, a broken or cyclic re-export chain). Rules say
    #: nothing about it.
    UNKNOWN = "unknown"
    #: Outside the project (standard library, site-packages). Rules say nothing about it.
    EXTERNAL = "external"

    def __repr__(self) -> str:
        return self.name


MISSING = Outcome.MISSING
UNKNOWN = Outcome.UNKNOWN
EXTERNAL = Outcome.EXTERNAL


@dataclass(frozen=True, slots=True)
class Symbol:
    """Where a name finally comes from, after following re-exports.

    ``kind`` is ``"function"``, ``"class"``, ``"variable"`` (``export`` is the definition),
    ``"module"`` (a project module named ``module``; ``name`` is ``""``) or ``"external"``
    (bound by an import from outside the project: ``module`` and ``name`` as imported).
    """

    module: str
    name: str
    kind: str
    export: Export | None = None


def absolute_module(from_module: str, is_package: bool, level: int, module: str) -> str | None:
    """The absolute name of ``from <level dots><module> import``; None above the top package."""
    if level == 0:
        return module
    folder, slash, dotted = from_module.rpartition("/")
    parts = dotted.split(".") if dotted else []
    if not is_package:
        parts = parts[:-1]
    if len(parts) < level:
        if slash and len(parts) + 1 == level and module:
            # A file in a folder that is no package (``examples/demo/app.py``) imports its
            # siblings relatively only when run with the folder's parent on sys.path
            # (``python -m demo.app``): the folder is then a namespace package.
            return f"{folder}/{module}"
        return None
    base = ".".join(parts[: len(parts) - (level - 1)])
    return f"{base}.{module}" if module else base
