"""cffi out-of-line API-mode builder for the shared heap (run by the package build).

Set SHOAL_HEAP_DEBUG=1 at build time for the debug build: every access to the
region is bounds-checked and traps on violation (AddressSanitizer cannot see
overruns inside an mmap'd region).
"""
import os

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
DEBUG = os.environ.get("SHOAL_HEAP_DEBUG") == "1"

# setuptools insists on sources relative to setup.py (the package build runs there); a
# direct compile from elsewhere (the debug build of the valgrind test) needs an absolute one.
_SOURCE = os.path.join(HERE, "shoal_heap.c")
if os.path.dirname(HERE) == os.path.abspath(os.getcwd()):
    _SOURCE = os.path.relpath(_SOURCE)

ffibuilder = FFI()
with open(os.path.join(HERE, "shoal_heap.h")) as f:
    ffibuilder.cdef(f.read())
ffibuilder.set_source(
    "heap_native._native",
    "#include <stddef.h>\n#include <stdint.h>\n#include \"shoal_heap.h\"",
    sources=[_SOURCE],
    include_dirs=[HERE],
    extra_compile_args=["-std=c11", "-Wall", "-Wextra"]
    + (["-O1", "-g", "-DSHOAL_HEAP_DEBUG=1"] if DEBUG else ["-O2"]),
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
