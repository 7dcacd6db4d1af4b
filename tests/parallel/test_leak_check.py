"""The suite-wide leak check (tests/conftest.py) fails a test that leaves things behind."""

import pathlib
import subprocess
import sys
import textwrap

CONFTEST = pathlib.Path(__file__).parent.parent / "conftest.py"

LEAKY = textwrap.dedent(
    '''
    import os, threading
    from parallel import WorkerPool

    def test_clean():
        with WorkerPool(workers=1):
            pass

    def test_leaks_a_pool():
        WorkerPool(workers=1)

    def test_leaks_a_pipe():
        os.pipe()

    def test_leaks_a_thread():
        threading.Thread(target=threading.Event().wait, daemon=True).start()
    '''
)


def test_leaks_are_reported_by_name(tmp_path):
    (tmp_path / "conftest.py").write_text(CONFTEST.read_text())
    (tmp_path / "test_leaky.py").write_text(LEAKY)
    # The leaked thread would keep an in-process session alive: run it in its own process.
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )
    text = out.stdout
    assert "4 passed, 3 errors" in text, text
    assert "child processes left" in text
    assert "descriptors left open" in text and "pipe:" in text
    assert "threads still running" in text
    assert "test_clean" not in text.split("short test summary")[-1]
