"""shoal's analyzer: discovery, parsing, facts, rules, incremental engine and CLI."""

__version__ = "0.1.0"
