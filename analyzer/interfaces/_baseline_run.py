"""The baseline flags of ``shoal check``: which baseline applies, filtering a run's findings,
``--write-baseline``, ``--update-baseline`` and the ``--statistics`` line.

The file format and the matching live in :mod:`._baseline`; this module only decides, from
the command line and the configuration, what to do with them.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.interfaces._baseline import (
    Baseline,
    BaselineError,
    BaselineOutcome,
    BaselineView,
    SourceText,
    apply_baseline,
    recorded,
    relative_path,
    write_baseline,
)
from analyzer.rules import Diagnostic

if TYPE_CHECKING:
    from analyzer.engine import CheckPlan

__all__ = ["BaselineRun", "resolve_baseline", "watch_view"]


@dataclass
class BaselineRun:
    """What a ``shoal check`` does with baselines (built by :func:`resolve_baseline`)."""

    #: the baseline whose findings are not reported (None: none, or one being written)
    baseline: Baseline | None
    #: the directory fingerprint paths are relative to
    root: Path
    #: ``--write-baseline FILE``
    write: str | None = None
    #: ``--update-baseline``: drop the fixed entries from the baseline file
    update: bool = False
    #: the display path -> absolute path of every file the run knows
    paths: Mapping[str, str] | None = None
    #: the display path -> text of the files not read from disk (standard input)
    texts: Mapping[str, str] = field(default_factory=dict)
    #: the paths, relative to ``root``, of the files the run reports on
    checked: frozenset[str] | None = None
    #: what the last :meth:`filter` did
    outcome: BaselineOutcome | None = None

    def source(self, texts: Mapping[str, str] | None = None) -> SourceText:
        """The flagged lines' texts: ``texts`` first (stdin, fixed files), else the disk."""
        return SourceText(self.paths, {**self.texts, **(texts or {})})

    def filter(self, diagnostics: Sequence[Diagnostic],
               texts: Mapping[str, str] | None = None) -> list[Diagnostic]:
        """``diagnostics`` minus the baselined ones (all of them without a baseline)."""
        if self.baseline is None:
            return list(diagnostics)
        self.outcome = apply_baseline(diagnostics, self.baseline.entries, self.root,
                                      self.source(texts), self.checked)
        return self.outcome.kept

    def write_all(self, diagnostics: Sequence[Diagnostic],
                  texts: Mapping[str, str] | None = None) -> int:
        """``--write-baseline``: record every finding; returns how many."""
        assert self.write is not None
        entries, messages = recorded(diagnostics, self.root, self.source(texts))
        write_baseline(self.write, entries, messages)
        return len(entries)

    def update_file(self) -> int:
        """``--update-baseline``: rewrite the file without its fixed entries; how many went."""
        if self.baseline is None or self.outcome is None or not self.update:
            return 0
        gone = set(self.outcome.fixed)
        if not gone:
            return 0
        left = list(self.baseline.entries)
        for entry in self.outcome.fixed:
            left.remove(entry)  # one occurrence each: a fingerprint may be listed twice
        write_baseline(self.baseline.path, left, self.baseline.messages)
        return len(self.outcome.fixed)

    def statistics_line(self) -> str:
        """The ``--statistics`` line on the baseline: what it hid, what was fixed since."""
        if self.baseline is None or self.outcome is None:
            return ""
        name = _shown(self.baseline.path)
        fixed = len(self.outcome.fixed)
        hint = ""
        if fixed and not self.update:
            hint = " (--update-baseline removes them)"
        elif fixed:
            hint = " (removed from the file)"
        return (f"Baseline {name}: {_plural(self.outcome.baselined, 'finding')} not shown, "
                f"{fixed} fixed{hint}.")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _shown(path: Path) -> str:
    relative = os.path.relpath(path)
    return path.as_posix() if relative.startswith(os.pardir) else relative


def project_root(plans: Sequence[CheckPlan]) -> Path:
    """The root fingerprint paths are relative to: the project root, or the roots' common
    directory when the paths span several projects."""
    roots = {str(plan.discovery.project_root) for plan in plans}
    return Path(os.path.commonpath(sorted(roots))) if roots else Path.cwd()


def resolve_baseline(args: argparse.Namespace, plans: Sequence[CheckPlan]) -> BaselineRun | None:
    """The run's baseline handling from ``--baseline``/``--write-baseline``/
    ``--update-baseline`` and ``baseline`` in ``[tool.shoal]``; None when there is none.

    :raises BaselineError: the baseline cannot be read, or the flags do not go together.
    """
    path: str | None = getattr(args, "baseline", None)
    if path is None:
        path = next((str(p.config.baseline) for p in plans if p.config.baseline), None)
    write = getattr(args, "write_baseline", None)
    update = bool(getattr(args, "update_baseline", False))
    if update and path is None:
        raise BaselineError("--update-baseline needs --baseline FILE "
                            "(or baseline = \"FILE\" in [tool.shoal])")
    if update and write:
        raise BaselineError("--update-baseline and --write-baseline cannot be combined")
    fixing = [flag for flag in ("fix", "diff", "fix_only", "add_noqa") if getattr(args, flag, False)]
    if fixing and (write or update):
        which = "write" if write else "update"
        raise BaselineError(f"--{which}-baseline cannot be combined "
                            f"with --{fixing[0].replace('_', '-')}")
    if path is None and write is None:
        return None
    # Writing records every finding: the old baseline, if any, is not consulted.
    baseline = Baseline.load(path) if path is not None and write is None else None
    root = project_root(plans)
    paths = {f.display: str(f.path) for plan in plans for f in plan.discovery.files}
    checked = frozenset(relative_path(str(p), root) for plan in plans
                        for p in plan.discovery.reported)
    return BaselineRun(baseline, root, write, update, paths, _stdin_texts(plans), checked)


def _stdin_texts(plans: Sequence[CheckPlan]) -> dict[str, str]:
    from analyzer.frontend import SourceDecodeError, source_text

    texts = {}
    for plan in plans:
        if plan.stdin is None:
            continue
        for f in plan.discovery.files:
            if f.is_stdin:
                try:
                    texts[f.display] = source_text(f.display, plan.stdin)
                except SourceDecodeError:
                    continue
    return texts


def finish_check(run: BaselineRun, result: Any, sources: Mapping[str, str]) -> int | None:
    """Apply the baseline to a check's result in place, write or update the file.

    Returns an exit code when the run ends here (``--write-baseline``), else None.
    """
    if run.write is not None:
        count = run.write_all(result.diagnostics, sources)
        print(f"shoal: wrote {_plural(count, 'finding')} to baseline {run.write}",
              file=sys.stderr)
        return 2 if result.internal_errors else 0
    result.diagnostics = run.filter(result.diagnostics, sources)
    removed = run.update_file()
    if removed:
        print(f"shoal: removed {_plural(removed, 'fixed finding')} from baseline "
              f"{_shown(run.baseline.path) if run.baseline else ''}", file=sys.stderr)
    return None


def watch_view(plan: Any, baseline_flag: str | None = None) -> BaselineView | None:
    """The baseline view for ``shoal watch`` (``--baseline``, else the configuration's).

    :raises BaselineError: the baseline cannot be read.
    """
    path = baseline_flag or (str(plan.config.baseline) if plan.config.baseline else None)
    if path is None:
        return None
    return BaselineView(Baseline.load(path), project_root([plan]))
