"""What the tests of the C loops share: the standard library's files, a sample of the newer
statement forms, and a memcheck run."""
from __future__ import annotations

import ast
import importlib
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import assume

STDLIB = Path(sysconfig.get_paths()["stdlib"])
#: Every module of the running interpreter's standard library, relative to it.
STDLIB_FILES = sorted(str(p.relative_to(STDLIB)) for p in STDLIB.rglob("*.py")
                      if "site-packages" not in p.parts)
#: Match patterns and ``except*``: statement forms each C loop's sample must reach.
_NEWER_FORMS = """\
match p:
    case [1, *rest] if rest: pass
    case {"k": v, **kw}: pass
    case Point(x=0) | None: pass
try:
    pass
except* (ValueError, TypeError) as group:
    pass
"""
_SUPPRESSIONS = Path(__file__).resolve().parent / "heap" / "valgrind-python.supp"


def parsable_stdlib_source(name: str) -> str:
    """The text of stdlib file ``name``, for a hypothesis test: files this interpreter cannot
    read or parse (test data of other versions, bad encodings) are not examples."""
    try:
        source = (STDLIB / name).read_text(encoding="utf-8")
        ast.parse(source)
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
        assume(False)
    return source


def run_memcheck(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -c script args`` under valgrind memcheck (errors exit 99); skips the test
    where valgrind is not installed."""
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed")
    return subprocess.run(
        ["valgrind", "--error-exitcode=99", "--tool=memcheck", "--quiet", "--leak-check=no",
         f"--suppressions={_SUPPRESSIONS}", sys.executable, "-c", script, *args],
        env=dict(os.environ, PYTHONMALLOC="malloc"), capture_output=True, text=True, timeout=300,
    )


def native_module(name: str, what: str) -> ModuleType:
    """The C extension ``name``; a module-level skip only where no C compiler is on PATH.

    Both extensions are optional in the build, so that an install without a compiler works;
    missing on a machine with one, it is a broken build, not a reason to test nothing."""
    try:
        return importlib.import_module(name)
    except ImportError:
        if shutil.which("cc") or shutil.which("gcc"):
            raise
        pytest.skip(f"{what} was not built (no C compiler)", allow_module_level=True)


def flag_under(env_var: str, value: str, module: str, flag: str) -> str:
    """``module.flag`` as a fresh interpreter sees it with ``env_var=value``."""
    code = f"import {module} as m; print(m.{flag})"
    return subprocess.run([sys.executable, "-c", code], env=dict(os.environ, **{env_var: value}),
                          capture_output=True, text=True, check=True).stdout.strip()


def newer_forms(indent: str = "") -> str:
    """The sample of match statements and ``except*`` (plain ``except`` before 3.11), each
    line indented by ``indent``."""
    text = _NEWER_FORMS if sys.version_info >= (3, 11) else _NEWER_FORMS.replace("except*", "except")
    return textwrap.indent(text, indent)
