"""How people reach shoal: the ``shoal`` command line, watch mode, fix mode, the output
formats, progress and exit codes.

Only this layer prints, reads the terminal or decides an exit code. A newcomer starts at
:func:`main`: the front door (``_front``: a repeated command whose inputs have not moved
prints its kept answer), then the long way (``_cli``: subcommands as data, each bound to
one small ``do_*``).
"""
from __future__ import annotations

import os
import sys
import time

from analyzer.interfaces._front import front_answer, write_text
from analyzer.interfaces._prepare import UsageError, codes_of, prepare

# Not typing's: importing typing costs milliseconds a warm answer does not have.
TYPE_CHECKING = False

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

__all__ = ["UsageError", "build_parser", "codes_of", "main", "prepare"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `shoal` console script; returns the exit code."""
    started = time.time_ns()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _front_door(args)
    except KeyboardInterrupt:
        print("shoal: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # As the long way: the reader went away; say nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 2
    if code is not None:
        return code
    from analyzer.interfaces._cli import main as long_way

    return long_way(args, started_ns=started)


def _front_door(args: list[str]) -> int | None:
    """The exit code of a command answered from a front record (an answer record, or for a
    new ``deps`` or ``graph`` query a view record), its text printed; None: the long way."""
    try:
        found = front_answer(args)
    except Exception:  # the shortcut never fails a run: the long way decides
        found = None
    if found is not None:
        write_text(sys.stdout, found[0])
        return found[1]
    if args[:1] not in (["deps"], ["graph"]):
        return None
    from analyzer.interfaces._front_view import view_answer

    try:
        return view_answer(args)
    except BrokenPipeError:
        raise
    except Exception:  # as above
        return None


def build_parser() -> argparse.ArgumentParser:
    """The `shoal` command line's parser (argparse is imported when a command needs it)."""
    from analyzer.interfaces._parser import build_parser as build

    return build()
