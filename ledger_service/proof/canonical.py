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

import orjson
import rfc8785

#: JCS serializes numbers as IEEE-754 doubles; larger integers would silently change.
MAX_SAFE_INTEGER = 2**53 - 1


class CanonicalizationError(ValueError):
    """The value cannot be canonicalized without ambiguity (floats, huge ints, bad strings)."""


def _fast_path_ok(value: Any) -> bool:
    """True when orjson's sorted output is provably JCS for this value.

    Raises CanonicalizationError for values the ledger never accepts (floats,
    integers beyond 2^53, non-JSON types) so both paths refuse the same inputs.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) or item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                raise CanonicalizationError(f"integer {item} is outside the IEEE-754 safe range")
            continue
        if isinstance(item, float):
            raise CanonicalizationError("floats are not allowed in evidence; use integers")
        if isinstance(item, dict):
            for key, sub in item.items():
                if not isinstance(key, str):
                    raise CanonicalizationError("object keys must be strings")
                # UTF-16 order (JCS) and code-point order (orjson) differ only
                # for keys with characters outside the BMP.
                if not key.isascii() and any(ord(ch) > 0xFFFF for ch in key):
                    return False
                stack.append(sub)
            continue
        if isinstance(item, list | tuple):
            stack.extend(item)
            continue
        raise CanonicalizationError(f"type {type(item).__name__} is not JSON")
    return True


def canonicalize(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON value."""
    try:
        if _fast_path_ok(value):
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        return rfc8785.dumps(value)
    except (orjson.JSONEncodeError, rfc8785.CanonicalizationError, UnicodeError) as exc:
        raise CanonicalizationError(str(exc)) from exc


def canonicalize_reference(value: Any) -> bytes:
    """The slow reference path, for tests and for auditors who want no shortcut."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeError) as exc:
        raise CanonicalizationError(str(exc)) from exc


def canonicalize_schema_document(doc: dict[str, Any]) -> bytes:
    """JCS of a document built from a validated event: orjson alone, no walk.

    Only for documents whose shape the event schema fixes: every key is an
    ASCII field name, every integer is bounded far below 2^53, and there are
    no floats. For those, orjson's sorted output is byte-equal to RFC 8785
    (tests/test_canonical.py proves it over the schema); anything else must
    go through canonicalize().
    """
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
