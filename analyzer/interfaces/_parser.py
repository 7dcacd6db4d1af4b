"""The `shoal` command line's parser: every subcommand and flag, declared as data.

Each subcommand names its action (``args.action``); :mod:`._cli` runs it. Building the
parser imports nothing heavy: no formatter, no engine, no rule.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from analyzer import __version__

__all__ = ["FORMATS", "build_parser"]

#: ``--output-format`` of `shoal check` (analyzer.interfaces.output.CHECK_FORMATS, kept here so
#: building the parser imports no formatter).
FORMATS = ("concise", "full", "json", "json-lines", "grouped", "sarif", "github", "gitlab",
           "junit", "pylint", "azure", "rdjson")


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, given the terminal's width. argparse makes one for every
    argument added (101 for shoal's); without a width, each asks ``shutil``, whose import
    also loads bz2 and lzma: 0.65 MiB of a check's master, which its workers inherit."""

    def __init__(self, prog: str, **kwargs: Any) -> None:
        kwargs.setdefault("width", _columns() - 2)  # what argparse takes of shutil's answer
        super().__init__(prog, **kwargs)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose help formatter is :class:`_Formatter`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


def _columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` finds it: ``$COLUMNS``, else
    the terminal of stdout, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        stdout = sys.__stdout__  # None without a console: the AttributeError below
        try:
            columns = os.get_terminal_size(stdout.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


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


def _add_configuration(parser: argparse.ArgumentParser) -> None:
    """ruff's way of naming the configuration: a file, ``KEY = VALUE`` overrides, none at
    all, and the file selection and per-file ignores given on the command line."""
    parser.add_argument("--config", metavar="FILE|KEY=VALUE", action="append", default=None,
                        help="a configuration file (a pyproject.toml with [tool.shoal], a "
                             "shoal.toml), or a setting as TOML that overrides it: "
                             "'per-file-ignores = {\"tests/*\" = [\"F401\"]}' (ruff's "
                             "lint. prefix is accepted); repeatable")
    parser.add_argument("--isolated", action="store_true",
                        help="read no configuration file: not [tool.shoal], nor a ruff or "
                             "flake8 configuration it would borrow")
    for flag, help_text in (
        ("--exclude", "globs of files and directories not to check, replacing exclude"),
        ("--extend-exclude", "globs not to check, on top of exclude"),
    ):
        parser.add_argument(flag, metavar="GLOBS", action="append", default=None,
                            help=help_text + " (comma-separated)")
    for flag, help_text in (
        ("--per-file-ignores", "PATTERN:CODE pairs replacing per-file-ignores"),
        ("--extend-per-file-ignores", "PATTERN:CODE pairs added to per-file-ignores"),
    ):
        parser.add_argument(flag, metavar="PATTERN:CODE", action="append", default=None,
                            help=help_text + " (comma-separated, repeatable)")


def _add_target_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target-version", metavar="VERSION",
                        help="the oldest Python the code must run on, py37 to py314 (default: "
                             "target-version, else requires-python, else shoal's Python)")


def _line_length(text: str) -> int:
    """``--line-length``'s value: a whole number of columns from 1 to 320."""
    if not text.isdigit() or not 1 <= int(text) <= 320:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 320, got {text!r}")
    return int(text)


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


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line: `shoal check`, `shoal rules`, `shoal rule CODE`; with
    ``only="insight"``, `shoal deps` and `shoal graph` alone (the same namespace for
    their arguments: argparse applies only the chosen command's defaults)."""
    parser = _Parser(prog="shoal", description="A fast, incremental static analyzer for Python.")
    parser.add_argument("--version", action="version", version=f"shoal {__version__}")
    _add_verbose(parser, default=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")  # of _Parser too

    if only != "insight":
        _add_check_commands(sub)
    _add_insight_commands(sub)
    if only != "insight":
        _add_rule_commands(sub)
    for command in sub.choices.values():
        # SUPPRESS: a subcommand's default would overwrite `shoal -v check`'s True.
        _add_verbose(command, default=argparse.SUPPRESS)
    return parser


def _add_check_commands(sub: Any) -> None:
    """`shoal check`, `shoal watch` and `shoal server`."""
    check = sub.add_parser("check", help="check files and directories (default: .)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories; - for stdin")
    _add_configuration(check)
    _add_selection(check)
    _add_output_format(check, FORMATS, None,
                       "output format (default: full in a terminal, else concise; "
                       "--format text means concise)")
    check.add_argument("--output-file", "-o", metavar="FILE", help="write the output here")
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
    check.add_argument("--silent", "-s", action="store_true",
                       help="print nothing (the exit code still tells; --output-file is "
                            "still written)")
    check.add_argument("--exit-zero", "-e", action="store_true",
                       help="exit 0 even with findings")
    check.add_argument("--ignore-noqa", action="store_true",
                       help="report what # noqa comments suppress")
    check.add_argument("--force-exclude", action=argparse.BooleanOptionalAction, default=None,
                       help="apply excludes to files named on the command line too "
                            "(default: force-exclude in the configuration, else off)")
    check.add_argument("--stdin-filename", metavar="PATH",
                       help="read the source from standard input and check it as PATH "
                            "(with --fix: the fixed source goes to stdout)")
    check.add_argument("--preview", action=argparse.BooleanOptionalAction, default=False,
                       help="ruff's preview rules: shoal has none (taken so that a ruff "
                            "command line runs)")
    check.add_argument("--watch", "-w", action="store_true",
                       help="check, then recheck what each edit can affect (as shoal watch)")
    check.add_argument("--show-files", action="store_true", help="list the files, check none")
    _add_target_version(check)
    check.add_argument("--line-length", type=_line_length, metavar="N",
                       help="E501's limit in columns, 1 to 320 (as ruff's; default line-length, "
                            "else 88)")
    check.add_argument("--show-settings", action="store_true",
                       help="print the resolved settings, check nothing")
    check.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    fixes = check.add_argument_group("fixes")
    fixes.add_argument("--fix", action=argparse.BooleanOptionalAction, default=False, help="apply safe fixes")
    fixes.add_argument("--unsafe-fixes", action=argparse.BooleanOptionalAction, default=False,
                       help="also apply (with --fix) or show unsafe fixes")
    fixes.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff, change nothing "
                            "(exit 1 when something would change)")
    fixes.add_argument("--fix-only", action="store_true",
                       help="apply fixes, do not report what remains")
    fixes.add_argument("--show-fixes", action=argparse.BooleanOptionalAction, default=False, help="list the fixes applied")
    fixes.add_argument("--exit-non-zero-on-fix", action="store_true",
                       help="exit 1 when a fix was applied, even if nothing remains")
    for flag, help_text in (
        ("--fixable", "rule codes or prefixes whose fixes are offered, replacing fixable"),
        ("--extend-fixable", "more rule codes or prefixes whose fixes are offered"),
        ("--unfixable", "rule codes or prefixes whose fixes are withheld, replacing unfixable"),
    ):
        fixes.add_argument(flag, metavar="CODES", action="append", default=None,
                           help=help_text + " (comma-separated)")
    fixes.add_argument("--add-noqa-reason", help=argparse.SUPPRESS)  # from --add-noqa=REASON
    fixes.add_argument("--add-noqa", action="store_true",
                       help="append `# noqa: CODE` to every line with a finding; "
                            "--add-noqa=REASON writes REASON after the codes, as ruff")
    cache = check.add_argument_group("cache")
    cache.add_argument("--no-cache", "-n", action="store_true",
                       help="neither read nor write the cache")
    cache.add_argument("--cache-dir", metavar="DIR",
                       help="cache directory (default: .shoal_cache in the project root, "
                            "or $SHOAL_CACHE_DIR)")
    _add_baseline(check, writing=True)
    check.add_argument("--timings", action="store_true",
                       help="after the run, print on stderr the time each rule and phase took, "
                            "summed over workers (implies a cold check: the cache is not read)")
    check.set_defaults(action="check")

    watch = sub.add_parser(
        "watch", help="check, then recheck what each edit can affect",
        description="Check, then recheck what each batch of edits can affect. Bursts of file "
                    "events are coalesced over a 50 ms quiet window (one recheck per editor "
                    "save or git checkout). Ctrl-C or SIGTERM stops it.")
    watch.add_argument("paths", nargs="*", metavar="PATH", help="files or directories")
    _add_configuration(watch)
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
    watch.add_argument("--no-cache", "-n", action="store_true",
                       help="neither read nor write the cache")
    watch.add_argument("--cache-dir", metavar="DIR", help="cache directory")
    watch.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    _add_target_version(watch)
    watch.set_defaults(action="watch")

    server = sub.add_parser("server", help="language server (LSP over stdio) for editors")
    server.add_argument("paths", nargs="*", metavar="PATH",
                        help="files or directories (default: the client's workspace root)")
    _add_configuration(server)
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
    server.set_defaults(action="server")


def _add_rule_commands(sub: Any) -> None:
    """`shoal rules` and `shoal rule CODE`."""
    rules = sub.add_parser("rules", help="list every rule")
    _add_output_format(rules, ("text", "json", "markdown"), "text",
                       "output format (markdown: the table of README.md's Rules section)")
    rules.set_defaults(action="rules")

    rule = sub.add_parser("rule", help="explain one rule")
    rule.add_argument("code", metavar="CODE")
    rule.set_defaults(action="rule")


def _add_verbose(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument("--verbose", "-v", action="store_true", default=default,
                        help="on an unexpected error, print the traceback "
                             "(so does SHOAL_DEBUG=1)")


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
    for command, action in ((deps, "deps"), (graph, "graph")):
        _add_configuration(command)
        _add_selection(command)
        command.add_argument("--workers", type=int, metavar="N",
                             help="worker processes, when a check must run first")
        command.add_argument("--heap-size", metavar="SIZE", help="shared heap size")
        _add_file_timeout(command)
        command.add_argument("--no-cache", action="store_true",
                             help="neither read nor write the cache (always check first)")
        command.add_argument("--cache-dir", metavar="DIR", help="cache directory")
        command.set_defaults(action=action)
