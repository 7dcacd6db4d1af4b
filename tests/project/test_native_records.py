"""The facts records' C base (``_record_native.c``) against the dataclass ``__init__`` and the
Python ``__reduce__`` it stands in for: the same records, the same pickles, the same errors."""
from __future__ import annotations

import dataclasses
import inspect
import os
import pickle
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analyzer.model import _facts
from tests.native_support import flag_under, native_module, run_memcheck

native_module("analyzer.model._record_native", "the facts records' C base")
if not _facts.NATIVE_RECORDS:
    pytest.skip("SHOAL_NATIVE_RECORDS=0: the records are the Python twin's", allow_module_level=True)

RECORDS = [_facts.Param, _facts.Signature, _facts.ImportSource, _facts.Export, _facts.Import,
           _facts.Call, _facts.Attribute, _facts.PluginFact]

_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8),
                    st.tuples(st.text(max_size=4)))


def _python_built(cls, *args, **kwargs):
    """The record as the dataclass' own ``__init__`` builds it."""
    record = object.__new__(cls)
    cls._dataclass_init(record, *args, **kwargs)
    return record


def _state(record) -> tuple:
    return tuple(getattr(record, f.name) for f in dataclasses.fields(record))


def test_every_slotted_record_is_built_in_c():
    assert _facts.NATIVE_RECORDS
    for cls in RECORDS:
        assert "__init__" not in cls.__dict__ and "_dataclass_init" in cls.__dict__, cls
    assert flag_under("SHOAL_NATIVE_RECORDS", "0", "analyzer.model._facts", "NATIVE_RECORDS") == "False"


@given(data=st.data())
def test_c_binds_arguments_as_the_dataclass_does(data):
    cls = data.draw(st.sampled_from(RECORDS))
    fields = dataclasses.fields(cls)
    values = [data.draw(_VALUES) for _ in fields]
    required = sum(f.default is dataclasses.MISSING for f in fields)
    # Some leading fields positionally, some of the rest by keyword, the others defaulted.
    cut = data.draw(st.integers(required if data.draw(st.booleans()) else 0, len(fields)))
    named = {f.name: v for f, v in zip(fields[cut:], values[cut:], strict=True)
             if f.default is dataclasses.MISSING or data.draw(st.booleans())}
    args = values[:cut]
    built = cls(*args, **named)
    model = _python_built(cls, *args, **named)
    assert _state(built) == _state(model)
    assert built == model and hash(built) == hash(model) and repr(built) == repr(model)
    again = pickle.loads(pickle.dumps(built, protocol=5))
    assert type(again) is cls and _state(again) == _state(built)
    assert built.__reduce__() == _facts._PythonRecord.__reduce__(built)


@pytest.mark.parametrize("args, kwargs", [
    ((), {}),                                     # required fields missing
    (("m", None, None, 0, 1, 2, 3, 4, 5, 6, "", True, "extra"), {}),  # too many
    (("m", None, None, 0, 1, 2, 3, 4, 5, 6), {"nope": 1}),            # unknown keyword
    (("m", None, None, 0, 1, 2, 3, 4, 5, 6), {"module": "again"}),    # given twice
    (("m", None, None, 0, 1, 2, 3, 4, 5), {}),                        # one short
])
def test_what_c_cannot_bind_raises_the_dataclass_error(args, kwargs):
    with pytest.raises(TypeError) as native:
        _facts.Import(*args, **kwargs)
    with pytest.raises(TypeError) as python:
        _python_built(_facts.Import, *args, **kwargs)
    assert str(native.value) == str(python.value)


def test_records_keep_their_signature():
    for cls in RECORDS:
        init = inspect.signature(cls._dataclass_init)
        expected = init.replace(parameters=list(init.parameters.values())[1:])
        assert inspect.signature(cls) == expected, cls


def test_records_stay_frozen_and_module_facts_unpickle():
    call = _facts.Call("os.path.join", 1, 2, 1, 20, 2, ("sep",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.line = 3  # type: ignore[misc]
    facts = _facts.ModuleFacts(module="m", path="m.py", is_package=False, parse_ok=True,
                               calls=(call,))
    assert pickle.loads(pickle.dumps(facts)).calls == (call,)


_PICKLES = """
import pickle, sys
from analyzer.model import _facts as f
sig = f.Signature((f.Param("a", f.POSITIONAL_OR_KEYWORD), f.Param("b", f.VAR_KEYWORD)), True)
records = [f.Call("os.sep", 1, 2, 3, 4, 0, ("k",), True), f.Attribute("os.x", 1, 0, 1, 4, True),
           f.Export("g", "function", 3, 0, signature=sig, source=f.ImportSource(1, "m", "g")),
           f.Import("os", None, None, 0, 1, 0, 1, 9, 1, 0), f.PluginFact("x", 1, (1, "a"), "d")]
sys.stdout.write(pickle.dumps(records, protocol=5).hex())
"""


def test_the_c_base_and_its_python_twin_write_the_same_pickles():
    def pickles(flag: str) -> str:
        return subprocess.run([sys.executable, "-c", _PICKLES], capture_output=True, text=True,
                              check=True, env=dict(os.environ, SHOAL_NATIVE_RECORDS=flag)).stdout

    native, python = pickles("1"), pickles("0")
    assert native and native == python
    assert pickle.loads(bytes.fromhex(native))[0] == _facts.Call("os.sep", 1, 2, 3, 4, 0, ("k",), True)


_UNDER_VALGRIND = """
import pickle
from analyzer.model import _facts as f
kept = []
for i in range(2000):
    call = f.Call(callee="m.f" + str(i), line=i, column=0, end_line=i, end_column=4, positional=1)
    kept.append(pickle.loads(pickle.dumps(call)))
    f.Import("m", None, None, 0, i, 0, i, 4, i, 0, "", False).__reduce__()
try:
    f.Import("m")
except TypeError:
    pass
print(sum(c.line for c in kept))
"""


@pytest.mark.valgrind
def test_the_c_base_under_valgrind():
    """Building, pickling and a refused call run clean under memcheck."""
    run = run_memcheck(_UNDER_VALGRIND)
    assert run.returncode == 0, run.stderr[-3000:]
    assert int(run.stdout) == sum(range(2000))
