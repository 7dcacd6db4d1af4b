"""blake2b, the one hash shoal names content, cache entries and dependency ids with.

Taken from ``_blake2``, not ``hashlib``: importing hashlib loads OpenSSL (``_hashlib``), whose
libcrypto the master maps and relocates before it forks, and every worker shares: about
3.4 MiB of a one-shot check's peak PSS, for hashes shoal does not use.
"""
try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter built without its own blake2
    from hashlib import blake2b

__all__ = ["blake2b"]
