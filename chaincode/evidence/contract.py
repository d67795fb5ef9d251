"""The evidence contract: anchors signed batch headers and keeps the certificate registry.

Function names are the public API other tools call, so they keep Fabric's
CamelCase. Every function returns a JSON string (deterministic bytes, so both
orgs' endorsements match) or raises with a ``CODE: message`` error. World state:

- ``ledger/<ledger_id>``            registration: key, key history, head seq and hash
- ``batch/<ledger_id>/<seq:016d>`` the anchored header, its hash, signature, tx id
- ``cert/<certificate_id>``         credential hash, status, revocation
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fabric_chaincode_python.fabric_contract_api.contractapi import (
    Contract,
    TransactionContext,
)

from chaincode.evidence import rules
from chaincode.evidence.identity import Caller, caller_of, platform_mspid
from chaincode.evidence.rules import ChaincodeRefusal
from chaincode.evidence.shim_fixes import ShimPeerError

CONTRACT_NAME = "evidence"


def ledger_key(ledger_id: str) -> str:
    return f"ledger/{ledger_id}"


def batch_key(ledger_id: str, seq: int) -> str:
    # Zero padding keeps range scans in seq order.
    return f"batch/{ledger_id}/{seq:016d}"


def cert_key(cert_id: str) -> str:
    return f"cert/{cert_id}"


def _tx_time(stub: Any) -> str:
    """The proposal's timestamp: the same on every endorser, unlike the local clock."""
    ts = stub.get_tx_timestamp()
    if ts is None:
        return ""
    moment = dt.datetime.fromtimestamp(int(ts.seconds), tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts.nanos) // 1_000_000:03d}Z"


async def _get(stub: Any, key: str) -> dict[str, Any] | None:
    """Read a JSON record; None when absent; STATE_ERROR when the peer refuses the read."""
    try:
        raw = await stub.get_state(key)
    except ShimPeerError as exc:
        raise ChaincodeRefusal(rules.STATE_ERROR, str(exc)) from exc
    if not raw:
        return None
    return json.loads(bytes(raw).decode("utf-8"))


async def _put(stub: Any, key: str, record: dict[str, Any]) -> None:
    try:
        await stub.put_state(key, rules.dumps(record).encode("utf-8"))
    except ShimPeerError as exc:
        raise ChaincodeRefusal(rules.STATE_ERROR, str(exc)) from exc


def _require_platform(caller: Caller, *, admin: bool) -> None:
    want = platform_mspid()
    if caller.mspid != want:
        raise ChaincodeRefusal(
            rules.FORBIDDEN, f"only {want} may do this; caller is {caller.mspid or 'unknown'}"
        )
    if admin and not caller.is_admin:
        raise ChaincodeRefusal(rules.FORBIDDEN, f"only an admin of {want} may do this")


class EvidenceContract(Contract):
    """Batch-header anchoring with hash-chain rules, plus the certificate registry."""

    Name = CONTRACT_NAME

    def get_evaluate_transactions(self) -> list[str]:
        return ["GetBatch", "GetHead", "GetLedger", "GetCertificate"]

    # ------------------------------------------------------------ ledgers

    async def RegisterLedger(
        self, ctx: TransactionContext, ledger_id: str, public_key_b64: str
    ) -> str:
        """Bind a ledger id to the service's Ed25519 key (platform admin only).

        The same key again returns the existing registration (idempotent, so a
        service may call it at every start); a different key is refused,
        because rotation must be the explicit ``RotateLedgerKey``.
        """
        stub = ctx.get_stub()
        caller = caller_of(stub)
        _require_platform(caller, admin=True)
        rules.check_ledger_id(ledger_id)
        rules.parse_public_key(public_key_b64)
        existing = await _get(stub, ledger_key(ledger_id))
        if existing is not None:
            if existing["public_key_b64"] == public_key_b64:
                return rules.dumps(existing)
            raise ChaincodeRefusal(
                rules.KEY_MISMATCH,
                f"ledger {ledger_id} is registered with another key; use RotateLedgerKey",
            )
        now, tx_id = _tx_time(stub), stub.get_txid()
        record = {
            "ledger_id": ledger_id,
            "public_key_b64": public_key_b64,
            "registered_by": caller.mspid,
            "registered_tx": tx_id,
            "registered_at": now,
            "head_seq": None,
            "head_hash": None,
            "key_history": [
                {"public_key_b64": public_key_b64, "from_seq": 0, "tx_id": tx_id, "at": now}
            ],
        }
        await _put(stub, ledger_key(ledger_id), record)
        return rules.dumps(record)

    async def RotateLedgerKey(
        self, ctx: TransactionContext, ledger_id: str, new_public_key_b64: str, reason: str
    ) -> str:
        """Replace a ledger's key from the next seq on; recorded in key_history (admin only)."""
        stub = ctx.get_stub()
        _require_platform(caller_of(stub), admin=True)
        rules.check_ledger_id(ledger_id)
        rules.parse_public_key(new_public_key_b64)
        if not reason.strip():
            raise ChaincodeRefusal(rules.MALFORMED, "a rotation needs a reason")
        record = await _get(stub, ledger_key(ledger_id))
        if record is None:
            raise ChaincodeRefusal(rules.UNREGISTERED, f"ledger {ledger_id} is not registered")
        if record["public_key_b64"] == new_public_key_b64:
            return rules.dumps(record)
        head = record["head_seq"]
        record["public_key_b64"] = new_public_key_b64
        record["key_history"].append(
            {
                "public_key_b64": new_public_key_b64,
                "from_seq": 0 if head is None else head + 1,
                "tx_id": stub.get_txid(),
                "at": _tx_time(stub),
                "reason": reason,
            }
        )
        await _put(stub, ledger_key(ledger_id), record)
        return rules.dumps(record)

    async def GetLedger(self, ctx: TransactionContext, ledger_id: str) -> str:
        """The registration record, including the key history."""
        rules.check_ledger_id(ledger_id)
        record = await _get(ctx.get_stub(), ledger_key(ledger_id))
        if record is None:
            raise ChaincodeRefusal(rules.UNREGISTERED, f"ledger {ledger_id} is not registered")
        return rules.dumps(record)

    # ------------------------------------------------------------ batches

    async def AnchorBatch(
        self, ctx: TransactionContext, header_json: str, signature_b64: str
    ) -> str:
        """Append header n to its ledger's chain, or return the stored record on an exact replay.

        Order of checks: shape, registration, exact replay (no-op, so a retry
        after an unknown outcome is always safe), signature, then the chain
        rule (FORK at an existing seq, GAP beyond the next, PREV_MISMATCH).
        """
        stub = ctx.get_stub()
        _require_platform(caller_of(stub), admin=False)
        header = rules.parse_header(header_json)
        ledger_id, seq = header["ledger_id"], header["seq"]
        ledger = await _get(stub, ledger_key(ledger_id))
        if ledger is None:
            raise ChaincodeRefusal(rules.UNREGISTERED, f"ledger {ledger_id} is not registered")
        digest = rules.header_hash(header)
        head_seq = ledger["head_seq"]
        if head_seq is not None and seq <= head_seq:
            stored = await _get(stub, batch_key(ledger_id, seq))
            if stored is not None and stored["header_hash"] == digest:
                return rules.dumps({**stored, "replayed": True})
        public_key = rules.parse_public_key(ledger["public_key_b64"])
        rules.verify_signature(header, signature_b64, public_key)
        rules.check_next(header, head_seq, ledger["head_hash"])
        record = {
            "ledger_id": ledger_id,
            "seq": seq,
            "header": header,
            "header_hash": digest,
            "signature": signature_b64,
            "tx_id": stub.get_txid(),
            "anchored_at": _tx_time(stub),
        }
        await _put(stub, batch_key(ledger_id, seq), record)
        ledger["head_seq"], ledger["head_hash"] = seq, digest
        await _put(stub, ledger_key(ledger_id), ledger)
        return rules.dumps({**record, "replayed": False})

    async def GetBatch(self, ctx: TransactionContext, ledger_id: str, seq: int) -> str:
        """The stored header at seq, its hash, signature and anchoring tx id."""
        rules.check_ledger_id(ledger_id)
        if seq < 0:
            raise ChaincodeRefusal(rules.MALFORMED, "seq must be >= 0")
        record = await _get(ctx.get_stub(), batch_key(ledger_id, seq))
        if record is None:
            raise ChaincodeRefusal(
                rules.NOT_FOUND, f"ledger {ledger_id} has no header at seq {seq}"
            )
        return rules.dumps(record)

    async def GetHead(self, ctx: TransactionContext, ledger_id: str) -> str:
        """Latest seq and header hash (both null when nothing is anchored yet)."""
        rules.check_ledger_id(ledger_id)
        ledger = await _get(ctx.get_stub(), ledger_key(ledger_id))
        if ledger is None:
            raise ChaincodeRefusal(rules.UNREGISTERED, f"ledger {ledger_id} is not registered")
        return rules.dumps(
            {
                "ledger_id": ledger_id,
                "seq": ledger["head_seq"],
                "header_hash": ledger["head_hash"],
                "public_key_b64": ledger["public_key_b64"],
            }
        )

    # ------------------------------------------------------------ certificates

    async def RegisterCertificate(
        self, ctx: TransactionContext, certificate_id: str, credential_hash: str
    ) -> str:
        """Record a credit certificate's hash (platform only); same pair again is a no-op."""
        stub = ctx.get_stub()
        _require_platform(caller_of(stub), admin=False)
        rules.check_certificate_id(certificate_id)
        rules.check_hex64(credential_hash, "credential_hash")
        existing = await _get(stub, cert_key(certificate_id))
        if existing is not None:
            if existing["credential_hash"] == credential_hash:
                return rules.dumps(existing)
            raise ChaincodeRefusal(
                rules.CONFLICT,
                f"certificate {certificate_id} is registered with another credential hash",
            )
        record = {
            "certificate_id": certificate_id,
            "credential_hash": credential_hash,
            "status": "active",
            "registered_tx": stub.get_txid(),
            "registered_at": _tx_time(stub),
            "revoked_tx": None,
            "revoked_at": None,
            "revocation_reason": None,
        }
        await _put(stub, cert_key(certificate_id), record)
        return rules.dumps(record)

    async def RevokeCertificate(
        self, ctx: TransactionContext, certificate_id: str, reason: str
    ) -> str:
        """Mark a certificate revoked (platform only); revoking again returns the record."""
        stub = ctx.get_stub()
        _require_platform(caller_of(stub), admin=False)
        rules.check_certificate_id(certificate_id)
        if not reason.strip():
            raise ChaincodeRefusal(rules.MALFORMED, "a revocation needs a reason")
        record = await _get(stub, cert_key(certificate_id))
        if record is None:
            raise ChaincodeRefusal(
                rules.NOT_FOUND, f"certificate {certificate_id} is not registered"
            )
        if record["status"] == "revoked":
            return rules.dumps(record)
        record.update(
            status="revoked",
            revoked_tx=stub.get_txid(),
            revoked_at=_tx_time(stub),
            revocation_reason=reason,
        )
        await _put(stub, cert_key(certificate_id), record)
        return rules.dumps(record)

    async def GetCertificate(self, ctx: TransactionContext, certificate_id: str) -> str:
        """The certificate record: hash, status, registration and revocation."""
        rules.check_certificate_id(certificate_id)
        record = await _get(ctx.get_stub(), cert_key(certificate_id))
        if record is None:
            raise ChaincodeRefusal(
                rules.NOT_FOUND, f"certificate {certificate_id} is not registered"
            )
        return rules.dumps(record)
