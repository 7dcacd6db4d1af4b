"""What the client sees: the committed findings grouped by file, converted, and the files
whose findings changed since they were last published."""
from __future__ import annotations

import os
from collections import defaultdict
from typing import Any

from lsprotocol import types

from analyzer.interfaces.server._convert import Converter, lsp_diagnostic
from analyzer.interfaces.server._documents import Buffer, path_to_uri

__all__ = ["SCOPES", "Published", "by_path", "disk_text"]

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
        #: path -> (the text, each finding's LSP form, the file's stat when closed): kept
        #: for files published more than once only, whose findings mostly come back as they
        #: were (a hub's callers, as its signature changes back and forth)
        self._memo: dict[str, tuple[str, dict[Any, types.Diagnostic], Any]] = {}

    def lsp(self, path: str, remember: bool = False) -> list[types.Diagnostic]:
        """The current findings of ``path`` as LSP diagnostics (``remember``: keep their
        conversion for the next time the same text is published)."""
        found, text = self.current.get(path, ([], ""))
        memo = self._memo.get(path)
        known = memo[1] if memo is not None and memo[0] == text else {}
        conv: Converter | None = None
        fresh: dict[Any, types.Diagnostic] = {}
        for d in found:
            got = known.get(d)
            if got is None:
                conv = conv or Converter(text, self.encoding)
                got = self._one(d, conv)
            fresh[d] = got
        if remember:
            # the stat vouches for a text read from the disk only (not an unsaved buffer's)
            stat = memo[2] if memo is not None and memo[0] == text else None
            self._memo[path] = (text, fresh, stat)
        return [fresh[d] for d in found]

    def _text(self, path: str) -> str:
        """A closed file's text: remembered while its stat stays the same."""
        try:
            st = os.stat(path)
            stat = (st.st_size, st.st_mtime_ns, st.st_ino)
        except OSError:
            stat = None
        memo = self._memo.get(path)
        if memo is not None and stat is not None and memo[2] == stat:
            return memo[0]
        text = disk_text(path)
        if memo is not None:
            self._memo[path] = (text, memo[1] if memo[0] == text else {}, stat)
        return text

    def _one(self, d: Any, conv: Converter) -> types.Diagnostic:
        info = self.registry.by_code.get(d.code) if self.registry is not None else None
        href = self._href(d.code, info)
        data = None
        if d.fix is not None:
            data = {"fix": d.fix.message, "applicability": d.fix.applicability}
        return lsp_diagnostic(d, conv, info, href, data)

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
               visible: list[Any] | None = None) -> list[types.PublishDiagnosticsParams]:
        """Take the session's committed findings; the notifications for what changed.

        ``delta`` (a ``Recheck`` with ``new`` and ``fixed``) limits the work to the files
        it touches and the open buffers; without it every finding is regrouped (the first
        check, a configuration reload). ``visible``: the findings a baseline leaves, when
        one applies (``delta`` then holds the changes of those)."""
        if delta is None or session.plan.registry is not self.registry:
            self.found = dict(by_path(session, visible))
            self._memo.clear()  # the registry (links) or the encoding may have changed
            shown = set(self.found) | set(self.sent) | set(buffers)
        else:
            shown = self._apply(session, delta) | set(buffers)
        found = self.found
        self.registry = session.plan.registry
        if self.scope == "open-files":
            # the open buffers, and the ones just closed (to clear them): never the project
            shown = set(buffers) | {p for p in self.sent if p not in buffers}
        out = []
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
            out.append(types.PublishDiagnosticsParams(
                uri=path_to_uri(path), diagnostics=self.lsp(path, remember=old is not None),
                version=buffer.version if buffer is not None else None))
            if not diags and buffer is None:
                del self.sent[path]
                self._memo.pop(path, None)
        return out
