"""The vocabulary every layer speaks: findings and their fixes, source positions, Python's
builtins. It imports nothing else of shoal.

A newcomer starts at :class:`Diagnostic` (one finding, with an optional :class:`Fix` made of
:class:`Edit`\\ s) and :class:`SourceLines` (the one place where character columns, byte
offsets and line starts are converted).
"""
from analyzer.core._blake2b import blake2b
from analyzer.core._builtins import builtin_names
from analyzer.core._diagnostic import Applicability, Diagnostic, Edit, Fix
from analyzer.core._positions import SourceLines, apply_edits

__all__ = ["Applicability", "Diagnostic", "Edit", "Fix", "SourceLines", "apply_edits",
           "blake2b", "builtin_names"]
