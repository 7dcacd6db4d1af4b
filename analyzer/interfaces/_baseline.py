"""Baselines: the findings a project has already accepted, not reported again.

``shoal check --write-baseline FILE`` records every current finding; ``--baseline FILE`` (or
``baseline = "FILE"`` in ``[tool.shoal]``) then reports only the findings that are not in it.
A finding is matched by its fingerprint, not its line number, so that edits elsewhere in the
file do not resurrect it: the code, the path relative to the project root, the text of the
flagged line with its whitespace collapsed, and its occurrence index among the findings that
share those three (in output order). Entries that match nothing any more are *fixed*:
``--statistics`` counts them and ``--update-baseline`` drops them from the file.

The format is in docs/contracts.md ("Baseline file"). Internal errors (SH900) are never
baselined: they mean shoal did not check something.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from analyzer.rules import Diagnostic

__all__ = [
    "BASELINE_VERSION",
    "Baseline",
    "BaselineError",
    "BaselineOutcome",
    "BaselineView",
    "Fingerprint",
    "SourceText",
    "apply_baseline",
    "fingerprints",
    "render_baseline",
    "write_baseline",
]

#: The ``version`` of the file format this shoal reads and writes.
BASELINE_VERSION = 1
#: Codes never written to nor matched against a baseline.
NEVER_BASELINED = frozenset({"SH900"})


class BaselineError(Exception):
    """An unreadable or invalid baseline file (one line, exit code 2)."""


class Fingerprint(NamedTuple):
    """What identifies a finding across unrelated edits (line numbers are not part of it)."""

    code: str
    path: str
    text: str
    occurrence: int


def normalize(text: str) -> str:
    """A line's text with runs of whitespace collapsed to one space and its ends stripped."""
    return " ".join(text.split())


class SourceText:
    """The text of the flagged lines: from given texts (standard input, editor buffers, fixed
    but unwritten files) by display path, else from the file on disk, each read once."""

    def __init__(self, paths: Mapping[str, str] | None = None,
                 texts: Mapping[str, str] | None = None) -> None:
        self.paths = dict(paths or {})
        self._lines: dict[str, list[str]] = {
            display: text.splitlines() for display, text in (texts or {}).items()}

    def line(self, display: str, number: int) -> str:
        """Line ``number`` (1-based) of the file shown as ``display``; "" when out of range
        or unreadable (the fingerprint then rests on code, path and occurrence)."""
        lines = self._lines.get(display)
        if lines is None:
            lines = self._lines[display] = self._read(display)
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def _read(self, display: str) -> list[str]:
        from analyzer.frontend import SourceDecodeError, source_text

        path = self.paths.get(display, display)
        try:
            with open(path, "rb") as f:
                # A notebook's line is its joined cells' line: the findings' own.
                return source_text(str(path), f.read()).splitlines()
        except (OSError, SourceDecodeError):
            return []


def relative_path(display: str, root: Path) -> str:
    """``display`` (relative to the working directory, or absolute) relative to ``root``, in
    forward slashes, so a baseline reads the same on every machine and from any directory."""
    relative = os.path.relpath(os.path.abspath(display), root)
    return relative.replace(os.sep, "/")


def fingerprints(diagnostics: Iterable[Diagnostic], root: Path,
                 source: SourceText) -> list[tuple[Diagnostic, Fingerprint]]:
    """Each baselinable diagnostic with its fingerprint, in output order."""
    seen: Counter[tuple[str, str, str]] = Counter()
    out = []
    for d in sorted(diagnostics, key=Diagnostic.sort_key):
        if d.code in NEVER_BASELINED:
            continue
        key = (d.code, relative_path(d.path, root), normalize(source.line(d.path, d.line)))
        out.append((d, Fingerprint(*key, seen[key])))
        seen[key] += 1
    return out


@dataclass(frozen=True)
class Baseline:
    """A loaded baseline file: its entries, each with the message it was recorded with."""

    path: Path
    entries: tuple[Fingerprint, ...]
    messages: Mapping[Fingerprint, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Baseline:
        """Read and validate ``path``; raises :class:`BaselineError` with a one-line message."""
        where = Path(os.path.abspath(path))
        try:
            with open(where, encoding="utf-8") as f:
                document = json.load(f)
        except OSError as exc:
            raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise BaselineError(f"baseline {path} is not valid JSON: "
                                f"{' '.join(str(exc).split())}") from None
        entries, messages = _entries(document, str(path))
        return cls(where, entries, messages)


def _entries(document: Any, name: str) -> tuple[tuple[Fingerprint, ...], dict[Fingerprint, str]]:
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise BaselineError(f"baseline {name} is not a shoal baseline "
                            f"(expected an object with a \"findings\" list)")
    if document.get("version") != BASELINE_VERSION:
        raise BaselineError(f"baseline {name} has version {document.get('version')!r}; "
                            f"this shoal reads version {BASELINE_VERSION}")
    entries = []
    messages: dict[Fingerprint, str] = {}
    for number, item in enumerate(document["findings"]):
        try:
            entry = Fingerprint(item["code"], item["path"], item["text"], item["occurrence"])
        except (TypeError, KeyError) as exc:
            raise BaselineError(f"baseline {name}: finding {number} lacks {exc}") from None
        if not (all(isinstance(v, str) for v in entry[:3]) and type(entry.occurrence) is int
                and entry.occurrence >= 0):
            raise BaselineError(f"baseline {name}: finding {number} has a value of the wrong "
                                f"type (code, path, text: strings; occurrence: an integer ≥ 0)")
        entries.append(entry)
        messages[entry] = str(item.get("message", ""))
    return tuple(entries), messages


@dataclass
class BaselineOutcome:
    """What applying a baseline did to a run's findings."""

    #: the findings to report (not in the baseline), in their given order
    kept: list[Diagnostic]
    #: how many findings the baseline matched (neither printed nor counted)
    baselined: int
    #: the baseline's entries that matched nothing: fixed since the baseline was written
    fixed: list[Fingerprint]


def apply_baseline(diagnostics: Sequence[Diagnostic], entries: Iterable[Fingerprint],
                   root: Path, source: SourceText,
                   checked: Collection[str] | None = None) -> BaselineOutcome:
    """Drop the findings whose fingerprint is in ``entries``; name the entries left over.

    ``checked``: the paths (relative to ``root``, as in entries) of the files this run
    reported on; an entry of another file is not fixed, only not looked at (``shoal check
    one.py`` must not count, or drop, every other file's entries).
    """
    left = Counter(entries)
    matched: set[int] = set()
    for d, fp in fingerprints(diagnostics, root, source):
        if left[fp] > 0:
            left[fp] -= 1
            matched.add(id(d))
    kept = [d for d in diagnostics if id(d) not in matched]
    fixed = sorted(fp for fp, n in left.items() for _ in range(n)
                   if checked is None or fp.path in checked)
    return BaselineOutcome(kept, len(matched), fixed)


def render_baseline(entries: Iterable[Fingerprint], messages: Mapping[Fingerprint, str]) -> str:
    """The file's text: entries sorted, one key order, so rewriting it changes no line needlessly."""
    findings = [{"code": e.code, "path": e.path, "text": e.text, "occurrence": e.occurrence,
                 "message": messages.get(e, "")}
                for e in sorted(set(entries), key=lambda e: (e.path, e.code, e.text, e.occurrence))]
    document = {"version": BASELINE_VERSION, "tool": "shoal", "findings": findings}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_baseline(path: str | os.PathLike[str], entries: Iterable[Fingerprint],
                   messages: Mapping[Fingerprint, str]) -> None:
    """Write the baseline atomically (a reader never sees half a file)."""
    target = os.path.abspath(path)
    tmp = f"{target}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(render_baseline(entries, messages))
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror or exc}") from None


def recorded(diagnostics: Iterable[Diagnostic], root: Path,
             source: SourceText) -> tuple[list[Fingerprint], dict[Fingerprint, str]]:
    """The entries (and messages) of a new baseline holding ``diagnostics``."""
    pairs = fingerprints(diagnostics, root, source)
    return [fp for _, fp in pairs], {fp: d.message for d, fp in pairs}


class BaselineView:
    """A baseline applied to a resident session (``shoal watch``, the language server).

    :meth:`visible` filters the session's committed findings, reading flagged lines from its
    overlays (editor buffers) first; :meth:`adjust` turns an update's new/fixed lists into
    those of the filtered view, so a baselined finding never shows up as new.
    """

    def __init__(self, baseline: Baseline, root: Path) -> None:
        self.baseline = baseline
        self.root = root
        self.shown: list[Diagnostic] | None = None

    def visible(self, session: Any) -> list[Diagnostic]:
        """The session's findings minus the baselined ones."""
        plan = session.plan
        paths = {f.display: str(f.path) for f in plan.discovery.files}
        by_path = {str(f.path): f.display for f in plan.discovery.files}
        texts = {}
        for path, data in getattr(session, "overlays", {}).items():
            if path in by_path:
                texts[by_path[path]] = data.decode("utf-8", "replace")
        source = SourceText(paths, texts)
        checked = {relative_path(str(p), self.root) for p in plan.discovery.reported}
        return apply_baseline(list(session.state.diagnostics), self.baseline.entries,
                              self.root, source, checked).kept

    def adjust(self, report: Any, session: Any) -> list[Diagnostic]:
        """Rewrite ``report.new``/``report.fixed``/``previous_count`` for the filtered view;
        returns the visible findings."""
        from analyzer.engine import diagnostic_changes

        now = self.visible(session)
        before = self.shown if self.shown is not None else []
        report.new, report.fixed = diagnostic_changes(before, now)
        report.previous_count = len(before)
        self.shown = now
        return now

    def shown_result(self, report: Any, session: Any, result: Any) -> Any:
        """A copy of ``result`` (a ``CheckResult``) holding the visible findings only, after
        :meth:`adjust` of ``report``: what ``shoal watch`` writes and reports."""
        import copy

        shown = copy.copy(result)
        shown.diagnostics = self.adjust(report, session)
        return shown
