"""The public rule API: what built-in rules and third-party plugins are written against."""
from analyzer.rules._diagnostic import Applicability, Diagnostic, Edit, Fix

__all__ = ["Applicability", "Diagnostic", "Edit", "Fix"]
