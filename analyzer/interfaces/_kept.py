"""What names a kept output (``analyzer.engine.kept_output``): every option that changes the
text or the exit code of ``shoal check`` once the findings are known."""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

__all__ = ["render_key"]


def render_key(args: argparse.Namespace) -> str:
    """A digest of the rendering options of a plain ``shoal check``."""
    from analyzer.interfaces.output import should_color

    color = False if args.output_file else should_color(args.color, sys.stdout)
    blob = json.dumps([
        args.format, color, args.quiet, args.count, args.statistics, args.exit_zero,
        os.getcwd(),
        # The gitlab format names paths from the CI's project directory.
        os.environ.get("CI_PROJECT_DIR"),
    ])
    return hashlib.blake2b(blob.encode(), digest_size=8).hexdigest()
