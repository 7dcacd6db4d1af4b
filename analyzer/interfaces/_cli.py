"""The `shoal` command line: subcommands declared as data, each bound to one small `do_*`.

Heavy imports (libcst, the heap, the pool) happen inside the command that needs them, so
`shoal --version` and `shoal rules` start in a few milliseconds. Exceptions become exit codes
once, here, at the top (analyzer/exit_codes.py): an exception nobody expected becomes one line
and exit code 2, with the traceback only under --verbose or SHOAL_DEBUG=1.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from analyzer.interfaces import exit_codes
from analyzer.interfaces._parser import build_parser
from analyzer.interfaces._prepare import (
    UsageError,
    check_output_file,
    prepare,
    prepare_projects,
)


def main(argv: Sequence[str] | None = None, *, started_ns: int | None = None) -> int:
    """The `shoal` command the long way (``analyzer.interfaces.main`` tries the front door
    first); returns the exit code."""
    from analyzer.interfaces._front import COMMANDS
    from analyzer.interfaces._front_write import StderrWatch

    parser = build_parser()
    given = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(_with_noqa_reason(given))
    # Kept for `shoal watch`, which re-executes itself when a local plugin's source changes,
    # and for the front record of a kept answer (with when the run started).
    args.argv = given
    args.started_ns = started_ns if started_ns is not None else time.time_ns()
    if args.command is None:
        parser.print_help(sys.stderr)
        return exit_codes.ERROR
    stderr = sys.stderr
    # Only where a front record may be written: `shoal server` and `shoal watch` keep their
    # stderr as it is for as long as they run.
    args.stderr_watch = None
    if args.action in COMMANDS:
        args.stderr_watch = sys.stderr = StderrWatch(stderr)
    try:
        return ACTIONS[args.action](args)
    except KeyboardInterrupt:
        print("shoal: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `shoal check | head`: the reader went away; say nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return exit_codes.ERROR
    except Exception as exc:
        # The only catch-all: every error shoal expects is reported where it happens.
        return _unexpected(exc, args.verbose or os.environ.get("SHOAL_DEBUG") == "1")
    finally:
        if args.stderr_watch is not None and sys.stderr is args.stderr_watch:
            sys.stderr = stderr


#: shoal's top-level packages: the innermost frame in one of them is where shoal failed.
_SHOAL_PACKAGES = ("analyzer", "parallel", "plugins", "heap_native")


def _unexpected(exc: Exception, verbose: bool) -> int:
    """One line for a bug (what, where, whom to tell); the traceback only when asked for."""
    import traceback

    if verbose:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    message = " ".join(str(exc).split())  # one line, whatever the message holds
    if len(message) > 200:
        message = message[:199] + "…"
    what = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    hint = "with the traceback above" if verbose else "re-run with --verbose for the traceback"
    print(f"shoal: internal error: {what} (at {_shoal_frame(exc)}); this is a bug in shoal, "
          f"please report it (see the shoal README); {hint}", file=sys.stderr)
    sys.stderr.flush()
    return exit_codes.ERROR


def _shoal_frame(exc: BaseException) -> str:
    """``file:line`` of the innermost traceback frame inside shoal's own packages."""
    import traceback

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        relative = os.path.relpath(os.path.realpath(frame.filename), root)
        if relative.split(os.sep)[0] in _SHOAL_PACKAGES:
            return f"{relative}:{frame.lineno}"
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "unknown"


def _with_noqa_reason(argv: list[str]) -> list[str]:
    """ruff's ``--add-noqa=REASON`` as argparse can take it: ``--add-noqa`` and the hidden
    ``--add-noqa-reason REASON`` (a bare ``--add-noqa`` never takes the next word, a path)."""
    out: list[str] = []
    for arg in argv:
        if arg.startswith("--add-noqa="):
            out += ["--add-noqa", "--add-noqa-reason", arg[len("--add-noqa="):]]
        else:
            out.append(arg)
    return out


def _fail(message: str) -> int:
    from analyzer.interfaces.output import escape_path

    # One line, valid UTF-8, whatever path the message names (a newline, a non-UTF-8 byte).
    print(f"shoal: error: {escape_path(message)}", file=sys.stderr)
    return exit_codes.ERROR


def do_check(args: argparse.Namespace) -> int:
    """`shoal check`: discover, check in parallel, print, exit 0/1/2."""
    from analyzer.interfaces.output import STATISTICS_FORMATS, resolve_format

    if args.watch:  # ruff's `check --watch`: shoal's watch on the same arguments
        return _check_watch(args)
    if args.silent:  # ruff's -s: nothing printed but errors, the exit code says the rest
        args.quiet = args.no_progress = True
    args.format = resolve_format(args.format, sys.stdout, to_file=bool(args.output_file))
    if args.statistics and args.format not in STATISTICS_FORMATS:
        # As ruff: a count table has no place in sarif/github/gitlab/junit.
        return _fail(f"--statistics works with --output-format "
                     f"{', '.join(STATISTICS_FORMATS)}, not {args.format}")
    if args.timings and (args.scheduler or args.fix or args.diff or args.fix_only
                         or args.add_noqa):
        # Dask workers do not report timings, and fix mode checks several times.
        return _fail("--timings works with a plain check, not with --scheduler, --fix, "
                     "--diff, --fix-only or --add-noqa")
    try:
        if args.output_file:
            check_output_file(args.output_file)
        projects = prepare_projects(args)
    except UsageError as exc:
        return _fail(str(exc))
    plans = [plan for _, plan in projects]
    if args.show_settings:
        import json

        from analyzer.interfaces._projects import settings_of

        shown = [settings_of(project, plan) for project, plan in projects]
        # One object for one project (as before); a list when the paths span several.
        print(json.dumps(shown[0] if len(shown) == 1 else shown, indent=2))
        return exit_codes.SUCCESS
    if args.show_files:
        from analyzer.interfaces.output import escape_path

        for f in sorted((f for p in plans for f in p.discovery.files), key=lambda f: f.display):
            if any(f.path in p.discovery.reported for p in plans):
                print(escape_path(f.display))  # one line each, valid UTF-8
        return exit_codes.SUCCESS

    from analyzer.interfaces._baseline import BaselineError
    from analyzer.interfaces._baseline_run import finish_check, resolve_baseline

    try:
        baseline = resolve_baseline(args, plans)
    except BaselineError as exc:
        return _fail(str(exc))
    if args.fix or args.diff or args.fix_only or args.add_noqa:
        from analyzer.interfaces._fix_mode import run_fix_mode

        # One project at a time (each its own index); the worst exit code wins.
        return max(run_fix_mode(args, plan, baseline=baseline) for plan in plans)

    # A plain check of one project: nothing changed since the last run prints what it
    # printed (the engine's ``_cache_output``), without reading or rendering the findings.
    plain = baseline is None and not args.timings and len(plans) == 1
    if plain:
        from analyzer.engine import kept_output
        from analyzer.interfaces._kept import render_key

        found = kept_output(plans[0], render_key(args))
        if found is not None:
            failed = _write_output(args, found.text)
            if failed is not None:
                return failed
            _remember(args, plans[0], (found.files, found.checked_at_ns), found.text,
                      found.code)
            return found.code

    from analyzer.engine import CheckError
    from analyzer.interfaces._progress import ProgressBar
    from analyzer.interfaces._projects import check_projects

    bar = ProgressBar.for_stream(sys.stderr, enabled=not (args.no_progress or args.quiet),
                                 total_files=sum(len(p.discovery.reported) for p in plans))
    # Filled by the workers' timed path only when asked for: no cost otherwise.
    timings: dict[str, float] | None = {} if args.timings else None
    try:
        result = check_projects(plans, progress=bar.update if bar else None, timings=timings)
    except CheckError as exc:
        return _fail(str(exc))
    finally:
        if bar:
            bar.close()
    sources: dict[str, str] = {}
    for plan in plans:
        sources.update(_stdin_sources(plan))
    if baseline is not None:
        try:
            done = finish_check(baseline, result, sources)
        except BaselineError as exc:
            return _fail(str(exc))
        if done is not None:
            return done
    keep = None
    generation = result.stats.get("generation")
    if plain and generation is not None:
        from analyzer.engine import keep_output
        from analyzer.interfaces._kept import render_key

        def keep(text: str, code: int) -> None:
            keep_output(plans[0], generation, render_key(args), text, code)
            if not getattr(args, "output_file", None):
                from analyzer.engine import index_files

                _remember(args, plans[0], index_files(plans[0], generation), text, code)

    code = _emit(args, result, sources, keep)
    if baseline is not None and args.statistics and baseline.statistics_line():
        print(baseline.statistics_line(), file=sys.stderr)
    if timings is not None:
        from analyzer.interfaces._timings import print_timings

        print_timings(timings, plans, sys.stderr)
    return code


#: `check` flags a watch has no use for: they ask for one answer, not a session.
_ONE_SHOT = ("fix", "diff", "fix_only", "add_noqa", "stdin_filename", "statistics", "count",
             "show_files", "show_settings", "timings", "scheduler", "write_baseline",
             "update_baseline", "silent")


def _check_watch(args: argparse.Namespace) -> int:
    """`shoal check --watch` (``-w``), as ruff has it: `shoal watch` with these arguments."""
    given = [name for name in _ONE_SHOT if getattr(args, name, None)]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        return _fail(f"--watch keeps checking; it cannot be combined with {flags}")
    args.format = args.format or "concise"
    return do_watch(args)


def _remember(args: argparse.Namespace, plan: Any, read: tuple[dict[str, Any], int] | None,
              text: str, code: int) -> None:
    """The front record of this answer (``_front_write``): the next identical run prints it
    without loading anything."""
    from analyzer.interfaces._front_write import remember_answer

    if not getattr(args, "silent", False):  # the front door would print what was not
        remember_answer(args, plan, read, text, code)


def _stdin_sources(plan: Any) -> dict[str, str]:
    """The text read from standard input under its display path (``full`` shows its lines;
    a notebook's, its cells as written, their places remembered for every format)."""
    from analyzer.frontend import (
        NOTEBOOK_SUFFIX,
        SourceDecodeError,
        decode_source,
        notebook_source,
    )
    from analyzer.interfaces.output import remember_cells

    if plan.stdin is None:
        return {}
    sources = {}
    for f in plan.discovery.files:
        if not f.is_stdin:
            continue
        try:
            if f.display.endswith(NOTEBOOK_SUFFIX):
                text, cells = notebook_source(plan.stdin, as_written=True)
                remember_cells(f.display, cells)
            else:
                text = decode_source(plan.stdin)
        except SourceDecodeError:
            continue
        sources[f.display] = text
    return sources


def do_watch(args: argparse.Namespace) -> int:
    """`shoal watch`: a check, then a recheck of what each batch of edits can affect."""
    try:
        if args.output_file:
            check_output_file(args.output_file, replaced=True)
        plan = prepare(args)
    except UsageError as exc:
        return _fail(str(exc))
    from analyzer.interfaces._watch import run_watch

    return run_watch(args, plan)


def do_deps(args: argparse.Namespace) -> int:
    """`shoal deps TARGET`: who reads it, per name, from the dependency table."""
    try:
        plan = prepare(args)
    except UsageError as exc:
        return _fail(str(exc))
    from analyzer.interfaces._deps import run_deps

    return run_deps(args, plan)


def do_graph(args: argparse.Namespace) -> int:
    """`shoal graph`: the import graph in dot, json, mermaid or html."""
    try:
        if args.output_file:
            check_output_file(args.output_file)
        plan = prepare(args)
    except UsageError as exc:
        return _fail(str(exc))
    from analyzer.interfaces._graph import run_graph

    return run_graph(args, plan)


def do_server(args: argparse.Namespace) -> int:
    """`shoal server`: the language server on the resident session (stdio)."""
    from analyzer.interfaces.server import run_server

    return run_server(args)


def _emit(args: argparse.Namespace, result: Any, sources: dict[str, str] | None = None,
          keep: Callable[[str, int], None] | None = None) -> int:
    """Render and write the findings; ``keep(text, exit code)`` is given what was written."""
    from analyzer.interfaces.output import OutputOptions, Report, render, should_color

    report = Report(result.diagnostics, result.registry.by_code, result.files_checked)
    color = False if args.output_file else should_color(args.color, sys.stdout)
    options = OutputOptions(cwd=os.getcwd(), color=color, quiet=args.quiet, count=args.count,
                            sources=sources or {})
    text = render(report, args.format, options, statistics=args.statistics)
    code = report.exit_code(exit_zero=args.exit_zero)
    failed = _write_output(args, text)
    if failed is not None:
        return failed
    if keep is not None:
        keep(text, code)
    return code


def _write_output(args: argparse.Namespace, text: str) -> int | None:
    """Write the rendered text to ``--output-file`` or stdout; the exit code of a failure."""
    from analyzer.interfaces.output import write_text

    if args.output_file:
        try:
            # Paths are escaped when rendered; the error handler only guards what a plugin's
            # message may still carry, so the file is always valid UTF-8.
            with open(args.output_file, "w", encoding="utf-8", errors="backslashreplace") as f:
                f.write(text)
        except OSError as exc:  # checked before the run; the directory may have gone since
            return _fail(f"cannot write --output-file {args.output_file}: "
                         f"{exc.strerror or exc}")
    elif not getattr(args, "silent", False):
        write_text(sys.stdout, text)
    return None


def do_rules(args: argparse.Namespace) -> int:
    """`shoal rules`: every rule with code, name, description, fixable, origin."""
    from analyzer.frontend import ConfigError
    from analyzer.loading import PluginLoadError, Registry, RuleOptionError

    try:
        registry = Registry.for_working_directory()
    except (ConfigError, PluginLoadError, RuleOptionError) as exc:
        return _fail(str(exc))
    from analyzer.interfaces.output import rule_help_uri, rule_summary

    if args.format == "markdown":
        from analyzer.interfaces._rule_table import markdown_table

        sys.stdout.write(markdown_table(registry))
        return exit_codes.SUCCESS
    if args.format == "json":
        import json

        print(json.dumps([
            {"code": i.code, "name": i.name, "description": rule_summary(i), "kind": i.kind,
             "fixable": i.fixable, "default": i.default_enabled, "origin": i.origin,
             "url": rule_help_uri(i) or None}
            for i in registry], indent=2))
        return exit_codes.SUCCESS
    width = max((len(info.code) for info in registry), default=5) + 2
    name_width = max((len(info.name) for info in registry), default=30) + 1
    for info in registry:
        mark = "[*]" if info.fixable else "   "
        off = "" if info.default_enabled else ", off by default"
        print(f"{info.code:<{width}}{mark} {info.name:<{name_width}} {rule_summary(info)}  "
              f"({info.origin}{off})")
    return exit_codes.SUCCESS


def do_rule(args: argparse.Namespace) -> int:
    """`shoal rule CODE`: explain one rule."""
    import inspect

    from analyzer.frontend import ConfigError
    from analyzer.loading import PluginLoadError, Registry, RuleOptionError

    try:
        registry = Registry.for_working_directory()
    except (ConfigError, PluginLoadError, RuleOptionError) as exc:
        return _fail(str(exc))
    info = registry.by_code.get(args.code) or registry.by_code.get(args.code.upper())
    if info is None:
        return _fail(f"unknown rule code {args.code!r} (see `shoal rules`)")
    from analyzer.interfaces.output import rule_doc, rule_help_uri

    print(f"{info.code} {info.name}")
    print(f"  kind: {info.kind} rule, from {info.origin}"
          f"{', fixable' if info.fixable else ''}{'' if info.default_enabled else ', off by default'}")
    url = rule_help_uri(info)
    if url:
        print(f"  documentation: {url}")
    print()
    print(rule_doc(info))
    # What is reported first, then what is not: two of each, as ruff's "Example"/"Use instead".
    invalid = list(getattr(info.cls, "INVALID", ()))[:2]
    valid = list(getattr(info.cls, "VALID", ()))[:2]
    for example in [*invalid, *valid]:
        print()
        print(f"  {type(example).__name__}:")
        # Examples are written as indented triple-quoted strings: show them at the margin.
        code = inspect.cleandoc("\n" + (getattr(example, "code", "") or ""))
        for line in code.splitlines():
            print(f"    {line}".rstrip())
    return exit_codes.SUCCESS


if __name__ == "__main__":
    sys.exit(main())


#: ``args.action`` (set by the parser) -> the function that runs it
ACTIONS = {"check": do_check, "watch": do_watch, "server": do_server, "rules": do_rules,
           "rule": do_rule, "deps": do_deps, "graph": do_graph}
