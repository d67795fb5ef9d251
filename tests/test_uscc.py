"""GB 32100-2015 unified social credit codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger_service.evidence.uscc import (
    ALPHABET,
    InvalidUSCC,
    is_valid_uscc,
    make_uscc,
    validate_uscc,
)


def test_known_valid_code() -> None:
    assert is_valid_uscc("91350100M000100Y43")


@pytest.mark.parametrize(("code", "why"), [
    ("91350100M000100Y44", "check character"),
    ("91350100M000100Y4", "18 characters"),
    ("91350100M000100YI3", "alphabet"),
    ("91350100m000100Y43", "alphabet"),
])
def test_invalid_codes_say_why(code: str, why: str) -> None:
    with pytest.raises(InvalidUSCC, match=why):
        validate_uscc(code)


def test_allowlist_admits_legacy_codes() -> None:
    legacy = "91350100M000100Y44"
    assert validate_uscc(legacy, {legacy}) == legacy


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_every_body_has_exactly_one_check_character(body: str) -> None:
    code = make_uscc(body)
    assert is_valid_uscc(code)
    assert sum(is_valid_uscc(body + c) for c in ALPHABET) == 1
