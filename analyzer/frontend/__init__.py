"""What the project is: its configuration, its files and their module names, their decoded text.

Reads the disk, never the heap. A newcomer starts at :func:`discover` (paths and a
:class:`Config` to the :class:`Discovery` every other layer works from).
"""
from analyzer.frontend._build_outputs import BUILD_DECLARATIONS, PROTO_SUFFIXES
from analyzer.frontend._config import (
    CONFIG_FILES,
    DEFAULT_EXCLUDES,
    DUMMY_VARIABLE_RGX,
    Config,
    ConfigError,
    find_config,
    project_entry_points,
)
from analyzer.frontend._config_load import override_config, parse_size
from analyzer.frontend._discovery import (
    STDIN,
    Discovery,
    DiscoveryError,
    SourceFile,
    discover,
    display_path,
)
from analyzer.frontend._extend import load_config
from analyzer.frontend._globs import glob_matches, target_for_path
from analyzer.frontend._lent_config import lent_config
from analyzer.frontend._naming import (
    EXTENSION_SOURCE_SUFFIXES,
    EXTENSION_SUFFIXES,
    PYTHON_SUFFIXES,
    claim_rank,
    is_extension,
)
from analyzer.frontend._notebook import (
    IPYTHON_BUILTINS,
    NOTEBOOK_SUFFIX,
    CellMap,
    CodeCell,
    NotebookError,
    checked_source,
    join_cells,
    notebook_source,
    python_lines,
    read_notebook,
    source_text,
)
from analyzer.frontend._parse import parse_module
from analyzer.frontend._roots import MARKERS, Project, find_marker_root, group_paths
from analyzer.frontend._selection import check_selectors, resolve_selection, withheld_fixes
from analyzer.frontend._source import (
    SourceDecodeError,
    content_digest,
    decode_source,
    read_source_file,
)
from analyzer.frontend._versions import (
    SUPPORTED_VERSIONS,
    format_version,
    parse_target_version,
    resolve_target_version,
)

__all__ = [
    "BUILD_DECLARATIONS", "CONFIG_FILES", "DEFAULT_EXCLUDES", "EXTENSION_SOURCE_SUFFIXES", "EXTENSION_SUFFIXES", "MARKERS", "PROTO_SUFFIXES", "PYTHON_SUFFIXES", "STDIN", "Config",
    "ConfigError", "Discovery", "DiscoveryError", "Project", "SourceDecodeError", "SourceFile",
    "claim_rank", "content_digest", "decode_source", "discover", "display_path",
    "find_config", "find_marker_root", "glob_matches", "group_paths", "is_extension",
    "parse_module", "target_for_path",
    "load_config", "override_config", "parse_size", "project_entry_points", "read_source_file", "resolve_selection", "withheld_fixes", "check_selectors",
    "SUPPORTED_VERSIONS", "format_version", "parse_target_version", "resolve_target_version",
    "DUMMY_VARIABLE_RGX", "lent_config",
    "IPYTHON_BUILTINS", "NOTEBOOK_SUFFIX", "CellMap", "CodeCell", "NotebookError", "checked_source", "join_cells", "python_lines",
    "notebook_source", "read_notebook", "source_text",
]
