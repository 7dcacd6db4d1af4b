"""Syntax newer than the target Python, or than the Python shoal runs on.

Two questions, both answered as E999 messages in ruff's words:

* :func:`unsupported_syntax`: the file parses here, but uses syntax its ``target-version`` does
  not have (``match`` under py39). Cheap by design: nothing runs when the target is at least
  the running Python (whatever parsed here is then fine), and the tree is walked only when a
  regular expression over the text finds a hint of a feature newer than the target.
* :func:`newer_python_error`: the file does not parse here because it uses syntax of a newer
  Python (a ``type`` statement under 3.11). A heuristic names the feature from the error's
  line, then is confirmed: the line is rewritten into the older form and reparsed (the error
  must move on), or, for PEP 701 f-strings, libcst (which knows 3.12's grammar) parses the file.

``ast.parse(feature_version=...)`` is not used: it would parse every file a second time, stops
at the first construct, and is best-effort by CPython's own account (it misses parenthesized
context managers, for one). ``ast`` does not keep everything: parenthesised expressions leave no node, so the source is
read where it matters; f-strings that need PEP 701 are recognised only when they fail to
parse, so a 3.12 interpreter checking a py311 target does not report them.
"""
from __future__ import annotations

import ast
import bisect
import re
import sys
from collections.abc import Callable, Iterator

from analyzer.core import SourceLines
from analyzer.frontend import parse_module

__all__ = ["RUNNING", "newer_python_error", "unsupported_syntax"]

Version = tuple[int, int]
RUNNING: Version = (sys.version_info[0], sys.version_info[1])
#: A finding: 1-based line, 1-based character column, the whole message.
Finding = tuple[int, int, str]


def _name(version: Version) -> str:
    return "{}.{}".format(*version)


def too_new(feature: str, target: Version, needed: Version) -> str:
    """ruff's message for syntax newer than the target version."""
    return (f"SyntaxError: Cannot use {feature} on Python {_name(target)} "
            f"(syntax was added in Python {_name(needed)})")


# ---------------------------------------------------------------------------------------------
# Syntax that parses here but not on the target


def _is_dotted(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _starts_with_paren(node: ast.AST, lines: SourceLines) -> bool:
    line = lines.line(node.lineno)  # type: ignore[attr-defined]
    column = lines.column(node.lineno, node.col_offset)  # type: ignore[attr-defined]
    return line[column - 1:column] == "("


def _unparenthesized_star(node: ast.expr | None, lines: SourceLines) -> bool:
    return (isinstance(node, ast.Tuple) and any(isinstance(e, ast.Starred) for e in node.elts)
            and not _starts_with_paren(node, lines))


def _parenthesized_items(node: ast.With | ast.AsyncWith, lines: SourceLines) -> bool:
    """``with (a as b, c as d):``: the first ``(`` after the keyword is still open where the
    last item ends (``with (a) as b:`` closes it before)."""
    if not any(item.optional_vars is not None for item in node.items):
        return False
    last = node.items[-1]
    end_node = last.optional_vars or last.context_expr
    start = lines.offset(node.lineno, lines.column(node.lineno, node.col_offset))
    end_line = end_node.end_lineno or node.lineno
    end = lines.offset(end_line, lines.column(end_line, end_node.end_col_offset or 0))
    header = lines.text[start:end]
    keyword = re.match(r"(async\s+)?with\s*", header)
    if keyword is None or header[keyword.end():keyword.end() + 1] != "(":
        return False
    depth = 0
    for char in header[keyword.end():]:
        depth += char in "([{"
        depth -= char in ")]}"
        if depth == 0:
            return False
    return True


_Check = Callable[[ast.AST, SourceLines], Iterator[ast.AST]]


def _match(node: ast.AST, lines: SourceLines) -> Iterator[ast.AST]:
    yield node


def _posonly(node: ast.AST, lines: SourceLines) -> Iterator[ast.AST]:
    posonly = node.args.posonlyargs  # type: ignore[attr-defined]
    if posonly:
        yield posonly[-1]


def _decorators(node: ast.AST, lines: SourceLines) -> Iterator[ast.AST]:
    for decorator in node.decorator_list:  # type: ignore[attr-defined]
        plain = decorator.func if isinstance(decorator, ast.Call) else decorator
        if not _is_dotted(plain):
            yield decorator


def _with(node: ast.AST, lines: SourceLines) -> Iterator[ast.AST]:
    if _parenthesized_items(node, lines):  # type: ignore[arg-type]
        yield node


def _return_star(node: ast.AST, lines: SourceLines) -> Iterator[ast.AST]:
    value = node.value  # type: ignore[attr-defined]
    if _unparenthesized_star(value, lines):
        yield value


def _for_star(node: ast.AST, lines: SourceLines) -> Iterator[ast.AST]:
    if _unparenthesized_star(node.iter, lines):  # type: ignore[attr-defined]
        yield node.iter  # type: ignore[attr-defined]


def _index_star(node: ast.AST, lines: SourceLines) -> Iterator[ast.AST]:
    if _unparenthesized_star(node.slice, lines):  # type: ignore[attr-defined]
        yield node.slice  # type: ignore[attr-defined]


def _star_annotation(node: ast.AST, lines: SourceLines) -> Iterator[ast.AST]:
    vararg = node.args.vararg  # type: ignore[attr-defined]
    if vararg is not None and isinstance(vararg.annotation, ast.Starred):
        yield vararg.annotation


def _except_tuple(node: ast.AST, lines: SourceLines) -> Iterator[ast.AST]:
    kind = node.type  # type: ignore[attr-defined]
    if isinstance(kind, ast.Tuple) and not _starts_with_paren(kind, lines):
        yield kind


def _type_params(node: ast.AST, lines: SourceLines) -> Iterator[ast.AST]:
    params = getattr(node, "type_params", None)
    if params:
        yield params[0]


def _param_defaults(node: ast.AST, lines: SourceLines) -> Iterator[ast.AST]:
    for param in getattr(node, "type_params", None) or ():
        if getattr(param, "default_value", None) is not None:
            yield param


def _node_types(*names: str) -> tuple[type, ...]:
    return tuple(getattr(ast, name) for name in names if hasattr(ast, name))


_FUNCTIONS = ("FunctionDef", "AsyncFunctionDef")
_GENERICS = (*_FUNCTIONS, "ClassDef", "TypeAlias")

def _hints(*patterns: str) -> tuple[re.Pattern[str], ...]:
    # Each begins with a literal, which re finds fast (an anchor or a class first is 10x slower).
    return tuple(re.compile(pattern, re.MULTILINE) for pattern in patterns)


_GENERIC_HINTS = _hints(r"def[ \t]+\w+[ \t]*\[", r"class[ \t]+\w+[ \t]*\[",
                        r"type[ \t]+\w+[ \t]*\[")


#: (version, what ruff calls it, hints in the text, the node classes, the check).
_FEATURES: tuple[tuple[Version, str, tuple[re.Pattern[str], ...], tuple[type, ...], _Check],
                 ...] = (
    ((3, 8), "named assignment expression (`:=`)", _hints(":="),
     _node_types("NamedExpr"), _match),
    ((3, 8), "positional-only parameter separator", _hints(r",\s*/\s*[,):]"),
     _node_types(*_FUNCTIONS, "Lambda"), _posonly),
    ((3, 8), "iterable unpacking in return and yield statements",
     _hints(r"return[ \t][^\n#]*\*", r"yield[ \t][^\n#]*\*"),
     _node_types("Return", "Yield"), _return_star),
    ((3, 9), "relaxed decorator syntax",
     _hints(r"@(?![ \t]*[A-Za-z_][\w.]*[ \t]*(\(|#|\r?$))"),
     _node_types(*_FUNCTIONS, "ClassDef"), _decorators),
    ((3, 9), "parenthesized context managers", _hints(r"with[ \t]*\("),
     _node_types("With", "AsyncWith"), _with),
    ((3, 9), "unparenthesized iterable unpacking in `for` statements",
     _hints(r"for[ \t][^\n]*\bin\b[^\n]*\*"), _node_types("For", "AsyncFor"), _for_star),
    ((3, 10), "`match` statement", _hints(r"match\b(?![ \t]*[=.,)\]:])"),
     _node_types("Match"), _match),
    ((3, 11), "`except*`", _hints(r"except[ \t]*\*"), _node_types("TryStar"), _match),
    ((3, 11), "star expression in index", _hints(r"\[[ \t]*\*", r"\[[^\]\n(]*,[ \t]*\*"),
     _node_types("Subscript"), _index_star),
    ((3, 11), "star annotation", _hints(r"\*[ \t]*\w+[ \t]*:[ \t]*\*"),
     _node_types(*_FUNCTIONS), _star_annotation),
    ((3, 12), "type parameter lists", _GENERIC_HINTS, _node_types(*_GENERICS), _type_params),
    ((3, 12), "`type` statement", _hints(r"type[ \t]+\w+[ \t]*[\[=]"),
     _node_types("TypeAlias"), _match),
    ((3, 13), "type parameter defaults", _GENERIC_HINTS, _node_types(*_GENERICS),
     _param_defaults),
    ((3, 14), "unparenthesized exception types", _hints(r"except[ \t]+[^\n(:]*,"),
     _node_types("ExceptHandler"), _except_tuple),
)


def unsupported_syntax(tree: ast.Module, lines: SourceLines, target: Version,
                       running: Version = RUNNING) -> list[Finding]:
    """Every use of syntax newer than ``target`` in a tree that parsed under ``running``."""
    if target >= running:
        return []
    wanted: dict[type, list[tuple[Version, str, _Check]]] = {}
    hinted: set[int] = set()
    for needed, feature, hints, classes, check in _FEATURES:
        if not (target < needed <= running and classes):
            continue
        offsets = [match.start() for hint in hints for match in hint.finditer(lines.text)]
        if offsets:
            hinted.update(lines.position(offset)[0] for offset in offsets)
            for cls in classes:
                wanted.setdefault(cls, []).append((needed, feature, check))
    if not wanted:
        return []
    found: list[Finding] = []
    for node in _near(tree, sorted(hinted)):
        for needed, feature, check in wanted.get(type(node), ()):
            for culprit in check(node, lines):
                line, column = culprit.lineno, culprit.col_offset  # type: ignore[attr-defined]
                found.append((line, lines.column(line, column), too_new(feature, target, needed)))
    found.sort()
    return found


def _near(tree: ast.AST, hinted: list[int]) -> Iterator[ast.AST]:
    """The nodes whose lines (decorators included) hold a hint: a subtree without one is
    skipped whole, so a file with one hint costs a walk of one statement, not of the file."""
    stack = [tree]
    while stack:
        node = stack.pop()
        end = getattr(node, "end_lineno", None)
        if end is not None:
            start = node.lineno  # type: ignore[attr-defined]
            for decorator in getattr(node, "decorator_list", ()):
                start = min(start, decorator.lineno)
            at = bisect.bisect_left(hinted, start)
            if at == len(hinted) or hinted[at] > end:
                continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


# ---------------------------------------------------------------------------------------------
# Syntax that does not parse here


def _bracket_end(text: str, start: int) -> int:
    """Offset just past the bracket group opening at ``text[start]`` (``len(text)``: open)."""
    depth = 0
    for index in range(start, len(text)):
        depth += text[index] in "([{"
        depth -= text[index] in ")]}"
        if depth == 0:
            return index + 1
    return len(text)


def _drop_brackets(text: str, match: re.Match[str]) -> str:
    """``text`` without the keyword group 1 matched and the bracket group at the match's end."""
    bracket = match.end() - 1
    keyword_start, keyword_end = match.span("drop") if match.group("drop") else (0, 0)
    return (text[:keyword_start] + text[keyword_end:bracket]
            + text[_bracket_end(text, bracket):])


#: A ``type`` statement: ``type`` is dropped, and its parameters with it.
_TYPE_ALIAS = re.compile(r"^[ \t]*(?P<drop>type[ \t]+)[A-Za-z_]\w*[ \t]*[\[=]", re.MULTILINE)
#: A generic function or class: the parameter list is dropped.
_GENERIC = re.compile(r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+(?P<drop>)[A-Za-z_]\w*[ \t]*\[",
                      re.MULTILINE)


def _rewrite_type_alias(text: str, start: int) -> str | None:
    match = _TYPE_ALIAS.match(text, start)
    if match is None:
        return None
    if text[match.end() - 1] == "=":
        return text[:match.start("drop")] + text[match.end("drop"):]
    return _drop_brackets(text, match)


def _rewrite_generic(text: str, start: int) -> str | None:
    match = _GENERIC.match(text, start)
    return _drop_brackets(text, match) if match else None


def _rewrite_except_star(text: str, start: int) -> str | None:
    match = re.compile(r"[ \t]*except[ \t]*(\*)").match(text, start)
    return text[:match.start(1)] + " " + text[match.end(1):] if match else None


def _rewrite_except_tuple(text: str, start: int) -> str | None:
    # PEP 758 leaves the parentheses required with `as`.
    match = re.compile(r"[ \t]*except[ \t]+(?![^\n:]*\bas\b)([^\n(:#]+,[^\n:#]*?)[ \t]*:").match(
        text, start)
    if match is None:
        return None
    return text[:match.start(1)] + "(" + match.group(1) + ")" + text[match.end(1):]


def _rewrite_template_string(text: str, start: int) -> str | None:
    end = text.find("\n", start)
    line = text[start:len(text) if end < 0 else end]
    rewritten = re.sub(r"(?<![\w'\"])([rR]?)[tT]([rR]?['\"])", r"\1f\2", line)
    return None if rewritten == line else text[:start] + rewritten + text[start + len(line):]


#: (version, feature, rewrite of the statement starting at an offset into the older form).
_REWRITES: tuple[tuple[Version, str, Callable[[str, int], str | None]], ...] = (
    ((3, 11), "`except*`", _rewrite_except_star),
    ((3, 12), "`type` statement", _rewrite_type_alias),
    ((3, 12), "type parameter list", _rewrite_generic),
    ((3, 14), "`except` with several exception types and no parentheses", _rewrite_except_tuple),
    ((3, 14), "template string (t-string)", _rewrite_template_string),
)


def _moves_on(text: str, lineno: int) -> bool:
    """Whether ``text`` parses, or fails only after line ``lineno``."""
    try:
        parse_module(text)
    except SyntaxError as exc:
        return (exc.lineno or 0) > lineno
    except (ValueError, RecursionError, MemoryError):
        return False
    return True


def _pep701_fstring(text: str, exc: SyntaxError) -> bool:
    """A 3.12 f-string (nested quotes, backslashes or comments in a replacement field)."""
    line = (exc.text or "").lower()
    if not (exc.msg.startswith("f-string") or ("unterminated" in exc.msg and "f" in line)):
        return False
    try:
        import libcst  # lazy: only a file that failed to parse pays for it
    except ImportError:  # pragma: no cover - libcst is a dependency
        return False
    try:
        libcst.parse_module(text)
    except Exception:  # libcst's errors share no base class worth naming here
        return False
    return True


def _message(feature: str, target: Version, needed: Version, running: Version) -> str:
    if target < needed:
        return too_new(feature, target, needed)
    return (f"SyntaxError: {feature} requires Python {_name(needed)} "
            f"(shoal runs on {_name(running)})")


def newer_python_error(text: str, exc: SyntaxError, target: Version,
                       running: Version = RUNNING) -> str | None:
    """The E999 message for a parse failure due to syntax newer than ``running``, or None
    when the failure is an ordinary syntax error."""
    lineno = exc.lineno or 1
    lines = SourceLines(text)
    start = lines.line_start(lineno) if lineno <= len(lines) else len(text)
    for needed, feature, rewrite in _REWRITES:
        if needed <= running:
            continue
        rewritten = rewrite(text, start)
        if rewritten is not None and _moves_on(rewritten, lineno):
            return _message(feature, target, needed, running)
    if running < (3, 12) and _pep701_fstring(text, exc):
        feature = "f-string with nested quotes, backslashes or comments (PEP 701)"
        return _message(feature, target, (3, 12), running)
    return None
