"""Master-only operations: refused in a forked worker and in the master inside a phase."""
from __future__ import annotations

import pytest
from heap_fork import run_in_child

from heap_native import HeapRoleError, SharedHeap

MASTER_ONLY = {
    "remove": lambda h: h.remove(b"a"),
    "collect": lambda h: h.collect(),
    "clear": lambda h: h.clear(),
    "clear_deps": lambda h: h.clear_deps(),
    "remove_dependents": lambda h: h.remove_dependents([2]),
    "save": lambda h: h.save("/nonexistent-dir/snap"),
}


@pytest.mark.parametrize("op", sorted(MASTER_ONLY))
def test_master_only_inside_a_phase_is_refused(heap: SharedHeap, op: str) -> None:
    """Inside phase() the master gets HeapRoleError, nothing changes, the epoch stays."""
    heap.add(b"a", b"1")
    heap.add_dep(1, 2)
    epoch = heap.epoch
    with heap.phase():
        with pytest.raises(HeapRoleError, match="inside an open phase"):
            MASTER_ONLY[op](heap)
        assert heap.get(b"a") == b"1"  # workers' operations stay allowed
        heap.add(b"b", b"2")
    assert heap.epoch == epoch and heap.get_deps(1) == [2]


@pytest.mark.fault
@pytest.mark.parametrize("op", sorted(MASTER_ONLY))
def test_master_only_from_forked_child_is_refused(heap: SharedHeap, op: str) -> None:
    """A forked worker gets HeapRoleError naming its pid; the master's data is untouched."""
    heap.add(b"a", b"1")
    heap.add_dep(1, 2)

    def child() -> str:
        try:
            MASTER_ONLY[op](heap)
        except HeapRoleError as exc:
            return f"role: {exc}"
        return "allowed"

    result = run_in_child(child)
    assert result.startswith("role: ") and "not the master" in result
    assert heap.get(b"a") == b"1" and heap.get_deps(1) == [2]


@pytest.mark.fault
def test_forked_child_cannot_open_a_phase(heap: SharedHeap) -> None:
    """Only the master opens phases."""
    def child() -> str:
        with heap.phase():
            return "opened"

    assert run_in_child(child).startswith("HeapRoleError")


@pytest.mark.stress
def test_forked_child_shares_values_and_edges_and_closes_locally(heap: SharedHeap) -> None:
    """A child reads the master's data, adds its own, and its close() only unmaps locally."""
    heap.add(b"from-master", b"m")

    def child() -> str:
        seen = heap.get(b"from-master")
        heap.add(b"from-child", b"c")
        heap.add_dep(3, 4)
        heap.close()
        return repr(seen)

    assert run_in_child(child) == "b'm'"
    assert heap.get(b"from-child") == b"c" and heap.get_deps(3) == [4]
    assert heap.add(b"from-child", b"x") is False
    heap.verify()
