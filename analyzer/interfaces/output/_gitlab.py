"""``--output-format gitlab``: a GitLab Code Quality report (a JSON array), as ruff emits it.

Each finding is ``{"check_name", "description", "severity", "fingerprint", "location":
{"path", "lines": {"begin", "end"}}}``, the description being ``CODE: message``. Paths are relative to ``$CI_PROJECT_DIR`` when GitLab
sets it (the job's checkout), else to the working directory. The fingerprint identifies a
finding across commits, so GitLab can tell new findings from old ones in a merge request: it
hashes the code, the path and the message -- not the line, which any edit above moves -- and
the n-th identical finding of a file gets the n-th fingerprint of a chain, as ruff salts its
hash with the previous one.
"""
from __future__ import annotations

import json
import os
from typing import Any

from analyzer.interfaces.output._base import (
    Formatter,
    OutputOptions,
    escape_surrogates,
    shown_path,
)
from analyzer.interfaces.output._cells import span
from analyzer.interfaces.output._report import Report
from analyzer.rules import Diagnostic

__all__ = ["GitlabFormatter"]

#: GitLab's severities are info, minor, major, critical, blocker; shoal has none, and every
#: finding fails the run, as ruff reports every finding ``major``.
SEVERITY = "major"


def _fingerprint(*parts: str) -> str:
    import hashlib  # here: its import loads OpenSSL, which other formats do without

    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:32]


class GitlabFormatter(Formatter):
    """The Code Quality array, one object per finding, in output order."""

    name = "gitlab"

    def render(self, report: Report, options: OutputOptions) -> str:
        """The array (``[]`` when clean)."""
        root = os.environ.get("CI_PROJECT_DIR") or options.cwd
        seen: set[str] = set()
        items: list[dict[str, Any]] = []
        for d in report.diagnostics:
            path = shown_path(os.path.join(options.cwd, d.path), os.path.abspath(root))
            path = path.replace(os.sep, "/")
            fingerprint = _fingerprint(d.code, path, d.message)
            while fingerprint in seen:
                fingerprint = _fingerprint(fingerprint, d.code, path, d.message)
            seen.add(fingerprint)
            items.append({
                "check_name": d.code,
                # GitLab does not show check_name in the merge request: the code leads the
                # description, as in ruff's report.
                "description": escape_surrogates(f"{d.code}: {d.message}"),
                "severity": SEVERITY,
                "fingerprint": fingerprint,
                "location": {"path": escape_surrogates(path), "lines": _lines(d, options.cwd)},
            })
        return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def _lines(d: Diagnostic, cwd: str) -> dict[str, int]:
    line, _, end_line, _ = span(d, cwd)
    return {"begin": line, "end": end_line}
