"""Writing front records (``_front``): after a command answered the long way, what its answer
was made from, so that the next identical invocation can print it at once."""
from __future__ import annotations

import argparse
import marshal
import os
import sys
import zlib
from typing import TYPE_CHECKING, Any, TextIO

from analyzer.interfaces._front import (
    ENV_NAMES,
    FRONT_DIR,
    FRONT_FORMAT,
    MAGIC,
    _blake2b,
    front_candidates,
    invocation_key,
    tasks_digest,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from analyzer.engine import CheckPlan, Insight

__all__ = ["MAX_RECORDS", "QUERY_OPTIONS", "VIEW_PREFIX", "StderrWatch", "remember_answer",
           "remember_view", "view_key", "write_record"]

#: The options that make one query of a command rather than another: not in the view's name.
QUERY_OPTIONS = {
    "deps": frozenset({"target", "direction", "transitive", "format"}),
    "graph": frozenset({"filters", "format", "package_level", "output_file"}),
}
#: Attributes the long way adds to the parsed options (``_cli.main``).
_ADDED = frozenset({"argv", "started_ns", "stderr_watch"})
VIEW_PREFIX = "view-"


def view_key(args: argparse.Namespace) -> str | None:
    """The name of the view record for these parsed options; None for another command."""
    query = QUERY_OPTIONS.get(getattr(args, "action", ""))
    if query is None:
        return None
    options = sorted((k, repr(v)) for k, v in vars(args).items()
                     if k not in query and k not in _ADDED)
    env = sorted((k, v) for k, v in os.environ.items()
                 if k.startswith("SHOAL_") or k in ENV_NAMES)
    parts = [str(FRONT_FORMAT), "view", sys.version, sys.executable, os.getcwd(),
             repr(options), repr(env)]
    return _blake2b("\0".join(parts).encode("utf-8", "surrogateescape")).hex()


#: Records kept per cache directory (one per distinct invocation); the oldest go first.
MAX_RECORDS = 32
#: Existence decides a project (markers); content decides its configuration and ignores.
_EXISTS = ("setup.cfg", "setup.py", ".git")
_CONTENT = ("pyproject.toml", ".gitignore")


class StderrWatch:
    """sys.stderr, noting whether anything was written: an answer that came with a warning
    is not kept, since the front door prints the answer alone."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.written = False

    def write(self, text: str) -> int:
        """Write through, and remember that something was."""
        if text:
            self.written = True
        return self.stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def remember_answer(args: argparse.Namespace, plan: CheckPlan,
                    read: tuple[dict[str, Any], int] | None, text: str, code: int) -> None:
    """Keep ``text`` and ``code``, printed on stdout from the files the cache index ``read``
    (its file map and check time) describes, as this invocation's front record; silently
    nothing when it cannot be vouched for."""
    if not getattr(args, "output_file", None):
        _remember(args, plan, read, invocation_key, "", code, text)


def _remember(args: argparse.Namespace, plan: CheckPlan,
              read: tuple[dict[str, Any], int] | None, key_of: Callable[[list[str]], str | None],
              prefix: str, code: int, text: str, kept: Callable[[], tuple[Any, ...]] = tuple,
              query_witnessed: bool = True) -> None:
    """Write the record ``prefix`` + ``key_of(argv)`` for what the long way printed from
    ``read``: ``kept()`` beside its answer; the query's arguments among its witnesses
    unless ``query_witnessed`` is false. Silently nothing when it cannot be vouched for."""
    argv = getattr(args, "argv", None)
    started = getattr(args, "started_ns", None)
    watch = getattr(args, "stderr_watch", None)
    if (argv is None or started is None or read is None or plan.cache_dir is None
            or watch is None or watch.written):
        return
    key = key_of(argv)
    cache_dir = os.path.abspath(plan.cache_dir)
    if key is None or cache_dir not in front_candidates(argv):
        return  # the front door would not look there
    try:
        witnesses = _witnesses(argv if query_witnessed else argv[:1], plan, read, started)
        if witnesses is not None:
            write_record(os.path.join(cache_dir, FRONT_DIR), prefix + key,
                         (FRONT_FORMAT, key, code, witnesses, kept()), text)
    except OSError:
        pass  # the next run answers the long way again, nothing worse


def _witnesses(argv: list[str], plan: CheckPlan, read: tuple[dict[str, Any], int],
               started: int) -> tuple[Any, ...] | None:
    from analyzer.engine import RACY_WINDOW_NS, build_files, rule_sources, witness_files

    files = witness_files(*read)
    discovery = plan.discovery
    stamps = discovery.dir_stamps
    # No directory listed is complete only when none was to be: files named without a
    # configuration, whose index is those files (``frontend._discovery._index_roots``).
    if files is None or not discovery.started_ns or (not stamps and discovery.index_roots):
        return None
    if any(mtime >= discovery.started_ns - RACY_WINDOW_NS for mtime, _ in stamps.values()):
        return None  # a directory changed too close to its listing to vouch for it
    dirs = [(path, tuple(stamp)) for path, stamp in stamps.items()]
    # Stats taken now stand for what the run read at its start only when nothing moved
    # since well before it started.
    limit = started - RACY_WINDOW_NS
    _, own, own_dirs = build_files()
    extra_files = own + sorted(set(rule_sources(plan.registry).values()))
    extra_files += [str(p) for c in (plan.config, *(n.config for n in plan.config.nested))
                    for p in (c.path, *c.extends) if p is not None]
    for path in extra_files:
        st = os.stat(path)
        if max(st.st_mtime_ns, st.st_ctime_ns) >= limit:
            return None
        files.append((path, (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)))
    for path in own_dirs + [p or os.getcwd() for p in sys.path if os.path.isdir(p or ".")]:
        st = os.stat(path)
        if st.st_mtime_ns >= limit:
            return None
        dirs.append((path, (st.st_mtime_ns, st.st_ino)))
    probes = _probes(argv, plan, limit)
    if probes is None:
        return None
    return tuple(files), tuple(dirs), tuple(probes)


def _probes(argv: list[str], plan: CheckPlan, limit: int) -> list[tuple[str, Any]] | None:
    """What decided the project and its ignores: the markers and configuration files in
    every ancestor of the working directory, the named paths and the project's roots (each
    present or absent), the ``.gitignore`` of every directory walked, the ``meson.build``
    files read, and the named paths' existence."""
    cwd = os.getcwd()
    discovery = plan.discovery
    starts = [cwd, str(discovery.project_root), *map(str, discovery.index_roots)]
    starts += [os.path.join(cwd, a) for a in argv[1:] if not a.startswith("-")]
    ancestors: set[str] = set()
    for start in starts:
        directory = os.path.abspath(start)
        while directory not in ancestors:
            ancestors.add(directory)
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
    probes: list[tuple[str, Any]] = []
    for directory in sorted(ancestors):
        probes.extend((os.path.join(directory, name), _exists(os.path.join(directory, name)))
                      for name in _EXISTS)
        git = os.path.join(directory, ".git", "info", "exclude")
        for path in [*(os.path.join(directory, name) for name in _CONTENT), git]:
            probes.append((path, _content(path)))
    probes.extend((os.path.join(d, ".gitignore"), _content(os.path.join(d, ".gitignore")))
                  for d in discovery.dir_stamps)
    # What they name may be build outputs (``Discovery.outputs``).
    probes.extend((path, _content(path)) for path in discovery.meson_files)
    # An argument that names no path today may name one tomorrow (deps and graph then read
    # it as a path, not a module).
    probes.extend((os.path.abspath(a), _exists(os.path.abspath(a)))
                  for a in argv[1:] if not a.startswith("-"))
    if any(isinstance(k, tuple) and max(k[1], k[2]) >= limit for _, k in probes):
        return None
    return probes


def _exists(path: str) -> bool | None:
    return True if os.path.lexists(path) else None


def _content(path: str) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def write_record(directory: str, key: str, record: tuple[Any, ...], text: str) -> None:
    """Write ``record`` and the answer's ``text`` as ``directory/key`` (private, by a
    rename), keeping the newest :data:`MAX_RECORDS` records of the directory."""
    from pathlib import Path

    from analyzer.engine import atomic_write

    packed = marshal.dumps(record)
    body = len(packed).to_bytes(8, "little") + packed + text.encode("utf-8", "surrogatepass")
    os.makedirs(directory, mode=0o700, exist_ok=True)
    atomic_write(Path(directory, key), MAGIC + zlib.crc32(body).to_bytes(4, "little") + body)
    _prune(directory)


def _prune(directory: str) -> None:
    entries = []
    for entry in os.scandir(directory):
        try:
            entries.append((entry.stat(follow_symlinks=False).st_mtime_ns, entry.path))
        except OSError:
            continue
    for _, path in sorted(entries)[:-MAX_RECORDS]:
        try:
            os.unlink(path)
        except OSError:
            pass


def remember_view(args: argparse.Namespace, plan: CheckPlan, insight: Insight,
                  project_rules: list[str]) -> None:
    """Write the view record of this command's options, after a query answered from
    ``insight``; silently nothing when it cannot be vouched for."""
    from analyzer.engine import insight_sidecar

    def kept() -> tuple[Any, ...]:
        return (*insight_sidecar(plan, insight.generation), tuple(project_rules),
                str(plan.discovery.project_root), tasks_digest(insight.files))

    read = ((insight.files, insight.checked_at_ns)
            if insight.generation and insight.files else None)
    # The query's own arguments are no witnesses: each query looks its target up anew.
    _remember(args, plan, read, lambda argv: view_key(args), VIEW_PREFIX, 0, "", kept,
              query_witnessed=False)
