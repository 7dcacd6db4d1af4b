"""``Signature.bind``, whose answers are kept by signature and call shape: each answer is
the one worked out for that very question (the name in the message included)."""
from __future__ import annotations

from analyzer.model import KEYWORD_ONLY, POSITIONAL_OR_KEYWORD, Param, Signature


def _signature() -> Signature:
    return Signature((Param("x", POSITIONAL_OR_KEYWORD), Param("k", KEYWORD_ONLY, True)))


def test_a_kept_answer_is_the_one_of_its_own_question() -> None:
    one, other = _signature(), _signature()  # equal by content, not the same object
    for _ in range(2):  # worked out, then kept
        assert one.bind(1, (), "f") is None
        assert one.bind(2, (), "f") == "f() takes 1 positional argument but 2 were given"
        assert other.bind(2, (), "g") == "g() takes 1 positional argument but 2 were given"
        assert one.bind(0, ("k",), "f") == "f() missing 1 required positional argument: 'x'"
        assert one.bind(1, ["nope"], "f") == "f() got an unexpected keyword argument 'nope'"
        assert one.bind(1, ("k",), "f") is None
    wider = Signature((*_signature().params, Param("y", KEYWORD_ONLY)))
    assert wider.bind(1, ("k",), "f") == "f() missing 1 required keyword-only argument: 'y'"
