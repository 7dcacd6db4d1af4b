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


def by_path(session: Any) -> dict[str, list[Any]]:
    """The session's committed findings by absolute path (display paths mapped back)."""
    display = {fs.task.display: path for path, fs in session.state.files.items()}
    out: dict[str, list[Any]] = defaultdict(list)
    for d in session.state.diagnostics:
        out[display.get(d.path, os.path.abspath(d.path))].append(d)
    return out


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

    def lsp(self, path: str) -> list[types.Diagnostic]:
        """The current findings of ``path`` as LSP diagnostics."""
        found, text = self.current.get(path, ([], ""))
        conv = Converter(text, self.encoding)
        return [self._one(d, conv) for d in found]

    def _one(self, d: Any, conv: Converter) -> types.Diagnostic:
        from analyzer.interfaces.output import rule_help_uri

        info = self.registry.by_code.get(d.code) if self.registry is not None else None
        href = rule_help_uri(info) if info is not None else ""
        data = None
        if d.fix is not None:
            data = {"fix": d.fix.message, "applicability": d.fix.applicability}
        return lsp_diagnostic(d, conv, info, href, data)

    def update(self, session: Any, buffers: dict[str, Buffer]
               ) -> list[types.PublishDiagnosticsParams]:
        """Take the session's committed findings; the notifications for what changed."""
        found = by_path(session)
        self.registry = session.plan.registry
        shown = set(found) | set(self.sent) | set(buffers)
        if self.scope == "open-files":
            shown = set(buffers) | {p for p in self.sent if p not in buffers}
        out = []
        for path in sorted(shown):
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
            text = buffer.text if buffer is not None else (disk_text(path) if diags else "")
            self.current[path] = (diags, text)
            self.sent[path] = (key, text)
            out.append(types.PublishDiagnosticsParams(
                uri=path_to_uri(path), diagnostics=self.lsp(path),
                version=buffer.version if buffer is not None else None))
            if not diags and buffer is None:
                del self.sent[path]
        return out
