"""What names a kept output (``analyzer.engine.kept_output``): every option that changes the
text or the exit code of ``shoal check`` once the findings are known, or the answer of
``shoal deps`` and ``shoal graph`` once the cache is known."""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

from analyzer.core import blake2b

if TYPE_CHECKING:
    from analyzer.engine import CheckPlan

__all__ = ["query_key", "render_key"]


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
    return blake2b(blob.encode(), digest_size=8).hexdigest()


def query_key(args: argparse.Namespace, plan: CheckPlan) -> str:
    """A digest of what a ``shoal deps`` or ``shoal graph`` answer depends on besides the
    cache: its arguments, and whether each one names an existing path (a target or filter
    is a path when one exists, else a module name)."""
    if args.action == "deps":
        named = [args.target]
        options = [args.direction, args.transitive, args.format]
    else:
        named = list(args.filters)
        options = [args.format, args.package_level]
    blob = json.dumps([
        args.action, named, [os.path.exists(text) for text in named], options,
        os.getcwd(), str(plan.discovery.project_root),
    ])
    return blake2b(blob.encode(), digest_size=8).hexdigest()
