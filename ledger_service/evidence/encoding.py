"""The committed bytes of an evidence event: JCS through orjson, no walk, for schema shapes.

Intake canonicalizes tens of thousands of events a second. Documents built
from a validated event have a shape the schema fixes, for which orjson's
sorted output is RFC 8785 byte for byte; ``ledger_proof.canonical`` stays the
general (and the verifier's) implementation.
"""

from __future__ import annotations

from typing import Any

import orjson


def canonicalize_schema_document(doc: dict[str, Any]) -> bytes:
    """JCS of a document built from a validated event: orjson alone, no walk.

    Only for documents whose shape the event schema fixes: every key is an
    ASCII field name, every integer is bounded far below 2^53, and there are
    no floats. For those, orjson's sorted output is byte-equal to RFC 8785
    (tests/test_canonical.py proves it over the schema); anything else must
    go through canonicalize().
    """
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
