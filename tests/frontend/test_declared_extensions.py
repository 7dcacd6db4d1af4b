"""Extension modules a build configuration declares (``_build_outputs.declared_outputs``):
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

[[tool.setuptools.ext-modules]]  # biopython's Bio.Cluster._cluster
name = "pkg.sub._cluster"
sources = ["pkg/sub/cluster.c", "pkg/sub/clustermodule.c"]
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
        "pkg.sub": (("_cluster.py", True, False), ("_core.py", True, False),
                    ("_lib.py", True, False)),
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


def test_setup_package_files_declare_their_packages_extensions(tmp_path: Path) -> None:
    # astropy's layout (extension-helpers): each package's setup_package.py returns its
    # Extension objects from get_extensions(), named in full.
    write_tree(tmp_path, {
        "pyproject.toml": "[project]\nname = 'astro'\n",
        "astro/__init__.py": "",
        "astro/stats/__init__.py": "",
        "astro/stats/setup_package.py":
            "def get_extensions(Extension, cfg):\n"
            "    return [Extension(name='astro.stats._fast', sources=['a.c']),\n"
            "            Extension('astro.wcs._wcs', **cfg)]\n",
        "astro/wcs/__init__.py": "",
        "astro/use.py": "from astro.stats import _fast\nfrom astro.wcs._wcs import Wcsprm\n"
                        "from astro.wcs import _gone\nprint(_fast, Wcsprm, _gone)\n",
    })
    assert project_codes(tmp_path) == [("astro/use.py", 3, "SH001")]


def test_version_files_a_build_writes(tmp_path: Path) -> None:
    # awkward's sdist lacks src/awkward/_version.py, which hatchling's version hook writes.
    write_tree(tmp_path, {
        "pyproject.toml": "[project]\nname = 'pkg'\n"
                          "[tool.hatch.build.targets.wheel.hooks.version]\n"
                          "path = 'src/pkg/_version.py'\n"
                          "[tool.setuptools_scm]\nwrite_to = 'src/pkg/sub/_scm.py'\n"
                          "[tool.hatch.build.hooks.vcs]\nversion-file = 'src/pkg/_vcs.py'\n"
                          "[tool.pdm.version]\nwrite_to = 'pkg/_pdm.py'\n",  # under src/
        "setup.py": "setup(use_scm_version={'write_to': 'src/pkg/_setup_scm.py'})\n",
        "src/pkg/__init__.py": "",
        "src/pkg/sub/__init__.py": "",
    })
    outputs = discover(["."], _config(tmp_path), cwd=str(tmp_path)).outputs
    assert outputs == {
        "pkg": (("_pdm.py", True, False), ("_setup_scm.py", True, False),
                ("_vcs.py", True, False), ("_version.py", True, False)),
        "pkg.sub": (("_scm.py", True, False),),
    }


def test_a_maturin_module_named_by_its_crate_with_a_partial_stub(tmp_path: Path) -> None:
    # rpds-py's layout: maturin builds the crate's library `rpds`; rpds.pyi omits Stack.
    write_tree(tmp_path, {
        "pyproject.toml": "[build-system]\nbuild-backend = 'maturin'\n"
                          "[project]\nname = 'rpds-py'\n",
        "Cargo.toml": "[package]\nname = 'rpds-py'\n[lib]\nname = 'rpds'\n",
        "rpds.pyi": "class HashTrieMap: ...\n",
        "plain.pyi": "class Present: ...\n",  # no build makes `plain`: the stub is all
        "tests/test_stack.py": "from rpds import HashTrieMap, Stack\n"
                               "from plain import Present, Absent\n"
                               "print(HashTrieMap, Stack, Present, Absent)\n",
    })
    assert project_codes(tmp_path) == [("tests/test_stack.py", 2, "SH001")]


def test_without_a_lib_name_maturin_builds_the_package_name(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "pyproject.toml": "[build-system]\nbuild-backend = 'maturin'\n"
                          "[tool.maturin]\nmanifest-path = 'rust/Cargo.toml'\n",
        "rust/Cargo.toml": "[package]\nname = 'fast-thing'\n",
        "fast_thing.pyi": "def present() -> int: ...\n",
        "use.py": "from fast_thing import present, absent\nprint(present, absent)\n",
    })
    assert project_codes(tmp_path) == []
