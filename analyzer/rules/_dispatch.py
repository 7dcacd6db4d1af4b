"""The dispatch plan of a rule set: which (rule, method) pairs each node class calls.

Kept apart from the runner (:mod:`._runner`) because it is a job of its own: the plan is
built once per rule set, from the rule classes alone, and cached across files; the runner
only binds it to each file's fresh rule instances and walks the tree. A ``visit_expr`` is
registered under every expression class; fields that only hold operator/context singletons
are left out of the walk unless some rule visits those classes.
"""
from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

from analyzer.rules._ast_walk import _FIELDS, _SINGLETON_BASES
from analyzer.rules._guards import Guarded, guard_of
from analyzer.rules._lint_rule import AST_NODE_CLASSES, LintRule, node_class

_Calls = tuple[tuple[int, str], ...]


class _Plan:
    """node class -> (visit calls, leave calls) as (rule index, method name), for one rule set."""

    def __init__(self, rules: Sequence[type[LintRule]], tree: str) -> None:
        targets: dict[type, tuple[list[tuple[int, str]], list[tuple[int, str]]]] = {}
        classes = _node_classes(tree)
        wants_singletons = False
        for index, rule in enumerate(rules):
            for name in dir(rule):
                if not name.startswith(("visit_", "leave_")):
                    continue
                target = node_class(tree, name.partition("_")[2])
                assert target is not None  # checked when the rule class was defined
                if tree == "ast" and issubclass(target, _SINGLETON_BASES):
                    wants_singletons = True
                slot = 0 if name.startswith("visit_") else 1
                for cls in classes:
                    if issubclass(cls, target):
                        targets.setdefault(cls, ([], []))[slot].append((index, name))
        self.calls: dict[type, tuple[_Calls, _Calls]] = {
            cls: (tuple(visits), tuple(leaves)) for cls, (visits, leaves) in targets.items()
        }
        self.fields = _FIELDS[wants_singletons]
        # Leaves no rule visits (Name, Constant... for most rule sets): the walk does not
        # even call itself for them, which saves a call on about half of all nodes.
        self.inert = frozenset(
            cls for cls in AST_NODE_CLASSES.values() if cls not in self.calls and not self.fields[cls]
        ) if tree == "ast" else frozenset()
        self._templates = _Templates(rules, self.calls)

    def bind(self, instances: Sequence[LintRule | None],
             on_error: Callable[[Any, Exception, object], None] | None = None,
             ) -> dict[type, tuple[tuple, tuple]]:
        """node class -> (bound visit methods, bound leave methods) of the live instances.

        With ``on_error``, the methods of a class that carry one :func:`visit_when`
        predicate become one :class:`Guarded` entry, where the first of them stood."""
        if on_error is not None:
            fast = self._templates.bind(instances, on_error)
            if fast is not None:
                return fast
        actions = {}
        # One bound method per (rule, method): a visit_expr is in the calls of every
        # expression class, and each file binds the plan again.
        bound: dict[tuple[int, str], Any] = {}

        def bind(calls: _Calls) -> tuple:
            out: list[Any] = []
            groups: dict[int, Guarded] = {}
            for call in calls:
                method = bound.get(call)
                if method is None:
                    instance = instances[call[0]]
                    if instance is None:
                        continue
                    method = bound[call] = getattr(instance, call[1])
                predicate = guard_of(method) if on_error is not None else None
                if predicate is None:
                    out.append(method)
                elif id(predicate) in groups:
                    groups[id(predicate)].methods.append(method)
                else:
                    assert on_error is not None  # a predicate is only read with one
                    group = groups[id(predicate)] = Guarded(predicate, [method], on_error)
                    out.append(group)
            return tuple(out)

        for cls, (visits, leaves) in self.calls.items():
            bound_visits = bind(visits)
            bound_leaves = bind(leaves)
            if bound_visits or bound_leaves:
                actions[cls] = (bound_visits, bound_leaves)
        return actions


class _Templates:
    """The plan's calls as positions in one list of the rule set's distinct (rule, method)
    pairs, with each :func:`visit_when` group worked out from the rule classes.

    Why: each file binds the plan to fresh rule instances. Done call by call, that read
    every method's guard through a bound method (an ``AttributeError`` caught inside
    ``getattr`` for nearly all of them) and looked up each pair once per node class that
    calls it: 2.5% of a cold check's samples (py-spy, the stdlib, one process). Here a file
    gets each distinct method once, and each class's entries from a list of positions.
    """

    def __init__(self, rules: Sequence[type[LintRule]],
                 calls: dict[type, tuple[_Calls, _Calls]]) -> None:
        slots: dict[tuple[int, str], int] = {}
        for visits, leaves in calls.values():
            for call in (*visits, *leaves):
                slots.setdefault(call, len(slots))
        #: the distinct (rule index, method name) pairs, in the order of their slots
        self.pairs = tuple(slots)
        #: each pair's function on its rule class: a bound method of another marks an
        #: instance that replaced it, whose guard only the slow path reads
        self.functions = tuple(_function(getattr(rules[index], name)) for index, name in self.pairs)
        guards = [guard_of(function) for function in self.functions]
        # Each class's (visit entries, leave entries); an entry is a slot, or a guard and
        # the slots of the methods it guards. The classes without a guard get their methods
        # by one C call a side (a file binds about fifty classes: a comprehension per side
        # was half of bind's time).
        picks: list[tuple[type, Callable[[tuple], tuple], Callable[[tuple], tuple]]] = []
        guarded: list[tuple[type, tuple, tuple]] = []
        for cls, (visit_calls, leave_calls) in calls.items():
            on_visit = _entries(visit_calls, slots, guards)
            on_leave = _entries(leave_calls, slots, guards)
            if _plain(on_visit + on_leave):
                picks.append((cls, _picker(on_visit), _picker(on_leave)))
            else:
                guarded.append((cls, on_visit, on_leave))
        #: (node class, visit picker, leave picker) of each class without a guarded entry
        self.picks = tuple(picks)
        #: (node class, visit entries, leave entries) of the others
        self.guarded = tuple(guarded)

    def bind(self, instances: Sequence[LintRule | None],
             on_error: Callable[[Any, Exception, object], None]) -> dict | None:
        """``_Plan.bind`` when every rule is live and uses its class's methods; else None."""
        methods = []
        functions = self.functions
        for slot, (index, name) in enumerate(self.pairs):
            instance = instances[index]
            if instance is None:
                return None  # a dropped rule: a group stands where its first live member is
            method = getattr(instance, name)
            if getattr(method, "__func__", None) is not functions[slot]:
                return None
            methods.append(method)
        bound = tuple(methods)
        actions = {cls: (visit(bound), leave(bound)) for cls, visit, leave in self.picks}
        for cls, visits, leaves in self.guarded:
            actions[cls] = (_bound(visits, methods, on_error), _bound(leaves, methods, on_error))
        return actions


def _function(attribute: Any) -> Any:
    # A classmethod's is bound to the class: its instances' share the function under it.
    return getattr(attribute, "__func__", attribute)


def _entries(calls: _Calls, slots: dict[tuple[int, str], int], guards: list[Any]) -> tuple:
    """``calls`` as entries: a slot, or for each guard (by identity, where its first method
    stood) the guard and the slots of every method it guards."""
    out: list[Any] = []
    groups: dict[int, list[int]] = {}
    for call in calls:
        slot = slots[call]
        guard = guards[slot]
        if guard is None:
            out.append(slot)
        elif id(guard) in groups:
            groups[id(guard)].append(slot)
        else:
            members = groups[id(guard)] = [slot]
            out.append((guard, members))
    return tuple((entry[0], tuple(entry[1])) if isinstance(entry, tuple) else entry
                 for entry in out)


def _plain(entries: tuple) -> bool:
    return all(entry.__class__ is int for entry in entries)


def _picker(slots: tuple[int, ...]) -> Callable[[tuple], tuple]:
    """``methods -> tuple(methods[s] for s in slots)``, in C."""
    if len(slots) > 1:
        return operator.itemgetter(*slots)
    # itemgetter of one index returns the item: a slice of the tuple is a tuple (or ()).
    start = slots[0] if slots else 0
    return operator.itemgetter(slice(start, start + len(slots)))


def _bound(entries: tuple, methods: list[Any],
           on_error: Callable[[Any, Exception, object], None]) -> tuple:
    return tuple([
        methods[entry] if entry.__class__ is int
        else Guarded(entry[0], [methods[slot] for slot in entry[1]], on_error)
        for entry in entries
    ])


_NODE_CLASSES: dict[str, list[type]] = {}


def _node_classes(tree: str) -> list[type]:
    """Every node class of the tree kind; abstract ones in the plan cost nothing, as no node
    has them as its exact class."""
    if tree not in _NODE_CLASSES:
        if tree == "ast":
            classes = list(AST_NODE_CLASSES.values())
        else:
            import libcst

            classes = [
                c for c in vars(libcst).values() if isinstance(c, type) and issubclass(c, libcst.CSTNode)
            ]
        _NODE_CLASSES[tree] = classes
    return _NODE_CLASSES[tree]


_PLANS: dict[tuple[str, tuple[type[LintRule], ...]], _Plan] = {}
_PLAN_CACHE_SIZE = 64


def _plan_for(rules: Sequence[type[LintRule]], tree: str) -> _Plan:
    key = (tree, tuple(rules))
    plan = _PLANS.get(key)
    if plan is None:
        if len(_PLANS) >= _PLAN_CACHE_SIZE:
            _PLANS.clear()
        plan = _PLANS[key] = _Plan(rules, tree)
    return plan
