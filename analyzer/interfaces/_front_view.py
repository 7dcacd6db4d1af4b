"""The front door's second room: a ``shoal deps`` or ``shoal graph`` query not asked before,
on a project whose view (``engine._insight``) is up to date, answered from that view without
loading the configuration, the rules or discovering the files.

A *view record* (``front/view-<name>`` beside the answer records of ``_front``) is named by
every option of the command except the query's own (the target, the filters, the direction,
the format...), with the working directory, the environment shoal reads and the
interpreter; it holds the witnesses of the view's cache generation (as an answer record's),
where the sealed view lies with the digests that seal it, the selected project rules and
the project root. The long way writes one after it answered a query from the view
(``_front_write.remember_view``).
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from analyzer.interfaces._front import held_record, write_text
from analyzer.interfaces._front_refresh import KEPT, refreshed_record
from analyzer.interfaces._front_write import QUERY_OPTIONS, VIEW_PREFIX, view_key

__all__ = ["view_answer"]


def _parse(argv: list[str]) -> argparse.Namespace | None:
    """The options as the long way parses them; None when they do not parse (the long way
    then says why)."""
    import contextlib
    import io

    from analyzer.interfaces._parser import build_parser

    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            return build_parser(only="insight").parse_args(argv)
    except SystemExit:
        return None


def view_answer(argv: list[str]) -> int | None:
    """Answer a ``deps`` or ``graph`` query from a view record whose witnesses hold: the exit
    code, the answer or the error printed; None to take the long way."""
    if not argv or argv[0] not in QUERY_OPTIONS:
        return None
    args = _parse(argv)
    if args is None or getattr(args, "output_file", None) or getattr(args, "no_cache", False):
        return None
    key = view_key(args)
    if key is None:
        return None
    record = held_record(argv, VIEW_PREFIX + key, key, kept=KEPT)
    if record is not None:
        return _answer(args, record[5])
    # Only the project's files moved (a check ran since): the cache's new generation.
    refreshed = refreshed_record(argv, VIEW_PREFIX + key, key)
    return None if refreshed is None else _answer(args, *refreshed)


def _answer(args: argparse.Namespace, kept: tuple[Any, ...],
            insight: Any = None) -> int | None:
    from analyzer.engine import read_sidecar
    from analyzer.interfaces import exit_codes

    path, build, cache_key, project_rules, project_root, _tasks = kept
    if insight is None:
        insight = read_sidecar(path, build, cache_key)
    if insight is None:
        return None  # another generation replaced it: the long way knows which
    if args.action == "deps":
        from analyzer.interfaces._deps import DepsError, deps_text

        try:
            text = deps_text(args, insight, list(project_rules))
        except DepsError as exc:
            print(f"shoal: error: {exc}", file=sys.stderr)
            return exit_codes.ERROR
    else:
        from analyzer.interfaces._graph import GraphError, graph_text

        try:
            text = graph_text(args, insight, project_root)
        except GraphError as exc:
            print(f"shoal: error: {exc}", file=sys.stderr)
            return exit_codes.ERROR
    write_text(sys.stdout, text)
    return exit_codes.SUCCESS
