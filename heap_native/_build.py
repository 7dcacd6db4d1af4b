"""cffi out-of-line API-mode builder for the shared heap (run by the package build)."""
import os

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))

ffibuilder = FFI()
with open(os.path.join(HERE, "shoal_heap.h")) as f:
    ffibuilder.cdef(f.read())
ffibuilder.set_source(
    "heap_native._native",
    '#include "shoal_heap.h"',
    sources=[os.path.join("heap_native", "shoal_heap.c")],
    include_dirs=[HERE],
    extra_compile_args=["-std=c11", "-Wall", "-Wextra", "-O2"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
