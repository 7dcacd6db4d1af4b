"""Testing rules: the VALID/INVALID example harness (``add_rule_tests``) and the pytest plugin
that collects every installed rule's examples (``-p analyzer.pytest_plugin``).

The top layer: it may use every other one, and nothing in shoal imports it.
"""
from analyzer.testing._harness import (
    FILE_MARKER,
    ExampleCase,
    ExampleFailure,
    add_rule_tests,
    check_example,
    example_cases,
    split_modules,
)

__all__ = ["FILE_MARKER", "ExampleCase", "ExampleFailure", "add_rule_tests", "check_example",
           "example_cases", "split_modules"]
