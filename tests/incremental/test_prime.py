"""A session resumed from the cache primes itself while idle (``Session.prime``): the first
edit after it merges only the edited file's findings, reports the right change, and every
step still matches a cold check."""
from __future__ import annotations

from pathlib import Path

import pytest
from support import codes, cold, make_plan, project, write

import analyzer.engine._findings as findings_module
from analyzer.engine import open_session, warm_idle

FILES = {
    "hub.py": "import os\n\ndef f(x):\n    return x\n",
    **{f"r{i}.py": f"from hub import f\nf({i})\n" for i in range(4)},
    "leaf.py": "import sys\n",
    "other.py": "import json\n",
}


@pytest.fixture
def resumed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A 2-worker session on ``FILES`` resumed from the cache, and a counter of the files
    whose findings each update merged."""
    root = project(tmp_path / "proj", FILES)
    monkeypatch.chdir(root)
    cache = tmp_path / "cache"
    first, save = open_session(make_plan(root, workers=2, cache_dir=cache))
    save(first)
    first.close()
    merged: list[str] = []
    real = findings_module.finish

    def counted(diags, noqa, *args, **kwargs):  # type: ignore[no-untyped-def]
        merged.extend(noqa.keys() or {d.path for d in diags})
        return real(diags, noqa, *args, **kwargs)

    monkeypatch.setattr(findings_module, "finish", counted)
    session, _ = open_session(make_plan(root, workers=2, cache_dir=cache))
    yield root, session, merged
    session.close()


def test_the_first_edit_after_priming_merges_the_edited_file_only(resumed) -> None:
    root, session, merged = resumed
    before = list(session.state.diagnostics)
    assert session.prime() is True
    assert list(session.state.diagnostics) == before  # nothing was read, nothing moved
    assert session.prime() is False  # primed: nothing due
    merged.clear()
    write(root, {"leaf.py": "import sys\nimport re\n"})
    report = session.recheck([root / "leaf.py"])
    assert set(merged) == {"leaf.py"}
    assert [(d.path, d.message) for d in report.new] == [("leaf.py", "'re' imported but unused")]
    assert report.fixed == []
    assert codes(session.state.diagnostics) == codes(cold(root))


def test_without_priming_the_first_edit_merges_every_file(resumed) -> None:
    # The cost priming takes off the first edit: every reported file merged again.
    root, session, merged = resumed
    write(root, {"leaf.py": "import sys\nimport re\n"})
    session.recheck([root / "leaf.py"])
    assert len(set(merged)) == len(FILES)


def test_idle_primes_then_warms_and_a_hub_edit_after_matches_a_cold_check(resumed) -> None:
    root, session, merged = resumed
    warm_idle(session, lambda: False)
    assert session.prime() is False  # warm_idle primed it
    write(root, {"hub.py": "import os\n\ndef f(x, y):\n    return x\n", "other.py": None})
    report = session.recheck([root / "hub.py", root / "other.py"])
    assert {f"r{i}" for i in range(4)} <= report.modules_rechecked
    assert codes(session.state.diagnostics) == codes(cold(root))
    # The cache written after a primed session resumes to the same findings.
    assert report.fixed and not any(d.path == "other.py" for d in session.state.diagnostics)


def test_a_cancelled_prime_commits_nothing(resumed) -> None:
    from parallel import Cancelled

    root, session, merged = resumed
    state = session.state
    with pytest.raises(Cancelled):
        session.prime(interrupt=lambda: True)
    assert session.state is state
    assert session.prime() is True
