"""Parsing of size settings such as ``"512M"`` or ``2**18``."""
from __future__ import annotations

import re

__all__ = ["parse_size"]

_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"\s*(\d+)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)


def parse_size(value: int | str, name: str = "size") -> int:
    """Return ``value`` in bytes (or slots): an int, or a string with K/M/G/T (powers of 1024)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"{name} must be an int or a string such as '512M', got {value!r}")
    if isinstance(value, int):
        number = value
    else:
        match = _SIZE.fullmatch(value)
        if match is None:
            raise ValueError(f"{name}: cannot parse {value!r} (expected e.g. 4096, '512M', '2G')")
        number = int(match.group(1)) * _UNITS[match.group(2).lower()]
    if number <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return number
