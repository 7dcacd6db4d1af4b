"""From a parsed command line to a :class:`~analyzer.engine.CheckPlan`: configuration, rule
selection, discovery and worker count, shared by ``shoal check`` and ``shoal watch``."""
from __future__ import annotations

import os
import sys

# Not typing's: importing typing costs milliseconds a warm answer does not have.
TYPE_CHECKING = False

if TYPE_CHECKING:  # the engine is heavy: `shoal --version` must not import it
    import argparse
    from typing import Any

    from analyzer.engine import CheckPlan
    from analyzer.frontend import Config, Project

__all__ = ["MAX_HEAP_SIZE", "UsageError", "check_heap_size", "check_output_file", "codes_of",
           "prepare", "prepare_projects"]

#: The largest heap a check may ask for. The shared region (heap, hash table and dependency
#: table together) is at most 256 GiB (``MAX_REGION`` in heap_native/shoal_heap.c); one GiB
#: of it is left to the tables, enough for a million files.
MAX_HEAP_SIZE = 255 << 30


def codes_of(values: list[str] | None) -> list[str] | None:
    """Comma-separated ``--select``-style values as one list of codes."""
    if values is None:
        return None
    return [c.strip() for v in values for c in v.split(",") if c.strip()]


class UsageError(Exception):
    """A bad command line, configuration or path: printed as one line, exit code 2."""


def check_output_file(path: str, *, replaced: bool = False) -> None:
    """Raise `UsageError` naming ``path`` and the reason when it cannot be written.

    Checked before the run, so a long check is not wasted on a typo. ``replaced``: the file is
    rewritten by a rename (``shoal watch``), which needs its directory writable even when the
    file exists.
    """
    target = os.path.abspath(path)
    directory = os.path.dirname(target)
    exists = os.path.lexists(target)
    if os.path.isdir(target):
        reason = "it is a directory"
    elif not os.path.isdir(directory):
        reason = (f"{directory} is not a directory" if os.path.exists(directory)
                  else f"no such directory {directory}")
    elif exists and not os.access(target, os.W_OK):
        reason = "permission denied"
    elif (replaced or not exists) and not os.access(directory, os.W_OK | os.X_OK):
        reason = f"directory {directory} is not writable"
    else:
        return
    raise UsageError(f"cannot write --output-file {path}: {reason}")


def check_heap_size(size: int, where: str) -> None:
    """Raise `UsageError` naming the limit and the memory available when ``size`` (bytes,
    from ``where``: the option or the configuration file) is more than a heap can be."""
    if size <= MAX_HEAP_SIZE:
        return
    raise UsageError(f"{where}: a heap of {_gib(size)} is more than the limit of "
                     f"{_gib(MAX_HEAP_SIZE)}; this machine has {_available_memory()} of memory "
                     f"available")


def _gib(size: int) -> str:
    return f"{size / (1 << 30):,.1f} GiB".replace(".0 GiB", " GiB")


def _available_memory() -> str:
    """MemAvailable (what can be had without swapping), else the free physical pages."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return _gib(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        return _gib(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return "an unknown amount"


def prepare(args: argparse.Namespace) -> CheckPlan:
    """Resolve config, rule selection, discovery and worker count into a `CheckPlan`.

    For commands that take one project (`shoal watch`): paths under several project roots
    are a usage error. Raises `UsageError` with the message to print.
    """
    projects = prepare_projects(args)
    if len(projects) > 1:
        roots = ", ".join(str(p.root) if p.root else "(no project)" for p, _ in projects)
        raise UsageError(f"the paths belong to {len(projects)} projects ({roots}); "
                         "give paths of one project")
    return projects[0][1]


def prepare_projects(args: argparse.Namespace) -> list[tuple[Project, CheckPlan]]:
    """One `CheckPlan` per project the paths belong to (`group_paths`), in path order.

    Raises `UsageError` with the message to print.
    """
    from analyzer.frontend import STDIN, ConfigError, group_paths

    paths = getattr(args, "paths", None) or ["."]
    stdin_filename = getattr(args, "stdin_filename", None)
    stdin_bytes = None
    if stdin_filename:
        # As ruff: --stdin-filename always means standard input; other paths are dropped.
        for path in getattr(args, "paths", None) or ():
            if path != STDIN:
                print(f"shoal: warning: ignoring {path} in favour of standard input "
                      f"(--stdin-filename)", file=sys.stderr)
        paths = [STDIN]
    if STDIN in paths:
        if not stdin_filename:
            raise UsageError("reading from standard input (-) needs --stdin-filename PATH")
        stdin_bytes = sys.stdin.buffer.read()
    config_file, _ = _config_arguments(args)
    isolated = getattr(args, "isolated", False)
    if isolated and config_file is not None:
        raise UsageError(f"--isolated reads no configuration file: drop --config {config_file} "
                         f"(a --config KEY = VALUE setting is still applied)")
    try:
        projects = group_paths(paths, config=config_file, isolated=isolated,
                               locations={STDIN: stdin_filename or "."})
    except ConfigError as exc:  # an unreadable pyproject.toml on the way up
        raise UsageError(str(exc)) from exc
    return [(project, _plan(args, project, stdin_bytes if STDIN in project.paths else None))
            for project in projects]


def _config_arguments(args: argparse.Namespace) -> tuple[str | None, list[str]]:
    """``--config``'s file (at most one) and its ``KEY = VALUE`` settings, as ruff reads
    them: an existing file is the file, anything else with a ``=`` a setting."""
    given = args.config
    if given is None:
        return None, []
    values = [given] if isinstance(given, str) else list(given)  # the server sets one string
    files = [v for v in values if os.path.isfile(v)]
    overrides = [v for v in values if not os.path.isfile(v)]
    for value in overrides:
        if "=" not in value:
            raise UsageError(f"{value}: no such configuration file")
    if len(files) > 1:
        raise UsageError(f"--config names one configuration file, got {', '.join(files)}")
    return (files[0] if files else None), overrides


def _command_line_settings(config: Config, args: argparse.Namespace) -> Config:
    """``config`` with what the command line sets of it: ``--config KEY = VALUE``, then
    ``--exclude``, ``--extend-exclude``, ``--per-file-ignores``,
    ``--extend-per-file-ignores``, ``--ignore-noqa``, ``--fixable``, ``--unfixable``,
    ``--extend-fixable`` and ``--line-length``, as ruff's flags of those names."""
    import dataclasses

    from analyzer.frontend import override_config

    _, overrides = _config_arguments(args)
    if overrides:
        config = override_config(config, overrides, os.getcwd())
    changes: dict[str, Any] = {}
    exclude = codes_of(getattr(args, "exclude", None))
    if exclude is not None:
        changes["exclude"] = tuple(exclude)
    extend = codes_of(getattr(args, "extend_exclude", None))
    if extend:
        changes["extend_exclude"] = config.extend_exclude + tuple(extend)
    replaced = getattr(args, "per_file_ignores", None)
    added = getattr(args, "extend_per_file_ignores", None)
    if replaced is not None or added:
        pairs = config.per_file_ignores if replaced is None else ()
        for flag, values in (("--per-file-ignores", replaced),
                             ("--extend-per-file-ignores", added)):
            pairs += _per_file_pairs(flag, values or [])
        changes["per_file_ignores"] = pairs
    if getattr(args, "ignore_noqa", False):
        changes["ignore_noqa"] = True
    if getattr(args, "line_length", None) is not None:
        changes["line_length"] = args.line_length
    for flag, replaces in (("fixable", True), ("unfixable", True), ("extend_fixable", False)):
        given = codes_of(getattr(args, flag, None))
        if given is not None:
            changes[flag] = tuple(given) if replaces else getattr(config, flag) + tuple(given)
    return dataclasses.replace(config, **changes) if changes else config


def _force_exclude(args: argparse.Namespace, config: Config) -> bool:
    """``--force-exclude``/``--no-force-exclude`` when given, else the configuration's."""
    given = getattr(args, "force_exclude", None)
    return config.force_exclude if given is None else bool(given)


def _per_file_pairs(flag: str, values: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``PATTERN:CODE`` entries (comma-separated, the flag repeatable) as per-file-ignores
    pairs, one per pattern in the order first given."""
    table: dict[str, list[str]] = {}
    for value in values:
        for entry in value.split(","):
            pattern, _, code = entry.strip().rpartition(":")
            if not pattern or not code.strip():
                raise UsageError(f"{flag}: expected PATTERN:CODE, got {entry.strip()!r}")
            table.setdefault(pattern.strip(), []).append(code.strip())
    return tuple((pattern, tuple(codes)) for pattern, codes in table.items())


def _target_version(config: Config, command_line: str | None) -> Config:
    """The configuration with ``--target-version`` or the inferred target version applied."""
    from analyzer.frontend import resolve_target_version

    try:
        return resolve_target_version(config, command_line)
    except ValueError as exc:
        raise UsageError(f"--target-version: {exc}") from None


def _plan(args: argparse.Namespace, project: Project, stdin_bytes: bytes | None) -> CheckPlan:
    import dataclasses
    import functools
    from pathlib import Path

    from analyzer.engine import CheckPlan, default_workers
    from analyzer.frontend import (
        ConfigError,
        DiscoveryError,
        check_selectors,
        discover,
        lent_config,
        load_config,
        parse_size,
        project_entry_points,
        resolve_selection,
    )
    from analyzer.loading import PluginLoadError, Registry

    isolated = getattr(args, "isolated", False)
    try:
        if project.borrowed and project.config_path is not None and project.root is not None:
            config = dataclasses.replace(lent_config(project.config_path),
                                         entry_points=project_entry_points(project.root))
        else:
            config = load_config(project.config_path)
        if config.path is None and project.root is not None:
            # --isolated reads no file of the project's: not its entry points either.
            config = dataclasses.replace(
                config, found_root=project.root,
                entry_points=() if isolated else project_entry_points(project.root))
        if isolated:
            config = dataclasses.replace(config, isolated=True)
        config = _command_line_settings(config, args)
        config = _target_version(config, getattr(args, "target_version", None))
        registry = Registry.for_command(config, args)
        for flag in ("fixable", "extend_fixable", "unfixable"):
            check_selectors(codes_of(getattr(args, flag, None)) or (), registry.known_codes(),
                            "--" + flag.replace("_", "-"))
        # The command line's selection, over the project's and over each nested ruff file's.
        resolve = functools.partial(
            resolve_selection, select=codes_of(args.select),
            extend_select=codes_of(args.extend_select) or (), ignore=codes_of(args.ignore) or (),
            extend_ignore=codes_of(args.extend_ignore) or (), known_codes=registry.known_codes())
        selected = resolve(config)
        if args.heap_size:
            config = dataclasses.replace(config, heap_size=parse_size(args.heap_size))
        file_timeout = getattr(args, "file_timeout", None)
        if file_timeout is not None:
            if not file_timeout > 0:
                raise ValueError(f"--file-timeout must be a positive number of seconds, "
                                 f"got {file_timeout:g}")
            config = dataclasses.replace(config, file_timeout=file_timeout)
    except (ConfigError, PluginLoadError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    if config.heap_size:
        where = (f"--heap-size {args.heap_size}" if args.heap_size
                 else f"heap-size in {config.path or 'the configuration'}")
        check_heap_size(config.heap_size, where)
    try:
        discovery = discover(project.paths, config,
                             force_exclude=_force_exclude(args, config),
                             stdin_filename=getattr(args, "stdin_filename", None))
    except DiscoveryError as exc:
        raise UsageError(str(exc)) from exc
    if discovery.nested:
        try:
            config = dataclasses.replace(config, nested=tuple(
                dataclasses.replace(n, selected=resolve(n.config))
                for n in discovery.nested))
        except ConfigError as exc:
            raise UsageError(str(exc)) from exc
        # As in ruff, a nested file may turn on rules the project's selection leaves off:
        # the run checks them all, and the root's files keep to the root's own.
        more = frozenset().union(*(n.selected or () for n in config.nested)) - selected
        if more:
            config = dataclasses.replace(config, root_selected=selected)
            selected = selected | more
    workers = args.workers if args.workers is not None else config.workers
    if workers is None:
        workers = default_workers()
    if workers < 0:
        raise UsageError(f"--workers must be 0 or more, got {workers}")
    scheduler = getattr(args, "scheduler", None)
    if scheduler is not None and scheduler != "local" and "://" not in scheduler:
        raise UsageError(f"--scheduler expects 'local' or an address like tcp://HOST:8786, "
                         f"got {scheduler!r}")
    cache_dir = None
    if not getattr(args, "no_cache", False) and stdin_bytes is None and scheduler is None:
        cache_dir = Path(args.cache_dir or os.environ.get("SHOAL_CACHE_DIR")
                         or discovery.project_root / ".shoal_cache")
    return CheckPlan(config, discovery, registry, selected, workers, stdin_bytes,
                     cache_dir=cache_dir, scheduler=scheduler)
