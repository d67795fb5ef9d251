"""What every ledger read-back speaks: its errors and the header it holds.

The service's anchor writers (``anchoring``) raise the same errors, so a
verifier and the anchor worker read one vocabulary: ``AnchorUnavailable``
(retry may succeed) versus ``AnchorRefused`` (final).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class AnchorError(Exception):
    """Base class of every anchoring failure."""


class AnchorUnavailable(AnchorError):
    """The ledger could not be reached or did not answer in time; retrying may succeed.

    The outcome of a submit that raised this is unknown: the worker retries the
    same header, which every backend must treat as a no-op if it did land.
    """


class AnchorRefused(AnchorError):
    """The ledger refused the header for good (gap, fork, bad signature, unknown ledger).

    Retrying the same header cannot succeed; an operator must look.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason  # machine code: "gap", "fork", "bad_signature", "unregistered", ...
        self.message = message


@dataclass(frozen=True)
class StoredHeader:
    """A header as a ledger holds it, read back for verification."""

    header: dict[str, Any] | None  # None when the ledger keeps only the hash (EVM)
    header_hash: str
    receipt: dict[str, Any] = field(default_factory=dict)

