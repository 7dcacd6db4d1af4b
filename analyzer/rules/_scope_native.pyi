"""Types of the scope analysis' C dispatch (``_scope_native.c``); its Python twin is
:class:`analyzer.rules._scope_state._PythonWalk`."""
import ast
from collections.abc import Callable, Iterable

class Walk:
    def visit(self, node: ast.AST) -> None: ...
    def _visit_opt(self, node: ast.AST | None) -> None: ...
    def _visit_all(self, nodes: Iterable[ast.AST | None]) -> None: ...

def configure(scope_cls: type, binding_cls: type, builtin: object,
              load: Callable[..., None], class_kind: int, comp_kind: int,
              annotation_kind: int, future_kind: int) -> None:
    """Tell the C name read (``_scope_load.h``) what it stands in for."""
