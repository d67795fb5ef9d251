"""RFC 8785 canonicalization: the RFC's own examples, and the fast path proven byte-equal."""

from __future__ import annotations

import json

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_proof.canonical import (
    MAX_SAFE_INTEGER,
    CanonicalizationError,
    canonicalize,
    canonicalize_reference,
)
from ledger_service.evidence.story import consent_event, loan_event, score_event

# RFC 8785 §3.2.2 (the "numbers/string/literals" sample) and §3.2.3 (property sorting).
RFC_SAMPLE_IN = ('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, '
                 '0.000000000000000000000000001],'
                 ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
                 ' "literals": [null, true, false]}')
RFC_SAMPLE_OUT = ('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,'
                  '1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}')
RFC_SORT_IN = {"\u20ac": "Euro Sign", "\r": "Carriage Return",
               "\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",
               "\U0001F600": "Emoji: Grinning Face", "\u0080": "Control",
               "\u00f6": "Latin Small Letter O With Diaeresis"}
RFC_SORT_ORDER = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001F600", "\ufb33"]


def test_rfc8785_sample_through_the_reference_path() -> None:
    assert canonicalize_reference(json.loads(RFC_SAMPLE_IN)).decode() == RFC_SAMPLE_OUT


def test_rfc8785_sorting_uses_utf16_code_units() -> None:
    out = canonicalize(RFC_SORT_IN).decode()
    assert list(json.loads(out)) == RFC_SORT_ORDER
    assert out.encode() == rfc8785.dumps(RFC_SORT_IN)


def test_string_escapes_follow_ecmascript() -> None:
    value = {"s": "\u2028\u2029\x7f\x00\x1f\b\t\n\f\r\"\\/é😀"}
    assert canonicalize(value) == rfc8785.dumps(value)
    assert canonicalize(value) == (b'{"s":"\xe2\x80\xa8\xe2\x80\xa9\x7f\\u0000\\u001f\\b\\t'
                                   b'\\n\\f\\r\\"\\\\/\xc3\xa9\xf0\x9f\x98\x80"}')


@pytest.mark.parametrize("bad", [1.0, {"a": 0.5}, [2**53], -(2**53), {1: "x"}, {"a": object()}])
def test_refuses_what_would_be_ambiguous(bad: object) -> None:
    with pytest.raises(CanonicalizationError):
        canonicalize(bad)


def test_safe_integer_bounds_are_accepted() -> None:
    assert canonicalize([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]) == \
        rfc8785.dumps([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER])


json_scalars = (st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
                | st.text(max_size=20))
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=25)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_fast_path_is_byte_equal_to_rfc8785(value: object) -> None:
    assert canonicalize(value) == rfc8785.dumps(value)


@settings(max_examples=200, deadline=None)
@given(score=st.integers(0, 1000), dims=st.tuples(*[st.integers(0, 100)] * 3),
       purpose=st.text(max_size=60), loan=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,20}",
                                                        fullmatch=True),
       amount=st.integers(1, 10**15))
def test_fast_path_equals_rfc8785_over_the_event_schema(score: int, dims: tuple[int, int, int],
                                                        purpose: str, loan: str,
                                                        amount: int) -> None:
    docs = [score_event("91350100M000100Y43", score, "A", dims),
            consent_event("91350100M000100Y43"),
            loan_event("loan.applied", "91350100M000100Y43", loan, [], 1, amount_fen=amount,
                       currency="CNY", term_months=12, product="credit")]
    docs[1]["payload"]["purpose"] = purpose
    for doc in docs:
        full = {"id": "evt_" + "0" * 32, "org": "bank-of-fuzhou",
                "recorded_at": "2026-11-26T10:00:00.123456Z", **doc}
        assert canonicalize(full) == rfc8785.dumps(full)
