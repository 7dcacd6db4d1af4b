"""Guarded visits: a rule method called only on the nodes a predicate accepts.

Why: the walk calls a rule's ``visit_Call`` on every call of every file, and most rules want
one shape of call. Five built-in rules (F521-F525) each wanted ``'...'.format(...)``: five
Python calls per call node, 2% of a file's instructions in a cold check (callgrind), to
find that few calls are that. With :func:`visit_when`, rules whose methods carry the same predicate object share
one call of it per node (:class:`Guarded`, bound by the plan in each method's place), and
their methods run only where it says yes.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["Guarded", "guard_of", "visit_when"]

_F = TypeVar("_F", bound=Callable[..., Any])
_GUARD = "__shoal_guard__"


def visit_when(predicate: Callable[[Any], object]) -> Callable[[_F], _F]:
    """Have the runner call the decorated ``visit_*``/``leave_*`` method of an ``ast`` rule
    only on the nodes for which ``predicate(node)`` is true.

    ``predicate`` must be cheap and free of side effects; the methods of every rule that
    carry the same predicate object share one call of it per node. A predicate that raises
    fails each of those rules on that file, as a method that raises would.
    """
    def mark(method: _F) -> _F:
        setattr(method, _GUARD, predicate)
        return method

    return mark


def guard_of(method: Any) -> Callable[[Any], object] | None:
    """The predicate a (bound) rule method was decorated with, or None."""
    return getattr(method, _GUARD, None)


class Guarded:
    """One entry of a walk's actions: a predicate and the bound methods it guards.

    Each method's failure goes to ``on_error`` with that method, inside the ``except`` that
    caught it, as the walk would hand it over itself; :meth:`drop` then takes the failed
    rule's methods out (the runner calls it when it unbinds a rule).
    """

    __slots__ = ("predicate", "methods", "on_error")

    def __init__(self, predicate: Callable[[Any], object], methods: list[Any],
                 on_error: Callable[[Any, Exception, object], None]) -> None:
        self.predicate = predicate
        self.methods = methods
        self.on_error = on_error

    def __call__(self, node: object) -> None:
        """Test ``node`` once; on yes, call each method on it."""
        try:
            hit = self.predicate(node)
        except Exception as exc:
            for method in tuple(self.methods):
                self.on_error(method, exc, node)
            return
        if hit:
            for method in tuple(self.methods):
                try:
                    method(node)
                except Exception as exc:
                    self.on_error(method, exc, node)

    def drop(self, rule: object) -> bool:
        """Forget ``rule``'s methods; whether any method is left."""
        self.methods = [m for m in self.methods if m.__self__ is not rule]
        return bool(self.methods)

    def with_methods(self, methods: list[Any]) -> Guarded:
        """The same predicate over other methods (the timed ones of ``--timings``)."""
        return Guarded(self.predicate, methods, self.on_error)


try:
    from analyzer.rules import _walk_native
except ImportError:  # built without a C compiler: the Python walk calls each entry
    pass
else:
    # The C walk runs these entries itself, as __call__ does, without its Python frame.
    _walk_native.register_guarded(Guarded)
