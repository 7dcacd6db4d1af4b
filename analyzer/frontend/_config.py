"""``[tool.shoal]`` configuration: what it holds (:class:`Config`) and finding it.

Each key of a file is parsed and validated by its setter in :mod:`._config_load`
(:func:`~._config_load.load_config`); ``extend`` chains are followed by :mod:`._extend`.

Where the configuration comes from (as ruff does it): ``--config FILE``, else the nearest
``pyproject.toml`` above the first path **that has a ``[tool.shoal]`` table** (a
``pyproject.toml`` without one does not stop the search), else the defaults. Keys are kebab-case;
an unknown key is an error naming the file and the closest known key.

Rule selection (:func:`resolve_selection`) follows ruff's precedence: every selector is a code
prefix (``"F"``, ``"F4"``, ``"F401"``) or ``"ALL"``; for each rule the *most specific* matching
selector decides, and between a select and an ignore of equal specificity the ignore wins. So
``select = ["E"]`` + ``ignore = ["E711"]`` turns E711 off, while ``ignore = ["E"]`` +
``extend-select = ["E711"]`` keeps E711 on.
"""
from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from analyzer.core import builtin_names
from analyzer.frontend._globs import glob_matches, relative_posix, target_for_path
from analyzer.frontend._versions import parse_target_version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]  # only installed below 3.11

__all__ = [
    "CONFIG_FILES",
    "DEFAULT_EXCLUDES",
    "Config",
    "ConfigError",
    "NestedConfig",
    "builtin_names",
    "find_config",
    "parse_target_version",
]

#: Names of the files whose change alters a configuration or the file set: shoal's
#: ``pyproject.toml``, ruff's and flake8's files (lent when there is no ``[tool.shoal]``),
#: ``.gitignore`` and git's ``info/exclude``.
CONFIG_FILES = frozenset({"pyproject.toml", "ruff.toml", ".ruff.toml", "setup.cfg", "tox.ini",
                          ".flake8", ".gitignore", "exclude"})

#: Directory and file names never walked into unless named on the command line (``exclude``
#: replaces this list, ``extend-exclude`` adds to it, as in ruff): ruff's defaults, so that a
#: tree ruff checks cleanly is the same tree here (direnv's ``.direnv`` holds a virtualenv,
#: setuptools' ``.eggs`` the build's dependencies, Sphinx's ``_build`` copies of sources),
#: with ``__pycache__`` and shoal's own cache.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache",
    ".svn", ".tox", ".venv", ".vscode", "__pypackages__", "_build", "buck-out", "build",
    "dist", "node_modules", "site-packages", "venv", "__pycache__", ".shoal_cache",
)


#: ``dummy-variable-rgx``'s default, ruff's: names F841 and F811 leave alone (``_``, ``_x``).
DUMMY_VARIABLE_RGX = "^(_+|(_+[a-zA-Z0-9_]*[a-zA-Z0-9]+?))$"

ALL = "ALL"
#: A code prefix (``F``, ``F4``, ``F401``), ``ALL``, or the name of a rule that has no code
#: (a Fixit rule is selected by its class name, ``NoRedundantFString``).
_SELECTOR = re.compile(r"^(ALL|[A-Z]+[0-9]*|[A-Za-z_][A-Za-z0-9_]*)$")


class ConfigError(Exception):
    """The configuration (file or command line) is invalid; the run stops with exit code 2.

    :param message: the whole message, naming the culprit and where it came from.
    :param path: the configuration file, or ``None`` for command-line options.
    :param key: the offending key or selector, when there is one.
    """

    def __init__(self, message: str, *, path: Path | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.key = key



@dataclass(frozen=True)
class NestedConfig:
    """A ruff configuration in a subdirectory of a project without ``[tool.shoal]``: as in
    ruff, the files under ``directory`` follow it instead of the root's (``_nested_config``)."""

    #: The configuration file's directory, absolute.
    directory: str
    #: What it lends (``Config.borrowed`` is ``"ruff"``).
    config: Config
    #: The codes its selection turns on, resolved against the run's rules (``None`` until
    #: then: every code counts as selected).
    selected: frozenset[str] | None = None

    def excludes(self, path: str) -> bool:
        """Whether its ``exclude``/``extend-exclude`` prune ``path`` (the defaults, which
        the root's walk applies everywhere, aside)."""
        globs = self._own_excludes
        if not globs:
            return False  # most nested files exclude nothing of their own
        relative = os.path.relpath(path, self.directory).replace(os.sep, "/")
        name = os.path.basename(path)
        return any(glob_matches(glob, relative, name) for glob in globs)

    @functools.cached_property
    def _own_excludes(self) -> tuple[str, ...]:
        return tuple(g for g in self.config.excludes if g not in _DEFAULT_SET)

    def is_ignored_for(self, path: str | os.PathLike[str], code: str) -> bool:
        """Whether its selection leaves ``code`` out, or its per-file ignores turn it off."""
        if not self.config.governs(code):
            return False
        return ((self.selected is not None and code not in self.selected)
                or self.config.is_ignored_for(path, code))


_DEFAULT_SET = frozenset(DEFAULT_EXCLUDES)


@dataclass(frozen=True)
class Config:
    """The resolved ``[tool.shoal]`` settings; every field documents its key."""

    #: The configuration file read, or ``None`` when running on defaults.
    path: Path | None = None
    #: ``select``: selectors replacing the default rule set (``None``: every default-on rule).
    select: tuple[str, ...] | None = None
    #: ``extend-select``: selectors added to the selection.
    extend_select: tuple[str, ...] = ()
    #: ``ignore``: selectors removed from the selection.
    ignore: tuple[str, ...] = ()
    #: ``extend-ignore``: more selectors removed (kept apart only for ``--show-settings``).
    extend_ignore: tuple[str, ...] = ()
    #: ``per-file-ignores``: (glob, selectors) pairs; a glob matches the path relative to the
    #: config directory, or, like ruff, the file's basename.
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: ``exclude``: globs never walked into (replaces :data:`DEFAULT_EXCLUDES`).
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    #: ``extend-exclude``: globs added to ``exclude``.
    extend_exclude: tuple[str, ...] = ()
    #: ``include``: globs a walked file must match to be checked (ruff's: ``{a,b}``
    #: alternations too); ``None``: every Python file, stub and notebook. A file left out is
    #: treated as excluded (in a package, still importable); a named file is checked.
    include: tuple[str, ...] | None = None
    #: ``src``: module roots, absolute (written relative to the config directory).
    src: tuple[Path, ...] = ()
    #: ruff's ``src``, lent (its globs expanded, absolute): more roots modules are named
    #: from, beside the implicit ones (the root and its ``src/``), deepest first; a
    #: monorepo's ``libs/*/src`` makes ``libs/core/src/core`` the package ``core``.
    source_roots: tuple[Path, ...] = ()
    #: ``namespace-packages``: directories (and everything below them) named as if they held
    #: an ``__init__.py``, as ruff's setting of that name; absolute.
    namespace_packages: tuple[Path, ...] = ()
    #: ``workers``: worker processes (``None``: all cores; 0: in-process).
    workers: int | None = None
    #: ``heap-size``: shared heap size in bytes (``None``: sized from the project); the file
    #: may say ``"2GiB"``, ``"512M"`` or a plain integer.
    heap_size: int | None = None
    #: ``file-timeout``: seconds a worker may spend on one file without progress before it
    #: is replaced and the file reported as SH900 (not enforced with ``workers = 0``).
    file_timeout: float = 60.0
    #: ``builtins``: extra names every module may use without defining them.
    builtins: tuple[str, ...] = ()
    #: ``target-version``: ``"py310"`` style, default the running Python; decides the builtins.
    target_version: tuple[int, int] = field(default_factory=lambda: _running_version())
    #: ``per-file-target-version`` (ruff's key): (glob, version) pairs, matched as
    #: ``per-file-ignores``; the first match overrides ``target_version`` for that file.
    per_file_target_version: tuple[tuple[str, tuple[int, int]], ...] = ()
    #: Where ``target_version`` came from (``--show-settings``): the key, the command line,
    #: ``requires-python``, or shoal's own Python by default.
    target_version_source: str = "default (the Python shoal runs on)"
    #: ``dummy-variable-rgx``: a regular expression (searched, as ruff does) for the names
    #: of unused locals (F841) and redefinitions (F811) that are not reported.
    dummy_variable_rgx: str = DUMMY_VARIABLE_RGX
    #: ``line-length``: the width E501 allows (ruff's key and default; a lent ruff
    #: ``lint.pycodestyle.max-line-length`` or flake8 ``max-line-length`` sets it too).
    line_length: int = 88
    #: ``allowed-unused-imports``: modules whose imports F401 never reports, as ruff's
    #: ``lint.pyflakes`` setting (``"hvplot"`` covers ``import hvplot.pandas``).
    allowed_unused_imports: tuple[str, ...] = ()
    #: ``dead-code-ignore-decorators``: dotted decorators (``app.route``, ``pytest.fixture``)
    #: whose functions and classes SH005 (unused-definition) never reports.
    dead_code_ignore_decorators: tuple[str, ...] = ()
    #: Not a ``[tool.shoal]`` key: the ``module:object`` entry points the project file
    #: declares (``[project.scripts]``, ``gui-scripts``, ``entry-points``), which SH005 keeps.
    entry_points: tuple[str, ...] = ()
    #: ``plugins``: plugin module names or entry points (defined by the plugins issue).
    plugins: tuple[str, ...] = ()
    #: ``plugin-errors``: ``"error"`` (a plugin that fails to load is exit 2) or ``"warn"``
    #: (a warning, and the run goes on without it).
    plugin_errors: str = "error"
    #: ``report-blanket-noqa``: whether SH100 reports (and ``--fix`` removes) a blanket
    #: suppression comment that suppressed nothing; off, as ruff or flake8 may need it.
    report_blanket_noqa: bool = False
    #: ``external``: codes or prefixes of other tools (ruff's ``lint.external``) that SH100
    #: leaves alone in a suppression comment's code list.
    external: tuple[str, ...] = ()
    #: ``options``: one table per rule (keyed by rule NAME or CODE), handed to the rule as is.
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    #: ``extend``: the files this one inherits from, nearest first (absolute).
    extends: tuple[Path, ...] = ()
    #: Without a configuration file: the project root found from a marker (``.git``,
    #: ``setup.py``...), which then plays the configuration directory's part.
    found_root: Path | None = None
    #: ``baseline``: a baseline file of known findings not to report, absolute (written
    #: relative to the config directory); ``--baseline`` overrides it.
    baseline: Path | None = None
    #: ``diagnostic-scope``: what ``shoal server`` publishes, every file whose findings
    #: changed (``"workspace"``) or the open buffers only (``"open-files"``).
    diagnostic_scope: str = "workspace"
    #: ``"ruff"`` or ``"flake8"`` when these settings are that tool's configuration's, read
    #: because the project has no ``[tool.shoal]`` (``_lent_config``); codes shoal lacks
    #: match nothing.
    borrowed: str = ""
    #: The ruff configurations of subdirectories, deepest first (``_nested_config``), when
    #: the project has no ``[tool.shoal]``: each governs the files under its directory.
    nested: tuple[NestedConfig, ...] = ()
    #: ``fixable``: selectors of the rules whose fixes are offered (``None``: every rule's).
    fixable: tuple[str, ...] | None = None
    #: ``extend-fixable``: selectors added to ``fixable``.
    extend_fixable: tuple[str, ...] = ()
    #: ``unfixable``: selectors of the rules whose fixes are withheld: no ``[*]``, no
    #: ``--fix``, no quick fix (``frontend.withheld_fixes``).
    unfixable: tuple[str, ...] = ()
    #: The codes the project's own selection turns on, when a nested ruff file turns on
    #: more (``None``: it does not): the run then checks the union, and a file no nested
    #: file governs keeps to these (``is_ignored_for``).
    root_selected: frozenset[str] | None = None
    #: ``force-exclude``: the excludes apply to paths named on the command line too, as
    #: ``--force-exclude`` (what a pre-commit hook that passes every staged file needs).
    force_exclude: bool = False
    #: ``--isolated``: no configuration file was read, nor is a nested one.
    isolated: bool = False
    #: ``--ignore-noqa``: no noqa comment suppresses anything (nor is one reported unused).
    ignore_noqa: bool = False

    @property
    def root(self) -> Path | None:
        """The configuration file's directory (else the project root found from a marker),
        against which globs and ``src`` resolve and which the index covers."""
        return self.path.parent if self.path is not None else self.found_root

    @property
    def excludes(self) -> tuple[str, ...]:
        """``exclude`` plus ``extend-exclude``: the globs discovery prunes."""
        return self.exclude + self.extend_exclude

    def files(self) -> frozenset[str]:
        """Every configuration file these settings were read from, absolute: the file, the
        files it extends, and the nested ruff files with theirs (an edit of any of them
        changes the settings, whatever its name)."""
        found = {os.fspath(p) for p in (self.path, *self.extends) if p is not None}
        for nested in self.nested:
            found |= nested.config.files()
        return frozenset(found)

    def per_file_selectors(self, path: str | os.PathLike[str]) -> tuple[str, ...]:
        """The selectors ``per-file-ignores`` turns off for ``path``."""
        if not self.per_file_ignores:
            return ()
        relative, name = relative_posix(path, self.root), os.path.basename(os.fspath(path))
        selectors: list[str] = []
        for pattern, codes in self.per_file_ignores:
            # ruff's negation: "!tests/*" ignores the codes in every file the rest misses.
            if pattern.startswith("!"):
                if not glob_matches(pattern[1:], relative, name):
                    selectors.extend(codes)
            elif glob_matches(pattern, relative, name):
                selectors.extend(codes)
        return tuple(selectors)

    def target_for(self, path: str | os.PathLike[str]) -> tuple[int, int] | None:
        """The ``per-file-target-version`` of ``path``, None where no glob matches."""
        return target_for_path(self.root, self.per_file_target_version, path)

    def nested_for(self, path: str | os.PathLike[str]) -> NestedConfig | None:
        """The nested ruff configuration that governs ``path``, if one does."""
        absolute = os.path.abspath(os.fspath(path))
        for nested in self.nested:
            if absolute.startswith(nested.directory + os.sep):
                return nested
        return None

    def governs(self, code: str) -> bool:
        """Whether this configuration's selectors apply to ``code``: a borrowed one's never
        to shoal's own ``SH`` codes, which that tool has not (ruff's ``S`` is bandit's)."""
        return not (self.borrowed and code.startswith("SH"))

    def is_ignored_for(self, path: str | os.PathLike[str], code: str) -> bool:
        """Whether ``per-file-ignores`` turns ``code`` off in ``path`` (SH900 never is)."""
        if code == "SH900":
            return False
        if self.nested:
            nested = self.nested_for(path)
            if nested is not None:
                return nested.is_ignored_for(path, code)
        if not self.governs(code):
            return False
        if self.root_selected is not None and code not in self.root_selected:
            return True  # on for a nested file's subtree only
        return any(_selects(selector, code) for selector in self.per_file_selectors(path))

    def settings_dict(self) -> dict[str, Any]:
        """The settings as plain data under their file keys (for ``--show-settings``)."""
        return {
            "config-file": str(self.path) if self.path else None,
            "borrowed-from": self.borrowed or None,
            "extend": [str(p) for p in self.extends],
            "project-root": str(self.root) if self.root else None,
            "select": list(self.select) if self.select is not None else None,
            "extend-select": list(self.extend_select),
            "ignore": list(self.ignore),
            "extend-ignore": list(self.extend_ignore),
            "per-file-ignores": _by_glob(self.per_file_ignores),
            "exclude": list(self.exclude),
            "extend-exclude": list(self.extend_exclude),
            "include": list(self.include) if self.include is not None else None,
            "src": [str(p) for p in self.src],
            "source-roots": [str(p) for p in self.source_roots],
            "namespace-packages": [str(p) for p in self.namespace_packages],
            "workers": self.workers,
            "heap-size": self.heap_size,
            "file-timeout": self.file_timeout,
            "builtins": list(self.builtins),
            "target-version": "py{}{}".format(*self.target_version),
            "per-file-target-version": {glob: "py{}{}".format(*version)
                                        for glob, version in self.per_file_target_version},
            "target-version-source": self.target_version_source,
            "dummy-variable-rgx": self.dummy_variable_rgx,
            "line-length": self.line_length,
            "allowed-unused-imports": list(self.allowed_unused_imports),
            "dead-code-ignore-decorators": list(self.dead_code_ignore_decorators),
            "entry-points": list(self.entry_points),
            "plugins": list(self.plugins),
            "plugin-errors": self.plugin_errors,
            "report-blanket-noqa": self.report_blanket_noqa,
            "external": list(self.external),
            "options": {k: dict(v) for k, v in self.options.items()},
            "baseline": str(self.baseline) if self.baseline else None,
            "diagnostic-scope": self.diagnostic_scope,
            "fixable": list(self.fixable) if self.fixable is not None else None,
            "extend-fixable": list(self.extend_fixable),
            "unfixable": list(self.unfixable),
            "root-selected": sorted(self.root_selected) if self.root_selected is not None
            else None,
            "force-exclude": self.force_exclude,
            "isolated": self.isolated,
            "ignore-noqa": self.ignore_noqa,
            "nested": {n.directory: {**n.config.settings_dict(),
                                     "selected": sorted(n.selected or ())}
                       for n in self.nested},
        }


def _by_glob(pairs: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, list[str]]:
    # A glob may come twice (a file's ignores and its parent's, along an ``extend`` chain).
    table: dict[str, list[str]] = {}
    for glob, codes in pairs:
        table.setdefault(glob, []).extend(codes)
    return table


def _running_version() -> tuple[int, int]:
    return (sys.version_info.major, sys.version_info.minor)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", path=path) from None
    except UnicodeDecodeError as exc:  # tomllib decodes the bytes itself, and lets this out
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 at byte {exc.start}",
                          path=path) from None


def _shoal_table(document: Mapping[str, Any]) -> Any:
    tool = document.get("tool")
    return tool.get("shoal") if isinstance(tool, dict) else None


def find_config(first_path: str | os.PathLike[str]) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``first_path`` that has ``[tool.shoal]``."""
    start = Path(os.path.abspath(os.fspath(first_path)))
    # os.path's tests, not Path's: in a directory the user cannot traverse, Path.is_file
    # raises PermissionError, and such a path is an E902 finding later, not a traceback.
    directory = start if os.path.isdir(start) else start.parent
    for candidate_dir in (directory, *directory.parents):
        candidate = candidate_dir / "pyproject.toml"
        if os.path.isfile(candidate) and _shoal_table(_read_toml(candidate)) is not None:
            return candidate
    return None


def entry_points(document: Mapping[str, Any]) -> tuple[str, ...]:
    """The ``module:object`` references of a ``pyproject.toml``'s ``[project.scripts]``,
    ``[project.gui-scripts]`` and ``[project.entry-points.GROUP]`` tables, sorted; malformed
    entries are left out (they are the packaging tools' to report)."""
    project = document.get("project")
    if not isinstance(project, dict):
        return ()
    tables = [project.get("scripts"), project.get("gui-scripts")]
    groups = project.get("entry-points")
    if isinstance(groups, dict):
        tables.extend(groups.values())
    found: set[str] = set()
    for table in tables:
        if isinstance(table, dict):
            for value in table.values():
                if isinstance(value, str):
                    # "pkg.cli:main [extra]": the object reference, extras dropped
                    found.add(value.split("[", 1)[0].strip().replace(" ", ""))
    return tuple(sorted(found))


def project_entry_points(root: Path) -> tuple[str, ...]:
    """The entry points of ``root/pyproject.toml`` (none when it is missing or unreadable):
    for a project found from a marker, whose file has no ``[tool.shoal]``."""
    return entry_points(root_pyproject(root))


def root_pyproject(root: Path) -> dict[str, Any]:
    """The document of ``root/pyproject.toml``, read for what the packaging tools keep there
    (empty when it is missing or unreadable: the configuration's reading reports that)."""
    return toml_document(root / "pyproject.toml")


def toml_document(path: Path) -> dict[str, Any]:
    """The TOML document at ``path``; empty when it is missing, unreadable or invalid."""
    if not os.path.isfile(path):
        return {}
    try:
        return _read_toml(path)
    except ConfigError:
        return {}



def _selects(selector: str, code: str) -> bool:
    """Whether ``selector`` (a code prefix or ``ALL``) selects ``code``."""
    return selector == ALL or code.startswith(selector)
