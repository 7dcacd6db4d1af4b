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
from collections.abc import Sequence
from typing import Any

from analyzer import __version__
from analyzer.interfaces import exit_codes
from analyzer.interfaces._prepare import (
    UsageError,
    check_output_file,
    prepare,
    prepare_projects,
)

#: ``--output-format`` of `shoal check` (analyzer.interfaces.output.CHECK_FORMATS, kept here so
#: building the parser imports no formatter).
FORMATS = ("concise", "full", "json", "sarif", "github", "gitlab", "junit")


def _format_alias(value: str) -> str:
    # `--format text`, the older name, is the concise listing.
    return "concise" if value == "text" else value


def _add_output_format(parser: argparse.ArgumentParser, choices: Sequence[str],
                       default: str | None, help_text: str) -> None:
    # ruff's flag name first, so argparse's errors name it; --format stays as an alias.
    parser.add_argument("--output-format", "--format", dest="format", choices=choices,
                        default=default, type=_format_alias if "concise" in choices else str,
                        help=help_text)


def _add_selection(parser: argparse.ArgumentParser) -> None:
    for flag, help_text in (
        ("--select", "rule codes or prefixes to enable, replacing the configured selection"),
        ("--extend-select", "rule codes or prefixes to enable on top of the selection"),
        ("--ignore", "rule codes or prefixes to disable"),
        ("--extend-ignore", "more rule codes or prefixes to disable"),
    ):
        parser.add_argument(flag, metavar="CODES", action="append", default=None,
                            help=help_text + " (comma-separated)")


def _add_target_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target-version", metavar="VERSION",
                        help="the oldest Python the code must run on, py37 to py314 (default: "
                             "target-version, else requires-python, else shoal's Python)")


def _add_file_timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--file-timeout", type=float, metavar="SECONDS",
                        help="replace a worker stuck this long on one file and report the file "
                             "as SH900 (default: [tool.shoal] file-timeout, else 60)")


def _add_baseline(parser: argparse.ArgumentParser, writing: bool) -> None:
    group = parser.add_argument_group("baseline")
    group.add_argument("--baseline", metavar="FILE",
                       help="report only findings not in this baseline file "
                            "(default: baseline in [tool.shoal])")
    if writing:
        group.add_argument("--write-baseline", metavar="FILE",
                           help="write every current finding to this baseline file, report none")
        group.add_argument("--update-baseline", action="store_true",
                           help="with --baseline: remove the findings fixed since from the file")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: `shoal check`, `shoal rules`, `shoal rule CODE`."""
    parser = argparse.ArgumentParser(
        prog="shoal", description="A fast, incremental static analyzer for Python.")
    parser.add_argument("--version", action="version", version=f"shoal {__version__}")
    _add_verbose(parser, default=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="check files and directories (default: .)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories; - for stdin")
    check.add_argument("--config", metavar="FILE", help="a pyproject.toml with [tool.shoal]")
    _add_selection(check)
    _add_output_format(check, FORMATS, None,
                       "output format (default: full in a terminal, else concise; "
                       "--format text means concise)")
    check.add_argument("--output-file", metavar="FILE", help="write the output here")
    check.add_argument("--workers", type=int, metavar="N",
                       help="worker processes (default: all cores; 0: in-process)")
    check.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on dask.distributed: a scheduler address (tcp://HOST:PORT) or "
                            "'local' for a local cluster of --workers processes "
                            "(needs shoal[distributed]; the cache is not used)")
    check.add_argument("--heap-size", metavar="SIZE",
                       help="shared heap size, e.g. 512M or 2G (default: sized from the project)")
    _add_file_timeout(check)
    check.add_argument("--statistics", action="store_true", help="count findings per code")
    check.add_argument("--count", action="store_true", help="print the number of findings")
    check.add_argument("--quiet", "-q", action="store_true", help="print findings only")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("--force-exclude", action="store_true",
                       help="apply excludes to files named on the command line too")
    check.add_argument("--stdin-filename", metavar="PATH",
                       help="read the source from standard input and check it as PATH "
                            "(with --fix: the fixed source goes to stdout)")
    check.add_argument("--show-files", action="store_true", help="list the files, check none")
    _add_target_version(check)
    check.add_argument("--show-settings", action="store_true",
                       help="print the resolved settings, check nothing")
    check.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    fixes = check.add_argument_group("fixes")
    fixes.add_argument("--fix", action="store_true", help="apply safe fixes")
    fixes.add_argument("--unsafe-fixes", action="store_true",
                       help="also apply (with --fix) or show unsafe fixes")
    fixes.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff, change nothing "
                            "(exit 1 when something would change)")
    fixes.add_argument("--fix-only", action="store_true",
                       help="apply fixes, do not report what remains")
    fixes.add_argument("--show-fixes", action="store_true", help="list the fixes applied")
    fixes.add_argument("--exit-non-zero-on-fix", action="store_true",
                       help="exit 1 when a fix was applied, even if nothing remains")
    fixes.add_argument("--add-noqa", action="store_true",
                       help="append `# noqa: CODE` to every line with a finding")
    cache = check.add_argument_group("cache")
    cache.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    cache.add_argument("--cache-dir", metavar="DIR",
                       help="cache directory (default: .shoal_cache in the project root, "
                            "or $SHOAL_CACHE_DIR)")
    _add_baseline(check, writing=True)
    check.add_argument("--timings", action="store_true",
                       help="after the run, print on stderr the time each rule and phase took, "
                            "summed over workers (implies a cold check: the cache is not read)")
    check.set_defaults(action=do_check)

    watch = sub.add_parser(
        "watch", help="check, then recheck what each edit can affect",
        description="Check, then recheck what each batch of edits can affect. Bursts of file "
                    "events are coalesced over a 50 ms quiet window (one recheck per editor "
                    "save or git checkout). Ctrl-C or SIGTERM stops it.")
    watch.add_argument("paths", nargs="*", metavar="PATH", help="files or directories")
    watch.add_argument("--config", metavar="FILE", help="a pyproject.toml with [tool.shoal]")
    _add_selection(watch)
    _add_output_format(watch, FORMATS, "concise",
                       "format of the diagnostics written to --output-file")
    watch.add_argument("--output-file", metavar="FILE",
                       help="rewrite this file (atomically) after every completed recheck")
    watch.add_argument("--workers", type=int, metavar="N", help="worker processes")
    watch.add_argument("--heap-size", metavar="SIZE", help="shared heap size")
    _add_file_timeout(watch)
    _add_baseline(watch, writing=False)
    watch.add_argument("--verify", action="store_true",
                       help="after each recheck, also run a cold check and report divergence")
    watch.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    watch.add_argument("--cache-dir", metavar="DIR", help="cache directory")
    watch.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    _add_target_version(watch)
    watch.set_defaults(action=do_watch)

    server = sub.add_parser("server", help="language server (LSP over stdio) for editors")
    server.add_argument("paths", nargs="*", metavar="PATH",
                        help="files or directories (default: the client's workspace root)")
    server.add_argument("--config", metavar="FILE", help="a pyproject.toml with [tool.shoal]")
    _add_selection(server)
    server.add_argument("--workers", type=int, metavar="N", help="worker processes")
    server.add_argument("--heap-size", metavar="SIZE", help="shared heap size")
    _add_file_timeout(server)
    server.add_argument("--diagnostic-scope", choices=("workspace", "open-files"),
                        help="publish findings of every file or of open files only "
                             "(default: [tool.shoal] diagnostic-scope, else workspace)")
    _add_target_version(server)
    server.add_argument("--no-cache", action="store_true",
                        help="neither start warm from the cache nor write it on exit")
    server.add_argument("--cache-dir", metavar="DIR", help="cache directory")
    server.set_defaults(action=do_server)
    _add_insight_commands(sub)

    rules = sub.add_parser("rules", help="list every rule")
    _add_output_format(rules, ("text", "json", "markdown"), "text",
                       "output format (markdown: the table of README.md's Rules section)")
    rules.set_defaults(action=do_rules)

    rule = sub.add_parser("rule", help="explain one rule")
    rule.add_argument("code", metavar="CODE")
    rule.set_defaults(action=do_rule)
    for command in sub.choices.values():
        # SUPPRESS: a subcommand's default would overwrite `shoal -v check`'s True.
        _add_verbose(command, default=argparse.SUPPRESS)
    return parser


def _add_verbose(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument("--verbose", "-v", action="store_true", default=default,
                        help="on an unexpected error, print the traceback "
                             "(so does SHOAL_DEBUG=1)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `shoal` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # Kept for `shoal watch`, which re-executes itself when a local plugin's source changes.
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return exit_codes.ERROR
    try:
        return args.action(args)
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


def _fail(message: str) -> int:
    from analyzer.interfaces.output import escape_path

    # One line, valid UTF-8, whatever path the message names (a newline, a non-UTF-8 byte).
    print(f"shoal: error: {escape_path(message)}", file=sys.stderr)
    return exit_codes.ERROR


def do_check(args: argparse.Namespace) -> int:
    """`shoal check`: discover, check in parallel, print, exit 0/1/2."""
    from analyzer.interfaces.output import STATISTICS_FORMATS, resolve_format

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
    code = _emit(args, result, sources)
    if baseline is not None and args.statistics and baseline.statistics_line():
        print(baseline.statistics_line(), file=sys.stderr)
    if timings is not None:
        from analyzer.interfaces._timings import print_timings

        print_timings(timings, plans, sys.stderr)
    return code


def _stdin_sources(plan: Any) -> dict[str, str]:
    """The text read from standard input under its display path (``full`` shows its lines)."""
    from analyzer.frontend import SourceDecodeError, decode_source

    if plan.stdin is None:
        return {}
    try:
        text = decode_source(plan.stdin)
    except SourceDecodeError:
        return {}
    return {f.display: text for f in plan.discovery.files if f.is_stdin}


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


def _add_insight_commands(sub: Any) -> None:
    """`shoal deps` and `shoal graph`: queries answered from the warm cache."""
    deps = sub.add_parser(
        "deps", help="who depends on a module or a name (from the dependency table)",
        description="Who reads a module or a name (pkg.mod:func), as the selected project "
                    "rules recorded it; for a name, what `shoal watch` rechecks after a body, "
                    "signature or deletion edit. Answered from the warm cache (a check runs "
                    "first when it is cold).")
    deps.add_argument("target", metavar="TARGET", help="pkg.mod, pkg.mod:name, or a path")
    deps.add_argument("--direction", choices=("dependents", "dependencies"),
                      default="dependents", help="who reads it (default), or what it reads")
    deps.add_argument("--transitive", action="store_true",
                      help="also what is reached through other modules, with the depth")
    _add_output_format(deps, ("text", "json"), "text", "output format")
    graph = sub.add_parser(
        "graph", help="the import graph: dot, json, mermaid or a self-contained html page",
        description="The project's import graph: import-time, deferred (in a function) and "
                    "TYPE_CHECKING edges, the SH003 cycles highlighted.")
    graph.add_argument("filters", nargs="*", metavar="PATH|MODULE",
                       help="keep these modules (a path, or a dotted name and its submodules)")
    _add_output_format(graph, ("dot", "json", "mermaid", "html"), "dot", "output format")
    graph.add_argument("--package-level", action="store_true",
                       help="collapse modules into their packages")
    graph.add_argument("--output-file", "-o", metavar="FILE", help="write the output here")
    for command, action in ((deps, do_deps), (graph, do_graph)):
        command.add_argument("--config", metavar="FILE", help="a pyproject.toml with [tool.shoal]")
        _add_selection(command)
        command.add_argument("--workers", type=int, metavar="N",
                             help="worker processes, when a check must run first")
        command.add_argument("--heap-size", metavar="SIZE", help="shared heap size")
        _add_file_timeout(command)
        command.add_argument("--no-cache", action="store_true",
                             help="neither read nor write the cache (always check first)")
        command.add_argument("--cache-dir", metavar="DIR", help="cache directory")
        command.set_defaults(action=action)


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


def _emit(args: argparse.Namespace, result: Any, sources: dict[str, str] | None = None) -> int:
    from analyzer.interfaces.output import (
        OutputOptions,
        Report,
        render,
        should_color,
        write_text,
    )

    report = Report(result.diagnostics, result.registry.by_code, result.files_checked)
    stream = sys.stdout
    color = False if args.output_file else should_color(args.color, stream)
    options = OutputOptions(cwd=os.getcwd(), color=color, quiet=args.quiet, count=args.count,
                            sources=sources or {})
    text = render(report, args.format, options, statistics=args.statistics)
    if args.output_file:
        try:
            # Paths are escaped when rendered; the error handler only guards what a plugin's
            # message may still carry, so the file is always valid UTF-8.
            with open(args.output_file, "w", encoding="utf-8", errors="backslashreplace") as f:
                f.write(text)
        except OSError as exc:  # checked before the run; the directory may have gone since
            return _fail(f"cannot write --output-file {args.output_file}: "
                         f"{exc.strerror or exc}")
    else:
        write_text(stream, text)
    return report.exit_code(exit_zero=args.exit_zero)


def do_rules(args: argparse.Namespace) -> int:
    """`shoal rules`: every rule with code, name, description, fixable, origin."""
    from analyzer.frontend import ConfigError
    from analyzer.loading import PluginLoadError, Registry

    try:
        registry = Registry.for_working_directory()
    except (ConfigError, PluginLoadError) as exc:
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
    from analyzer.loading import PluginLoadError, Registry

    try:
        registry = Registry.for_working_directory()
    except (ConfigError, PluginLoadError) as exc:
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
