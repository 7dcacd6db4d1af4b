"""Build glue: setuptools runs cffi's out-of-line API-mode builder for the C heap."""
from setuptools import setup

setup(cffi_modules=["heap_native/_build.py:ffibuilder"])
