"""Pieces several resources share: hashes, ids, anchor receipts, demo values for examples."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ledger_service.evidence.story import BANK_ORG, ENTERPRISES

# Values of the demo's story (`ledger demo`) for field and error examples; whole-response
# examples are captured from a run of the story (examples.json).
DEMO_USCC = ENTERPRISES[0].uscc
DEMO_BANK = BANK_ORG
DEMO_EVENT_ID = "evt_6f1c2a9e0b7d4c5f8a3e1d2c4b6a8f90"
DEMO_HASH = "3f6c1b2a9d8e7f60a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2"
DEMO_KEY_ID = "ed25519:4d2f9a1c7b3e5f60"
DEMO_TIME = "2026-11-03T15:00:00Z"
DEMO_CERT_ID = "crt-0f5e3c1a-7b2d-4e9f-8a6c-1d3b5f7e9a20"

Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="64 lowercase hex digits",
                             examples=[DEMO_HASH])]
EventId = Annotated[str, Field(pattern=r"^evt_[0-9a-f]{32}$", examples=[DEMO_EVENT_ID])]
Instant = Annotated[str, Field(description="RFC 3339 instant, UTC", examples=[DEMO_TIME])]


class Receipt(BaseModel):
    """A ledger's receipt for a write (a batch header, a certificate registration or token).

    ``backend`` says which ledger; the other fields are those that ledger
    reports. Fabric: channel, chaincode, tx_id, block_number, validation_code,
    peer. EVM: chain_id, contract, tx_hash, block_number (and token_id for a
    certificate token).
    """

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"backend": "fabric", "channel": "evidence", "chaincode": "evidence",
         "tx_id": "9a1c" * 16, "block_number": 7, "validation_code": "VALID",
         "peer": "peer0.platform.evidence.local"},
        {"backend": "evm", "chain_id": 131277322940537,
         "contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
         "tx_hash": "0x" + "4be1" * 16, "block_number": 3}]})

    backend: Annotated[str, Field(examples=["fabric", "evm"])]
    channel: str | None = None
    chaincode: str | None = None
    tx_id: str | None = None
    peer: str | None = None
    validation_code: str | None = None
    chain_id: int | None = None
    contract: str | None = None
    tx_hash: str | None = None
    token_id: str | None = None
    block_number: int | None = None
