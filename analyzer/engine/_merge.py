"""The master's last step: from every worker's findings to the sorted output.

Selection, per-file ignores and ``# noqa`` are applied here, after the merge, so project rules,
import cycles and module rules are filtered by the same code, and the output is identical
whatever order the workers finished in. Unused suppressions (SH100) are found here too: only
the master knows, after the merge, which comments suppressed something.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from analyzer.engine._suppressions import UNUSED_NOQA, NoqaMap, apply_noqa, unused_noqa
from analyzer.frontend import Config, withheld_fixes
from analyzer.rules import Diagnostic

INTERNAL_ERROR = "SH900"


def finish(
    diagnostics: Iterable[Diagnostic],
    noqa_by_display: Mapping[str, NoqaMap],
    path_by_display: Mapping[str, str],
    config: Config,
    selected: frozenset[str],
) -> list[Diagnostic]:
    """Keep the selected, not ignored, not suppressed findings, sorted for output.

    :param noqa_by_display: the suppressions of each reported file, by display path.
    :param path_by_display: display path -> absolute path (per-file ignores match the latter).
    """
    grouped: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        if d.code != INTERNAL_ERROR and d.code not in selected:
            continue
        if config.is_ignored_for(path_by_display.get(d.path, d.path), d.code):
            continue
        grouped.setdefault(d.path, []).append(d)
    final: list[Diagnostic] = []
    if config.ignore_noqa:  # --ignore-noqa: no comment suppresses, so none is unused
        noqa_by_display = {}
    report_unused = UNUSED_NOQA in selected
    displays = set(grouped)
    if report_unused:
        # A file with comments and no finding at all is where unused ones hide best.
        displays.update(display for display, noqa in noqa_by_display.items() if noqa)
    for display in displays:
        diags = grouped.get(display, [])
        noqa = noqa_by_display.get(display)
        if noqa is None:
            final.extend(diags)
            continue
        # A rule that raised did not finish the file: its comments may be needed after all.
        complete = not any(d.code == INTERNAL_ERROR for d in diags)
        diags, used = apply_noqa(diags, noqa)
        final.extend(diags)
        if report_unused and noqa and complete:
            path = path_by_display.get(display, display)
            if not config.is_ignored_for(path, UNUSED_NOQA):
                final.extend(unused_noqa(display, noqa, used, _ran(config, path, selected),
                                         blanket=config.report_blanket_noqa,
                                         external=config.external))
    withheld = withheld_fixes(config, selected)
    if withheld:  # `unfixable`: the finding stands, its fix is not offered
        final = [replace(d, fix=None) if d.fix is not None and d.code in withheld else d
                 for d in final]
    final.sort(key=Diagnostic.sort_key)
    return final


def _ran(config: Config, path: str, selected: frozenset[str]) -> Callable[[str], bool]:
    """Whether a ``# noqa`` code names a check that ran on ``path``: the very code, as a
    prefix (``E1``) may also serve another tool's checks."""
    active: set[str] | None = None

    def ran(listed: str) -> bool:
        nonlocal active
        if active is None:
            active = {c for c in selected if not config.is_ignored_for(path, c)}
        return listed in active

    return ran
