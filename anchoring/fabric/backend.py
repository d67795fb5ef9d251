"""``FabricBackend``: anchoring.backend.AnchorBackend on a Fabric channel via the Gateway.

The chaincode (chaincode/evidence) enforces the chain rules; this class only
moves headers and maps outcomes onto the worker's vocabulary:

- a chaincode refusal (``GAP:``, ``FORK:``, ``BAD_SIGNATURE:`` ...) → AnchorRefused
  with the code in lower case as ``reason``;
- peers or orderer unreachable, deadlines, MVCC conflicts, a chaincode server
  that is down → AnchorUnavailable (the outcome may be unknown; the worker
  retries and an identical header is a no-op on the chaincode).

An exact replay is detected at endorsement time (the chaincode answers with
the stored record and ``replayed: true``); it is then not submitted at all and
the receipt of the original transaction is returned, its block found via qscc.
"""

from __future__ import annotations

import logging
from typing import Any

import rfc8785

from ledger_proof.ledgers.base import AnchorRefused
from ledger_proof.ledgers.fabric.errors import FabricError
from ledger_proof.ledgers.fabric.gateway import Gateway, PeerTarget, Prepared
from ledger_proof.ledgers.fabric.identity import SigningIdentity
from ledger_proof.ledgers.fabric.reader import (
    FabricReader,
    _json,
    chaincode_refusal,
    to_anchor_error,
)

log = logging.getLogger(__name__)

__all__ = ["FabricBackend", "chaincode_refusal", "to_anchor_error"]


class FabricBackend(FabricReader):
    """Anchors batch headers with the evidence chaincode; reads come from FabricReader."""

    def _transact(
        self, identity: SigningIdentity, function: str, *args: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Endorse; submit unless the chaincode reports a replay; (record, receipt)."""

        def run(gw: Gateway) -> tuple[dict[str, Any], dict[str, Any]]:
            prepared: Prepared = gw.endorse(self.channel, self.chaincode, function, list(args))
            record = _json(prepared.result, function)
            if record.get("replayed") is True:
                block = gw.block_number_of_tx(self.channel, record["tx_id"])
                return record, self._receipt(record["tx_id"], block, "VALID", gw.peer.name)
            try:
                done = gw.submit_and_wait(prepared)
            except FabricError as exc:
                # Past endorsement the outcome may be unknown: never fail over here.
                raise to_anchor_error(exc) from exc
            self._await_other_peers(identity, gw.peer, done.tx_id)
            receipt = self._receipt(done.tx_id, done.block_number, done.validation_code, done.peer)
            return record, receipt

        return self._with_failover(identity, run)

    def _await_other_peers(
        self, identity: SigningIdentity, done_on: PeerTarget, tx_id: str
    ) -> None:
        """Wait (briefly) until the other orgs' peers have committed tx_id too.

        CommitStatus answered from one peer; the other org's peer commits the
        same block a moment later. The next header is endorsed by both, and a
        peer that has not committed header n yet would answer GAP. Waiting here
        keeps consecutive anchors from racing it. Best effort: a peer that is
        down or slow only costs ``Timeouts.peer_sync``; the write has landed.
        """
        for peer in self.peers:
            if peer.name == done_on.name:
                continue
            try:
                self._gateway(peer, identity).commit_status(
                    self.channel, tx_id, timeout=self.timeouts.peer_sync
                )
            except FabricError as exc:
                log.info("peer %s has not confirmed %s: %s", peer.name, tx_id, exc)

    # -------------------------------------------------------------- AnchorBackend

    def register_ledger(self, ledger_id: str, public_key_b64: str) -> None:
        """RegisterLedger as the platform admin; the same key again is a no-op."""
        identity = self.admin_identity or self.identity
        self._transact(identity, "RegisterLedger", ledger_id, public_key_b64)

    def anchor(
        self, header: dict[str, Any], header_hash: str, signature_b64: str
    ) -> dict[str, Any]:
        header_json = rfc8785.dumps(header).decode("utf-8")
        record, receipt = self._transact(self.identity, "AnchorBatch", header_json, signature_b64)
        if record.get("header_hash") != header_hash:
            raise AnchorRefused(
                "hash_mismatch",
                f"chaincode hashed seq {header.get('seq')} to {record.get('header_hash')}, "
                f"the service to {header_hash}",
            )
        return receipt

    def rotate_ledger_key(
        self, ledger_id: str, new_public_key_b64: str, reason: str
    ) -> dict[str, Any]:
        """RotateLedgerKey as the platform admin: headers from the next seq on use the new key.

        Returns {"record": the registration with its key_history, "receipt"}.
        """
        identity = self.admin_identity or self.identity
        record, receipt = self._transact(
            identity, "RotateLedgerKey", ledger_id, new_public_key_b64, reason
        )
        return {"record": record, "receipt": receipt}

    # -------------------------------------------------------------- certificate registry

    def register_certificate(self, certificate_id: str, credential_hash: str) -> dict[str, Any]:
        """Record a certificate's hash on the channel; {"record", "receipt"}."""
        record, receipt = self._transact(
            self.identity, "RegisterCertificate", certificate_id, credential_hash
        )
        return {"record": record, "receipt": receipt}

    def revoke_certificate(self, certificate_id: str, reason: str) -> dict[str, Any]:
        """Mark a certificate revoked on the channel; {"record", "receipt"}."""
        record, receipt = self._transact(self.identity, "RevokeCertificate", certificate_id, reason)
        return {"record": record, "receipt": receipt}
