"""The edits of the bugbear rules' fixes (not a rule module): source text of nodes, put
back where a node was, and an element taken out of a literal with its comma."""
from __future__ import annotations

import ast

from analyzer.rules import Edit, RuleContext
from plugins._operators import span_edit
from plugins._text import end_offset, start_offset

#: Expressions that take ``.name`` after them as written; anything else is parenthesized.
_ATOMS = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.List, ast.Tuple, ast.Dict,
          ast.Set, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.JoinedStr)


def source(context: RuleContext, node: ast.AST) -> str:
    """The text of ``node`` in the file, parentheses around a tuple included (as ast
    places a parenthesized tuple)."""
    lines = context.lines
    return lines.text[start_offset(lines, node):end_offset(lines, node)]


def replace(context: RuleContext, node: ast.AST, content: str) -> Edit:
    """The edit putting ``content`` where ``node`` is."""
    lines = context.lines
    return span_edit(lines, start_offset(lines, node), end_offset(lines, node), content)


def receiver(context: RuleContext, node: ast.expr) -> str:
    """``node``'s text as the object of an attribute access: parenthesized unless it is an
    atom (``(a + b).name``, ``(1).real``; a string or a float keeps its own)."""
    text = source(context, node)
    if isinstance(node, _ATOMS):
        return text
    if isinstance(node, ast.Constant) and not (isinstance(node.value, int)
                                               and not isinstance(node.value, bool)):
        return text
    return f"({text})"


def remove_element(context: RuleContext, elements: list[ast.expr], index: int) -> Edit:
    """The edit taking ``elements[index]`` (not the first) out of its literal, with the
    comma before it: ``{1, 2, 1}`` becomes ``{1, 2}``."""
    lines = context.lines
    return span_edit(lines, end_offset(lines, elements[index - 1]),
                     end_offset(lines, elements[index]), "")
