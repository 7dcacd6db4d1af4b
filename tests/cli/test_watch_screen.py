"""`shoal watch` shows the current state after each recheck: on a terminal (a pseudo-terminal
here) a cleared screen of findings cut to its height, a pipe gets plain text; --verbose adds
the change log, in which a finding that only moved with its line is not new."""
from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

import analyzer.interfaces._watch_screen as watch_screen
from analyzer.interfaces._watch_screen import CLEAR, LineCache, moved_aside, render_screen
from analyzer.rules import Diagnostic, Edit, Fix
from tests.cli.helpers import LiveOutput, reap, write_tree

DEADLINE = 60.0
_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _d(line: int, code: str = "F401", message: str = "'os' imported but unused",
       path: str = "a.py", fixable: bool = True) -> Diagnostic:
    fix = Fix("safe", "remove", (Edit("", line, 1, line + 1, 1),)) if fixable else None
    return Diagnostic(path, line, 1, code, message, line, 2, "x", fix)


def test_screen_lists_findings_counts_by_code_and_ends_with_the_status():
    found = [_d(1), _d(2, "E711", "comparison to None", fixable=False), _d(3)]
    text = render_screen(found, {}, status="[now] status", cwd=os.getcwd())
    assert text.splitlines() == [
        "a.py:1:1: F401 [*] 'os' imported but unused",
        "a.py:2:1: E711 comparison to None",
        "a.py:3:1: F401 [*] 'os' imported but unused",
        "Found 3 errors: 2 F401, 1 E711.",
        "[*] 2 fixable with the --fix option.",
        "[now] status",
    ]
    assert "\x1b" not in text
    assert render_screen([], {}, status="s", cwd=os.getcwd()) == "All checks passed!\ns\n"


def test_screen_cuts_the_findings_to_the_terminal_height():
    found = [_d(line) for line in range(1, 31)]
    text = render_screen(found, {}, status="status", cwd=os.getcwd(), height=10, width=80)
    lines = text.splitlines()
    # 10 rows: 5 findings, "… and 25 more", 2 summary lines, the status, the cursor's row.
    assert len(lines) == 9 and lines[5] == "… and 25 more", lines
    assert lines[-1] == "status"
    narrow = render_screen(found, {}, status="status", cwd=os.getcwd(), height=10, width=30)
    assert "… and 28 more" in narrow  # each finding wraps onto two rows


def _counting_headlines(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    formatted: list[int] = []
    real = watch_screen.headline

    def counted(d, options):  # type: ignore[no-untyped-def]
        formatted.append(d.line)
        return real(d, options)

    monkeypatch.setattr(watch_screen, "headline", counted)
    return formatted


def test_a_redraw_formats_only_the_findings_a_recheck_made(monkeypatch):
    formatted = _counting_headlines(monkeypatch)
    a_file = [_d(line) for line in range(1, 201)]
    b_file = [_d(line, path="b.py") for line in range(1, 101)]
    cache = LineCache()
    first = render_screen(a_file + b_file, {}, status="s", cwd=os.getcwd(), in_order=True,
                          cache=cache)
    assert len(formatted) == 300 and first == render_screen(a_file + b_file, {}, status="s",
                                                             cwd=os.getcwd())
    formatted.clear()
    # b.py was rechecked: new objects for its findings; a.py's are the same objects.
    b_file = [_d(line, "E711", "comparison to None", path="b.py", fixable=False)
              for line in range(1, 51)]
    second = render_screen(a_file + b_file, {}, status="s", cwd=os.getcwd(), in_order=True,
                           cache=cache)
    assert len(formatted) == 50
    assert second == render_screen(a_file + b_file, {}, status="s", cwd=os.getcwd())
    assert "Found 250 errors: 200 F401, 50 E711." in second.splitlines()


def test_a_terminal_redraw_formats_a_screenful_not_every_finding(monkeypatch):
    formatted = _counting_headlines(monkeypatch)
    found = [_d(line) for line in range(1, 10_001)]
    for color in (False, True):
        formatted.clear()
        text = render_screen(found, {}, status="status", cwd=os.getcwd(), height=24, width=80,
                             color=color, in_order=True, cache=LineCache())
        assert "… and 9981 more" in text
        assert len(formatted) <= 2 * 24 + 2, len(formatted)


def test_a_finding_that_moved_with_its_line_is_neither_new_nor_fixed():
    new, fixed = moved_aside([_d(2), _d(3, message="'re' imported but unused")], [_d(1)])
    assert [(d.line, d.message) for d in new] == [(3, "'re' imported but unused")]
    assert fixed == []


class _Terminal:
    """A process on a pseudo-terminal of ROWS x COLUMNS; its output read as it comes."""

    def __init__(self, argv: list[str], cwd: Path, rows: int, columns: int) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        self.proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=slave,
                                     stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.master = master
        self.text = ""

    def wait_for(self, condition, what: str) -> None:
        end = time.monotonic() + DEADLINE
        while not condition(self.text):
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {what} on the terminal; it shows:\n{self.text!r}")
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the process closed the terminal
                chunk = b""
            if not chunk:
                raise AssertionError(f"the process ended before {what}:\n{self.text!r}")
            self.text += chunk.decode("utf-8", "replace")

    def statuses(self) -> int:
        return self.text.count("rechecked in")

    def close(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(DEADLINE)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            os.close(self.master)
        return code


def _last_screen(text: str) -> list[str]:
    """The lines drawn after the last clear, escape codes taken out."""
    screen = text.rsplit(CLEAR, 1)[-1]
    return [_ESCAPE.sub("", line).rstrip("\r") for line in screen.split("\n")]


@pytest.mark.slow
def test_terminal_shows_the_current_state_cut_to_its_height(tmp_path):
    imports = "".join(f"import m{i}\n" for i in range(30))
    write_tree(tmp_path, {"pyproject.toml": "[tool.shoal]\n", "a.py": imports})
    term = _Terminal([sys.executable, "-m", "analyzer", "watch", ".", "--workers", "0",
                      "--no-cache", "--select", "F401"], tmp_path, rows=12, columns=100)
    try:
        term.wait_for(lambda t: "shoal: watching" in t, "startup")
        screen = _last_screen(term.text)
        assert screen[0] == "a.py:1:1: F401 [*] 'm0' imported but unused", screen
        assert "… and 23 more" in screen  # 12 rows: 7 findings, 4 more lines, the cursor's
        assert "Found 30 errors: 30 F401." in screen
        assert "\x1b[31m" in term.text and CLEAR in term.text  # colour, a cleared screen
        assert "heap" not in term.text and "+ a.py" not in term.text
        # A line inserted above every finding moves them all: the screen shows where they are
        # now, and nothing is announced as new.
        (tmp_path / "a.py").write_text("x = 1\n" + imports.replace("import m29\n", ""))
        term.wait_for(lambda t: "problems (-1)" in t, "the recheck")
        screen = _last_screen(term.text)
        assert screen[0] == "a.py:2:1: F401 [*] 'm0' imported but unused", screen
        assert "… and 22 more" in screen and "Found 29 errors: 29 F401." in screen
        assert any("1 file changed" in line and "rechecked in" in line for line in screen)
    finally:
        assert term.close() == 0


@pytest.mark.slow
def test_a_pipe_gets_plain_text_and_verbose_adds_the_change_log(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": "[tool.shoal]\n", "a.py": "import os\n"})
    for verbose in (False, True):
        proc = subprocess.Popen(
            [sys.executable, "-m", "analyzer", "watch", ".", "--workers", "0", "--no-cache",
             "--select", "F401", *(["--verbose"] if verbose else [])],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        live = LiveOutput(proc, DEADLINE)
        try:
            live.wait_for_line("shoal: watching", "startup")
            (tmp_path / "a.py").write_text("\nimport os\nimport re\n")
            live.wait_for_line("problems (+1)", "the recheck")
            proc.send_signal(signal.SIGINT)
            assert live.finish() == 0, live.text
        finally:
            reap(proc)
        assert "\x1b" not in live.text
        assert "a.py:2:1: F401 [*] 'os' imported but unused" in live.lines
        assert "a.py:3:1: F401 [*] 're' imported but unused" in live.lines
        changes = [line for line in live.lines if line[:2] in ("+ ", "- ")]
        if verbose:  # 'os' moved from line 1 to 2: not new, not fixed
            assert changes == ["+ a.py:1:1: F401 'os' imported but unused",
                               "+ a.py:3:1: F401 're' imported but unused"], live.text
            assert "heap" in live.text
        else:
            assert changes == [] and "heap" not in live.text
        (tmp_path / "a.py").write_text("import os\n")
