"""SourceLines splits lines by the tokenizer's rule, fast path or not."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from analyzer.core._positions import _LINE_RE, split_lines
from analyzer.rules import SourceLines

# Every character str.splitlines breaks at, the tokenizer's three among them.
_BREAKS = "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"


@given(st.text(alphabet=st.sampled_from("ab é" + _BREAKS), max_size=40))
def test_split_lines_is_the_tokenizer_rule(text):
    assert split_lines(text) == _LINE_RE.findall(text)


def test_only_cr_and_lf_end_a_line():
    lines = SourceLines("a\fb\r\nc\x85d\re\u2028\nf")
    assert [lines.line(n) for n in range(1, len(lines) + 1)] == [
        "a\fb\r\n", "c\x85d\r", "e\u2028\n", "f"]
