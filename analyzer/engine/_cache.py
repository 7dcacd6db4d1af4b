"""The warm cache (``.shoal_cache/``): a heap snapshot, the session state, a compact index.

Layout::

    .shoal_cache/
        CACHEDIR.TAG  .gitignore          (``*``: the cache never shows in git)
        <key>/                            one per configuration (a digest of the settings,
            index.pickle                  the selection, the Python version and the working
            state-<generation>.pickle     directory: switching between two configurations
            heap-<generation>.snap        keeps both warm)
            findings-<generation>.pickle
            output-<generation>-<key>.pickle   kept outputs (``_cache_output``)

``index.pickle`` is what a run with nothing changed reads first: every file's (display,
module, stat key, digest). Such a run then prints the output kept for its options, or reads
the findings and renders them, without importing libcst, forking workers or loading the
heap. It also names the shoal build (a digest of
the content of shoal's own sources and native module and of every rule's source file, never
of where they are installed): a cache from another build is ignored, one from another
install of the same build is used. Every file is sealed with a checksum of its content
keyed by the build and the configuration (``_cache_files``): an edited byte is found. A cache
that cannot be trusted — truncated, corrupt, of another build or format, not owned by the
current user or writable by others — is ignored with one line on stderr and rebuilt; it is
never a crash. A symbolic link as the cache directory is followed when it leads to a
directory of the user's that nobody else may write.
"""
from __future__ import annotations

import os
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.engine._cache_files import (
    CacheRejected,
    atomic_write,
    check_owner,
    file_digest,
    read_trusted,
    unseal,
    write_sealed_file,
)
from analyzer.engine._cache_keys import CACHE_FORMAT, build_digest, cache_key

if TYPE_CHECKING:
    from analyzer.engine._plan import CheckPlan, CheckResult
    from analyzer.engine._session import Session
    from analyzer.engine._state import SessionState

#: ``progress(phase, done, total)``, as the session takes it.
Progress = Callable[[str, int, int], None]

__all__ = [
    "CACHE_FORMAT", "CacheRejected", "build_digest", "cache_key", "cached_check", "open_session",
]

MAGIC = b"shoal-cache-index\n"
STATE_MAGIC = b"shoal-cache-state\n"
FINDINGS_MAGIC = b"shoal-cache-findings\n"
INDEX = "index.pickle"
#: Configurations kept side by side; the least recently written beyond this are removed.
KEEP_KEYS = 4

_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by shoal.\n"
        "# For information about cache directory tags see https://bford.info/cachedir/\n")

def _note(message: str) -> None:
    print(f"shoal: {message}", file=sys.stderr)


# ---------------------------------------------------------------------------------------
# Trust


class _Cache:
    """One configuration's directory in the cache."""

    def __init__(self, root: Path, key: str, build: str) -> None:
        self.root = root
        self.dir = root / key
        self.key = key
        self.build = build
        #: whether the directory may be written (False when it belongs to someone else)
        self.writable = True
        #: the generation the last :meth:`write` committed (None: none did)
        self.written: str | None = None

    def trust_root(self) -> None:
        """Refuse a cache directory (or key directory) another user owns or can write; a
        symbolic link as the cache directory is followed to a directory that passes."""
        for directory in (self.root, self.dir):
            try:
                st = os.lstat(directory)
            except FileNotFoundError:
                return
            if directory is self.root and stat.S_ISLNK(st.st_mode):
                self._trust_link()
                continue
            if not stat.S_ISDIR(st.st_mode):
                self.writable = False
                raise CacheRejected(f"{directory} is not a directory")
            try:
                check_owner(st, f"cache directory {directory}")
            except CacheRejected:
                self.writable = st.st_uid == os.getuid()
                if self.writable:
                    os.chmod(directory, 0o700)  # ours: make it private again, then rebuild
                raise

    def _trust_link(self) -> None:
        # A link's target is never changed (no chmod, no rebuild through it): a target that
        # fails is refused until the user mends it.
        target = os.path.realpath(self.root)
        what = f"cache directory {self.root} (a symbolic link to {target})"
        try:
            st = os.stat(self.root)
        except OSError as exc:
            self.writable = False
            raise CacheRejected(f"{what} cannot be reached ({exc.strerror})") from None
        if not stat.S_ISDIR(st.st_mode):
            self.writable = False
            raise CacheRejected(f"{what} is not a directory")
        try:
            check_owner(st, what)
        except CacheRejected:
            self.writable = False
            raise

    def read_index(self) -> dict[str, Any] | None:
        """The index, or None when there is none; CacheRejected when it cannot be trusted."""
        self.trust_root()
        try:
            data = read_trusted(self.dir / INDEX)
        except FileNotFoundError:
            return None
        index = unseal(data, MAGIC, CACHE_FORMAT, self.build, self.key, INDEX)
        if not isinstance(index, dict) or index.get("format") != CACHE_FORMAT:
            raise CacheRejected("the cache was written in another format")
        if index.get("key") != self.key:
            raise CacheRejected("the cache index belongs to another configuration")
        if index.get("build") != self.build:
            raise CacheRejected("the cache was written by another shoal build")
        return index

    def read_state(self, index: dict[str, Any], *, light: bool = False) -> SessionState:
        """The session state the index names (``light``: without its heavy fields, which
        stay empty, ``_state.HEAVY_FIELDS``)."""
        from analyzer.engine._state import HEAVY_GROUPS, state_from_parts

        generation = index["generation"]
        try:
            data = read_trusted(self.dir / f"state-{generation}.pickle")
        except FileNotFoundError:
            raise CacheRejected("the cache is incomplete (its state file is missing)") from None
        parts = unseal(data, STATE_MAGIC, CACHE_FORMAT, self.build, self.key, "the cache state",
                       parts=1 if light else 1 + len(HEAVY_GROUPS))
        state = state_from_parts(*parts)
        if getattr(state, "_generation", None) != generation:
            raise CacheRejected("the cache state does not match its index")
        return state

    def read_findings(self, index: dict[str, Any]) -> list[Any]:
        """The findings of the index's generation."""
        try:
            found = self.read_sealed(f"findings-{index['generation']}.pickle", FINDINGS_MAGIC)
        except FileNotFoundError:
            raise CacheRejected("the cache is incomplete (its findings are missing)") from None
        if not isinstance(found, list):
            raise CacheRejected("the cache's findings are corrupt")
        return found

    def heap_path(self, index: dict[str, Any]) -> Path:
        """Where the heap snapshot of the index's generation is (checked for trust)."""
        path = self.dir / f"heap-{index['generation']}.snap"
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            raise CacheRejected("the cache is incomplete (its heap snapshot is missing)") from None
        if not stat.S_ISREG(st.st_mode):
            raise CacheRejected("the heap snapshot is not a regular file")
        check_owner(st, "the heap snapshot")
        if file_digest(path) != index.get("heap"):
            raise CacheRejected("the heap snapshot is corrupt: its checksum does not match")
        return path

    def discard(self) -> None:
        """Remove this configuration's files (an untrusted cache is rebuilt, not patched)."""
        if not self.writable:
            return
        try:
            names = os.listdir(self.dir)
        except OSError:
            return
        for name in names:
            try:
                os.unlink(self.dir / name)
            except OSError:
                pass

    def write(self, session: Session) -> None:
        """Save the session: heap snapshot, state, then the index (the commit point)."""
        from analyzer.engine._state import MEMO_FREE_PARTS, state_parts

        if not self.writable:
            return
        heap = session.heap
        if heap is None:
            raise ValueError("a closed session cannot be saved to the cache")
        if heap.stats().phase_open:
            # A Ctrl-C that lands as a parallel phase closes (a watch stopped mid-recheck)
            # leaves it open, and the session half updated: nothing consistent to save, and
            # the heap refuses a snapshot then. The cache keeps its last good state.
            return
        old = umask = None
        try:
            umask = os.umask(0o077)
            self._prepare_root()
            # secrets.token_hex's bytes, without its import of hmac (and OpenSSL)
            generation = os.urandom(8).hex()
            snapshot = self.dir / f"heap-{generation}.snap"
            heap.save(snapshot)
            state = session.state
            # The cache's own mark on the state, checked by read_state.
            state._generation = generation  # type: ignore[attr-defined]  # set on the instance only
            write_sealed_file(self.dir / f"state-{generation}.pickle", STATE_MAGIC,
                              CACHE_FORMAT, self.build, self.key, *state_parts(state),
                              memo_free=MEMO_FREE_PARTS)
            index = {
                "format": CACHE_FORMAT, "key": self.key, "build": self.build,
                "generation": generation, "checked_at_ns": state.checked_at_ns,
                "heap": file_digest(snapshot),
                "files": {path: (fs.task.display, fs.task.module, fs.task.is_package,
                                 fs.task.report, tuple(fs.stat), fs.digest)
                          for path, fs in state.files.items()},
                "files_checked": state.files_checked,
                # What the snapshot was saved with: a query loads it without the metadata.
                "heap_version": heap.snapshot_version(),
            }
            # The findings apart from the index: a run that prints a kept output
            # (``_cache_output``) never unpickles them.
            self.write_sealed(f"findings-{generation}.pickle", FINDINGS_MAGIC,
                              state.diagnostics)
            self.write_index(index)
            self.written = generation
            for name in os.listdir(self.dir):
                # The insight view stays: the next one is made from it and what changed
                # (``_insight_delta``); a view of a later generation replaces it.
                if name != INDEX and generation not in name and not name.startswith("insight-"):
                    old = self.dir / name
                    os.unlink(old)
            self._prune()
        except OSError:
            pass  # a cache that cannot be written costs the next run its warmth, nothing more
        finally:
            if umask is not None:
                os.umask(umask)

    def write_index(self, index: dict[str, Any]) -> None:
        """Replace the index (the commit point of a write)."""
        self.write_sealed(INDEX, MAGIC, index)

    def write_sealed(self, name: str, magic: bytes, value: Any) -> None:
        """Write ``value`` to the file ``name`` of this configuration, sealed."""
        write_sealed_file(self.dir / name, magic, CACHE_FORMAT, self.build, self.key, value)

    def read_sealed(self, name: str, magic: bytes) -> Any:
        """The value of a file :meth:`write_sealed` wrote; CacheRejected when it cannot be
        trusted, FileNotFoundError when there is none."""
        return unseal(read_trusted(self.dir / name), magic, CACHE_FORMAT, self.build, self.key,
                      name)

    def _prepare_root(self) -> None:
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        tag = self.root / "CACHEDIR.TAG"
        if not tag.exists():
            atomic_write(tag, _TAG.encode())
        ignore = self.root / ".gitignore"
        if not ignore.exists():
            atomic_write(ignore, b"# Created by shoal.\n*\n")

    def _prune(self) -> None:
        entries = []
        for entry in os.scandir(self.root):
            if entry.is_dir(follow_symlinks=False) and entry.name != self.key:
                try:
                    entries.append((os.stat(Path(entry.path) / INDEX).st_mtime_ns, entry.path))
                except OSError:
                    entries.append((0, entry.path))
        entries.sort(reverse=True)
        for _, path in entries[KEEP_KEYS - 1:]:
            for name in os.listdir(path):
                os.unlink(os.path.join(path, name))
            os.rmdir(path)


# ---------------------------------------------------------------------------------------
# The warm check


def _unchanged(plan: CheckPlan, cache: _Cache, index: dict[str, Any]) -> bool:
    """Whether every file is as the index saw it (``_changes.index_unchanged``); when some
    were only touched, the index takes their new stat so that the next run need not read
    them."""
    from analyzer.engine._changes import index_unchanged
    from analyzer.engine._state import file_tasks

    started = time.time_ns()
    same, moved = index_unchanged(file_tasks(plan.discovery, None), index["files"],
                                  index["checked_at_ns"])
    if same and moved and cache.writable:
        files = dict(index["files"])
        for path, key in moved.items():
            files[path] = (*files[path][:4], tuple(key), files[path][5])
        # Every file was stat'ed after ``started``: it may stand for the whole index.
        try:
            cache.write_index({**index, "files": files, "checked_at_ns": started})
        except OSError:
            pass  # the next run reads those files again, nothing worse
    return same


def _open_cache(plan: CheckPlan) -> tuple[_Cache, dict[str, Any] | None]:
    if plan.cache_dir is None:
        raise ValueError("the plan names no cache directory (--no-cache)")
    cache = _Cache(Path(plan.cache_dir), cache_key(plan), build_digest(plan.registry))
    try:
        return cache, cache.read_index()
    except CacheRejected as exc:
        _note(f"cache ignored ({exc}); checking from scratch")
        cache.discard()
        return cache, None


def cached_check(plan: CheckPlan, *, progress: Progress | None = None) -> CheckResult:
    """``run_check`` with the cache: answer from the index when nothing changed, recheck
    from the snapshot when something did, check cold otherwise; then save the cache."""
    from analyzer.engine._plan import CheckResult

    cache, index = _open_cache(plan)
    if index is not None and _unchanged(plan, cache, index):
        try:
            found = cache.read_findings(index)
        except CacheRejected as exc:
            _note(f"cache ignored ({exc}); checking from scratch")
            cache.discard()
            index = None
        else:
            return CheckResult(found, index["files_checked"], plan.registry, plan.selected,
                               {"cache": "hit", "generation": index["generation"]})
    session, how = _session_from(plan, cache, index, None, progress, one_shot=True)
    try:
        cache.write(session)
        result = session.result()
        result.stats["cache"] = how
        if cache.written is not None:  # what a kept output names (``_cache_output``)
            result.stats["generation"] = cache.written
        return result
    finally:
        session.close()


def open_session(
    plan: CheckPlan,
    *,
    replan: Callable[[], CheckPlan] | None = None,
    progress: Progress | None = None,
) -> tuple[Session, Callable[[Session], None]]:
    """An open, checked session for ``plan`` (warm from the cache when there is a valid one)
    and a ``save(session)`` callable writing it back (a no-op without a cache)."""
    if plan.cache_dir is None or plan.stdin is not None:
        return _cold_session(plan, replan, progress), lambda s: None
    cache, index = _open_cache(plan)
    session, _how = _session_from(plan, cache, index, replan, progress)
    return session, cache.write


def warm_session(
    plan: CheckPlan, *, replan: Callable[[], CheckPlan] | None = None,
) -> tuple[Session | None, Callable[[Session], None]]:
    """The session resumed from a valid cache and brought up to date (None when there is
    none: the caller runs the cold check its own way) and ``save(session)``."""
    if plan.cache_dir is None or plan.stdin is not None:
        return None, lambda s: None
    cache, index = _open_cache(plan)
    session = _warm_session(plan, cache, index, replan) if index is not None else None
    return session, cache.write


def _session_from(
    plan: CheckPlan,
    cache: _Cache,
    index: dict[str, Any] | None,
    replan: Callable[[], CheckPlan] | None,
    progress: Progress | None,
    *,
    one_shot: bool = False,
) -> tuple[Session, str]:
    session = _warm_session(plan, cache, index, replan, one_shot=one_shot) \
        if index is not None else None
    if session is not None:
        return session, "warm"
    return _cold_session(plan, replan, progress, one_shot=one_shot), "cold"


def _cold_session(
    plan: CheckPlan, replan: Callable[[], CheckPlan] | None, progress: Progress | None,
    *, one_shot: bool = False,
) -> Session:
    """A new session after a cold check (closed again if the check fails)."""
    from analyzer.engine._session import Session

    session = Session(plan, replan=replan, one_shot=one_shot).open()
    try:
        session.check(progress=progress)
    except BaseException:
        session.close()
        raise
    return session


def _warm_session(
    plan: CheckPlan,
    cache: _Cache,
    index: dict[str, Any],
    replan: Callable[[], CheckPlan] | None = None,
    *,
    one_shot: bool = False,
) -> Session | None:
    """A session resumed from the snapshot and brought up to date, or None (then cold)."""
    from analyzer.engine._plan import dep_slots_for, heap_geometry
    from analyzer.engine._session import Session
    from analyzer.engine._trees import needs_trees
    from heap_native import HeapError, SharedHeap

    try:
        state = cache.read_state(index)
        path = cache.heap_path(index)
        trees = plan.scheduler is None and needs_trees(plan.registry.classes(plan.selected,
                                                                            "project"))
        geometry = heap_geometry(plan.discovery.files, plan.config.heap_size, trees=trees)
        # The edges a module records follow its code, not the number of files: the table
        # holds at least what the last session's did (it may have grown: _heap_moves).
        edges = SharedHeap.snapshot_info(path).n_edges
        heap = SharedHeap.load(path, geometry["heap_size"], geometry["hash_slots"],
                               max(geometry["dep_slots"], dep_slots_for(edges)))
    except CacheRejected as exc:
        _note(f"cache ignored ({exc}); checking from scratch")
        cache.discard()
        return None
    except (HeapError, OSError) as exc:
        _note(f"cache ignored (the heap snapshot cannot be loaded: {exc}); checking from scratch")
        cache.discard()
        return None
    session = Session(plan, heap=heap, state=state, replan=replan, one_shot=one_shot)
    try:
        session.open()
        session.recheck(discovery=plan.discovery)
    except BaseException:
        session.close()
        raise
    return session
