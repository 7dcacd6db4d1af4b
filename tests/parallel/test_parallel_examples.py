"""The runnable programs in examples/ work as documented."""

import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", ["parallel_sum", "heap_table"])
@pytest.mark.parametrize("n", [10, 5000])
def test_example_prints_the_sum(name, n):
    out = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), str(n)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"Sum: {n * (n + 1) // 2}\n"
    assert out.stderr == ""


def test_the_dask_example_prints_the_sum():
    n = 5000
    out = subprocess.run([sys.executable, str(EXAMPLES / "dask_sum.py"), str(n)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"Sum: {n * (n + 1) // 2}\n"
