"""Extension modules a build configuration declares (``_build_outputs.declared_extensions``):
modules whose sources lie elsewhere, which a checkout lacks until the build."""
from __future__ import annotations

from pathlib import Path

from analyzer.frontend import Config, discover, load_config
from tests.cli.helpers import project_codes, write_tree

SETUP = """\
from setuptools import Extension, setup
from setuptools_rust import RustExtension
from pybind11.setup_helpers import Pybind11Extension

setup(
    ext_modules=[
        Extension("pkg._speedups", sources=["src/speedups.c"]),
        Pybind11Extension(name="pkg.sub._core", sources=["cpp/core.cpp"]),
        Extension("toplevel", sources=["t.c"]),  # no package: nothing to say
        Extension("other._x", sources=["x.c"]),  # not a package of this project
    ],
    rust_extensions=[RustExtension("pkg.native", path="native/Cargo.toml")],
)
"""

PYPROJECT = """\
[project]
name = "pkg"

[tool.maturin]
module-name = "pkg._rust"

[[tool.setuptools-rust.ext-modules]]
target = "pkg.sub._lib"
"""


def _config(root: Path) -> Config:
    return load_config(root / "pyproject.toml")


def test_setup_py_and_pyproject_declare_extension_modules(tmp_path: Path) -> None:
    write_tree(tmp_path, {"setup.py": SETUP, "pyproject.toml": PYPROJECT,
                          "pkg/__init__.py": "", "pkg/sub/__init__.py": ""})
    outputs = discover(["."], _config(tmp_path), cwd=str(tmp_path)).outputs
    assert outputs == {
        "pkg": (("_rust.py", True, False), ("_speedups.py", True, False),
                ("native.py", True, False)),
        "pkg.sub": (("_core.py", True, False), ("_lib.py", True, False)),
    }


def test_a_pyproject_that_does_not_parse_declares_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, {"setup.py": 'Extension("pkg._x", ["x.c"])\n',
                          "pyproject.toml": "[project]\nname = 'pkg'\n",
                          "pkg/__init__.py": ""})
    config = _config(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.maturin\n")  # broken after loading
    outputs = discover(["."], config, cwd=str(tmp_path)).outputs
    assert outputs == {"pkg": (("_x.py", True, False),)}  # setup.py still read


def test_a_declared_extension_is_no_finding_through_the_cli(tmp_path: Path) -> None:
    # libcst's layout: libcst.native is built by setuptools-rust from native/.
    write_tree(tmp_path, {
        "setup.py": 'RustExtension("lib.native", path="native/libcst/Cargo.toml")\n',
        "pyproject.toml": "[project]\nname = 'lib'\n",
        "lib/__init__.py": "",
        "lib/parse.py": "from lib import native\nfrom lib.native import parse_module\n"
                        "from lib import missing\nimport lib.gone\n"
                        "print(native, parse_module, missing, lib)\n",
    })
    assert project_codes(tmp_path) == [("lib/parse.py", 3, "SH001"),
                                   ("lib/parse.py", 4, "SH004")]


def test_a_cffi_builder_setup_py_runs_and_its_ext_package(tmp_path: Path) -> None:
    # PyNaCl's layout: setup.py runs src/bindings/build.py, whose set_source names
    # '_sodium'; ext_package puts every extension under nacl.
    write_tree(tmp_path, {
        "setup.py": 'setup(ext_package="nacl", cffi_modules=["src/bindings/build.py:ffi"],\n'
                    '      ext_modules=[Extension("_speedups", ["s.c"])])\n',
        "src/bindings/build.py": "ffi = FFI()\nffi.set_source(\n    '_sodium', source)\n",
        "pyproject.toml": "[project]\nname = 'pynacl'\n",
        "src/nacl/__init__.py": "",
    })
    outputs = discover(["."], _config(tmp_path), cwd=str(tmp_path)).outputs
    assert outputs == {"nacl": (("_sodium.py", True, False), ("_speedups.py", True, False))}
