"""Build glue: cffi's out-of-line API-mode builder for the C heap, the rules' C walk, the
scope analysis' C dispatch, the facts walk's C loop and the facts records' C base."""
from setuptools import Extension, setup

setup(
    cffi_modules=["heap_native/_build.py:ffibuilder"],
    ext_modules=[
        # Optional: without a build of it, analyzer.rules walks in Python (same results).
        Extension(
            "analyzer.rules._walk_native",
            sources=["analyzer/rules/_walk_native.c"],
            include_dirs=["analyzer/core"],
            depends=["analyzer/core/_node_fields.h", "analyzer/core/_slot_offset.h"],
            extra_compile_args=["-std=c11", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
            optional=True,
        ),
        # Optional too: without it, the scope analysis dispatches in Python (same analysis).
        Extension(
            "analyzer.rules._scope_native",
            sources=["analyzer/rules/_scope_native.c"],
            include_dirs=["analyzer/core"],
            depends=["analyzer/core/_node_fields.h", "analyzer/core/_slot_offset.h",
                     "analyzer/rules/_scope_load.h", "analyzer/rules/_scope_bind.h"],
            extra_compile_args=["-std=c11", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
            optional=True,
        ),
        # Optional too: without it, analyzer.model's facts walk loops in Python (same facts).
        Extension(
            "analyzer.model._traverse_native",
            sources=["analyzer/model/_traverse_native.c"],
            include_dirs=["analyzer/core"],
            depends=["analyzer/core/_node_fields.h", "analyzer/model/_traverse_gates.h"],
            extra_compile_args=["-std=c11", "-Wall", "-Wextra"],
            optional=True,
        ),
        # Optional too: without it, the facts records bind and pickle in Python (same records).
        Extension(
            "analyzer.model._record_native",
            sources=["analyzer/model/_record_native.c"],
            include_dirs=["analyzer/core"], depends=["analyzer/core/_slot_offset.h"],
            extra_compile_args=["-std=c11", "-Wall", "-Wextra"],
            optional=True,
        ),
    ],
)
