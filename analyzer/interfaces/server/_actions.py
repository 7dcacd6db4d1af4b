"""Code actions (each finding's fix, ``source.fixAll.shoal``, ``# noqa: CODE``) and hover
(the rule's explanation, as ``shoal rule CODE`` prints it)."""
from __future__ import annotations

import re
from typing import Any

from lsprotocol import types

from analyzer.interfaces.server._convert import Converter

__all__ = ["FIX_ALL", "code_actions", "fix_all_edits", "hover", "rule_text"]

FIX_ALL = "source.fixAll.shoal"
_CODE = re.compile(r"[A-Z]+[0-9]+")


def _text_edits(fix: Any, conv: Converter) -> list[types.TextEdit]:
    return [types.TextEdit(conv.range(e.line, e.column, e.end_line, e.end_column), e.content)
            for e in fix.edits]


def _current(ls: Any, uri: str) -> tuple[str, list[Any], str] | None:
    """(path, findings, the text they were found in) when that is the buffer's text now."""
    from analyzer.interfaces.server._documents import uri_to_path

    path = uri_to_path(uri)
    if path is not None:
        found, text = ls.published.current.get(path, ([], ""))
    elif uri in ls.published.cells_current:  # an open notebook's cell
        path = uri
        found, text = ls.published.cells_current[uri]
    else:
        return None
    doc = ls.workspace.get_text_document(uri)
    if doc.source != text:
        return None  # an edit since the last update: positions would be off
    return path, found, text


def code_actions(ls: Any, params: types.CodeActionParams) -> list[types.CodeAction]:
    """Quick fixes and suppressions for the findings in the range; fix-all for the file."""
    uri = params.text_document.uri
    got = _current(ls, uri)
    if got is None:
        return []
    _path, found, text = got
    conv = Converter(text, ls.encoding)
    only = params.context.only
    want = (lambda kind: True) if not only else (
        lambda kind: any(kind == k or kind.startswith(f"{k}.") for k in only))
    actions: list[types.CodeAction] = []
    lsp = {id(d): ls.published._one(d, conv) for d in found}
    if want(types.CodeActionKind.QuickFix):
        for d in found:
            r = lsp[id(d)].range
            if r.end.line < params.range.start.line or r.start.line > params.range.end.line:
                continue
            if d.fix is not None and d.fix.edits:
                unsafe = d.fix.applicability == "unsafe"
                actions.append(types.CodeAction(
                    title=f"shoal: {d.fix.message}{' (unsafe)' if unsafe else ''}",
                    kind=types.CodeActionKind.QuickFix, diagnostics=[lsp[id(d)]],
                    is_preferred=not unsafe,
                    edit=types.WorkspaceEdit(changes={uri: _text_edits(d.fix, conv)})))
            actions.append(_suppress(uri, d, text, conv, lsp[id(d)]))
    if want(FIX_ALL) or want(types.CodeActionKind.SourceFixAll):
        edits = fix_all_edits(found, conv)
        if edits:
            actions.append(types.CodeAction(title="shoal: fix all safe fixes", kind=FIX_ALL,
                                            edit=types.WorkspaceEdit(changes={uri: edits})))
    return actions


def fix_all_edits(found: list[Any], conv: Converter) -> list[types.TextEdit]:
    """Every safe fix of the file whose edits overlap no fix taken before (one pass)."""
    taken: list[tuple[tuple[int, int], tuple[int, int]]] = []
    out: list[types.TextEdit] = []
    for d in sorted(found, key=lambda d: d.sort_key()):
        if d.fix is None or d.fix.applicability != "safe" or not d.fix.edits:
            continue
        spans = [((e.line, e.column), (e.end_line, e.end_column)) for e in d.fix.edits]
        if any(a < y and x < b or a == x for a, b in spans for x, y in taken):
            continue  # overlapping: the next run of fix-all takes it
        taken.extend(spans)
        out.extend(_text_edits(d.fix, conv))
    return out


def _suppress(uri: str, d: Any, text: str, conv: Converter,
              diagnostic: types.Diagnostic) -> types.CodeAction:
    """``# noqa: CODE`` on the line that covers the finding (added to one already there)."""
    from analyzer.engine import noqa_target_line, rewrite_directive, scan_noqa

    line = noqa_target_line(text, d.line)
    comment = scan_noqa(text).by_line.get(line)
    if comment is not None and comment.line == line and comment.codes is not None \
            and not comment.file_level and comment.in_comment:
        e = rewrite_directive(comment, [*comment.codes, d.code])
        edit = types.TextEdit(conv.range(e.line, e.column, e.end_line, e.end_column),
                              e.content)
    else:
        source = conv.lines[line - 1] if line - 1 < len(conv.lines) else ""
        end = conv.position(line, len(source) + 1)
        edit = types.TextEdit(types.Range(end, end), f"  # noqa: {d.code}")
    return types.CodeAction(title=f"shoal: suppress {d.code} with # noqa: {d.code}",
                            kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                            edit=types.WorkspaceEdit(changes={uri: [edit]}))


def rule_text(info: Any) -> str:
    """The explanation of a rule, as ``shoal rule CODE`` prints its head and body."""
    from analyzer.interfaces.output import rule_doc, rule_help_uri

    head = f"{info.code} {info.name}"
    url = rule_help_uri(info)
    parts = [f"**{head}** ({info.kind} rule, from {info.origin}"
             f"{', fixable' if info.fixable else ''})"]
    if url:
        parts.append(f"documentation: {url}")
    parts.append(rule_doc(info))
    return "\n\n".join(parts)


def hover(ls: Any, params: types.HoverParams) -> types.Hover | None:
    """On a code inside ``# noqa: ...``, or on a finding: the rule's explanation."""
    from analyzer.interfaces.server._documents import uri_to_path

    uri = params.text_document.uri
    path = uri_to_path(uri)
    if ls.published is None or (path is None and uri not in ls.published.cells_current):
        return None
    doc = ls.workspace.get_text_document(uri)
    conv = Converter(doc.source, ls.encoding)
    pos = params.position
    line = conv.lines[pos.line] if pos.line < len(conv.lines) else ""
    column = conv.column(pos) - 1
    codes: list[str] = []
    noqa = re.search(r"#\s*noqa\s*:?", line, re.IGNORECASE)
    if noqa and column >= noqa.start():
        for m in _CODE.finditer(line, noqa.end()):
            if m.start() <= column <= m.end():
                codes = [m.group()]
    if not codes:
        found, text = (ls.published.current.get(path, ([], "")) if path is not None
                       else ls.published.cells_current[uri])  # an open notebook's cell
        if text == doc.source:
            for d in found:
                r = ls.published._one(d, conv).range
                if (r.start.line, r.start.character) <= (pos.line, pos.character) <= (
                        r.end.line, r.end.character):
                    codes.append(d.code)
    registry = ls.published.registry
    infos = [registry.by_code[c] for c in dict.fromkeys(codes) if c in registry.by_code]
    if not infos:
        return None
    return types.Hover(contents=types.MarkupContent(
        kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(rule_text(i) for i in infos)))
