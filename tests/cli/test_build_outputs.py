"""A fresh checkout lacks its build outputs: a module git ignores is no import error before
the build makes it (protoc's ``*_pb2.py``, a generated ``gen/`` package), through the CLI."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import project_codes, run_subprocess, write_tree

GITIGNORE = "*_pb2.py\n*_pb2_grpc.py\n!keep_pb2.py\ngen/\n/svc/api/*_out.py\n"

#: A gRPC service as a fresh clone has it: the stubs protoc writes are not there yet.
CLONE: dict[str, str | bytes] = {
    "pyproject.toml": "[project]\nname = 'svc'\n",
    "svc/__init__.py": "",
    "svc/api/__init__.py": "",
    "svc/server.py": (
        "from svc.api import greeter_pb2, greeter_pb2_grpc\n"  # 1: made by protoc
        "from svc.api.greeter_pb2 import HelloRequest\n"  # 2
        "from .api import keep_pb2\n"  # 3: re-included by `!keep_pb2.py`: committed, missing
        "import svc.gen.models\n"  # 4: the generated package
        "from svc.api import report_out\n"  # 5: `/svc/api/*_out.py` names this folder
        "from svc import report_out as other\n"  # 6: ... and no other
        "from svc.api import missing\n"  # 7: a plain missing module
        "import svc.absent\n"  # 8
        "print(greeter_pb2, greeter_pb2_grpc, HelloRequest, keep_pb2, svc, report_out,"
        " other, missing)\n"
    ),
}

#: The findings every variant keeps: the imports no .gitignore line names.
ALWAYS = [("svc/server.py", 3, "SH001"), ("svc/server.py", 6, "SH001"),
          ("svc/server.py", 7, "SH001"), ("svc/server.py", 8, "SH004")]
#: And those a .gitignore makes build outputs.
OUTPUTS = [("svc/server.py", 1, "SH001"), ("svc/server.py", 1, "SH001"),
           ("svc/server.py", 2, "SH004"), ("svc/server.py", 4, "SH004"),
           ("svc/server.py", 5, "SH001")]


def _clone(root: Path, *, git: bool = True, ignore: str | None = GITIGNORE) -> Path:
    write_tree(root, CLONE)
    if git:
        (root / ".git").mkdir()
    if ignore is not None:
        (root / ".gitignore").write_text(ignore, encoding="utf-8")
    return root


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_fresh_clone_has_no_finding_on_its_build_outputs(tmp_path: Path, workers: str) -> None:
    # With workers, phase 2's context (the rules included) travels pickled through the heap.
    root = _clone(tmp_path)
    assert project_codes(root, "--workers", workers) == ALWAYS


def test_outside_git_a_gitignore_says_nothing(tmp_path: Path) -> None:
    # As discovery: a .gitignore is honoured only inside a git work tree (ruff's rule).
    root = _clone(tmp_path, git=False)
    assert project_codes(root) == sorted(ALWAYS + OUTPUTS)


def test_a_gitignore_edit_is_seen_by_the_next_cached_run(tmp_path: Path) -> None:
    root = _clone(tmp_path, ignore=None)
    assert project_codes(root, cached=True) == sorted(ALWAYS + OUTPUTS)
    (root / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    assert project_codes(root, cached=True) == ALWAYS
    assert project_codes(root, cached=True) == ALWAYS  # warm, from the cache that run wrote
    (root / ".gitignore").write_text("gen/\n", encoding="utf-8")
    assert project_codes(root, cached=True) == sorted(ALWAYS + OUTPUTS[:3] + OUTPUTS[4:])


def test_once_built_the_outputs_are_opaque_modules(tmp_path: Path) -> None:
    root = _clone(tmp_path)
    write_tree(root, {"svc/api/greeter_pb2.py": "HelloRequest = 1\n",
                      "svc/api/greeter_pb2_grpc.py": "import os\n"})  # F401 not reported
    run = run_subprocess("check", "--no-cache", "--output-format", "json", cwd=root)
    assert sorted(run.codes()) == ALWAYS


def test_a_package_meson_builds_lacks_none_a_meson_build_names(tmp_path: Path) -> None:
    # SciPy's layout, not built: __config__.py comes from configure_file, _sparsetools
    # from generated C++, _external/array_api_extra from a subproject the root installs.
    write_tree(tmp_path, {
        "pyproject.toml": "[build-system]\nbuild-backend = 'mesonpy'\n",
        "meson.build": "project('sci')\nextra = subproject('array_api_extra')\n"
                       "subdir('sci')\n",
        "subprojects/array_api_extra/meson.build": "sources = {'array_api_extra': files()}\n",
        "sci/meson.build": "configure_file(input: '__config__.py.in', output: '__config__.py')\n",
        "sci/__config__.py.in": "",
        "sci/__init__.py": "from sci.__config__ import show\nfrom sci._external import array_api_extra\n"
                           "print(show, array_api_extra)\n",
        "sci/_external/meson.build": "",
        "sci/_external/__init__.py": "",
        "sci/sparse/meson.build": "py3.extension_module('_sparsetools', generated)\n",
        "sci/sparse/__init__.py": "from ._sparsetools import csr_matvec\nprint(csr_matvec)\n",
        # A module no meson.build names is missing, meson or not (statsmodels' archive/)
        "sci/sparse/_base.py": "from sci.sparse import _gone\nimport sci.sparse.arma_mle\n"
                               "print(_gone, sci)\n",
        "sci/io/__init__.py": "",  # no meson.build: what it lacks is missing
        "sci/io/reader.py": "from sci.io import _sparsetools\nprint(_sparsetools)\n",
    })
    assert project_codes(tmp_path) == [("sci/io/reader.py", 1, "SH001"),
                                   ("sci/sparse/_base.py", 1, "SH001"),
                                   ("sci/sparse/_base.py", 2, "SH004")]


def test_a_stub_of_a_compiled_module_lists_some_of_its_names(tmp_path: Path) -> None:
    # spaCy's layout: strings.pyi describes strings.pyx, whose cpdef hash_string it omits.
    write_tree(tmp_path, {
        "pyproject.toml": "[project]\nname = 'lang'\n",
        "lang/__init__.py": "",
        "lang/strings.pyx": "cpdef hash_string(str s):\n    return 1\n",
        "lang/strings.pyi": "class StringStore: ...\n",
        "lang/plain.py": "present = 1\n",  # a Python module beside its stub: complete
        "lang/plain.pyi": "present: int\n",
        "lang/fast.py": "def run():\n    pass\n",  # the Python module owns its name
        "lang/fast.c": "",
        "lang/use.py": "from lang.strings import StringStore, hash_string\n"
                       "from lang.plain import present, missing\n"
                       "from lang.fast import run, nope\n"
                       "print(StringStore, hash_string, present, missing, run, nope)\n",
    })
    assert project_codes(tmp_path) == [("lang/use.py", 2, "SH001"),
                                   ("lang/use.py", 3, "SH001")]


#: onnx's layout, from its sdist: the build runs protoc and onnx's gen_proto.py on the
#: .proto sources and writes onnx_pb.py, onnx_ml_pb2.py ... beside them.
ONNX: dict[str, str | bytes] = {
    "pyproject.toml": "[project]\nname = 'onnx'\n",
    "onnx/__init__.py": "",
    "onnx/onnx.in.proto": "syntax = 'proto2';\n",
    "onnx/onnx-ml.proto3": "syntax = 'proto3';\n",
    "onnx/helper.py": (
        "from onnx.onnx_pb import ModelProto\n"  # 1: gen_proto.py's, of onnx.in.proto
        "from onnx import onnx_ml_pb2, onnx_ml_pb2_grpc\n"  # 2: protoc's, of onnx-ml.proto3
        "from onnx.onnx_data_pb import TensorProto\n"  # 3: no onnx-data proto here
        "from tools import onnx_pb2\n"  # 4: a package without a proto
        "print(ModelProto, onnx_ml_pb2, onnx_ml_pb2_grpc, TensorProto, onnx_pb2)\n"
    ),
    "tools/__init__.py": "",
    "protos/onnx.proto": "",  # not a package's folder: it covers nothing
}


def test_a_package_with_protobuf_sources_lacks_none_of_their_modules(tmp_path: Path) -> None:
    write_tree(tmp_path, ONNX)
    assert project_codes(tmp_path) == [("onnx/helper.py", 3, "SH004"),
                                       ("onnx/helper.py", 4, "SH001")]


def test_a_protobuf_source_added_is_seen_by_the_next_cached_run(tmp_path: Path) -> None:
    write_tree(tmp_path, ONNX)
    assert project_codes(tmp_path, cached=True) == [("onnx/helper.py", 3, "SH004"),
                                                    ("onnx/helper.py", 4, "SH001")]
    write_tree(tmp_path, {"onnx/onnx-data.proto": "", "tools/onnx.proto": ""})
    assert project_codes(tmp_path, cached=True) == []
    (tmp_path / "onnx" / "onnx-data.proto").unlink()
    assert project_codes(tmp_path, cached=True) == [("onnx/helper.py", 3, "SH004")]


def test_a_star_import_of_a_compiled_module_leaves_the_names_its_stub_lacks_unknown(
        tmp_path: Path) -> None:
    # netCDF4's layout: __init__.py star-imports the Cython module _netCDF4, whose stub
    # lists only some of what the build gives it.
    write_tree(tmp_path, {
        "pyproject.toml": "[project]\nname = 'nc'\n",
        "nc/__init__.py": "from ._core import *\nfrom ._plain import *\n",
        "nc/_core.pyx": "Format = 'NETCDF4'\n",
        "nc/_core.pyi": "class Dataset: ...\n",
        "nc/_plain.py": "present = 1\n",
        "use.py": "from typing import TYPE_CHECKING\n"
                  "from nc import Dataset, present\n"
                  "if TYPE_CHECKING:\n"
                  "    from nc import Format\n"  # 4: the build's, through the star
                  "from nc._plain import Format\n"  # 5: a Python module lacks it
                  "print(Dataset, present, Format)\n",
    })
    assert project_codes(tmp_path) == [("use.py", 5, "SH001")]
