"""RFC 8785 JSON Canonicalization Scheme (JCS).

Every hash and signature in the ledger is over JCS bytes, so two parties that
agree on a JSON value agree on its bytes. ``rfc8785`` is the reference
implementation (correct on the RFC's vectors and loud on bad input) but slow;
for the shapes the ledger produces (integers only, no floats, keys in the Basic
Multilingual Plane) ``orjson`` with sorted keys yields the same bytes about
twenty times faster. The property tests prove that equality; anything outside
the safe shape falls back to ``rfc8785``.
"""

from __future__ import annotations

from typing import Any

import rfc8785

try:  # a speed-up the service installs; the verifier alone runs on rfc8785
    import orjson
except ImportError:  # pragma: no cover - exercised by the verifier's install test
    orjson = None  # type: ignore[assignment]

#: JCS serializes numbers as IEEE-754 doubles; larger integers would silently change.
MAX_SAFE_INTEGER = 2**53 - 1
#: Deeper documents are refused rather than recursed into (rfc8785 recurses).
MAX_DEPTH = 64


class CanonicalizationError(ValueError):
    """The value cannot be canonicalized without ambiguity (floats, huge ints, bad strings)."""


def _fast_path_ok(value: Any) -> bool:
    """True when orjson's sorted output is provably JCS for this value.

    Raises CanonicalizationError for values the ledger never accepts (floats,
    integers beyond 2^53, non-JSON types, nesting deeper than MAX_DEPTH) so
    both paths refuse the same inputs.
    """
    fast = True
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str) or item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                raise CanonicalizationError(f"integer {item} is outside the IEEE-754 safe range")
            continue
        if isinstance(item, float):
            raise CanonicalizationError("floats are not allowed in evidence; use integers")
        if depth > MAX_DEPTH:
            raise CanonicalizationError(f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            for key, sub in item.items():
                if not isinstance(key, str):
                    raise CanonicalizationError("object keys must be strings")
                # UTF-16 order (JCS) and code-point order (orjson) differ only
                # for keys with characters outside the BMP.
                if not key.isascii() and any(ord(ch) > 0xFFFF for ch in key):
                    fast = False
                stack.append((sub, depth + 1))
            continue
        if isinstance(item, list | tuple):
            stack.extend((sub, depth + 1) for sub in item)
            continue
        raise CanonicalizationError(f"type {type(item).__name__} is not JSON")
    return fast


def canonicalize(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON value."""
    fast = _fast_path_ok(value)
    if orjson is None or not fast:
        return canonicalize_reference(value)
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, UnicodeError) as exc:
        raise CanonicalizationError(str(exc)) from exc


def canonicalize_reference(value: Any) -> bytes:
    """The slow reference path, for tests and for auditors who want no shortcut."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeError, RecursionError, TypeError,
            ValueError) as exc:
        raise CanonicalizationError(str(exc) or type(exc).__name__) from exc
