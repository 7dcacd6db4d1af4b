"""What is published after an update: an update's delta folded in equals a full regroup."""
from __future__ import annotations

from types import SimpleNamespace

from analyzer.core import Diagnostic
from analyzer.engine._findings import diagnostic_changes
from analyzer.interfaces.server._documents import path_to_uri
from analyzer.interfaces.server._publish import Published, by_path


def _session(root, diagnostics, registry):
    files = {str(root / name): SimpleNamespace(task=SimpleNamespace(display=name))
             for name in ("a.py", "b.py", "c.py")}
    state = SimpleNamespace(files=files, diagnostics=sorted(diagnostics,
                                                            key=Diagnostic.sort_key))
    return SimpleNamespace(state=state, plan=SimpleNamespace(registry=registry))


def _d(path, line, code="F401"):
    return Diagnostic(path, line, 1, code, f"{code} at {line}")


def test_a_delta_folded_in_equals_a_full_regroup(tmp_path):
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text("x = 1\n" * 5)
    registry = SimpleNamespace(by_code={})
    before = [_d("a.py", 1), _d("a.py", 2), _d("b.py", 3), _d("b.py", 3)]
    published = Published(registry, "utf-16")
    first = published.update(_session(tmp_path, before, registry), {}, None)
    assert sorted(p.uri for p in first) == [path_to_uri(str(tmp_path / n))
                                            for n in ("a.py", "b.py")]
    # a.py loses one finding, b.py one of two equal ones, c.py gains one
    after = [_d("a.py", 2), _d("b.py", 3), _d("c.py", 4, "SH002")]
    session = _session(tmp_path, after, registry)
    new, fixed = diagnostic_changes(sorted(before, key=Diagnostic.sort_key),
                                    session.state.diagnostics)
    out = published.update(session, {}, SimpleNamespace(new=new, fixed=fixed))
    assert published.found == dict(by_path(session))
    assert {p.uri: len(p.diagnostics) for p in out} == {
        path_to_uri(str(tmp_path / "a.py")): 1, path_to_uri(str(tmp_path / "b.py")): 1,
        path_to_uri(str(tmp_path / "c.py")): 1}
    # nothing changed: nothing to send
    assert published.update(session, {}, SimpleNamespace(new=[], fixed=[])) == []
    # the last finding of a file goes: an empty list clears it in the client
    gone = _session(tmp_path, after[:2], registry)
    out = published.update(gone, {}, SimpleNamespace(new=[], fixed=[after[2]]))
    assert [(p.uri, p.diagnostics) for p in out] == [(path_to_uri(str(tmp_path / "c.py")), [])]
    assert published.found == dict(by_path(gone))


def test_a_republished_file_reuses_conversions_until_its_text_changes(tmp_path):
    (tmp_path / "a.py").write_text("import os\n")
    registry = SimpleNamespace(by_code={})
    d1 = Diagnostic("a.py", 1, 8, "F401", "'os' imported but unused")
    d2, d3 = _d("a.py", 2, "E999"), _d("a.py", 3, "E303")
    published = Published(registry, "utf-16")

    def update(diags, new=(), fixed=()):
        session = _session(tmp_path, diags, registry)
        delta = None if not (new or fixed) else SimpleNamespace(new=list(new), fixed=list(fixed))
        (params,) = published.update(session, {}, delta)
        return {d.code: d for d in params.diagnostics}

    update([d1])
    first = update([d1, d2], new=[d2])["F401"]
    assert update([d1], fixed=[d2])["F401"] is first  # same text, same finding: reused
    # the file changes on disk: text before the column is outside the BMP now
    (tmp_path / "a.py").write_text('"𝒳𝒳"; import os\n')
    again = update([d1, d3], new=[d3])["F401"]
    assert again is not first and again.range.start.character == 9
