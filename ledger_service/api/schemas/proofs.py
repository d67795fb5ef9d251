"""The v1 proof bundle: everything an outsider needs to check one event offline."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from ledger_service.api.schemas.common import DEMO_KEY_ID, EventId, Hex64, Instant, Receipt


class BatchHeader(BaseModel):
    """The signed header of a Merkle batch; headers form a hash chain by ``prev_header_hash``."""

    version: Literal[1]
    ledger_id: Annotated[str, Field(examples=["demo-credit-evidence"])]
    seq: Annotated[int, Field(ge=0)]
    prev_header_hash: Annotated[Hex64, Field(description="64 zeros for the first batch")]
    merkle_root: Hex64
    size: Annotated[int, Field(ge=1)]
    first_event: EventId
    last_event: EventId
    sealed_at: Instant


class Inclusion(BaseModel):
    """RFC 9162 inclusion proof: the audit path, bottom-up."""

    leaf_index: Annotated[int, Field(ge=0)]
    tree_size: Annotated[int, Field(ge=1)]
    hashes: list[Hex64]


class SignedHeader(BaseModel):
    header: BatchHeader
    header_hash: Annotated[Hex64, Field(description="SHA-256 of the header's JCS bytes")]
    signature: Annotated[str, Field(description="Ed25519 over the header's JCS bytes, base64")]
    key_id: Annotated[str, Field(examples=[DEMO_KEY_ID])]
    public_key: Annotated[str, Field(description=(
        "The signing key (base64), a convenience: a verifier pins the key itself"))]


class ProofBundle(BaseModel):
    """Proof bundle v1 (see the README): the event, its salt and commitment, the leaf, the
    inclusion path, the signed batch header and the anchor receipts."""

    version: Literal[1]
    event: Annotated[dict[str, Any] | None, Field(description=(
        "The event as committed; null once erased"))]
    salt: Annotated[str | None, Field(pattern=r"^[0-9a-f]{64}$",
                                      description="32 random bytes, hex; null once erased")]
    commitment: Annotated[Hex64, Field(description="SHA-256(salt ‖ JCS(event))")]
    leaf_hash: Annotated[Hex64, Field(description="SHA-256(0x00 ‖ commitment)")]
    inclusion: Inclusion
    batch: SignedHeader
    anchors: list[Receipt]
