"""Fixit 2 compatibility: a module of ``fixit.LintRule`` classes runs unchanged on shoal.

Each Fixit rule class is adapted, when its plugin is loaded, into a shoal CST rule
(``TREE = "cst"``) that owns one instance of the Fixit rule per file:

* The adapter declares the Fixit rule's ``visit_X``/``leave_X`` methods as its own, so the
  Fixit rule joins shoal's single batched libcst traversal (as under ``fixit lint``, where
  rules are batched visitors too: a ``visit_X`` returning ``False`` prunes nothing).
  Attribute visitors (``visit_X_attr``) are not supported: :func:`adapt` refuses such a
  rule with :class:`FixitRuleError`, which the loader turns into a warning.
* Its ``METADATA_DEPENDENCIES`` are resolved through the file's shared metadata wrapper,
  so a provider two rules need is computed once.
* ``self.report(node, message, position=, replacement=)`` is Fixit's own: it honours
  ``# lint-ignore`` and ``# lint-fixme`` comments exactly as Fixit does. What it recorded
  becomes shoal findings when the module is left; a replacement (node, ``FlattenSentinel``
  or ``RemovalSentinel``) becomes one safe edit covering the text it changes.
* The code of an adapted rule is its name as Fixit shows it (the class name without a
  ``Rule`` suffix): it is what ``--select`` and ``# noqa:`` name, and its options are read
  from ``[tool.shoal.options.NAME]`` and passed to the rule's constructor as keyword
  arguments (Fixit itself constructs rules without arguments).
* ``PYTHON_VERSION`` is honoured against ``target-version``: outside it the rule reports
  nothing, as ``fixit lint`` disables it.

An adapted class lives in the Fixit rule's own module, as the attribute
``_shoal_fixit_<ClassName>``: the run context that carries it to the workers pickles it by
reference, and the cache stamps the file the rule is written in.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Callable, Collection, Iterator, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeGuard, cast

from analyzer.rules import Edit, Fix, LintRule, RuleContext
from analyzer.rules import Invalid as ShoalInvalid
from analyzer.rules import Valid as ShoalValid

if TYPE_CHECKING:
    import libcst
    from fixit import Invalid as FixitInvalid
    from fixit import LintRule as FixitRule
    from fixit import Valid as FixitValid

__all__ = [
    "FixitRuleError", "adapt", "adapted_from", "fixit_name", "fixit_rules_in", "is_fixit_rule",
]

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_]")
_KEBAB = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


class FixitRuleError(TypeError):
    """A Fixit rule shoal cannot run; carries the rule class and says why."""

    def __init__(self, rule: type, message: str) -> None:
        super().__init__(f"Fixit rule {rule.__module__}.{rule.__qualname__}: {message}")
        self.rule = rule


def _fixit_base() -> type[FixitRule] | None:
    """``fixit.LintRule`` if fixit is importable; looked up only when a plugin needs it."""
    try:
        import fixit
    except ImportError:
        return None
    return fixit.LintRule


def is_fixit_rule(value: object) -> TypeGuard[type[FixitRule]]:
    """True for a concrete subclass of ``fixit.LintRule`` (not the base itself)."""
    if not isinstance(value, type) or "fixit" not in sys.modules:
        return False
    base = _fixit_base()
    return base is not None and issubclass(value, base) and value is not base


def fixit_name(rule: type) -> str:
    """The name Fixit shows for ``rule``: its class name without a ``Rule`` suffix."""
    name = rule.__name__
    return name[:-4] if name.endswith("Rule") and len(name) > 4 else name


def fixit_rules_in(module: ModuleType) -> list[type[FixitRule]]:
    """The Fixit rules a module offers, as ``fixit lint`` collects them (a package's
    direct submodules included), sorted by name."""
    import inspect
    import pkgutil

    from fixit.config import is_rule

    found: dict[str, type[FixitRule]] = dict(inspect.getmembers(module, is_rule))
    if hasattr(module, "__path__"):
        import importlib

        for _, name, is_pkg in pkgutil.iter_modules(module.__path__):
            if not is_pkg:
                sub = importlib.import_module(f".{name}", module.__name__)
                found.update(inspect.getmembers(sub, is_rule))
    return [found[name] for name in sorted(found)]


def adapt(rule: type[FixitRule], origin: str = "") -> type[LintRule]:
    """The shoal module rule running the Fixit rule class ``rule`` (created once per class).

    :raises FixitRuleError: the rule uses a Fixit feature shoal does not offer.
    """
    from analyzer.rules._lint_rule import node_class

    key = "_shoal_fixit_" + _UNSAFE_NAME.sub("_", rule.__qualname__)
    home = sys.modules[rule.__module__]
    existing = getattr(home, key, None)
    if existing is not None and existing.FIXIT_RULE is rule:
        return existing
    name = fixit_name(rule)
    namespace: dict[str, Any] = {
        "__module__": rule.__module__,
        "__qualname__": key,
        "__doc__": _description(rule),
        # Left empty while the class is created: the base validates non-empty codes as
        # shoal codes (1-3 capitals then digits), which a Fixit name is not.
        "CODE": "",
        "NAME": _KEBAB.sub("-", name).lower(),
        "MESSAGE": getattr(rule, "MESSAGE", None) or _description(rule) or name,
        "TREE": "cst",
        # The whitespace-inclusive ranges place replacement fixes; asked for only when a
        # finding carries one.
        "METADATA_DEPENDENCIES": (*rule.get_inherited_dependencies(), _whitespace_ranges()),
        "FIXABLE": bool(getattr(rule, "AUTOFIX", False)),
        "FIXIT_RULE": rule,
        "VALID": [_shoal_valid(case) for case in getattr(rule, "VALID", [])],
        "INVALID": [_shoal_invalid(case) for case in getattr(rule, "INVALID", [])],
    }
    # libcst's visitor base defines a no-op stub for every visit_/leave_ name; only the
    # methods the rule wrote count (libcst's get_visitors filters the same way).
    visitors = [
        n for n in dir(rule)
        if n.startswith(("visit_", "leave_")) and not getattr(getattr(rule, n), "_is_no_op", False)
    ]
    for method in visitors:
        node_name = method.partition("_")[2]
        if node_class("cst", node_name) is None:
            raise FixitRuleError(
                rule, f"{method} is an attribute visitor (or names no libcst node); shoal "
                      f"runs only visit_<Node>/leave_<Node> methods")
        if method != "leave_Module":
            namespace[method] = _delegate(method)
    namespace["visit_Module"] = _visit_module(rule)
    namespace["leave_Module"] = _leave_module(rule)
    adapted = cast("type[_FixitAdapter]", type(key, (_FixitAdapter,), namespace))
    adapted.CODE = name
    adapted.ORIGIN = origin
    setattr(home, key, adapted)
    return adapted


def adapted_from(rule: type) -> tuple[type, str] | None:
    """(Fixit rule, origin) of a class :func:`adapt` made; None for any other rule class."""
    fixit_rule = getattr(rule, "FIXIT_RULE", object)
    if fixit_rule is object:
        return None
    adapter = cast("type[_FixitAdapter]", rule)  # only adapters carry a FIXIT_RULE
    return fixit_rule, adapter.ORIGIN


def _description(rule: type) -> str:
    doc = (rule.__doc__ or "").strip().splitlines()
    return doc[0].strip() if doc else ""


def _dedent(code: str) -> str:
    # Fixit drops one leading newline before dedenting; positions in its examples count so.
    import textwrap

    return textwrap.dedent(re.sub(r"\A\n", "", code))


def _shoal_valid(case: str | FixitValid) -> ShoalValid:
    return ShoalValid(_dedent(case if isinstance(case, str) else case.code))


def _shoal_invalid(case: str | FixitInvalid) -> ShoalInvalid:
    if isinstance(case, str):
        return ShoalInvalid(_dedent(case))
    code_range = getattr(case, "range", None)
    replacement = getattr(case, "expected_replacement", None)
    return ShoalInvalid(
        _dedent(case.code),
        line=code_range.start.line if code_range is not None else None,
        column=code_range.start.column + 1 if code_range is not None else None,
        message=getattr(case, "expected_message", None),
        expected_fix=_dedent(replacement) if replacement else None,
    )


def _delegate(method: str) -> Callable[[_FixitAdapter, Any], None]:
    def call(self: _FixitAdapter, node: Any) -> None:
        fixit_rule = self.fixit_rule
        if fixit_rule is not None:
            getattr(fixit_rule, method)(node)

    call.__name__ = method
    return call


def _visit_module(rule: type[FixitRule]) -> Callable[[_FixitAdapter, Any], None]:
    has_own = not getattr(rule.visit_Module, "_is_no_op", False)

    def visit_Module(self: _FixitAdapter, node: Any) -> None:
        self._start(node)
        if has_own and self.fixit_rule is not None:
            self.fixit_rule.visit_Module(node)

    return visit_Module


def _leave_module(rule: type[FixitRule]) -> Callable[[_FixitAdapter, Any], None]:
    has_own = not getattr(rule.leave_Module, "_is_no_op", False)

    def leave_Module(self: _FixitAdapter, node: Any) -> None:
        if has_own and self.fixit_rule is not None:
            self.fixit_rule.leave_Module(node)
        self._flush(node)

    return leave_Module


class _FixitAdapter(LintRule):
    """Base of adapted Fixit rules: one Fixit rule instance per file, its reports converted."""

    #: The adapted ``fixit.LintRule`` subclass.
    FIXIT_RULE: type = object
    #: Where the rule came from (shown by ``shoal rules``).
    ORIGIN: str = ""

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self.fixit_rule: FixitRule | None = None
        rule = type(self).FIXIT_RULE
        if _runs_on(rule, context.settings.target_version):
            options = dict(context.settings.options_for(type(self)))
            self.fixit_rule = rule(**options) if options else rule()

    def _start(self, module: libcst.Module) -> None:
        if self.fixit_rule is None:
            return
        # libcst's get_metadata reads this mapping; a provider is resolved on the rule's
        # first question, through shoal's per-file metadata, so a provider no rule asks
        # about in this file is never computed and one two rules share is computed once.
        self.fixit_rule.metadata = _LazyMetadata(self, self.fixit_rule.get_inherited_dependencies())

    def _flush(self, module: libcst.Module) -> None:
        fixit_rule = self.fixit_rule
        if fixit_rule is None:
            return
        violations, fixit_rule._violations = fixit_rule._violations, []
        for violation in violations:
            start, end = violation.range.start, violation.range.end
            fix = None
            if violation.replacement is not None:
                fix = self._fix(module, violation.node, violation.replacement, fixit_rule.name)
            self.report((start.line, start.column + 1), violation.message, fix=fix,
                        end=(end.line, end.column + 1))


    def _fix(self, module: libcst.Module, node: Any, replacement: Any, name: str) -> Fix | None:
        import libcst

        if isinstance(replacement, libcst.BaseExpression) and isinstance(node, libcst.BaseExpression):
            # The common case, in one node's text: the replacement's code over the
            # whitespace-inclusive range of the node it replaces. Statements take the slow
            # path: their code depends on the module's newline and the end of the file.
            code_range = self.get_metadata(_whitespace_ranges(), node)
            edit = Edit(module.code_for_node(replacement), code_range.start.line,
                        code_range.start.column + 1, code_range.end.line,
                        code_range.end.column + 1)
            return Fix("safe", f"{name}: apply the suggested replacement", (edit,))
        run = self._shoal_run
        meta = run.cst_metadata() if run is not None else None
        in_place = meta.statement_text(node, replacement) if meta is not None else None
        if in_place is not None:
            before, start, end, text = in_place
            return _trimmed_fix(before, before[:start] + text + before[end:], name, start,
                                len(before) - end)
        return _replacement_fix(module, node, replacement, name)


class _LazyMetadata(Mapping[type, Any]):
    """provider -> node mapping, resolved on first lookup (libcst's ``metadata`` attribute)."""

    def __init__(self, adapter: _FixitAdapter, providers: Collection[type]) -> None:
        self._adapter = adapter
        self._providers = frozenset(providers)
        self._resolved: dict[type, Any] = {}

    def __getitem__(self, provider: type) -> Any:
        value = self._resolved.get(provider)
        if value is None:
            if provider not in self._providers:
                raise KeyError(provider)
            value = self._resolved[provider] = self._adapter.get_metadata(provider)
        return value

    def __contains__(self, provider: object) -> bool:
        return provider in self._providers

    def __iter__(self) -> Iterator[type]:
        return iter(self._providers)

    def __len__(self) -> int:
        return len(self._providers)


def _whitespace_ranges() -> type:
    from libcst.metadata import WhitespaceInclusivePositionProvider

    return WhitespaceInclusivePositionProvider


def _runs_on(rule: type, target: tuple[int, int]) -> bool:
    spec = getattr(rule, "PYTHON_VERSION", "")
    if not spec:
        return True
    from packaging.specifiers import SpecifierSet

    return "{}.{}".format(*target) in SpecifierSet(spec, prereleases=True)


def _replacement_fix(module: libcst.Module, node: Any, replacement: Any, rule_name: str) -> Fix | None:
    """One edit from the text of ``module`` to its text with ``node`` replaced (a removal or
    a flattened sequence), trimmed to the part that changes: what Fixit would write."""
    before = module.code
    after = module.deep_replace(node, replacement).code
    return _trimmed_fix(before, after, rule_name)


def _trimmed_fix(
    before: str, after: str, rule_name: str, prefix: int = 0, suffix: int = 0
) -> Fix | None:
    """The edit from ``before`` to ``after``, trimmed to the part that changes; ``prefix``
    and ``suffix`` are lengths already known to be common."""
    if before == after:
        return None
    limit = min(len(before), len(after))
    prefix = min(prefix, limit)
    while prefix < limit and before[prefix] == after[prefix]:
        prefix += 1
    suffix = min(suffix, limit - prefix)
    while (suffix < limit - prefix
           and before[len(before) - 1 - suffix] == after[len(after) - 1 - suffix]):
        suffix += 1
    line, column = _position(before, prefix)
    end_line, end_column = _position(before, len(before) - suffix)
    content = after[prefix:len(after) - suffix]
    return Fix("safe", f"{rule_name}: apply the suggested replacement",
               (Edit(content, line, column, end_line, end_column),))


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, character column) of a character offset; lines end at ``\\n`` only,
    as libcst counts them."""
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1
