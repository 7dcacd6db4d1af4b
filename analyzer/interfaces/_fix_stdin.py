"""``--fix`` / ``--fix-only`` on standard input, as ruff does it: the fixed source goes to
stdout (the whole of it, changed or not, so an editor can pipe through shoal), and what
remains is reported on stderr (nothing with ``--fix-only``)."""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from typing import Any

from analyzer.engine import CheckPlan, CheckResult, run_check
from analyzer.interfaces import exit_codes

__all__ = ["fix_stdin"]


def fix_stdin(args: argparse.Namespace, plan: CheckPlan, fixed: bytes, n_fixed: int,
              first: CheckResult, keep: Any = None) -> int:
    """Print ``fixed`` (stdin's source after the fix loop, which found ``first`` and applied
    ``n_fixed`` fixes) on stdout, report what remains on stderr; the exit code is a check's
    on what remains (0 with ``--fix-only``). ``keep``: a baseline's filter (``_fix_mode``)."""
    from analyzer.interfaces.output import OutputOptions, Report, render

    sys.stdout.buffer.write(fixed)
    sys.stdout.flush()
    if first.internal_errors:
        return exit_codes.ERROR
    if args.fix_only:
        if n_fixed and args.exit_non_zero_on_fix:
            return exit_codes.PROBLEMS
        return exit_codes.SUCCESS
    final = run_check(dataclasses.replace(plan, stdin=fixed)) if fixed != plan.stdin else first
    shown = final.diagnostics
    if keep is not None:
        from analyzer.frontend import decode_source

        shown = keep(shown, {f.display: decode_source(fixed) for f in plan.discovery.files
                             if f.is_stdin})
    report = Report(shown, final.registry.by_code, final.files_checked)
    text_format = args.format in ("concise", "full", "grouped")
    summary = text_format and not args.quiet and not args.count
    options = OutputOptions(cwd=os.getcwd(), color=False, quiet=args.quiet or summary,
                            count=args.count)
    text = render(report, args.format, options, statistics=args.statistics)
    remaining = len(report.diagnostics)
    if summary and (remaining or n_fixed):
        noun = "error" if n_fixed + remaining == 1 else "errors"
        text += (f"Found {n_fixed + remaining} {noun} ({n_fixed} fixed, {remaining} remaining).\n"
                 if n_fixed else "".join(line + "\n" for line in report.summary()))
    sys.stderr.write(text)
    code = report.exit_code(exit_zero=args.exit_zero)
    if code == exit_codes.SUCCESS and n_fixed and args.exit_non_zero_on_fix:
        code = exit_codes.PROBLEMS
    return code
