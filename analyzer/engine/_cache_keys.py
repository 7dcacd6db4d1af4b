"""The warm cache's keys: which build wrote it (:func:`build_digest`) and which
configuration it belongs to (:func:`cache_key`, one directory each)."""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from analyzer.core import blake2b

if TYPE_CHECKING:
    from analyzer.engine._plan import CheckPlan
    from analyzer.loading import Registry

__all__ = ["CACHE_FORMAT", "build_digest", "build_files", "cache_key", "rule_sources"]

#: Bumped on any change of what the cache files hold.
CACHE_FORMAT = 6

_PACKAGES = ("analyzer", "parallel", "heap_native", "plugins")


def build_digest(registry: Registry) -> str:
    """A digest of this shoal build's content: its version, its own files (source and native
    module, by path inside the install and bytes) and the source of every rule class (plugins
    included, by module name). Never the install path: two installs of the same build (a dev
    venv and pre-commit's) share one cache."""
    from analyzer import __version__

    h = blake2b(digest_size=16)
    h.update(f"{__version__}\0{CACHE_FORMAT}\0".encode())
    root, own, _ = build_files()
    for path in own:
        _stamp(h, os.path.relpath(path, root), path)
    for info in registry:
        h.update(f"{info.code}\0{info.origin}\0".encode())
    for name, source in sorted(rule_sources(registry).items()):
        _stamp(h, name, source)
    return h.hexdigest()


def build_files() -> tuple[str, list[str], list[str]]:
    """(the directory holding shoal's packages, their files the build digest covers, the
    directories holding them), in a stable order."""
    # analyzer/engine/_cache_keys.py -> the directory holding the packages.
    root = str(Path(__file__).resolve().parents[2])
    files: list[str] = []
    dirs: list[str] = []
    for package in _PACKAGES:
        base = os.path.join(root, package)
        if not os.path.isdir(base):
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            dirs.append(dirpath)
            files.extend(os.path.join(dirpath, name) for name in sorted(filenames)
                         if name.endswith((".py", ".c", ".h", ".so")))
    return root, files, dirs


def rule_sources(registry: Registry) -> dict[str, str]:
    """Module name -> source file of every module defining a registered rule class."""
    files: dict[str, str] = {}
    for info in registry:
        cls = getattr(info, "cls", None)
        module = sys.modules.get(cls.__module__) if cls is not None else None
        source = getattr(module, "__file__", None)
        if module is not None and source:
            files[module.__name__] = os.path.abspath(source)
    return files


#: (path, size, mtime, ctime, inode) -> content digest: a watch or repeated check hashes
#: each file once (the stat key of ``_changes``, so a ``cp -p`` over one is seen).
_CONTENT: dict[tuple[str, int, int, int, int], bytes] = {}


def _stamp(h: blake2b, label: str, path: str) -> None:
    try:
        st = os.stat(path)
        key = (path, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        digest = _CONTENT.get(key)
        if digest is None:
            with open(path, "rb") as handle:
                digest = blake2b(handle.read(), digest_size=16).digest()
            _CONTENT[key] = digest
    except OSError:
        return
    h.update(label.encode("utf-8", "surrogateescape") + b"\0" + digest)


def cache_key(plan: CheckPlan) -> str:
    """The directory of one configuration: settings, selection, Python, working directory."""
    from analyzer.model import FACTS_VERSION

    settings = plan.config.settings_dict()
    settings.pop("workers", None)  # none of them changes the output
    settings.pop("heap-size", None)
    settings.pop("file-timeout", None)  # a file that timed out is read again anyway
    config_bytes = b""
    if plan.config.path is not None:
        try:
            config_bytes = Path(plan.config.path).read_bytes()
        except OSError:
            pass
    blob = json.dumps({
        "settings": settings,
        "config": blake2b(config_bytes, digest_size=16).hexdigest(),
        "selected": sorted(plan.selected),
        "python": sys.version,
        "facts": FACTS_VERSION,
        # A value made by another version of a plugin's extractor is not reused.
        "extractors": [(e.NAME, e.VERSION) for e in plan.registry.extractors_for(plan.selected)],
        "cwd": os.getcwd(),
        "format": CACHE_FORMAT,
        # What may be build outputs (phase 2 reads it, no module's key does): another set
        # of them is another configuration.
        "outputs": _outputs_key(plan.discovery.outputs),
    }, sort_keys=True, default=str)
    return blake2b(blob.encode(), digest_size=10).hexdigest()


def _outputs_key(outputs: Mapping[str, tuple[tuple[str, bool, bool], ...]]) -> str:
    """A digest of ``Discovery.outputs``. Each distinct set of rules is written once: the
    packages of a git tree mostly share one (discovery hands them one object), and a
    monorepo's 2,000 packages with GitHub's Python .gitignore would make 1.4 MB of JSON."""
    unique: dict[int, int] = {}
    sets: list[tuple[tuple[str, bool, bool], ...]] = []
    rows = []
    for package, rules in sorted(outputs.items()):
        index = unique.get(id(rules))
        if index is None:
            index = unique[id(rules)] = len(sets)
            sets.append(rules)
        rows.append((package, index))
    return blake2b(repr((sets, rows)).encode(), digest_size=16).hexdigest()
