"""Types of the facts records' C base (``_record_native.c``); :class:`analyzer.model._facts._PythonRecord` is its Python twin."""
from typing import Any

class RecordBase:
    def __reduce__(self) -> tuple[type, tuple[Any, ...]]: ...

def register(cls: type, names: tuple[str, ...], defaults: tuple[Any, ...], missing: object) -> None: ...
