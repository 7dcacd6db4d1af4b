"""``shoal server``: the Language Server Protocol over stdio, on the resident session.

Editors get what ``shoal watch`` prints — cross-module findings included, from unsaved
buffers — as diagnostics, with fixes as code actions and rule explanations on hover.
Start at :func:`run_server` (``_server``); the checker thread is ``_checker``.
"""
from analyzer.interfaces.server._checker import DEBOUNCE
from analyzer.interfaces.server._publish import SCOPES
from analyzer.interfaces.server._server import run_server

__all__ = ["DEBOUNCE", "SCOPES", "run_server"]
