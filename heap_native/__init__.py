"""shoal's shared heap: a C hash table and dependency table in one memfd region."""
from heap_native._native import lib as _lib  # noqa: F401
