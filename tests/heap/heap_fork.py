"""Fork helper for the heap tests: run a function in a forked child, get its report back."""
from __future__ import annotations

import os
from collections.abc import Callable


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
