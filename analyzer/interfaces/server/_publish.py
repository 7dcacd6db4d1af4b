"""What the client sees: the committed findings grouped by file, converted, and the files
whose findings changed since they were last published.

A notification is built as JSON text, one finding's diagnostic at a time, and each
finding's text is kept while the lines its range lies on stay as they were: a hub edit
republishes the findings of every caller, most of them as they were, and lsprotocol's
converter (tens of microseconds a finding, then as much again for JSON) was most of what the
last of those files waited for.
"""
from __future__ import annotations

import dataclasses
import json
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lsprotocol import types

from analyzer.frontend import NOTEBOOK_SUFFIX, CellMap, NotebookError, notebook_source
from analyzer.interfaces.server._convert import Converter, diagnostic_json, lsp_diagnostic
from analyzer.interfaces.server._documents import Buffer, path_to_uri

__all__ = ["SCOPES", "Notice", "Published", "by_path", "disk_text"]

#: ``diagnostic-scope``: every file whose findings changed, or the open buffers only.
SCOPES = ("workspace", "open-files")


def by_path(session: Any, visible: list[Any] | None = None) -> dict[str, list[Any]]:
    """The session's committed findings (or ``visible``, those a baseline leaves) by
    absolute path (display paths mapped back)."""
    display = _Displays()
    out: dict[str, list[Any]] = defaultdict(list)
    for d in session.state.diagnostics if visible is None else visible:
        out[display.path(session, d.path)].append(d)
    return out


class _Displays:
    """Display path -> absolute path, refreshed from the session's files on a miss only (a
    full map per update would cost a pass over every file of the project)."""

    def __init__(self) -> None:
        self._map: dict[str, str] = {}

    def path(self, session: Any, display: str) -> str:
        """The absolute path of the file shown as ``display``."""
        found = self._map.get(display)
        if found is None:
            self._map = {fs.task.display: p for p, fs in session.state.files.items()}
            found = self._map.get(display)
            if found is None:
                found = self._map[display] = os.path.abspath(display)
        return found


def disk_text(path: str) -> str:
    """A closed file's text, decoded as shoal decodes it (empty when unreadable)."""
    from analyzer.frontend import SourceDecodeError, decode_source

    try:
        with open(path, "rb") as f:
            return decode_source(f.read())
    except (OSError, SourceDecodeError):
        return ""


#: a finding's diagnostic as JSON text, the lines its range starts and ends on, its ``data``
_Json = tuple[str, str, "str | None", Any]


@dataclass(frozen=True)
class Notice:
    """One ``textDocument/publishDiagnostics`` notification, its diagnostics as JSON texts."""

    uri: str
    version: int | None
    diagnostics: list[str]

    def body(self) -> bytes:
        """The whole JSON-RPC message, encoded (ASCII: ``json.dumps`` escapes the rest)."""
        version = "" if self.version is None else f'"version":{int(self.version)},'
        return (f'{{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":'
                f'{{"uri":{json.dumps(self.uri)},{version}'
                f'"diagnostics":[{",".join(self.diagnostics)}]}}}}').encode()

    def params(self) -> dict[str, Any]:
        """The notification's params as plain values (what the client decodes)."""
        out = json.loads(self.body())["params"]
        assert isinstance(out, dict)
        return out


class _Kept:
    """One file's findings as last published and the time before: the text they were
    converted against, and per finding its JSON text, the lines its range starts and ends
    on, its LSP ``data``. The time before's are kept for the findings that come back (a
    signature typed, or changed back and forth, makes its callers' findings come and go)."""

    __slots__ = ("text", "json", "older_text", "older_json")

    def __init__(self, text: str, json_: dict[Any, _Json], older_text: str | None = None,
                 older_json: dict[Any, _Json] | None = None) -> None:
        self.text = text
        self.json = json_
        self.older_text = older_text
        self.older_json = older_json or {}


class Published:
    """What was last sent per file, to send only what changed."""

    def __init__(self, registry: Any, encoding: str, scope: str = "workspace") -> None:
        self.registry = registry
        self.encoding = encoding
        self.scope = scope
        #: path -> (the findings, the text they were converted against)
        self.sent: dict[str, tuple[tuple[Any, ...], str]] = {}
        #: path -> the findings of the last completed update and the text checked
        self.current: dict[str, tuple[list[Any], str]] = {}
        #: path -> the session's committed findings (kept up to date from each update's delta)
        self.found: dict[str, list[Any]] = {}
        self._displays = _Displays()
        self._hrefs: dict[str, str] = {}
        self._hrefs_of: Any = None
        #: path -> what its findings were converted to, kept for open buffers and files
        #: published more than once only, whose findings mostly come back as they were (the
        #: buffer being typed in; a hub's callers, as its signature changes back and forth)
        self._memo: dict[str, _Kept] = {}
        #: path -> (stat, text) of a closed file in ``_memo``: its text while the stat holds
        self._disk: dict[str, tuple[Any, str]] = {}
        #: notebook path -> its cells' URIs, while it is open; cell URI -> (the findings,
        #: the cell's text) last published on it
        self.cells_of: dict[str, tuple[str, ...]] = {}
        self.cells_sent: dict[str, tuple[tuple[Any, ...], str]] = {}
        #: cell URI -> its findings and text as of the last update (what a pull answers)
        self.cells_current: dict[str, tuple[list[Any], str]] = {}
        #: findings converted to JSON since the server started (for tests)
        self.conversions = 0

    def lsp(self, path: str) -> list[types.Diagnostic]:
        """The current findings of ``path`` as lsprotocol diagnostics (pull requests)."""
        found, text = self.current.get(path, ([], ""))
        conv = Converter(text, self.encoding)
        return [self._one(d, conv) for d in found]

    def cell_lsp(self, uri: str) -> list[types.Diagnostic]:
        """The current findings on an open notebook's cell ``uri`` (pull requests)."""
        found, text = self.cells_current.get(uri, ([], ""))
        conv = Converter(text, self.encoding)
        return [self._one(d, conv) for d in found]

    def json(self, path: str, remember: bool = False) -> list[str]:
        """The current findings of ``path`` as the JSON texts of LSP diagnostics
        (``remember``: keep them for the next time the file is published).

        A finding kept from the last two times is reused when the lines its range starts and
        ends on are the same strings (a position depends on nothing else) and its fix says
        the same; the rest are converted."""
        found, text = self.current.get(path, ([], ""))
        return self._json_of(path, found, text, remember)

    def _json_of(self, key: str, found: list[Any], text: str, remember: bool) -> list[str]:
        memo = self._memo.get(key)
        if memo is None:
            memo = _Kept("", {})
        # the texts the kept conversions were made against, when they are this one
        same, older_same = memo.text == text, memo.older_text == text
        conv: Converter | None = None
        fresh: dict[Any, _Json] = {}
        out = []
        for d in found:
            data = _data(d)
            got, checked = memo.json.get(d), same
            if got is None:
                got, checked = memo.older_json.get(d), older_same
            if got is not None and got[3] != data:
                got = None  # the fix is not part of a finding's equality
            elif got is not None and not checked:
                conv = conv or Converter(text, self.encoding)
                if got[1] != conv.line(d.line) or got[2] != _end_line(conv, d):
                    got = None
            if got is None:
                conv = conv or Converter(text, self.encoding)
                info = self.registry.by_code.get(d.code) if self.registry is not None else None
                got = (diagnostic_json(d, conv, self._href(d.code, info), data),
                       conv.line(d.line), _end_line(conv, d), data)
                self.conversions += 1
            fresh[d] = got
            out.append(got[0])
        if remember:
            self._memo[key] = _Kept(text, fresh, memo.text, memo.json)
        return out

    def _text(self, path: str) -> str:
        """A closed file's text: remembered while its stat stays the same (for the files
        whose conversions are kept)."""
        try:
            st = os.stat(path)
            stat = (st.st_size, st.st_mtime_ns, st.st_ino)
        except OSError:
            stat = None
        disk = self._disk.get(path)
        if disk is not None and stat is not None and disk[0] == stat:
            return disk[1]
        text = disk_text(path)
        if path in self._memo and stat is not None:
            self._disk[path] = (stat, text)
        return text

    def _one(self, d: Any, conv: Converter) -> types.Diagnostic:
        info = self.registry.by_code.get(d.code) if self.registry is not None else None
        return lsp_diagnostic(d, conv, info, self._href(d.code, info), _data(d))

    def _href(self, code: str, info: Any) -> str:
        """The rule's documentation link, looked up once per code (it reads package
        metadata, and a file may hold hundreds of findings)."""
        from analyzer.interfaces.output import rule_help_uri

        if self._hrefs_of is not self.registry:
            self._hrefs, self._hrefs_of = {}, self.registry
        href = self._hrefs.get(code)
        if href is None:
            href = self._hrefs[code] = rule_help_uri(info) if info is not None else ""
        return href

    def _apply(self, session: Any, delta: Any) -> set[str]:
        """Fold an update's ``new`` and ``fixed`` findings in; the paths they touch."""
        from analyzer.core import Diagnostic

        touched: set[str] = set()
        for d in delta.fixed:
            path = self._displays.path(session, d.path)
            touched.add(path)
            held = self.found.get(path, [])
            if d in held:
                held.remove(d)
        for d in delta.new:
            path = self._displays.path(session, d.path)
            touched.add(path)
            self.found.setdefault(path, []).append(d)
        for path in touched:
            now = self.found.get(path)
            if now:
                now.sort(key=Diagnostic.sort_key)
            else:
                self.found.pop(path, None)
        return touched

    def update(self, session: Any, buffers: dict[str, Buffer], delta: Any = None,
               visible: list[Any] | None = None,
               send: Callable[[Notice], None] | None = None) -> list[Notice]:
        """Take the session's committed findings; the notifications for what changed.

        ``delta`` (a ``Recheck`` with ``new`` and ``fixed``) limits the work to the files
        it touches and the open buffers; without it every finding is regrouped (the first
        check, a configuration reload). ``visible``: the findings a baseline leaves, when
        one applies (``delta`` then holds the changes of those). ``send`` is given each
        notification as soon as it is made (open buffers first), before the next file's
        findings are converted."""
        if delta is None or session.plan.registry is not self.registry:
            self.found = dict(by_path(session, visible))
            self._memo.clear()  # the registry (links) or the encoding may have changed
            self._disk.clear()
            shown = set(self.found) | set(self.sent) | set(buffers)
        else:
            shown = self._apply(session, delta) | set(buffers)
        found = self.found
        self.registry = session.plan.registry
        if self.scope == "open-files":
            # the open buffers, and the ones just closed (to clear them): never the project
            shown = set(buffers) | {p for p in self.sent if p not in buffers}
        # A notebook's findings go to its cells (an editor shows a notebook as cells).
        # A notebook just closed is cleared even when its findings did not change.
        notebooks = sorted({p for p in shown if p.endswith(NOTEBOOK_SUFFIX)}
                           | {p for p in self.cells_of if p not in buffers})
        shown = {p for p in shown if not p.endswith(NOTEBOOK_SUFFIX)}
        out = []
        for path in notebooks:
            out.extend(self._on_cells(path, found.get(path, []), buffers.get(path), send))
        # open buffers first: the file being typed in is the one the user is looking at
        for path in sorted(shown, key=lambda p: (p not in buffers, p)):
            diags = found.get(path, [])
            buffer = buffers.get(path)
            if self.scope == "open-files" and buffer is None:
                diags = []
            key = tuple(diags)
            old = self.sent.get(path)
            if old is not None and old[0] == key and (buffer is None or old[1] == buffer.text):
                self.current[path] = (diags, old[1])
                continue
            if old is None and not diags and buffer is None:
                continue  # never shown, nothing to show
            text = buffer.text if buffer is not None else (self._text(path) if diags else "")
            self.current[path] = (diags, text)
            self.sent[path] = (key, text)
            notice = Notice(path_to_uri(path), buffer.version if buffer is not None else None,
                            self.json(path, remember=old is not None or buffer is not None))
            out.append(notice)
            if send is not None:
                send(notice)
            if not diags and buffer is None:
                del self.sent[path]
                self._memo.pop(path, None)
                self._disk.pop(path, None)
        return out

    def _on_cells(self, path: str, diags: list[Any], buffer: Buffer | None,
                  send: Callable[[Notice], None] | None) -> list[Notice]:
        """The notices of a notebook's cells: an open notebook's findings, each on its cell
        at the cell's lines; a closed notebook's (whose cells the editor no longer shows)
        cleared, and nothing published for a notebook never open."""
        groups: dict[str, list[Any]] = {u: [] for u in self.cells_of.pop(path, ())}
        texts: dict[str, str] = {}
        if buffer is not None and buffer.cells:
            uris = [u for u, _ in buffer.cells]
            texts = dict(buffer.cells)
            groups.update((u, []) for u in uris)
            try:
                places = notebook_source(buffer.text.encode())[1]
            except NotebookError:  # not from a client: its JSON is made in _handlers
                places = CellMap((), ())
            for d in diags if places.starts else ():
                number, first, last = places.bounds(d.line)
                if number - 1 < len(uris):
                    cell = uris[number - 1]
                    groups[cell].append(dataclasses.replace(
                        d, line=d.line - first + 1,
                        end_line=min(d.end_line, last) - first + 1 if d.end_line > 0 else 0,
                        fix=_in_cell(d.fix, first, last, texts[cell])))
            self.cells_of[path] = tuple(uris)
        out = []
        for uri, found in groups.items():
            key, text = tuple(found), texts.get(uri, "")
            if uri in texts:
                self.cells_current[uri] = (found, text)
            else:
                self.cells_current.pop(uri, None)
            old = self.cells_sent.get(uri)
            if (old is None and not found) or old == (key, text):
                continue
            self.cells_sent[uri] = (key, text)
            notice = Notice(uri, None, self._json_of(uri, found, text, remember=True))
            out.append(notice)
            if send is not None:
                send(notice)
            if not found:
                del self.cells_sent[uri]
                self._memo.pop(uri, None)
        return out


def _in_cell(fix: Any, first: int, last: int, text: str) -> Any:
    """``fix`` with its edits at the lines of the cell that spans the joined text's lines
    ``first`` to ``last`` (its code actions edit the cell); None when an edit leaves it."""
    if fix is None:
        return None
    edits = []
    for e in fix.edits:
        end_line, end_column = e.end_line, e.end_column
        if (end_line, end_column) == (last + 1, 1):
            # To the end of the joined text's line: the cell's text may have no line end.
            end_line, end_column = last, len(_last_line(text)) + 1
        if e.line < first or end_line > last:
            return None
        edits.append(dataclasses.replace(e, line=e.line - first + 1, end_column=end_column,
                                         end_line=end_line - first + 1))
    return dataclasses.replace(fix, edits=tuple(edits))


def _last_line(text: str) -> str:
    return text.rstrip("\r\n").rsplit("\n", 1)[-1].rsplit("\r", 1)[-1]


def _data(d: Any) -> dict[str, Any] | None:
    """A finding's LSP ``data``: its fix's message and applicability."""
    if d.fix is None:
        return None
    return {"fix": d.fix.message, "applicability": d.fix.applicability}


def _end_line(conv: Converter, d: Any) -> str | None:
    """The text of the line a finding's range ends on (None: it has no end)."""
    return conv.line(d.end_line) if d.end_line > 0 else None
