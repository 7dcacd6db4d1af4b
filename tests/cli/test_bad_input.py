"""Bad input never crashes or hangs a check: each becomes a diagnostic and the run goes on."""
from __future__ import annotations

import json
import os

import pytest

import analyzer.engine._jobs
from analyzer.frontend._parse import PIECE
from tests.cli.helpers import write_tree

GOOD = "import os\n"  # one F401, to prove the rest of the run went on


def check_json(shoal, *args):
    run = shoal("check", "--workers", "0", "--format", "json", *args)
    assert run.code in (0, 1), run.err
    return run


def codes_by_path(run):
    out: dict[str, list[str]] = {}
    for d in run.json():
        out.setdefault(d["path"], []).append(d["code"])
    return out


def test_syntax_error_has_a_position(project, shoal):
    write_tree(project, {"bad.py": "x = 1\ndef f(:\n    pass\n", "good.py": GOOD})
    run = check_json(shoal)
    bad = [d for d in run.json() if d["path"] == "bad.py"]
    assert [(d["code"], d["line"], d["column"]) for d in bad] == [("E999", 2, 7)]
    assert codes_by_path(run)["good.py"] == ["F401"]


@pytest.mark.parametrize("content, fragment", [
    (b"x = '\xff\xfe'\n", "utf-8"),
    (b"# -*- coding: nonsense-enc -*-\nx = 1\n", "nonsense-enc"),
    (b"\x00\x01\x02\x03binary\x00\xff", ""),
])
def test_undecodable_is_e902(project, shoal, content, fragment):
    write_tree(project, {"bad.py": content, "good.py": GOOD})
    run = check_json(shoal)
    (bad,) = [d for d in run.json() if d["path"] == "bad.py"]
    assert bad["code"] in ("E902", "E999")
    assert fragment.lower() in bad["message"].lower()
    assert codes_by_path(run)["good.py"] == ["F401"]


@pytest.mark.parametrize("content, line", [
    ("\ufeffimport os\n".encode(), 1),                        # BOM
    (b"# -*- coding: latin-1 -*-\nimport os\nx = '\xe9'\n", 2),  # cookie
    (b"import os\r\nx = 1\r\n", 1),                           # CRLF
    (b"x = 1\rimport os\r", 2),                               # lone CR
    (b"x = 1\n\x0c\nimport os\t# tab\n", 3),                  # form feed, tab
])
def test_legal_oddities_are_checked_normally(project, shoal, content, line):
    write_tree(project, {"odd.py": content})
    run = check_json(shoal, "--extend-ignore", "E402")  # the import follows `x = 1` on purpose
    assert [(d["code"], d["line"], d["column"]) for d in run.json()] == [("F401", line, 1)]


def test_empty_file(project, shoal):
    write_tree(project, {"empty.py": b"", "good.py": GOOD})
    assert codes_by_path(check_json(shoal)) == {"good.py": ["F401"]}


def test_nul_bytes(project, shoal):
    write_tree(project, {"nul.py": b"x = 1\x00\n", "good.py": GOOD})
    found = codes_by_path(check_json(shoal))
    assert found["nul.py"][0] in ("E902", "E999")
    assert found["good.py"] == ["F401"]


@pytest.mark.slow
def test_ten_megabyte_file(project, shoal):
    body = "x = [\n" + "    1,\n" * 1_500_000 + "]\n"
    assert len(body) > 10_000_000
    write_tree(project, {"huge.py": "import os\n" + body})
    assert codes_by_path(check_json(shoal)) == {"huge.py": ["F401"]}


@pytest.mark.parametrize("source", [
    "x = " + "(" * 2000 + "1" + ")" * 2000 + "\n",
    "x = " + "+".join(["1"] * 10_000) + "\n",
    "x = (\n" + "\n".join(f"    'part{i}'" for i in range(3000)) + "\n)\n",
])
def test_hostile_shapes_do_not_crash(project, shoal, source):
    write_tree(project, {"hostile.py": source, "good.py": GOOD})
    run = shoal("check", "--workers", "1", "--format", "json")
    assert run.code in (0, 1, 2), run.err
    found = codes_by_path(run)
    assert found["good.py"] == ["F401"]
    assert set(found.get("hostile.py", [])) <= {"E999", "SH900"}


def test_python2_source(project, shoal):
    write_tree(project, {"py2.py": "print 'hello'\n", "good.py": GOOD})
    found = codes_by_path(check_json(shoal))
    assert found["py2.py"] == ["E999"]


def test_unreadable_file(project, shoal, monkeypatch):
    write_tree(project, {"secret.py": GOOD, "good.py": GOOD})
    real = analyzer.engine._jobs._read

    def read(path):
        if path.endswith("secret.py"):
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(analyzer.engine._jobs, "_read", read)
    run = check_json(shoal)
    (bad,) = [d for d in run.json() if d["path"] == "secret.py"]
    assert bad["code"] == "E902" and "Permission denied" in bad["message"]


def test_file_deleted_between_discovery_and_parsing(project, shoal, monkeypatch):
    write_tree(project, {"gone.py": GOOD, "good.py": GOOD})
    real = analyzer.engine._jobs._read

    def read(path):
        if path.endswith("gone.py") and os.path.exists(path):
            os.unlink(path)
        return real(path)

    monkeypatch.setattr(analyzer.engine._jobs, "_read", read)
    found = codes_by_path(check_json(shoal))
    assert found["gone.py"] == ["E902"]
    assert found["good.py"] == ["F401"]


def test_directory_named_like_a_module_and_symlink_loop(project, shoal):
    write_tree(project, {"x.py/inner.py": GOOD, "good.py": GOOD})
    os.symlink(project, project / "loop")
    found = codes_by_path(check_json(shoal))
    assert found == {"good.py": ["F401"], "x.py/inner.py": ["F401"]}


def test_path_given_twice_and_overlapping(project, shoal):
    write_tree(project, {"pkg/a.py": GOOD})
    run = check_json(shoal, "pkg", "pkg/a.py", "pkg/a.py", ".")
    assert run.codes() == [("pkg/a.py", 1, "F401")]


def test_worker_dying_on_a_file_costs_only_that_file(project, shoal, monkeypatch):
    write_tree(project, {"poison.py": GOOD, **{f"m{i}.py": GOOD for i in range(6)}})
    real = analyzer.engine._jobs._read

    def read(path):
        if path.endswith("poison.py"):
            os._exit(7)
        return real(path)

    monkeypatch.setattr(analyzer.engine._jobs, "_read", read)
    run = shoal("check", "--workers", "1", "--format", "json")
    assert run.code == 2  # an internal error is exit 2, after printing everything else
    found = codes_by_path(run)
    assert found["poison.py"] == ["SH900"]
    assert all(found[f"m{i}.py"] == ["F401"] for i in range(6))


@pytest.mark.parametrize("name, shown", [
    (b"caf\xe9/a.py", "caf\\xe9/a.py"),   # a directory name that is not UTF-8
    (b"b\xff.py", "b\\xff.py"),           # a file name that is not UTF-8
    (b"a\nb.py", "a\\nb.py"),             # a newline in the name
])
def test_hostile_file_names_are_checked(project, shoal, name, shown):
    path = os.path.join(os.fsencode(project), name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(GOOD.encode())
    write_tree(project, {"good.py": GOOD})
    run = shoal("check", "--workers", "1", "--no-cache")
    assert run.code == 1, run.out + run.err
    run.out.encode("utf-8")  # strict: every byte that is not UTF-8 was escaped
    heads = sorted(line.split(":1:1: ")[0] for line in run.out.splitlines() if "F401" in line)
    assert heads == sorted([shown, "good.py"])


#: a file CPython parses (under shoal's raised recursion limit) whose tree is 9,000 deep
CHAIN = "import os\nx = " + "+".join(["1"] * 9000) + "\n"


@pytest.mark.parametrize("workers", ["0", "1"])
def test_a_deep_but_valid_file_keeps_its_findings(project, shoal, workers):
    write_tree(project, {"chain.py": CHAIN})
    run = shoal("check", "--workers", workers, "--no-cache", "--format", "json")
    assert run.code == 1, run.out + run.err
    assert codes_by_path(run) == {"chain.py": ["F401"]}


def test_cst_rules_refuse_a_too_deep_file_in_process(project):
    # A subprocess: were the gate gone, libcst's native parser would kill the interpreter.
    import subprocess
    import sys

    write_tree(project, {"chain.py": CHAIN, "good.py": "import sys\n",
                         "pyproject.toml": '[tool.shoal]\nplugins = ["fixit.rules"]\n'})
    run = subprocess.run([sys.executable, "-m", "analyzer", "check", "--workers", "0",
                          "--no-cache", "--output-format", "concise", "."], cwd=project,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert any(line.startswith("chain.py:1:1: F401") for line in lines), run.stdout
    refused = [line for line in lines if "SH900" in line]
    assert len(refused) == 1 and "nests more than 1000 levels deep" in refused[0]
    assert any(line.startswith("good.py:1:1: F401") for line in lines)


#: files whose parse warns (an invalid escape: a DeprecationWarning before Python 3.12, a
#: SyntaxWarning since): in the code, in a string annotation, in a large file's later piece
WARNING_FILES = {
    "esc.py": 'import re\n\nx = re.compile("\\d+")\n',
    "ann.py": 'import re\nfrom typing import Literal\n\nx: "Literal[\'\\\\d\'] | re.Pattern[str]"\n',
    "big.py": "".join(f"def f{i}(a):\n    return a\n" for i in range(3000))
              + 'y = "\\w" + "\\d"\n',
    "good.py": GOOD,
}


@pytest.mark.parametrize("warnings_filter", ["error", "always"])
def test_the_checked_code_s_warnings_are_not_the_check_s(project, warnings_filter):
    # Raised ("error"), the parser's warning was a false E999, and a string annotation's a
    # false F722 and an F401 for the import it uses; printed ("always"), noise on stderr.
    import subprocess
    import sys

    write_tree(project, WARNING_FILES)
    assert "'\\\\d'" in (project / "ann.py").read_text()  # the annotation's escape is in it
    assert (project / "big.py").stat().st_size > 2 * PIECE
    env = {**os.environ, "PYTHONWARNINGS": warnings_filter}
    run = subprocess.run([sys.executable, "-m", "analyzer", "check", "--workers", "2",
                          "--no-cache", "--output-format", "json", "."], cwd=project,
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 1, run.stdout + run.stderr
    found = [(d["path"], d["code"]) for d in json.loads(run.stdout)]
    assert found == [("good.py", "F401")]
    assert run.stderr == ""


@pytest.mark.parametrize("command", [("rules",), ("rule", "F401")])
def test_an_options_table_naming_no_rule_is_one_line_for_rules_too(project, shoal, command):
    (project / "pyproject.toml").write_text(
        "[tool.shoal]\n[tool.shoal.options.Z999]\nbogus = 1\n", encoding="utf-8")
    run = shoal(*command)
    assert run.code == 2
    assert "names no loaded rule" in run.err and "internal error" not in run.err
    assert len(run.err.strip().splitlines()) == 1


def test_an_undecodable_pyproject_is_a_configuration_error(project, shoal):
    # tomllib decodes the bytes itself and lets UnicodeDecodeError out: it was an
    # "internal error ... this is a bug in shoal", where it is the file's to fix.
    write_tree(project, {"pyproject.toml": b"[project]\nname = \"\xff\"\n", "good.py": GOOD})
    run = shoal("check", "--workers", "0")
    assert run.code == 2
    assert run.err.strip().splitlines() == [
        f"shoal: error: {project / 'pyproject.toml'}: invalid TOML: not UTF-8 at byte 18"], run.err
