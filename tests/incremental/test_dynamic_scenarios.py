"""Dynamic module namespaces, incrementally: adding or removing a ``sys.modules`` or
``locals()`` write rechecks the modules that import through it (each step is compared with
a cold check by Engine.edit)."""
from __future__ import annotations

WRITE = "import sys\nfor n in ('a', 'b'):\n    sys.modules[f'pkg.vendor.{n}'] = sys\n"


def messages(engine) -> list[tuple[str, str]]:
    return [(d.path, d.message) for d in engine.diagnostics if d.code != "F401"]


def test_a_sys_modules_write_added_then_removed_in_another_module(engine):
    e = engine({"pkg/__init__.py": "from . import install\n", "pkg/install.py": "x = 1\n",
                "app.py": "import pkg.vendor.a\nprint(pkg)\n", "plain.py": "import pkg\n"})
    assert messages(e) == [("app.py", "No module named 'pkg.vendor'")]
    e.edit({"pkg/install.py": WRITE})
    assert messages(e) == []
    assert "app" in e.last.modules_rechecked
    assert "plain" not in e.last.modules_rechecked  # it read nothing a write could change
    e.edit({"pkg/install.py": "x = 1\n"})
    assert messages(e) == [("app.py", "No module named 'pkg.vendor'")]
    assert "app" in e.last.modules_rechecked


def test_a_writer_that_appears_and_disappears(engine):
    e = engine({"pkg/__init__.py": "", "app.py": "from pkg.vendor.a import thing\n"})
    assert messages(e) == [("app.py", "No module named 'pkg.vendor'")]
    e.edit({"pkg/install.py": WRITE})
    assert messages(e) == []
    e.edit({"pkg/install.py": None})
    assert messages(e) == [("app.py", "No module named 'pkg.vendor'")]


def test_a_write_under_the_writers_own_name(engine):
    e = engine({"pkg/__init__.py": "", "pkg/compat.py": "x = 1\n",
                "app.py": "from pkg.compat.moves import urllib\nfrom pkg.compat import moves\n"})
    assert messages(e) == [("app.py", "No module named 'pkg.compat.moves'"),
                           ("app.py", "'moves' is not defined in module 'pkg.compat'")]
    e.edit({"pkg/compat.py": "import sys\nsys.modules[__name__ + '.moves'] = sys\n"})
    assert messages(e) == []
    e.edit({"pkg/compat.py": "x = 2\n"})
    assert len(messages(e)) == 2


def test_an_unreadable_key_silences_its_top_level_package(engine):
    e = engine({"pkg/__init__.py": "", "pkg/real.py": "present = 1\n",
                "pkg/install.py": "x = 1\n",
                "app.py": "from pkg.real import absent\nimport pkg.generated\n"})
    assert len(messages(e)) == 2
    e.edit({"pkg/install.py": "import sys\ndef put(k, m):\n    sys.modules[k] = m\n"})
    assert messages(e) == []
    e.edit({"pkg/install.py": "x = 1\n"})
    assert len(messages(e)) == 2


def test_a_locals_write_added_then_removed(engine):
    e = engine({"lazy.py": "plain = 1\n", "app.py": "from lazy import json, plain\n"})
    assert messages(e) == [("app.py", "'json' is not defined in module 'lazy'")]
    e.edit({"lazy.py": "plain = 1\nfor n in ('json',):\n    locals()[n] = __import__(n)\n"})
    assert messages(e) == []
    assert "app" in e.last.modules_rechecked
    e.edit({"lazy.py": "plain = 1\n"})
    assert messages(e) == [("app.py", "'json' is not defined in module 'lazy'")]


def test_phase_2_gets_the_writers_from_the_master_and_never_scans(engine, monkeypatch):
    """The master knows every module's sys.modules writes from the facts it holds: an index
    that scanned every module for them would cost seconds per recheck on a large tree."""
    from analyzer.model import _planted

    def no_scan(self):
        raise AssertionError("the index scanned every module for sys.modules writers")

    original = _planted.PlantedModules.__init__
    seen: list[object] = []

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        seen.append(self._writers)
        if self._writers is None:
            self._all_prefixes = no_scan.__get__(self)

    monkeypatch.setattr(_planted.PlantedModules, "__init__", spy)
    e = engine({"pkg/__init__.py": "", "pkg/install.py": WRITE,
                "app.py": "import pkg.vendor.a\nimport pkg.nope.b\nprint(pkg)\n"})
    # pkg.vendor is planted by the write; pkg.nope is under no writer and stays missing
    assert messages(e) == [("app.py", "No module named 'pkg.nope'")]
    assert seen and all(w == {"pkg.install": ("pkg.vendor.",)} for w in seen), seen
    e.edit({"pkg/install.py": "x = 1\n"})
    assert ("app.py", "No module named 'pkg.vendor'") in messages(e)
    assert seen[-1] == {}
