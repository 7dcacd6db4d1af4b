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
        found = front_answer(args)
    except KeyboardInterrupt:
        print("shoal: interrupted", file=sys.stderr)
        return 130
    except Exception:  # the shortcut never fails a run: the long way decides
        found = None
    try:
        if found is not None:
            write_text(sys.stdout, found[0])
            return found[1]
        if args[:1] in (["deps"], ["graph"]):
            # A query not asked before may still be answered from the project's view.
            from analyzer.interfaces._front_view import view_answer

            try:
                code = view_answer(args)
            except (KeyboardInterrupt, BrokenPipeError):
                raise
            except Exception:  # as above: the long way decides
                code = None
            if code is not None:
                return code
    except KeyboardInterrupt:
        print("shoal: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # As the long way: the reader went away; say nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 2
    from analyzer.interfaces._cli import main as long_way

    return long_way(args, started_ns=started)


def build_parser() -> argparse.ArgumentParser:
    """The `shoal` command line's parser (argparse is imported when a command needs it)."""
    from analyzer.interfaces._parser import build_parser as build

    return build()
