"""What is published after an update: an update's delta folded in equals a full regroup."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

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
    assert out[0].params() == {"uri": path_to_uri(str(tmp_path / "c.py")), "diagnostics": []}
    assert published.found == dict(by_path(gone))


def _fix(message):
    from analyzer.core import Fix

    return Fix("safe", message, ())


def test_a_republished_file_reuses_conversions_until_its_lines_change(tmp_path):
    (tmp_path / "a.py").write_text("import os\n")
    registry = SimpleNamespace(by_code={})
    d1 = Diagnostic("a.py", 1, 8, "F401", "'os' imported but unused")
    d2, d3 = _d("a.py", 2, "E999"), _d("a.py", 3, "E303")
    published = Published(registry, "utf-16")

    def update(diags, new=(), fixed=()):
        session = _session(tmp_path, diags, registry)
        delta = None if not (new or fixed) else SimpleNamespace(new=list(new), fixed=list(fixed))
        (notice,) = published.update(session, {}, delta)
        return {d["code"]: d for d in notice.params()["diagnostics"]}

    update([d1])
    update([d1, d2], new=[d2])
    done = published.conversions
    assert update([d1], fixed=[d2])["F401"]["range"]["start"]["character"] == 7
    assert published.conversions == done  # same text, same finding: reused
    # the file changes on disk: text before the column is outside the BMP now
    (tmp_path / "a.py").write_text('"𝒳𝒳"; import os\n')
    again = update([d1, d3], new=[d3])["F401"]
    assert again["range"]["start"]["character"] == 9
    assert published.conversions == done + 2  # its line changed: d1 again, and d3
    # a finding that went away comes back: kept from the time before
    update([d1], fixed=[d3])
    update([d1, d3], new=[d3])
    assert published.conversions == done + 2
    # but not from longer ago
    update([d1], fixed=[d3])
    update([d1, d2], new=[d2], fixed=[d3])
    update([d1], fixed=[d2])
    update([d1, d3], new=[d3])
    assert published.conversions == done + 4


#: Two findings of buffer ``a.py``: line 1, and line 3 after an astral character.
D1 = Diagnostic("a.py", 1, 8, "F401", "'os' imported but unused", 1, 10)
D2 = Diagnostic("a.py", 3, 3, "F841", "x", 3, 4)


def _buffer_updates(root, first_text):
    """(published, update): the buffer ``a.py`` opened with ``first_text`` and D1, D2
    published; ``update(text, version, diags, new, fixed)`` publishes an edit, its notice."""
    from analyzer.interfaces.server._documents import Buffer

    path = str(root / "a.py")
    registry = SimpleNamespace(by_code={})
    published = Published(registry, "utf-16")
    published.update(_session(root, [D1, D2], registry),
                     {path: Buffer("u", path, first_text, 1)})

    def update(text, version, diags, new=(), fixed=()):
        (notice,) = published.update(_session(root, diags, registry),
                                     {path: Buffer("u", path, text, version)},
                                     SimpleNamespace(new=list(new), fixed=list(fixed)))
        assert notice.version == version
        return notice

    return published, update


def test_a_buffer_keeps_the_conversions_of_the_lines_an_edit_left_alone(tmp_path):
    d1, d2, diags = D1, D2, [D1, D2]
    published, update = _buffer_updates(tmp_path, "import os\nx = 1\n𝒳 = y\n")

    def edit(text, version, diags, new=(), fixed=()):
        notice = update(text, version, diags, new, fixed)
        return [d["range"] for d in notice.params()["diagnostics"]]

    done = published.conversions
    # line 2 edited: neither finding's lines changed
    assert edit("import os\nx = 2\n𝒳 = y\n", 2, diags) == [
        {"start": {"line": 0, "character": 7}, "end": {"line": 0, "character": 9}},
        {"start": {"line": 2, "character": 3}, "end": {"line": 2, "character": 4}}]
    assert published.conversions == done
    # line 3 now has one more astral character before the column: d2 converted again
    ranges = edit("import os\nx = 2\n𝒳𝒳= y\n", 3, diags)
    assert ranges[1] == {"start": {"line": 2, "character": 4}, "end": {"line": 2, "character": 5}}
    assert published.conversions == done + 1
    # an edit elsewhere gives the same finding a fix: equal findings, but its `data` differs
    d1_fixed = Diagnostic("a.py", 1, 8, "F401", "'os' imported but unused", 1, 10,
                          fix=_fix("remove it"))
    notice = update("import os\nx = 3\n𝒳𝒳= y\n", 4, [d1_fixed, d2], new=[d1_fixed],
                    fixed=[d1])
    assert notice.params()["diagnostics"][0]["data"] == {"fix": "remove it",
                                                         "applicability": "safe"}
    assert published.conversions == done + 2


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8", "utf-32"])
def test_json_diagnostics_are_what_lsprotocol_would_send(encoding):
    from pygls.protocol import default_converter

    from analyzer.interfaces.server._convert import Converter, diagnostic_json, lsp_diagnostic

    converter = default_converter()
    texts = ["import os\n", "a = '𝒳é'; import os\r\nb = 1\r\n", "x\ry = '𝒳'\rz\n", ""]
    findings = [
        Diagnostic("a.py", 1, 8, "F401", "'os' imported but unused", 1, 10),
        Diagnostic("a.py", 1, 12, "E999", "syntax", 2, 3),
        Diagnostic("a.py", 2, 1, "SH002", "call", 0, 0, fix=_fix("do it")),
        Diagnostic("a.py", 9, 40, "F841", "past the end", 12, 80),
        Diagnostic("a.py", 1, 200, "E501", "past the line's end", 1, 300),
    ]
    for text in texts:
        conv = Converter(text, encoding)
        for d in findings:
            for href in ("", "https://example.org/rules/x"):
                data = None if d.fix is None else {"fix": d.fix.message,
                                                   "applicability": d.fix.applicability}
                expected = converter.unstructure(lsp_diagnostic(d, conv, None, href, data))
                assert json.loads(diagnostic_json(d, conv, href, data)) == expected


def test_a_notice_is_the_message_pygls_would_write():
    from lsprotocol import types
    from pygls.protocol import default_converter

    from analyzer.interfaces.server._publish import Notice

    converter = default_converter()
    diag = json.dumps({"range": {"start": {"line": 0, "character": 0},
                                 "end": {"line": 0, "character": 1}},
                       "message": "m\u00e9 \U0001d4b3", "source": "shoal"})
    for version in (None, 7):
        notice = Notice("file:///p/a%20b.py", version, [diag, diag])
        body = notice.body()
        assert body.isascii()
        expected = converter.unstructure(types.PublishDiagnosticsNotification(
            method="textDocument/publishDiagnostics", jsonrpc="2.0",
            params=types.PublishDiagnosticsParams(
                uri=notice.uri, version=version,
                diagnostics=[converter.structure(json.loads(diag), types.Diagnostic)] * 2)))
        assert json.loads(body) == expected


def test_a_finding_kept_from_the_time_before_is_checked_against_its_own_lines(tmp_path):
    d1, d2 = D1, D2
    _, publish = _buffer_updates(tmp_path, "import os\nx = 1\n𝒳 = y\n")

    def update(text, version, diags, new=(), fixed=()):
        notice = publish(text, version, diags, new, fixed)
        return [d["range"]["start"] for d in notice.params()["diagnostics"]]

    # d2 goes as its line changes, and comes back on that line as it is now
    update("import os\nx = 1\n𝒳𝒳= y\n", 2, [d1], fixed=[d2])
    assert update("import os\nx = 1\n𝒳𝒳= y\n", 3, [d1, d2], new=[d2])[1] == {
        "line": 2, "character": 4}


def test_a_notebook_the_editor_has_not_opened_publishes_nothing(tmp_path):
    # Its findings sit on the lines of its joined cells, and an editor shows a notebook as
    # cells, whose URIs only an open notebook gives (tests/server/test_notebooks.py).
    (tmp_path / "a.py").write_text("import os\n")
    (tmp_path / "n.ipynb").write_text("{}")
    registry = SimpleNamespace(by_code={})
    session = _session(tmp_path, [_d("a.py", 1), _d("n.ipynb", 1)], registry)
    session.state.files[str(tmp_path / "n.ipynb")] = SimpleNamespace(
        task=SimpleNamespace(display="n.ipynb"))
    out = Published(registry, "utf-16").update(session, {}, None)
    assert [p.uri for p in out] == [path_to_uri(str(tmp_path / "a.py"))]
