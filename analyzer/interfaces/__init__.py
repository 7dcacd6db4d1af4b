"""How people reach shoal: the ``shoal`` command line, watch mode, fix mode, the output
formats, progress and exit codes.

Only this layer prints, reads the terminal or decides an exit code. A newcomer starts at
:func:`main` (``_cli``: subcommands as data, each bound to one small ``do_*``).
"""
from analyzer.interfaces._cli import main
from analyzer.interfaces._parser import build_parser
from analyzer.interfaces._prepare import UsageError, codes_of, prepare

__all__ = ["UsageError", "build_parser", "codes_of", "main", "prepare"]
