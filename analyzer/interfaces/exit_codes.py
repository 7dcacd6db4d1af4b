"""Exit codes of every shoal command, named in one place (docs/contracts.md, "Exit codes")."""

#: No problem was reported (or ``--exit-zero`` was given).
SUCCESS = 0
#: At least one diagnostic was reported.
PROBLEMS = 1
#: Usage, configuration or internal error (an unknown rule selector, a missing path, SH900...).
ERROR = 2

__all__ = ["ERROR", "PROBLEMS", "SUCCESS"]
