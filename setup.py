"""Build glue: cffi's out-of-line API-mode builder for the C heap, and the rules' C walk."""
from setuptools import Extension, setup

setup(
    cffi_modules=["heap_native/_build.py:ffibuilder"],
    ext_modules=[
        # Optional: without a build of it, analyzer.rules walks in Python (same results).
        Extension(
            "analyzer.rules._walk_native",
            sources=["analyzer/rules/_walk_native.c"],
            extra_compile_args=["-std=c11", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
            optional=True,
        ),
    ],
)
