"""Built-in format-string rules: ``'...' % ...`` (F501-F509) and ``'...'.format(...)`` (F521-F525).

Codes, messages and positions are pyflakes's (flake8 numbering), so existing noqa comments keep
working: a ``%`` finding is placed on the ``BinOp`` (the start of the string), a ``.format``
finding on the call. Only a literal ``str`` on the left of ``%`` (or before ``.format``) is
checked, as in pyflakes. Each format string is analysed once per node: the rules of one family
share the analysis of the node being visited (the runner calls them one after another on it),
so nine rules cost one parse of the string.
"""
from __future__ import annotations

import ast
import re
import string
from typing import NamedTuple

from analyzer.rules import Invalid, LintRule, Valid, visit_when
from plugins._sequence_fix import arguments_fix, dict_items_fix

#: A finding of one family: code, message, and for the unused-argument codes (F504, F522,
#: F523) the indices of the items the fix removes (None: no fix).
_Finding = tuple[str, str, "tuple[int, ...] | None"]

# ---------------------------------------------------------------------------------------------
# '...' % ...

#: What follows a ``%``: optional ``(key)``, flags, width, precision, length modifier; the
#: conversion character is the one after the match. A key holding parentheses does not match,
#: and its ``(`` is then read as the conversion (an unsupported one), as CPython would fail.
_SPEC_RE = re.compile(r"(?:\(([^()]*)\))?[#0+ -]*(\*|\d*)(\.(?:\*|\d*))?[hlL]?")
_CONVERSIONS = frozenset("diouxXeEfFgGcrsa%")


class _Placeholder(NamedTuple):
    key: str | None
    width: str | None
    precision: str | None
    conversion: str


def percent_placeholders(text: str) -> list[_Placeholder]:
    """The ``%`` placeholders of ``text``; ValueError when one is cut off by the end."""
    found = []
    pos = text.find("%")
    while pos >= 0:
        match = _SPEC_RE.match(text, pos + 1)
        assert match is not None  # every part of the pattern may be empty
        end = match.end()
        if end >= len(text):
            raise ValueError("end-of-string while parsing format")
        key, width, precision = match.groups()
        found.append(_Placeholder(key, width or None, precision, text[end]))
        pos = text.find("%", end + 1)
    return found


def _percent_findings(node: ast.BinOp) -> list[_Finding]:
    """(code, message) of every F50x finding on ``'literal' % right``, in pyflakes's order."""
    assert isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)
    try:
        placeholders = percent_placeholders(node.left.value)
    except ValueError:
        return [("F501", "'...' % ... has invalid format string: incomplete format", None)]
    out: list[_Finding] = []
    named: set[str] = set()
    count = 0
    positional: bool | None = None
    for key, width, precision, conversion in placeholders:
        if conversion == "%":
            continue
        if conversion not in _CONVERSIONS:
            out.append(("F509", f"'...' % ... has unsupported format character {conversion!r}",
                        None))
        if positional is None and conversion:
            positional = key is None
        for part in (width, precision):
            if part is not None and "*" in part:
                if positional:
                    count += 1
                else:
                    out.append(("F508", "'...' % ... `*` specifier requires sequence", None))
        if bool(positional) != (key is None):
            out.append(("F506", "'...' % ... has mixed positional and named placeholders",
                        None))
            return out
        if positional:
            count += 1
        else:
            named.add(key)  # type: ignore[arg-type]  # key is None only when positional
    right = node.right
    if isinstance(right, (ast.List, ast.Tuple)) and not any(
        isinstance(elt, ast.Starred) for elt in right.elts
    ):
        given = len(right.elts)
        if positional and count != given:
            out.append(("F507", f"'...' % ... has {count} placeholder(s) but {given} "
                                f"substitution(s)", None))
        elif not positional:
            out.append(("F502", "'...' % ... expected mapping but got sequence", None))
    if isinstance(right, ast.Dict) and all(
        isinstance(k, ast.Constant) and isinstance(k.value, str) for k in right.keys
    ):
        if positional and count > 1:
            out.append(("F503", "'...' % ... expected sequence but got mapping", None))
            return out
        keys = {str(k.value) for k in right.keys if isinstance(k, ast.Constant)}
        if not positional and keys - named:
            extra = ", ".join(sorted(keys - named))
            unused = tuple(i for i, k in enumerate(right.keys)
                           if isinstance(k, ast.Constant) and k.value not in named)
            out.append(("F504", f"'...' % ... has unused named argument(s): {extra}", unused))
        if not positional and named - keys:
            missing = ", ".join(sorted(named - keys))
            out.append(("F505", f"'...' % ... is missing argument(s) for placeholder(s): "
                                f"{missing}", None))
    return out


# The rules of one family run one after the other on the same node: the last analysis is
# kept so that the string is parsed once, not once per rule.
_last_percent: tuple[ast.AST | None, list[_Finding]] = (None, [])
_last_format: tuple[ast.AST | None, list[_Finding]] = (None, [])


def percent_findings(node: ast.BinOp) -> list[_Finding]:
    """The F50x findings of one ``%`` expression (cached for the node being visited)."""
    global _last_percent
    if _last_percent[0] is not node:
        _last_percent = (node, _percent_findings(node))
    return _last_percent[1]


def _is_percent_format(node: ast.BinOp) -> bool:
    """``'...' % ...``: what every F50x rule looks at (one test per node for the family)."""
    left = node.left
    return (node.op.__class__ is ast.Mod and left.__class__ is ast.Constant
            and isinstance(left.value, str))


class _PercentFormatRule(LintRule):
    """Shared visit of the F50x rules (abstract: no CODE)."""

    TREE = "ast"

    @visit_when(_is_percent_format)
    def visit_BinOp(self, node: ast.BinOp) -> None:
        for code, message, unused in percent_findings(node):
            if code == self.CODE:
                # F504's fix removes the unused keys (ruff's, safe).
                fix = dict_items_fix(self.context.lines, node.right, unused)
                self.report(node, message, fix=fix)


class PercentFormatInvalidFormat(_PercentFormatRule):
    """F501: a ``%`` format string that ends inside a placeholder raises ValueError."""

    CODE = "F501"
    NAME = "percent-format-invalid-format"
    EQUIVALENT = "pyflakes F501, ruff F501"
    MESSAGE = "'...' % ... has invalid format string"
    VALID = [Valid("x = '%s%%' % (a,)\n")]
    INVALID = [Invalid("x = 'hello %' % (a,)\n", line=1, column=5,
                       message="'...' % ... has invalid format string: incomplete format")]


class PercentFormatExpectedMapping(_PercentFormatRule):
    """F502: named placeholders need a mapping on the right of ``%``."""

    CODE = "F502"
    NAME = "percent-format-expected-mapping"
    EQUIVALENT = "pyflakes F502, ruff F502"
    MESSAGE = "'...' % ... expected mapping but got sequence"
    VALID = [Valid("x = '%(a)s' % {'a': 1}\n")]
    INVALID = [Invalid("x = '%(a)s' % (1,)\n", line=1, column=5)]


class PercentFormatExpectedSequence(_PercentFormatRule):
    """F503: several positional placeholders need a sequence on the right of ``%``."""

    CODE = "F503"
    NAME = "percent-format-expected-sequence"
    EQUIVALENT = "pyflakes F503, ruff F503"
    MESSAGE = "'...' % ... expected sequence but got mapping"
    VALID = [Valid("x = '%s %s' % (1, 2)\n"), Valid("x = '%s' % {'a': 1}\n")]
    INVALID = [Invalid("x = '%s %s' % {'a': 1}\n", line=1, column=5)]


class PercentFormatExtraNamedArguments(_PercentFormatRule):
    """F504: a key of the mapping that no placeholder uses."""

    CODE = "F504"
    NAME = "percent-format-extra-named-arguments"
    EQUIVALENT = "pyflakes F504, ruff F504"
    MESSAGE = "'...' % ... has unused named argument(s)"
    FIXABLE = True
    FIX_APPLICABILITY = "safe"
    VALID = [Valid("x = '%(a)s' % {'a': 1, **b}\n")]
    INVALID = [
        Invalid("x = '%(a)s' % {'a': 1, 'b': 2}\n", line=1, column=5,
                message="'...' % ... has unused named argument(s): b",
                expected_fix="x = '%(a)s' % {'a': 1}\n"),
        Invalid("x = '%(b)s' % {\n    'a': (1),  # one\n    'b': 2,\n    'c': [3],\n}\n",
                expected_fix="x = '%(b)s' % {\n    'b': 2,\n}\n"),
        Invalid("x = 'none' % {'a': 1}\n", expected_fix="x = 'none' % {}\n"),
    ]


class PercentFormatMissingArgument(_PercentFormatRule):
    """F505: a named placeholder whose key the mapping does not have."""

    CODE = "F505"
    NAME = "percent-format-missing-argument"
    EQUIVALENT = "pyflakes F505, ruff F505"
    MESSAGE = "'...' % ... is missing argument(s) for placeholder(s)"
    VALID = [Valid("x = '%(a)s' % {'a': 1}\n"), Valid("x = '%(a)s' % {1: 1}\n")]
    INVALID = [Invalid("x = '%(a)s %(b)s' % {'a': 1}\n", line=1, column=5,
                       message="'...' % ... is missing argument(s) for placeholder(s): b")]


class PercentFormatMixedPositionalAndNamed(_PercentFormatRule):
    """F506: positional and named placeholders cannot be mixed."""

    CODE = "F506"
    NAME = "percent-format-mixed-positional-and-named"
    EQUIVALENT = "pyflakes F506, ruff F506"
    MESSAGE = "'...' % ... has mixed positional and named placeholders"
    VALID = [Valid("x = '%(a)s %(b)s' % c\n")]
    INVALID = [Invalid("x = '%s %(a)s' % c\n", line=1, column=5)]


class PercentFormatPositionalCountMismatch(_PercentFormatRule):
    """F507: as many substitutions as positional placeholders (``*`` widths count)."""

    CODE = "F507"
    NAME = "percent-format-positional-count-mismatch"
    EQUIVALENT = "pyflakes F507, ruff F507"
    MESSAGE = "'...' % ... has a different number of placeholders and substitutions"
    VALID = [Valid("x = '%*s' % (2, 'a')\n"), Valid("x = '%s %s' % (a, *b)\n")]
    INVALID = [Invalid("x = '%s %s' % (1,)\n", line=1, column=5,
                       message="'...' % ... has 2 placeholder(s) but 1 substitution(s)")]


class PercentFormatStarRequiresSequence(_PercentFormatRule):
    """F508: a ``*`` width or precision takes its value from a sequence, not a mapping."""

    CODE = "F508"
    NAME = "percent-format-star-requires-sequence"
    EQUIVALENT = "pyflakes F508, ruff F508"
    MESSAGE = "'...' % ... `*` specifier requires sequence"
    VALID = [Valid("x = '%.*f' % (2, 1.5)\n")]
    INVALID = [Invalid("x = '%(a)*d' % {'a': 1}\n", line=1, column=5)]


class PercentFormatUnsupportedFormatCharacter(_PercentFormatRule):
    """F509: a conversion character ``%`` does not know raises ValueError."""

    CODE = "F509"
    NAME = "percent-format-unsupported-format-character"
    EQUIVALENT = "pyflakes F509, ruff F509"
    MESSAGE = "'...' % ... has unsupported format character"
    VALID = [Valid("x = '%r %a %5.2f' % (a, b, c)\n")]
    INVALID = [Invalid("x = '%y' % (a,)\n", line=1, column=5,
                       message="'...' % ... has unsupported format character 'y'")]


# ---------------------------------------------------------------------------------------------
# '...'.format(...)

_parse_format = string.Formatter().parse


def _format_findings(node: ast.Call) -> list[_Finding]:
    """(code, message) of every F52x finding on ``'literal'.format(...)``, in pyflakes's order."""
    template = node.func.value.value  # type: ignore[attr-defined]
    try:
        fields = list(_parse_format(template))
    except ValueError as exc:
        return [("F521", _INVALID + str(exc), None)]
    keys = _Keys()
    for _, key, spec, _ in fields:
        if keys.add(key):
            return [_MIXING]
        if spec is None:
            continue
        # A spec may hold placeholders itself ('{:{width}}'), but only one level deep.
        try:
            nested = list(_parse_format(spec))
        except ValueError as exc:
            return [("F521", _INVALID + str(exc), None)]
        for _, inner_key, inner_spec, _ in nested:
            if inner_spec is not None and "{" in inner_spec:
                return [("F521", _INVALID + "Max string recursion exceeded", None)]
            if keys.add(inner_key):
                return [_MIXING]
    if any(isinstance(arg, ast.Starred) for arg in node.args) or any(
        kw.arg is None for kw in node.keywords
    ):
        return []  # *args / **kwargs: what is given is unknown
    given_positional = set(range(len(node.args)))
    given_named = {kw.arg for kw in node.keywords if kw.arg is not None}
    out: list[_Finding] = []
    count = len(node.args)
    if given_positional - keys.positional:
        unused = sorted(given_positional - keys.positional)
        extra = ", ".join(sorted(str(i) for i in unused))
        # Fixed only when the unused ones end the arguments: others would need renumbering.
        trailing = unused == list(range(count - len(unused), count))
        out.append(("F523", f"'...'.format(...) has unused arguments at position(s): {extra}",
                    tuple(unused) if trailing else None))
    if given_named - keys.named:
        extra = ", ".join(sorted(given_named - keys.named))
        unused_kw = tuple(count + j for j, kw in enumerate(node.keywords)
                          if kw.arg not in keys.named)
        out.append(("F522", f"'...'.format(...) has unused named argument(s): {extra}",
                    unused_kw))
    missing = {str(i) for i in keys.positional - given_positional} | (keys.named - given_named)
    if missing:
        out.append(("F524", "'...'.format(...) is missing argument(s) for placeholder(s): "
                            + ", ".join(sorted(missing)), None))
    return out


_INVALID = "'...'.format(...) has invalid format string: "
_MIXING: _Finding = ("F525", "'...'.format(...) mixes automatic and manual numbering", None)


class _Keys:
    """The placeholders of a template: ``{}`` numbered automatically, ``{0}`` manually."""

    def __init__(self) -> None:
        self.auto: bool | None = None
        self.next_auto = 0
        self.positional: set[int] = set()
        self.named: set[str] = set()

    def add(self, key: str | None) -> bool:
        """Record one placeholder's key; True when it mixes automatic and manual numbering."""
        if key is None:  # literal text, '{{' or '}}'
            return False
        # '{a.b}' and '{0[1]}' use argument 'a' and 0.
        key = key.partition(".")[0].partition("[")[0]
        try:
            number = int(key)
        except ValueError:
            number = None
        if number is not None:
            if self.auto is True:
                return True
            self.auto = False
            self.positional.add(number)
        elif key == "":
            if self.auto is False:
                return True
            self.auto = True
            self.positional.add(self.next_auto)
            self.next_auto += 1
        else:
            self.named.add(key)
        return False


def format_findings(node: ast.Call) -> list[_Finding]:
    """The F52x findings of one ``.format`` call (cached for the node being visited)."""
    global _last_format
    if _last_format[0] is not node:
        _last_format = (node, _format_findings(node))
    return _last_format[1]


def _is_str_format(node: ast.Call) -> bool:
    """``'...'.format(...)``: what every F52x rule looks at (one test per call for the family)."""
    func = node.func
    return (func.__class__ is ast.Attribute and func.attr == "format"
            and func.value.__class__ is ast.Constant
            and isinstance(func.value.value, str))


class _StrFormatRule(LintRule):
    """Shared visit of the F52x rules (abstract: no CODE)."""

    TREE = "ast"

    @visit_when(_is_str_format)
    def visit_Call(self, node: ast.Call) -> None:
        for code, message, unused in format_findings(node):
            if code == self.CODE:
                # F522's and F523's fixes remove the unused arguments (ruff's, safe).
                fix = arguments_fix(self.context.lines, node, unused)
                self.report(node, message, fix=fix)


class StringDotFormatInvalidFormat(_StrFormatRule):
    """F521: a ``.format`` template that str.format itself would reject."""

    CODE = "F521"
    NAME = "string-dot-format-invalid-format"
    EQUIVALENT = "pyflakes F521, ruff F521"
    MESSAGE = "'...'.format(...) has invalid format string"
    VALID = [Valid("x = '{{}} {}'.format(a)\n")]
    INVALID = [Invalid("x = '{'.format(a)\n", line=1, column=5,
                       message="'...'.format(...) has invalid format string: "
                               "Single '{' encountered in format string")]


class StringDotFormatExtraNamedArguments(_StrFormatRule):
    """F522: a keyword argument that no placeholder uses."""

    CODE = "F522"
    NAME = "string-dot-format-extra-named-arguments"
    EQUIVALENT = "pyflakes F522, ruff F522"
    MESSAGE = "'...'.format(...) has unused named argument(s)"
    FIXABLE = True
    FIX_APPLICABILITY = "safe"
    VALID = [Valid("x = '{a}'.format(a=1)\n"), Valid("x = '{a}'.format(a=1, **b)\n")]
    INVALID = [
        Invalid("x = '{a}'.format(a=1, b=2)\n", line=1, column=5,
                message="'...'.format(...) has unused named argument(s): b",
                expected_fix="x = '{a}'.format(a=1)\n"),
        Invalid("x = '{}'.format(1, b=(2), c=3,)\n", expected_fix="x = '{}'.format(1,)\n"),
        Invalid("x = ('{a}'\n     .format(b=2, a=1))\n",
                expected_fix="x = ('{a}'\n     .format(a=1))\n"),
    ]


class StringDotFormatExtraPositionalArguments(_StrFormatRule):
    """F523: a positional argument that no placeholder uses."""

    CODE = "F523"
    NAME = "string-dot-format-extra-positional-arguments"
    EQUIVALENT = "pyflakes F523, ruff F523"
    MESSAGE = "'...'.format(...) has unused arguments"
    FIXABLE = True
    FIX_APPLICABILITY = "safe (none when a removal would renumber the placeholders)"
    VALID = [Valid("x = '{0}{0}'.format(a)\n"), Valid("x = '{}'.format(*a)\n")]
    INVALID = [
        Invalid("x = '{}'.format(1, 2)\n", line=1, column=5,
                message="'...'.format(...) has unused arguments at position(s): 1",
                expected_fix="x = '{}'.format(1)\n"),
        Invalid("x = '{0}'.format(1, (2), f(3), a=4)\n",
                expected_fix="x = '{0}'.format(1, a=4)\n"),
        # Removing argument 0 would renumber {1}: no fix, as in ruff.
        Invalid("x = '{1}'.format(0, 1)\n"),
    ]


class StringDotFormatMissingArgument(_StrFormatRule):
    """F524: a placeholder that no argument fills raises IndexError or KeyError."""

    CODE = "F524"
    NAME = "string-dot-format-missing-argument"
    EQUIVALENT = "pyflakes F524, ruff F524"
    MESSAGE = "'...'.format(...) is missing argument(s) for placeholder(s)"
    VALID = [Valid("x = '{a.b} {0[1]}'.format(c, a=d)\n")]
    INVALID = [Invalid("x = '{} {a}'.format(1)\n", line=1, column=5,
                       message="'...'.format(...) is missing argument(s) for placeholder(s): a")]


class StringDotFormatMixingAutomatic(_StrFormatRule):
    """F525: ``{}`` and ``{0}`` in one template raise ValueError."""

    CODE = "F525"
    NAME = "string-dot-format-mixing-automatic"
    EQUIVALENT = "pyflakes F525, ruff F525"
    MESSAGE = "'...'.format(...) mixes automatic and manual numbering"
    VALID = [Valid("x = '{0} {1}'.format(a, b)\n")]
    INVALID = [Invalid("x = '{} {1}'.format(a, b)\n", line=1, column=5)]


#: The rules of this module, in code order.
RULES: tuple[type[LintRule], ...] = (
    PercentFormatInvalidFormat,
    PercentFormatExpectedMapping,
    PercentFormatExpectedSequence,
    PercentFormatExtraNamedArguments,
    PercentFormatMissingArgument,
    PercentFormatMixedPositionalAndNamed,
    PercentFormatPositionalCountMismatch,
    PercentFormatStarRequiresSequence,
    PercentFormatUnsupportedFormatCharacter,
    StringDotFormatInvalidFormat,
    StringDotFormatExtraNamedArguments,
    StringDotFormatExtraPositionalArguments,
    StringDotFormatMissingArgument,
    StringDotFormatMixingAutomatic,
)
