"""shoal's findings as LSP values: positions in the client's encoding, severity, code, link.

shoal counts columns in characters (code points, 1-based); LSP counts in the negotiated
position encoding, UTF-16 code units unless the client offered another. Text outside the
Basic Multilingual Plane is where the two differ.
"""
from __future__ import annotations

import json
import re
from typing import Any

from lsprotocol import types

__all__ = ["SOURCE", "Converter", "diagnostic_json", "lsp_diagnostic"]

SOURCE = "shoal"

_BREAKS = re.compile(r"\r\n|\r|\n")

#: Findings that mean the file could not be analysed at all: errors; the rest are warnings,
#: as ruff's server and flake8 integrations show them.
_ERRORS = ("E999", "E902", "SH900")
#: Unused code the editor may fade out.
_UNNECESSARY = ("F401", "F841", "F811")


class Converter:
    """Positions of one text in one encoding (``utf-8``, ``utf-16`` or ``utf-32``)."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        # Python's line breaks only (str.splitlines would also split at a form feed); a
        # plain split when there is no carriage return, several times faster on big files.
        self.lines = text.split("\n") if "\r" not in text else _BREAKS.split(text)
        self.encoding = encoding

    def _units(self, s: str) -> int:
        if s.isascii() or self.encoding == "utf-32":
            return len(s)
        if self.encoding == "utf-8":
            return len(s.encode("utf-8"))
        return len(s.encode("utf-16-le")) // 2

    def line(self, line: int) -> str:
        """The text of shoal's 1-based ``line`` (empty past the end): all a position on it
        depends on."""
        row = max(line - 1, 0)
        return self.lines[row] if row < len(self.lines) else ""

    def units(self, line: int, column: int) -> tuple[int, int]:
        """(LSP line, LSP character) of shoal's 1-based (line, character column)."""
        return max(line - 1, 0), self._units(self.line(line)[:max(column - 1, 0)])

    def position(self, line: int, column: int) -> types.Position:
        """LSP position of shoal's 1-based (line, character column)."""
        return types.Position(*self.units(line, column))

    def column(self, position: types.Position) -> int:
        """shoal's 1-based character column of an LSP position."""
        text = self.lines[position.line] if position.line < len(self.lines) else ""
        if text.isascii() or self.encoding == "utf-32":
            return position.character + 1
        units = 0
        for i, ch in enumerate(text):
            if units >= position.character:
                return i + 1
            units += self._units(ch)
        return len(text) + 1

    def range(self, line: int, column: int, end_line: int, end_column: int) -> types.Range:
        """LSP range of a shoal span (an empty end is the start)."""
        start = self.position(line, column)
        if end_line <= 0:
            return types.Range(start, start)
        return types.Range(start, self.position(end_line, end_column))


def _severity(d: Any) -> types.DiagnosticSeverity:
    return (types.DiagnosticSeverity.Error if d.code in _ERRORS
            else types.DiagnosticSeverity.Warning)


def lsp_diagnostic(d: Any, conv: Converter, info: Any, href: str, data: Any) -> types.Diagnostic:
    """One finding as an LSP diagnostic; ``info`` is its rule (may be None)."""
    severity = _severity(d)
    tags = [types.DiagnosticTag.Unnecessary] if d.code in _UNNECESSARY else None
    return types.Diagnostic(
        range=conv.range(d.line, d.column, d.end_line, d.end_column),
        message=d.message,
        severity=severity,
        code=d.code,
        code_description=types.CodeDescription(href=href) if href else None,
        source=SOURCE,
        tags=tags,
        data=data,
    )


def diagnostic_json(d: Any, conv: Converter, href: str, data: Any) -> str:
    """One finding as the JSON text of its LSP diagnostic: what lsprotocol's converter makes
    of :func:`lsp_diagnostic`'s value (fields that are None left out), built directly (the
    converter costs tens of microseconds a finding, and a hub edit republishes thousands)."""
    line, char = conv.units(d.line, d.column)
    start = {"line": line, "character": char}
    if d.end_line <= 0:
        end = start
    else:
        end_line, end_char = conv.units(d.end_line, d.end_column)
        end = {"line": end_line, "character": end_char}
    out: dict[str, Any] = {"range": {"start": start, "end": end}, "message": d.message,
                           "severity": _severity(d).value, "code": d.code}
    if href:
        out["codeDescription"] = {"href": href}
    out["source"] = SOURCE
    if d.code in _UNNECESSARY:
        out["tags"] = [types.DiagnosticTag.Unnecessary.value]
    if data is not None:
        out["data"] = data
    return json.dumps(out)
