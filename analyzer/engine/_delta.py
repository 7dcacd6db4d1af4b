"""An update that keeps the file set, computed from what moved (issue 16: a recheck's cost
follows what changed, not the project).

A watch's edit changes a few files' content and nothing else: the tasks are the committed
ones, but for the files an editor buffer overlays. Such an update needs no task list: it
looks the changed paths up in the committed state and lays the changed entries over the
state's maps (``_versions.Overlay``: no map is copied; the commit writes them in). The one thing the committed
state cannot answer by path is which files a module name has, and which tasks carry
content: :class:`TaskLayout` keeps that, built with the full task list and valid while the
file set is the one it was built for.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from analyzer.engine._state import FileState
from analyzer.engine._tasks import FileTask
from analyzer.engine._versions import Overlay
from analyzer.model import ModuleFacts

__all__ = ["TaskLayout", "module_owners", "overlay_moves", "task_layout", "writers_after"]


@dataclass(frozen=True)
class TaskLayout:
    """What the committed task list says beyond each path's own task."""

    #: module -> the paths of its tasks, in task order (the last one with content owns it)
    module_paths: dict[str, tuple[str, ...]]
    #: the paths whose task carries content (an editor buffer, standard input)
    content_paths: frozenset[str]

    def last_task(self, module: str, files: Mapping[str, FileState]) -> FileTask:
        """The module's last task in task order (what a map from module to task keeps)."""
        return files[self.module_paths[module][-1]].task

    def after(self, files: Mapping[str, FileState], moved: Iterable[str]) -> TaskLayout:
        """The layout once the ``moved`` paths' tasks (same module, new content) are in."""
        with_content = set(self.content_paths)
        for path in moved:
            if files[path].task.content is None:
                with_content.discard(path)
            else:
                with_content.add(path)
        return TaskLayout(self.module_paths, frozenset(with_content))


def task_layout(tasks: Iterable[FileTask]) -> TaskLayout:
    """The layout of a full task list."""
    paths: dict[str, list[str]] = {}
    content: set[str] = set()
    for t in tasks:
        if t.module:
            paths.setdefault(t.module, []).append(t.path)
        if t.content is not None:
            content.add(t.path)
    return TaskLayout({m: tuple(p) for m, p in paths.items()}, frozenset(content))


def overlay_moves(files: Mapping[str, FileState], overlays: Mapping[str, bytes],
                  content_paths: Iterable[str], stdin: bytes | None) -> dict[str, FileTask]:
    """path -> new task, for each committed task whose content the overlays change (what
    ``with_overlays`` would replace), looking only at overlaid paths and the paths that
    carried content."""
    if stdin is not None:
        return {}  # `--stdin-filename`: standard input is the one content there is
    moved: dict[str, FileTask] = {}
    for path in {*overlays, *content_paths}:
        fs = files.get(path)
        if fs is None:
            continue
        content = overlays.get(path)
        if fs.task.content != content:
            moved[path] = replace(fs.task, content=content)
    return moved


def module_owners(old: Mapping[str, tuple[str, str]], files: Mapping[str, FileState],
                  layout: TaskLayout, touched: Iterable[str]) -> Overlay[str, tuple[str, str]]:
    """``owners`` of the tasks after an update that changed the ``touched`` modules' files
    only: the old map with those modules' entries made again (over it, not in it)."""
    modules = Overlay(old)
    for module in touched:
        entry = None
        for path in layout.module_paths.get(module, ()):
            digest = files[path].digest
            if digest:
                entry = (digest, path)  # the last one wins, as in ``owners``
        if entry is None:
            modules.pop(module, None)
        else:
            modules[module] = entry
    return modules


def writers_after(previous: Mapping[str, tuple[str, ...]] | None,
                  imports: Mapping[str, ModuleFacts],
                  moved: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """module -> the ``sys.modules`` keys it writes, for every writer among ``imports``:
    ``previous`` (the map before the update; None: build it) with the ``moved`` modules'
    entries made again."""
    if previous is None:
        return {m: f.dynamic_modules for m, f in imports.items() if f.dynamic_modules}
    writers = dict(previous)
    for module in moved:
        facts = imports.get(module)
        if facts is not None and facts.dynamic_modules:
            writers[module] = facts.dynamic_modules
        else:
            writers.pop(module, None)
    return writers
