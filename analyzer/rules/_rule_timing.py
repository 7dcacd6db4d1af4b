"""Rule timings for ``shoal check --timings``: the runner's timed path.

With ``timings`` the runner wraps each bound visit/leave method of a file's rules in a
closure adding its time to the rule's key (:func:`rule_key`), once per file; without it the
walks call the bound methods themselves, so an untimed run pays nothing per node. The walks'
own cost (and libcst's parse and positions) goes under the phase keys below, measured as a
block's time minus what the rules spent inside it (:class:`Outside`).
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from analyzer.rules._guards import Guarded

__all__ = ["AST_WALK", "CST_PARSE", "CST_POSITIONS", "CST_WALK", "Outside", "rule_key",
           "timed_actions"]

#: Keys of the time a run spends outside the rules' own methods.
AST_WALK = "module rules: ast walk"
CST_PARSE = "module rules: libcst parse"
CST_WALK = "module rules: libcst walk"
CST_POSITIONS = "module rules: libcst positions"


def rule_key(rule: type) -> str:
    """The ``timings`` key of a rule: ``rule:CODE``."""
    return f"rule:{getattr(rule, 'CODE', rule.__name__)}"


def timed_actions(actions: dict[type, tuple[tuple, tuple]],
                   timings: dict[str, float]) -> dict[type, tuple[tuple, tuple]]:
    """``actions`` with every bound method wrapped to add its time to its rule's key.

    Chosen once per file, and only with ``timings``: the untimed walk calls the bound
    methods themselves.
    """
    wrapped: dict[Any, Any] = {}

    def timed(fn: Any) -> Any:
        found = wrapped.get(fn)
        if found is None:
            found = wrapped[fn] = _timed(fn, timings, rule_key(type(fn.__self__)))
        return found

    def timed_entry(entry: Any) -> Any:
        # A guarded entry keeps its predicate (whose time counts as the walk's) over the
        # timed methods it guards.
        if isinstance(entry, Guarded):
            return entry.with_methods([timed(fn) for fn in entry.methods])
        return timed(entry)

    return {cls: (tuple(map(timed_entry, visits)), tuple(map(timed_entry, leaves)))
            for cls, (visits, leaves) in actions.items()}


def _timed(fn: Any, timings: dict[str, float], key: str) -> Any:
    clock = time.perf_counter
    timings.setdefault(key, 0.0)

    def call(node: object) -> None:
        start = clock()
        try:
            fn(node)
        finally:
            timings[key] += clock() - start

    # What on_error reads of a bound method: the rule unbound on failure, and the name shown.
    call.__self__ = fn.__self__  # type: ignore[attr-defined]
    call.__name__ = fn.__name__
    return call


class Outside:
    """Adds to ``key`` the time of a block minus what ``rules`` spent inside it: the cost
    of the machinery (a walk, a parse) apart from the rules' own methods."""

    def __init__(self, timings: dict[str, float] | None, rules: Sequence[type],
                 key: str) -> None:
        self.timings = timings
        self.keys = [rule_key(rule) for rule in rules] if timings is not None else []
        self.key = key
        self.start = self.inside = 0.0

    def _inside(self) -> float:
        assert self.timings is not None
        return sum(self.timings.get(key, 0.0) for key in self.keys)

    def __enter__(self) -> None:
        if self.timings is not None:
            self.inside = self._inside()
            self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        if self.timings is not None:
            spent = time.perf_counter() - self.start - (self._inside() - self.inside)
            self.timings[self.key] = self.timings.get(self.key, 0.0) + spent
