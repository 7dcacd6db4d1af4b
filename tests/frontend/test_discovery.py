"""discover(): walking, excludes, .gitignore, named files, module names, the project index."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from analyzer.frontend import (
    Config,
    DiscoveryError,
    claim_rank,
    discover,
    display_path,
    load_config,
)


def tree(root: Path, *files: str) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")


def rel(root: Path, paths) -> set[str]:
    return {os.path.relpath(p, root).replace(os.sep, "/") for p in paths}


def files_of(result, root: Path) -> set[str]:
    """The files discovery found to read: the opaque ones (a git-ignored source, indexed by
    name only) aside."""
    return rel(root, (f.path for f in result.files
                      if not (f.is_extension and f.path.suffix in (".py", ".pyi"))))


def project(root: Path, body: str = "") -> Config:
    (root / "pyproject.toml").write_text(f"[tool.shoal]\n{body}\n")
    return load_config(root / "pyproject.toml")


def test_python_files_and_default_excludes(tmp_path: Path) -> None:
    tree(tmp_path, "a.py", "b.pyi", "c.txt", "pkg/__init__.py", "pkg/m.py",
         ".venv/x.py", "venv/x.py", "build/x.py", "dist/x.py", "node_modules/x.py",
         ".tox/x.py", ".nox/x.py", ".git/x.py", "pkg/__pycache__/m.py", ".shoal_cache/x.py",
         # ruff's other defaults: direnv's virtualenv, setuptools' build dependencies, a
         # Sphinx build, a vendored environment, other tools' caches.
         ".direnv/python-3.11/lib/python3.11/site-packages/dep/__init__.py",
         ".eggs/dep-1.0-py3.11.egg/dep/__init__.py", "docs/_build/html/_static/x.py",
         "lib/site-packages/y.py", "__pypackages__/3.11/lib/z.py", "buck-out/gen/x.py",
         ".mypy_cache/x.py", ".pytest_cache/x.py", ".ruff_cache/x.py", ".hg/x.py", ".svn/x.py",
         ".pyenv/x.py", ".vscode/x.py", ".ipynb_checkpoints/x.py")
    result = discover([tmp_path], project(tmp_path), cwd=str(tmp_path))
    expected = {"a.py", "b.pyi", "pkg/__init__.py", "pkg/m.py"}
    assert files_of(result, tmp_path) == expected
    assert rel(tmp_path, result.reported) == expected


def test_exclude_and_extend_exclude(tmp_path: Path) -> None:
    tree(tmp_path, "a.py", "gen/x.py", "api_pb2.py", "tests/fixtures/bad.py", "tests/ok.py", "build/y.py")
    config = project(tmp_path, 'exclude = ["gen"]\nextend-exclude = ["*_pb2.py", "tests/fixtures"]')
    result = discover(["."], config, cwd=str(tmp_path))
    # `exclude` replaced the defaults, so build/ is walked now.
    assert files_of(result, tmp_path) == {"a.py", "tests/ok.py", "build/y.py"}


def test_a_double_star_also_stands_for_no_directory(tmp_path: Path) -> None:
    # pylint's ruff configuration: `tests/**/functional/` covers tests/functional itself.
    tree(tmp_path, "tests/functional/u/a.py", "tests/ext/functional/b.py", "tests/ok.py",
         "gen/c.py", "src/gen/d.py", "src/general.py")
    config = project(tmp_path, 'extend-exclude = ["tests/**/functional/", "**/gen"]')
    result = discover(["."], config, cwd=str(tmp_path))
    assert files_of(result, tmp_path) == {"tests/ok.py", "src/general.py"}


@pytest.mark.parametrize("in_git", [True, False], ids=["git-work-tree", "no-git"])
def test_gitignore_only_inside_a_git_work_tree(tmp_path: Path, in_git: bool) -> None:
    if in_git:
        (tmp_path / ".git" / "info").mkdir(parents=True)
        (tmp_path / ".git" / "info" / "exclude").write_text("secret.py\n")
    tree(tmp_path, "a.py", "generated/x.py", "sub/keep.py", "sub/drop.py", "sub/deep/z.py", "secret.py",
         "logs.py")
    (tmp_path / ".gitignore").write_text("generated/\n*.py[co]\nlogs.py\n")
    (tmp_path / "sub" / ".gitignore").write_text("drop.py\ndeep/\n!keep.py\n")
    result = discover(["."], project(tmp_path), cwd=str(tmp_path))
    everything = {"a.py", "generated/x.py", "sub/keep.py", "sub/drop.py", "sub/deep/z.py", "secret.py",
                  "logs.py"}
    if in_git:
        assert rel(tmp_path, result.reported) == {"a.py", "sub/keep.py"}
        # An ignored file in a walked folder is an opaque module (a build output, maybe);
        # an ignored folder is never walked.
        opaque = {"sub/drop.py", "secret.py", "logs.py"}
        assert files_of(result, tmp_path) == {"a.py", "sub/keep.py"}
        assert rel(tmp_path, (f.path for f in result.files)) == {"a.py", "sub/keep.py"} | opaque
        assert {rel(tmp_path, [f.path]).pop() for f in result.files if f.is_extension} == opaque
    else:  # as ruff: .gitignore files mean nothing outside a repository (ruff#6335)
        assert files_of(result, tmp_path) == everything
        assert rel(tmp_path, result.reported) == everything


def test_extension_modules_are_indexed_never_reported_even_when_git_ignored(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    tree(tmp_path, "pkg/__init__.py", "pkg/_speedups.cpython-311-x86_64-linux-gnu.so",
         "pkg/_native.abi3.so", "top.so", "build/lib/pkg/_speedups.so", "pkg/notes.txt")
    (tmp_path / ".gitignore").write_text("*.so\nbuild/\n")
    result = discover(["."], project(tmp_path), cwd=str(tmp_path))
    modules = {rel(tmp_path, [f.path]).pop(): (f.module, f.is_extension) for f in result.files}
    assert modules == {
        "pkg/__init__.py": ("pkg", False),
        "pkg/_speedups.cpython-311-x86_64-linux-gnu.so": ("pkg._speedups", True),
        "pkg/_native.abi3.so": ("pkg._native", True),
        "top.so": ("top", True),
    }
    assert rel(tmp_path, result.reported) == {"pkg/__init__.py"}


def test_an_extension_s_source_in_a_package_names_the_module_it_builds(tmp_path: Path) -> None:
    # A fresh checkout: `from . import _speedups` must not be reported missing before the
    # build. A C tree's folders (no __init__.py) and a root-level .c name no module.
    tree(tmp_path, "pkg/__init__.py", "pkg/_speedups.c", "pkg/_fast.pyx", "pkg/_cpp.cpp",
         "pkg/util.py", "pkg/util.c", "pkg/notes.h", "Modules/_ssl.c", "top.c", "lib/_x.pyx",
         "pkg/clinic.test.c", "pkg/_ball_tree.pyx.tp", "pkg/_old.pyx.in", "pkg/_ball_tree.pxd.tp",
         "pkg/_helper.pxi.in", "pkg/h5t.templ.pyx", "pkg/h5t.templ.pxd")
    result = discover(["."], project(tmp_path), cwd=str(tmp_path))
    modules = {rel(tmp_path, [f.path]).pop(): (f.module, f.is_extension, f.indexed)
               for f in result.files}
    assert modules == {
        "pkg/__init__.py": ("pkg", False, True),
        "pkg/_speedups.c": ("pkg._speedups", True, True),
        "pkg/_fast.pyx": ("pkg._fast", True, True),
        "pkg/_cpp.cpp": ("pkg._cpp", True, True),
        "pkg/util.py": ("pkg.util", False, True),
        "pkg/util.c": ("pkg.util", True, False),  # the Python module owns its name
        "pkg/clinic.test.c": ("", True, True),  # no module can have that name
        # Templates of Cython sources (scikit-learn, SciPy); declarations and includes
        # (.pxd.tp, .pxi.in, .templ.pxd) build no module
        "pkg/_ball_tree.pyx.tp": ("pkg._ball_tree", True, True),
        "pkg/_old.pyx.in": ("pkg._old", True, True),
        "pkg/h5t.templ.pyx": ("pkg.h5t", True, True),  # h5py's templates
    }
    assert rel(tmp_path, result.reported) == {"pkg/__init__.py", "pkg/util.py"}


def test_an_extension_s_source_in_a_declared_namespace_package(tmp_path: Path) -> None:
    # `namespace-packages` makes a folder a package without an __init__.py: for the sources
    # of its extensions too, below it as well; a folder outside it still names nothing.
    tree(tmp_path, "ns/_speedups.c", "ns/sub/_fast.pyx", "ns/mod.py", "other/_x.c")
    result = discover(["."], project(tmp_path, 'namespace-packages = ["ns"]'),
                      cwd=str(tmp_path))
    modules = {rel(tmp_path, [f.path]).pop(): (f.module, f.is_extension) for f in result.files}
    assert modules == {"ns/_speedups.c": ("ns._speedups", True),
                       "ns/sub/_fast.pyx": ("ns.sub._fast", True),
                       "ns/mod.py": ("ns.mod", False)}


def test_a_git_ignored_source_is_an_opaque_module_unless_named(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    tree(tmp_path, "pkg/__init__.py", "pkg/_version.py", "pkg/api_pb2.py", "build/lib/pkg/x.py")
    (tmp_path / ".gitignore").write_text("pkg/_version.py\n*_pb2.py\nbuild/\n")
    result = discover(["."], project(tmp_path), cwd=str(tmp_path))
    modules = {rel(tmp_path, [f.path]).pop(): (f.module, f.is_extension) for f in result.files}
    assert modules == {"pkg/__init__.py": ("pkg", False), "pkg/_version.py": ("pkg._version", True),
                       "pkg/api_pb2.py": ("pkg.api_pb2", True)}  # build/ is never walked
    assert rel(tmp_path, result.reported) == {"pkg/__init__.py"}
    named = discover(["pkg/_version.py"], project(tmp_path), cwd=str(tmp_path))
    assert rel(tmp_path, named.reported) == {"pkg/_version.py"}
    assert [f.is_extension for f in named.files if f.path.name == "_version.py"] == [False]


def test_a_build_output_gitignore_names_is_a_module_before_it_is_built(tmp_path: Path) -> None:
    # Only a path without wildcards, in a folder the index walks, that does not exist yet.
    (tmp_path / ".git").mkdir()
    tree(tmp_path, "src/pkg/__init__.py", "src/pkg/sub/__init__.py", "build/x.py")
    (tmp_path / ".gitignore").write_text(
        "src/pkg/_version.py\n/src/pkg/_build_info.pyi\n*_pb2.py\n_version2.py\n"
        "!src/pkg/kept.py\nbuild/\nbuild/y.py\nnowhere/z.py\nsrc/pkg/data/\n")
    (tmp_path / "src" / "pkg" / "sub" / ".gitignore").write_text("gen.py\n")
    result = discover(["."], project(tmp_path), cwd=str(tmp_path))
    modules = {rel(tmp_path, [f.path]).pop(): (f.module, f.is_extension) for f in result.files}
    assert modules == {
        "src/pkg/__init__.py": ("pkg", False), "src/pkg/sub/__init__.py": ("pkg.sub", False),
        "src/pkg/_version.py": ("pkg._version", True),
        "src/pkg/_build_info.pyi": ("pkg._build_info", True),
        "src/pkg/sub/gen.py": ("pkg.sub.gen", True),  # named by the folder's own .gitignore
        "_version2.py": ("_version2", True),  # a bare name: the one beside the .gitignore
    }
    assert rel(tmp_path, result.reported) == {"src/pkg/__init__.py", "src/pkg/sub/__init__.py"}


def test_a_package_s_build_output_rules_are_those_reaching_its_folder(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    tree(tmp_path, "app/__init__.py", "app/api/__init__.py", "app/api/v1/__init__.py",
         "app/plain/__init__.py", "scripts/run.py", "app/deep/__init__.pyi")
    (tmp_path / ".gitignore").write_text(
        "*_pb2.py\n.venv/\n# a comment\n/app/api/*_out.py\n**/gen/\n/build\n"
        "[!a]*.py\n*.so\nweird\\*.py\n")
    (tmp_path / "app" / "api" / ".gitignore").write_text("!keep_pb2.py\nv1/local.py\n")
    result = discover(["."], project(tmp_path), cwd=str(tmp_path))
    everywhere = (("*_pb2.py", True, False), ("gen", True, True))
    assert result.outputs == {
        # `/build` is the root's own, `/app/api/*_out.py` app/api's; the hidden `.venv/`,
        # `*.so`, the negated class and the escape are no module's; scripts/ is no package.
        "app": everywhere,
        "app.api": (("*_pb2.py", True, False), ("*_out.py", True, False), ("gen", True, True),
                    ("keep_pb2.py", False, False)),
        # a pattern without a slash reaches every folder below its .gitignore
        "app.api.v1": everywhere + (("keep_pb2.py", False, False), ("local.py", True, False)),
        "app.plain": everywhere,
        "app.deep": everywhere,
    }


def test_a_package_meson_builds_may_lack_what_a_meson_build_names(tmp_path: Path) -> None:
    # SciPy's layout: each package folder's meson.build lists its sources and makes more
    # (configure_file's __config__.py, extension modules from generated sources), and the
    # root's installs subprojects into a package; any meson.build may name what is made.
    tree(tmp_path, "pkg/__init__.py", "pkg/linalg/__init__.py", "pkg/plain/__init__.py",
         "tools/gen.py")
    (tmp_path / "meson.build").write_text(
        "project('pkg')\nextra = subproject('array_api_extra')\nsubdir('pkg')\n")
    (tmp_path / "pkg" / "meson.build").write_text(
        "configure_file(input: '__config__.py.in', output: '__config__.py')\n"
        "py.install_sources(['__init__.py'], subdir: 'pkg')  # not 'words' of a module\n")
    (tmp_path / "pkg" / "linalg" / "meson.build").write_text(
        "py.extension_module('_fblas', [gen['fblas.c']], dependencies: [np_dep])\n")
    (tmp_path / "tools" / "meson.build").write_text("run_command('gen.py', 'cython-blas')\n")
    # SciPy's _external/packaging_version: no __init__.py, its sources installed from src/
    (tmp_path / "pkg" / "vendored").mkdir()
    (tmp_path / "pkg" / "vendored" / "meson.build").write_text(
        "py.install_sources(files('src/version.py'), subdir: 'pkg/vendored')\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("*_pb2.py\n")
    result = discover(["."], project(tmp_path), cwd=str(tmp_path))
    names = ["__config__", "__init__", "_fblas", "array_api_extra", "fblas", "gen", "pkg",
             "src", "vendored", "version"]
    # not 'cython-blas' (no module has that name), nor a comment's words
    meson = tuple(rule for n in names for rule in ((n + ".py", True, False), (n, True, True)))
    pb2 = (("*_pb2.py", True, False),)
    assert result.outputs == {"pkg": meson + pb2, "pkg.linalg": meson + pb2,
                              "pkg.plain": pb2, "pkg.vendored": meson}
    # tools/ and the root are in no package; the .gitignore rules are read in packages only
    assert result.outputs["pkg"] is result.outputs["pkg.linalg"]  # one object, pickled once


def test_no_package_has_rules_when_nothing_is_ignored_in_it(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    tree(tmp_path, "app/__init__.py", "app/sub/__init__.py")
    (tmp_path / ".gitignore").write_text("/dist\n.venv/\n")
    (tmp_path / "app" / "sub" / ".gitignore").write_text("!kept.py\n")  # re-includes only
    assert discover(["."], project(tmp_path), cwd=str(tmp_path)).outputs == {}


def test_an_excluded_module_in_a_package_is_opaque(tmp_path: Path) -> None:
    # hatchling's layout: its `cli/build/` package lies under the default `build` exclude.
    tree(tmp_path, "pkg/__init__.py", "pkg/cli/__init__.py", "pkg/cli/build/__init__.py",
         "pkg/cli/build/core.py", "pkg/legacy.py", "pkg/dist/data.txt", "build/lib/pkg/x.py",
         "pkg/__pycache__/x.cpython-311.pyc", "legacy.py")
    config = project(tmp_path, 'extend-exclude = ["legacy.py"]')
    result = discover(["."], config, cwd=str(tmp_path))
    modules = {rel(tmp_path, [f.path]).pop(): (f.module, f.is_extension) for f in result.files}
    assert modules == {
        "pkg/__init__.py": ("pkg", False), "pkg/cli/__init__.py": ("pkg.cli", False),
        # not walked, never read nor reported: what is under them is unknown
        "pkg/cli/build/__init__.py": ("pkg.cli.build", True),
        "pkg/legacy.py": ("pkg.legacy", True),
    }  # the root's build/ and legacy.py lie in no package; pkg/dist/ makes no module
    assert rel(tmp_path, result.reported) == {"pkg/__init__.py", "pkg/cli/__init__.py"}
    named = discover(["pkg/legacy.py"], config, cwd=str(tmp_path))
    assert rel(tmp_path, named.reported) == {"pkg/legacy.py"}  # named: checked after all
    assert [f.is_extension for f in named.files if f.path.name == "legacy.py"] == [False]


def test_an_excluded_module_in_a_namespace_folder_of_a_package_is_opaque(tmp_path: Path) -> None:
    # metpy's layout: ruff excludes the generated io/_metar_parser/metar_parser.py, in a
    # folder without __init__ that Python imports as metpy.io._metar_parser.
    tree(tmp_path, "pkg/__init__.py", "pkg/io/__init__.py", "pkg/io/_gen/parser.py",
         "pkg/io/_gen/deeper/more.py", "tools/gen/out.py")
    config = project(tmp_path, 'extend-exclude = ["parser.py", "more.py", "out.py"]')
    result = discover(["."], config, cwd=str(tmp_path))
    modules = {f.module: f.is_extension for f in result.files if f.indexed}
    assert modules == {"pkg": False, "pkg.io": False, "pkg.io._gen.parser": True,
                       "pkg.io._gen.deeper.more": True}  # tools/ lies in no package
    assert rel(tmp_path, result.reported) == {"pkg/__init__.py", "pkg/io/__init__.py"}


def test_an_excluded_extension_or_its_source_still_names_its_module(tmp_path: Path) -> None:
    # apache-beam's ruff configuration excludes "*.pyx" and "*.pxd" (ruff never reads them):
    # coders/stream.pyx still builds apache_beam.coders.stream.
    tree(tmp_path, "pkg/__init__.py", "pkg/stream.pyx", "pkg/stream.pxd",
         "pkg/_fast.cpython-311-x86_64-linux-gnu.so", "pkg/api_pb2.py")
    config = project(tmp_path, 'extend-exclude = ["*.pyx", "*.pxd", "*.so", "*pb2*.py"]')
    result = discover(["."], config, cwd=str(tmp_path))
    modules = {f.module: f.is_extension for f in result.files if f.indexed}
    assert modules == {"pkg": False, "pkg.stream": True, "pkg._fast": True, "pkg.api_pb2": True}
    assert rel(tmp_path, result.reported) == {"pkg/__init__.py"}


def test_a_source_beside_an_extension_owns_the_name(tmp_path: Path) -> None:
    tree(tmp_path, "fast.py", "fast.cpython-311-x86_64-linux-gnu.so")
    result = discover(["."], project(tmp_path), cwd=str(tmp_path))
    owners = {rel(tmp_path, [f.path]).pop() for f in result.files if f.indexed}
    assert owners == {"fast.py"}


def test_gitignore_negation_in_nested_file(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    tree(tmp_path, "pkg/a_gen.py", "pkg/b_gen.py")
    (tmp_path / ".gitignore").write_text("*_gen.py\n")
    (tmp_path / "pkg" / ".gitignore").write_text("!b_gen.py\n")
    result = discover([tmp_path / "pkg"], project(tmp_path), cwd=str(tmp_path))
    assert files_of(result, tmp_path) == {"pkg/b_gen.py"}


def test_named_excluded_file_checked_unless_force_exclude(tmp_path: Path) -> None:
    tree(tmp_path, "a.py", "build/gen.py", "skip_me.py")
    config = project(tmp_path, 'extend-exclude = ["skip_me.py"]')
    result = discover(["build/gen.py", "skip_me.py"], config, cwd=str(tmp_path))
    assert rel(tmp_path, result.reported) == {"build/gen.py", "skip_me.py"}
    forced = discover(["build/gen.py", "skip_me.py", "a.py"], config, cwd=str(tmp_path), force_exclude=True)
    assert rel(tmp_path, forced.reported) == {"a.py"}
    assert "build/gen.py" not in files_of(forced, tmp_path)


def test_named_excluded_directory_is_walked(tmp_path: Path) -> None:
    tree(tmp_path, "build/x.py", "build/__pycache__/y.py")
    result = discover(["build"], project(tmp_path), cwd=str(tmp_path))
    assert rel(tmp_path, result.reported) == {"build/x.py"}


def test_index_covers_project_while_only_named_file_is_reported(tmp_path: Path) -> None:
    tree(tmp_path, "pkg/__init__.py", "pkg/a.py", "pkg/b.py", "tests/test_a.py", "build/x.py")
    result = discover(["pkg/a.py"], project(tmp_path), cwd=str(tmp_path))
    assert rel(tmp_path, result.reported) == {"pkg/a.py"}
    assert files_of(result, tmp_path) == {"pkg/__init__.py", "pkg/a.py", "pkg/b.py", "tests/test_a.py"}
    assert result.project_root == tmp_path


def test_index_covers_src_roots(tmp_path: Path) -> None:
    tree(tmp_path, "src/pkg/__init__.py", "src/pkg/a.py", "tests/test_a.py", "scripts/tool.py")
    config = project(tmp_path, 'src = ["src"]')
    result = discover(["tests/test_a.py"], config, cwd=str(tmp_path))
    assert files_of(result, tmp_path) == {"src/pkg/__init__.py", "src/pkg/a.py", "tests/test_a.py"}
    assert rel(tmp_path, result.reported) == {"tests/test_a.py"}
    modules = {f.module for f in result.files}
    assert modules == {"pkg", "pkg.a", "test_a"}


def test_without_config_index_is_what_was_named(tmp_path: Path) -> None:
    """No config declares a project, so the index never widens to the common parent."""
    tree(tmp_path, "x/a.py", "x/y/b.py", "x/z/c.py", "other/d.py")
    result = discover(["x/y/b.py", "x/z"], Config(), cwd=str(tmp_path))
    assert result.project_root == tmp_path / "x"
    assert files_of(result, tmp_path) == {"x/y/b.py", "x/z/c.py"}


def test_duplicates_and_overlaps_appear_once(tmp_path: Path) -> None:
    tree(tmp_path, "pkg/a.py", "pkg/sub/b.py")
    result = discover(["pkg", "pkg/", "./pkg/sub", "pkg/a.py", "pkg/sub/b.py"], project(tmp_path), cwd=str(tmp_path))
    paths = [f.path for f in result.files]
    assert len(paths) == len(set(paths)) == 2
    assert rel(tmp_path, result.reported) == {"pkg/a.py", "pkg/sub/b.py"}


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    tree(tmp_path, "a.py")
    with pytest.raises(DiscoveryError) as caught:
        discover(["a.py", "path/x"], project(tmp_path), cwd=str(tmp_path))
    assert str(caught.value) == "path/x: No such file or directory"
    assert caught.value.path == "path/x"


def test_directory_named_like_a_python_file_is_walked_not_read(tmp_path: Path) -> None:
    tree(tmp_path, "x.py/inner.py")
    result = discover(["."], project(tmp_path), cwd=str(tmp_path))
    assert files_of(result, tmp_path) == {"x.py/inner.py"}
    named = discover(["x.py"], project(tmp_path), cwd=str(tmp_path))
    assert rel(tmp_path, named.reported) == {"x.py/inner.py"}


def test_symlink_loop_terminates(tmp_path: Path) -> None:
    tree(tmp_path, "pkg/a.py")
    os.symlink(tmp_path / "pkg", tmp_path / "pkg" / "loop")
    os.symlink(tmp_path / "pkg" / "a.py", tmp_path / "pkg" / "alias.py")
    os.symlink(tmp_path / "nowhere.py", tmp_path / "pkg" / "broken.py")
    result = discover(["."], project(tmp_path), cwd=str(tmp_path))
    assert files_of(result, tmp_path) == {"pkg/a.py", "pkg/alias.py"}
    # A symlinked directory named on the command line is followed (once).
    named = discover(["pkg/loop"], project(tmp_path), cwd=str(tmp_path))
    assert rel(tmp_path, named.reported) == {"pkg/loop/a.py", "pkg/loop/alias.py"}


@pytest.mark.parametrize(
    ("files", "path", "module", "is_package"),
    [
        (("pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/mod.py"), "pkg/sub/mod.py", "pkg.sub.mod", False),
        (("pkg/__init__.py", "pkg/sub/__init__.py"), "pkg/sub/__init__.py", "pkg.sub", True),
        (("pkg/__init__.pyi", "pkg/m.pyi"), "pkg/m.pyi", "pkg.m", False),
        # Under a top folder that is no package: DIR/chain, a name no import can spell.
        (("nopkg/sub/__init__.py", "nopkg/sub/m.py"), "nopkg/sub/m.py", "nopkg/sub.m", False),
        (("script.py",), "script.py", "script", False),
        (("my-tool.py",), "my-tool.py", "", False),
    ],
    ids=["chain", "package", "stubs", "chain-stops", "top-level", "not-importable"],
)
def test_module_names_from_init_chain(tmp_path: Path, files, path, module, is_package) -> None:
    tree(tmp_path, *files)
    result = discover(["."], project(tmp_path), cwd=str(tmp_path))
    found = {rel(tmp_path, [f.path]).pop(): f for f in result.files}[path]
    assert (found.module, found.is_package) == (module, is_package)


def test_files_of_one_directory_are_named_each_by_its_own_kind(tmp_path: Path) -> None:
    """Names are worked out once per directory and shared by its files: an ``__init__.py``
    directly in the root (nameless: the root is on ``sys.path``) must not make its
    neighbours nameless, nor they name it; an invalid identifier taints one file only."""
    tree(tmp_path, "__init__.py", "top.py", "bad-name.py", "pkg/__init__.py", "pkg/m.py",
         "pkg/bad-name.py", "nopkg/sub/__init__.py", "nopkg/sub/m.py")
    result = discover(["."], project(tmp_path), cwd=str(tmp_path))
    names = {rel(tmp_path, [f.path]).pop(): (f.module, f.is_package) for f in result.files}
    assert names == {
        "__init__.py": ("", True), "top.py": ("top", False), "bad-name.py": ("", False),
        "pkg/__init__.py": ("pkg", True), "pkg/m.py": ("pkg.m", False),
        "pkg/bad-name.py": ("", False),
        "nopkg/sub/__init__.py": ("nopkg/sub", True), "nopkg/sub/m.py": ("nopkg/sub.m", False),
    }


def test_module_names_from_src_roots_first_configured_wins(tmp_path: Path) -> None:
    tree(tmp_path, "src/pkg/m.py", "src/lib/x.py")
    config = project(tmp_path, 'src = ["src", "src/lib"]')
    result = discover(["."], config, cwd=str(tmp_path))
    names = {rel(tmp_path, [f.path]).pop(): f.module for f in result.files}
    assert names == {"src/pkg/m.py": "pkg.m", "src/lib/x.py": "lib.x"}


def test_namespace_packages_are_named_through_their_directories(tmp_path: Path) -> None:
    """A top-level PEP 420 namespace directory is a package only when configured, as in
    ruff; unconfigured, its files get names no import can spell (never ``functools``,
    which would shadow the stdlib's)."""
    tree(tmp_path, "jaraco/functools/__init__.py", "jaraco/text/x.py", "tools/run.py")
    plain = discover(["."], project(tmp_path), cwd=str(tmp_path))
    assert {f.module for f in plain.files} == {"jaraco/functools", "jaraco/text/x", "tools/run"}
    config = project(tmp_path, 'namespace-packages = ["jaraco"]')
    result = discover(["."], config, cwd=str(tmp_path))
    names = {rel(tmp_path, [f.path]).pop(): f.module for f in result.files}
    assert names == {"jaraco/functools/__init__.py": "jaraco.functools",
                     "jaraco/text/x.py": "jaraco.text.x", "tools/run.py": "tools/run"}
    assert config.settings_dict()["namespace-packages"] == [str(tmp_path / "jaraco")]


def test_name_clash_rule(tmp_path: Path) -> None:
    tree(tmp_path, "pkg/__init__.py", "pkg.py", "pkg.pyi", "mod.py", "mod.pyi", "stub.pyi")
    result = discover(["."], project(tmp_path), cwd=str(tmp_path))
    indexed = {rel(tmp_path, [f.path]).pop(): f.indexed for f in result.files}
    assert indexed == {"pkg/__init__.py": True, "pkg.py": False, "pkg.pyi": False,
                       "mod.py": True, "mod.pyi": False, "stub.pyi": True}
    assert [(m, w.name) for m, w, _ in result.clashes] == [("mod", "mod.py"), ("pkg", "__init__.py")]
    # The losers are still there to be checked by module rules.
    assert rel(tmp_path, result.reported) >= {"pkg.py", "mod.pyi"}


def test_claim_rank_order() -> None:
    ranks = sorted([
        claim_rank("b/pkg.pyi", False, 0), claim_rank("a/pkg/__init__.pyi", True, 0),
        claim_rank("z/pkg.py", False, 0), claim_rank("y/pkg/__init__.py", True, 1),
        claim_rank("x/pkg/__init__.py", True, 0),
    ])
    assert [r[2] for r in ranks] == [
        "x/pkg/__init__.py", "y/pkg/__init__.py", "z/pkg.py", "a/pkg/__init__.pyi", "b/pkg.pyi"]


def test_stdin_with_filename(tmp_path: Path) -> None:
    tree(tmp_path, "pkg/__init__.py", "pkg/a.py")
    result = discover(["-"], project(tmp_path), cwd=str(tmp_path), stdin_filename="pkg/a.py")
    stdin = [f for f in result.files if f.is_stdin]
    assert [(f.display, f.module) for f in stdin] == [("pkg/a.py", "pkg.a")]
    assert rel(tmp_path, result.reported) == {"pkg/a.py"}
    assert files_of(result, tmp_path) == {"pkg/__init__.py", "pkg/a.py"}


def test_stdin_without_filename(tmp_path: Path) -> None:
    result = discover(["-"], Config(), cwd=str(tmp_path))
    assert [(str(f.path), f.display, f.is_stdin, f.indexed) for f in result.files] == [("-", "-", True, False)]


def test_display_paths(tmp_path: Path) -> None:
    assert display_path(tmp_path / "a" / "b.py", str(tmp_path)) == os.path.join("a", "b.py")
    outside = tmp_path.parent / "elsewhere.py"
    assert display_path(outside, str(tmp_path)) == str(outside)
