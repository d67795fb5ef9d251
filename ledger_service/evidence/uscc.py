"""Unified social credit code (统一社会信用代码, GB 32100-2015) validation.

The 18th character is a check character over the first 17 with weights 3^(i-1)
mod 31. Some pilot-era codes fail the check and are still legal identifiers, so
callers pass an allowlist rather than getting a hard reject for those.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]


class InvalidUSCC(ValueError):
    """The string is not a valid unified social credit code."""


def check_character(first17: str) -> str:
    """The check character that completes a 17-character code body."""
    if len(first17) != 17 or any(ch not in _VALUE for ch in first17):
        raise InvalidUSCC(f"{first17!r} is not a 17-character GB 32100 code body")
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


@lru_cache(maxsize=65536)
def _problem(code: str) -> str | None:
    if len(code) != 18:
        return f"must be 18 characters, got {len(code)}"
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        return f"contains characters outside the GB 32100 alphabet: {''.join(bad)!r}"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]!r}, expected {expected!r}"
    return None


def validate_uscc(code: str, allowlist: Collection[str] = ()) -> str:
    """Return the code if valid (or allowlisted); raise InvalidUSCC saying why otherwise."""
    if code in allowlist:
        return code
    problem = _problem(code)
    if problem:
        raise InvalidUSCC(f"invalid unified social credit code {code!r}: {problem}")
    return code


def is_valid_uscc(code: str) -> bool:
    """True when the code passes the GB 32100-2015 check."""
    return _problem(code) is None


def make_uscc(first17: str) -> str:
    """Complete a 17-character body with its check character (for tests and demos)."""
    return first17 + check_character(first17)
