"""shoal's findings as LSP values: positions in the client's encoding, severity, code, link.

shoal counts columns in characters (code points, 1-based); LSP counts in the negotiated
position encoding, UTF-16 code units unless the client offered another. Text outside the
Basic Multilingual Plane is where the two differ.
"""
from __future__ import annotations

import re
from typing import Any

from lsprotocol import types

__all__ = ["SOURCE", "Converter", "lsp_diagnostic"]

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

    def position(self, line: int, column: int) -> types.Position:
        """LSP position of shoal's 1-based (line, character column)."""
        row = max(line - 1, 0)
        text = self.lines[row] if row < len(self.lines) else ""
        return types.Position(row, self._units(text[:max(column - 1, 0)]))

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


def lsp_diagnostic(d: Any, conv: Converter, info: Any, href: str, data: Any) -> types.Diagnostic:
    """One finding as an LSP diagnostic; ``info`` is its rule (may be None)."""
    severity = (types.DiagnosticSeverity.Error if d.code in _ERRORS
                else types.DiagnosticSeverity.Warning)
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
