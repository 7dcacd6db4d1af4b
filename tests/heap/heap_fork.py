"""Fork helpers for the heap tests: run functions in forked children, get their results back."""
from __future__ import annotations

import os
import pickle
import traceback
from collections.abc import Callable
from typing import Any


def run_in_child(fn: Callable[[], str]) -> str:
    """Fork, run fn in the child, and return the string it produced (or its exception's repr)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            result = fn()
        except BaseException as exc:  # the child must report, never unwind into pytest
            result = f"{type(exc).__name__}: {exc}"
        os.write(write_fd, result.encode())
        os._exit(0)
    os.close(write_fd)
    chunks = []
    while chunk := os.read(read_fd, 65536):
        chunks.append(chunk)
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return b"".join(chunks).decode()


def fork_child(fn: Callable[[], Any]) -> tuple[int, int]:
    """Run ``fn`` in a forked child; return (pid, read end of the pipe carrying its result).

    Unlike run_in_child this does not wait, so several children run side by side; reap each
    with collect_child.
    """
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.close(r)
            payload = pickle.dumps(("ok", fn()))
            code = 0
        except BaseException:
            payload = pickle.dumps(("error", traceback.format_exc()))
        finally:
            with os.fdopen(w, "wb") as out:
                out.write(payload)
            os._exit(code)
    os.close(w)
    return pid, r


def collect_child(pid: int, r: int) -> Any:
    """Read a child's result to EOF, reap it, and re-raise its failure here."""
    with os.fdopen(r, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    assert data, f"child {pid} died without a result, status {status}"
    kind, result = pickle.loads(data)
    assert kind == "ok", f"child {pid} failed:\n{result}"
    assert os.waitstatus_to_exitcode(status) == 0
    return result
