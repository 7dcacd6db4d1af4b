"""F401's fix is unsafe when another project module imports the removed name from this one.

``from mod import name`` (or ``from mod import *`` for a public name) elsewhere in the project
keeps ``name`` alive: the workers cannot know that, so the master decides it after the merge
from the import facts it already holds (no file is parsed for it).
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from analyzer.core import Diagnostic
from analyzer.frontend import SourceFile
from analyzer.model import Import, ModuleFacts, absolute_module

__all__ = ["ReexportIndex"]


class ReexportIndex:
    """Which names other project modules import from each module (``from M import name``).

    Built by the master from the facts it holds after the merge (no file is parsed for it);
    :meth:`mark` then makes an F401 fix unsafe when the name it removes is imported elsewhere.
    """

    def __init__(self, files: Iterable[SourceFile], imported: dict[str, dict[str, str]]) -> None:
        self._files = {f.display: f for f in files if f.module and f.indexed}
        self._imported = imported

    @classmethod
    def from_facts(cls, files: Iterable[SourceFile], facts: Mapping[str, ModuleFacts],
                   display_of: Callable[[str], str]) -> ReexportIndex:
        """The index of every project module's ``from M import name`` statements.

        :param files: the project's files (display path -> module for the findings).
        :param facts: module -> its facts (imports as written).
        :param display_of: a facts ``path`` -> the importer's display path.
        """
        imported: dict[str, dict[str, str]] = {}
        for module, f in facts.items():
            for imp in f.imports:
                if imp.name is None:
                    continue  # `import m`: an attribute access, not a name taken from m
                target = (absolute_module(module, f.is_package, imp.level, imp.module)
                          if imp.level else imp.module)
                if target is None or target == module:
                    continue
                imported.setdefault(target, {}).setdefault(imp.name, display_of(f.path))
        return cls(files, imported)

    def imported(self) -> dict[str, dict[str, str]]:
        """module -> {name (``*`` for a star import): display path of one importer}."""
        return self._imported

    def mark(
        self, diagnostics: list[Diagnostic],
        imports_of: Callable[[SourceFile], Sequence[Import]],
    ) -> list[Diagnostic]:
        """``diagnostics`` with each safe F401 fix made unsafe when a name it removes is
        imported from its module by another project module.

        :param imports_of: the imports (facts) of a file's module, to know which names the
            statement of each finding binds -- no file is parsed for it.
        """
        groups: dict[tuple[object, ...], list[Diagnostic]] = {}
        for d in diagnostics:
            if d.code == "F401":
                # One statement's findings share its fix (which removes all of its unused
                # names): when any of them is imported elsewhere, the fix is unsafe for all.
                key = ((d.path, d.fix) if d.fix is not None
                       else (d.path, d.line, d.column, d.end_line, d.end_column))
                groups.setdefault(key, []).append(d)
        targets = [g for g in groups.values()
                   if any(d.fix is not None and d.fix.applicability == "safe" for d in g)]
        if not targets:
            return diagnostics
        files = self._files
        imported = self.imported()
        replaced: dict[int, Diagnostic] = {}
        for group in targets:
            f = files.get(group[0].path)
            if f is None:
                continue
            names = imported.get(f.module)
            if not names:
                continue
            culprit = self._culprit(group, names, imports_of(f))
            if culprit is None:
                continue
            name, importer = culprit
            for d in group:
                if d.fix is not None and d.fix.applicability == "safe":
                    fix = dataclasses.replace(
                        d.fix, applicability="unsafe",
                        message=f"{d.fix.message} (unsafe: {importer} imports `{name}` from "
                                f"this module)")
                    replaced[id(d)] = dataclasses.replace(d, fix=fix)
        return [replaced.get(id(d), d) for d in diagnostics]

    @staticmethod
    def _culprit(
        group: list[Diagnostic], names: dict[str, str], imports: Sequence[Import]
    ) -> tuple[str, str] | None:
        """(name, importer) for the first removed name imported elsewhere, else ``None``."""
        star = names.get("*")
        quoted = {m.group(1) for d in group if (m := re.match(r"'(.*)' imported", d.message))}
        # The statement's names that are module attributes (executed at import time, at
        # module level): an import inside a function binds nothing anyone can import.
        statement = [i for i in imports if i.stmt_line == group[0].line and i.import_time]
        if not statement:
            return None
        removed = [_bound(i) for i in statement if _import_text(i) in quoted] or [
            _bound(i) for i in statement]
        for name in removed:
            if name in names:
                return name, names[name]
            if star is not None and not name.startswith("_"):
                return name, star
        return None


def _import_text(imp: Import) -> str:
    """How pyflakes quotes an import in its F401 message (``'a.b'``, ``'.m.x as y'``)."""
    if imp.name is None:
        text = imp.module
    else:
        prefix = "." * imp.level + (imp.module or "")
        text = f"{prefix}.{imp.name}" if imp.module else f"{prefix}{imp.name}"
    return f"{text} as {imp.alias}" if imp.alias else text


def _bound(imp: Import) -> str:
    """The name an import binds in its module."""
    if imp.alias:
        return imp.alias
    return imp.module.split(".")[0] if imp.name is None else imp.name
