"""What an update reports as new and fixed: the multiset difference of two sorted lists,
against a plain Counter model (the report skips what both lists share at a file's ends)."""
from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from analyzer.engine import diagnostic_changes
from analyzer.rules import Diagnostic

finding = st.builds(lambda path, line, code: Diagnostic(path, line, 1, code, f"{code}@{line}"),
                    st.sampled_from(["a.py", "b.py", "c.py"]), st.integers(1, 6),
                    st.sampled_from(["F401", "SH002"]))


def ordered(items: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(items, key=Diagnostic.sort_key)


@given(st.lists(finding, max_size=25), st.lists(finding, max_size=25))
def test_new_and_fixed_are_the_multiset_differences_in_list_order(before, after):
    old, new = ordered(before), ordered(after)
    fresh, fixed = diagnostic_changes(old, new)
    assert Counter(fresh) == Counter(new) - Counter(old)
    assert Counter(fixed) == Counter(old) - Counter(new)
    assert fresh == ordered(fresh) and fixed == ordered(fixed)


@given(st.lists(finding, max_size=25), st.lists(finding, max_size=6), st.data())
def test_an_edit_in_the_middle_of_a_long_file_reports_only_itself(shared, extra, data):
    old = ordered(shared)
    cut = data.draw(st.integers(0, len(old)))
    new = ordered(old[:cut] + extra + old[cut:])
    fresh, fixed = diagnostic_changes(old, new)
    assert Counter(fresh) == Counter(extra) and fixed == []
