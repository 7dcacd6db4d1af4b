"""An update that keeps the file set is computed from what moved (``_delta``): the state it
commits — files, owners, digest maps, imports, project findings, the task layout, the
writers of ``sys.modules``, the dependency edges (which the session's edge log names
exactly) — equals a cold session's on the same tree and buffers, after random edits and
buffer changes."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support import chdir, make_plan, project, write

from analyzer.engine import Session
from analyzer.model import dep_id

FILES = ("a.py", "b.py", "pkg/__init__.py", "pkg/m.py", "pkg/m.pyi")
TEXTS = ("from b import f\nf(1)\n", "def f(a):\n    return a\n", "def f(a, b=1):\n    pass\n",
         "import pkg.m\nx = pkg.m.g\n", "from .m import g\n", "def g(:\n", "g = 1\n", "",
         "import sys\nsys.modules['zz'] = sys\n")

# Each step: (file, text) written on disk, or (file, text or None) as an editor buffer.
step = st.tuples(st.booleans(), st.sampled_from(FILES), st.sampled_from(TEXTS + (None,)))


def _edges(session: Session) -> set[tuple[int, int]]:
    """The edges the session's log names, checked against the heap's table (``_edge_log``)."""
    assert session._edge_log is not None and session._edge_log[0] is session.state
    named = {(key_id, dep_id(m)) for m, ids in session._edge_log[1].items() for key_id in ids}
    assert session._edge_log[1].keys() <= session.state.modules.keys()
    assert session.heap.stats().dep_edges == len(named)
    for key_id in {k for k, _ in named}:
        assert {(key_id, r) for r in session.heap.get_deps(key_id)} <= named
    return named


def _view(session: Session) -> dict[str, Any]:
    s = session.state
    layout = session._layout[1] if session._layout is not None else None
    return {
        "files": {p: (fs.task, fs.digest, fs.parse_ok, fs.diagnostics) for p, fs in s.files.items()},
        "modules": s.modules, "interfaces": s.interfaces, "imports": s.imports,
        "project": {m: d for m, d in s.project.items() if d}, "checked": s.files_checked,
        "diagnostics": s.diagnostics, "layout": layout,
        "writers": session._writers[1] if session._writers is not None else None,
        "edges": _edges(session),
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=6))
# A buffer opened, edited on disk underneath, then closed: the disk's text again.
@example([(True, "b.py", TEXTS[2]), (False, "b.py", TEXTS[6]), (True, "b.py", None)])
def test_an_update_that_keeps_the_file_set_commits_what_a_cold_session_holds(steps) -> None:
    tmp = Path(tempfile.mkdtemp())
    try:
        root = project(tmp / "proj", {f: TEXTS[i % 3] for i, f in enumerate(FILES)})
        with chdir(root):
            session = Session(make_plan(root)).open()
            try:
                session.check()
                for buffer, name, text in steps:
                    path = str(root / name)
                    if buffer:
                        if text is None:
                            session.overlays.pop(path, None)
                        else:
                            session.overlays[path] = text.encode()
                        session.recheck([path])
                    elif text is not None:  # the file set stands: no deletion
                        session.recheck(write(root, {name: text}))
                    cold = Session(make_plan(root))
                    cold.overlays = dict(session.overlays)
                    with cold:
                        cold.check()
                        assert _view(session) == _view(cold)
            finally:
                session.close()
    finally:
        shutil.rmtree(tmp)


def test_cycle_findings_follow_an_import_edit_into_the_next_body_edit(engine) -> None:
    # The merge groups SH003 findings by file once per list of them: a body edit after
    # an import edit that made a cycle must see the new list, and after one that broke it.
    e = engine({"a.py": "import b\nX = 1\n", "b.py": "Y = 1\n"})
    e.edit({"a.py": "import b\nX = 2\n"})
    e.edit({"b.py": "import a\nY = 1\n"})
    e.edit({"a.py": "import b\nX = 3\n"})
    e.edit({"b.py": "Y = 2\n"})
    e.edit({"a.py": "import b\nX = 4\n"})
