"""``--output-format json-lines``: the JSON contract's objects, one per line (ruff's
``json-lines``), for tools that read a stream a line at a time."""
from __future__ import annotations

import json

from analyzer.interfaces.output._base import Formatter, OutputOptions
from analyzer.interfaces.output._json import diagnostic_to_json
from analyzer.interfaces.output._report import Report


class JsonLinesFormatter(Formatter):
    """One compact JSON object per finding, each on its own line; nothing when clean."""

    name = "json-lines"

    def render(self, report: Report, options: OutputOptions) -> str:
        """The objects of ``--output-format json``, without the enclosing array."""
        return "".join(json.dumps(diagnostic_to_json(d, report, options.cwd),
                                  ensure_ascii=False) + "\n" for d in report.diagnostics)
