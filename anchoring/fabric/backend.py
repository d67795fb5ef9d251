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

import json
import logging
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import rfc8785

from anchoring.backend import AnchorError, AnchorRefused, AnchorUnavailable, StoredHeader
from anchoring.fabric.errors import FabricError, GatewayError, TransactionInvalid
from anchoring.fabric.gateway import Gateway, PeerTarget, Prepared, Timeouts
from anchoring.fabric.identity import SigningIdentity
from anchoring.fabric.profile import load_profile

T = TypeVar("T")
log = logging.getLogger(__name__)

#: Chaincode machine codes that are final refusals (retrying cannot help).
REFUSAL_CODES = frozenset(
    {
        "MALFORMED",
        "UNREGISTERED",
        "FORBIDDEN",
        "KEY_MISMATCH",
        "BAD_SIGNATURE",
        "GAP",
        "FORK",
        "PREV_MISMATCH",
        "NOT_FOUND",
        "CONFLICT",
    }
)
#: Chaincode codes that describe a transient peer problem.
TRANSIENT_CODES = frozenset({"STATE_ERROR"})
#: Validation codes after which the same request may well succeed next time.
RETRYABLE_VALIDATION = frozenset({"MVCC_READ_CONFLICT", "PHANTOM_READ_CONFLICT"})

_CODE_RE = re.compile(r"\b([A-Z][A-Z_]{2,}): (.*)", re.DOTALL)
_CHAINCODE_RE = re.compile(r"chaincode response (\d+), (.*)", re.DOTALL)


def chaincode_refusal(exc: GatewayError) -> tuple[str, str] | None:
    """(CODE, message) when a Gateway error carries a chaincode error response."""
    for text in exc.all_messages():
        found = _CHAINCODE_RE.search(text)
        if not found:
            continue
        body = found.group(2)
        coded = _CODE_RE.match(body)
        if coded:
            return coded.group(1), coded.group(2)
        return "CHAINCODE_ERROR", body
    return None


#: Gateway message when its own (first) endorser agreed but another org's did not.
PARTIAL_ENDORSEMENT = "failed to collect enough transaction endorsements"


def to_anchor_error(exc: FabricError) -> AnchorError:
    """Map a Fabric client failure to the worker's retry/stop vocabulary.

    A chaincode refusal counts only when the Gateway's first endorser (its own
    org's peer, which also answered our CommitStatus and so has seen every
    block we wrote) refused. When that endorser agreed and another org's peer
    refused, the peers disagree, which in practice is a peer still catching up
    after a restart (it answers GAP or UNREGISTERED for writes it has not
    committed yet): transient.
    """
    if isinstance(exc, GatewayError) and PARTIAL_ENDORSEMENT in exc.raw_message:
        return AnchorUnavailable(f"peers disagree (one is probably catching up): {exc}")
    if isinstance(exc, GatewayError):
        refusal = chaincode_refusal(exc)
        if refusal is not None:
            code, message = refusal
            if code in TRANSIENT_CODES:
                return AnchorUnavailable(f"{code}: {message}")
            return AnchorRefused(code.lower(), message)
        return AnchorUnavailable(str(exc))
    if isinstance(exc, TransactionInvalid):
        if exc.validation_code in RETRYABLE_VALIDATION:
            return AnchorUnavailable(str(exc))
        return AnchorRefused("invalid_transaction", str(exc))
    return AnchorUnavailable(str(exc))


def _json(payload: bytes, what: str) -> Any:
    """Decode a chaincode answer; a non-JSON answer is a (transient) fault, not a crash."""
    try:
        return json.loads(payload or b"{}")
    except ValueError as exc:
        raise AnchorUnavailable(f"{what}: chaincode answered non-JSON: {exc}") from exc


def _is_unreachable(exc: FabricError) -> bool:
    """The peer we talked to did not answer at all: safe to ask the next peer."""
    return isinstance(exc, GatewayError) and exc.grpc_code in {"UNAVAILABLE", "DEADLINE_EXCEEDED"}


class FabricBackend:
    """Anchors batch headers with the evidence chaincode; name "fabric"."""

    name = "fabric"

    def __init__(
        self,
        *,
        channel: str,
        chaincode: str,
        peers: Sequence[PeerTarget],
        identity: SigningIdentity,
        admin_identity: SigningIdentity | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        if not peers:
            raise ValueError("FabricBackend needs at least one peer")
        self.channel = channel
        self.chaincode = chaincode
        self.peers = tuple(peers)
        self.identity = identity
        self.admin_identity = admin_identity
        self.timeouts = timeouts or Timeouts()
        self._gateways: dict[tuple[str, str], Gateway] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_profile(cls, path: str | Path, *, timeouts: Timeouts | None = None) -> FabricBackend:
        """Build from network/run/profile.json (see anchoring/fabric/profile.py)."""
        profile = load_profile(path)
        return cls(
            channel=profile.channel,
            chaincode=profile.chaincode,
            peers=profile.peers,
            identity=profile.identity.load(),
            admin_identity=profile.admin_identity.load() if profile.admin_identity else None,
            timeouts=timeouts,
        )

    # -------------------------------------------------------------- plumbing

    def _gateway(self, peer: PeerTarget, identity: SigningIdentity) -> Gateway:
        key = (peer.name, identity.mspid + str(id(identity)))
        with self._lock:
            gw = self._gateways.get(key)
            if gw is None:
                gw = Gateway(peer, identity, timeouts=self.timeouts)
                self._gateways[key] = gw
            return gw

    def _with_failover(self, identity: SigningIdentity, call: Callable[[Gateway], T]) -> T:
        """Run call on the first peer that answers; only unreachable peers are skipped."""
        last: FabricError | None = None
        for peer in self.peers:
            try:
                return call(self._gateway(peer, identity))
            except FabricError as exc:
                if not _is_unreachable(exc):
                    raise to_anchor_error(exc) from exc
                last = exc
        assert last is not None
        raise to_anchor_error(last) from last

    def _evaluate_json(self, function: str, *args: str) -> Any:
        payload = self._with_failover(
            self.identity,
            lambda gw: gw.evaluate(self.channel, self.chaincode, function, list(args)),
        )
        return _json(payload, function)

    def _receipt(self, tx_id: str, block: int, code: str, peer: str) -> dict[str, Any]:
        return {
            "backend": self.name,
            "channel": self.channel,
            "chaincode": self.chaincode,
            "tx_id": tx_id,
            "block_number": block,
            "validation_code": code,
            "peer": peer,
        }

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

    def read_header(self, ledger_id: str, seq: int) -> StoredHeader | None:
        """The header on the channel at seq, read through a peer (not through the service)."""
        try:
            record = self._evaluate_json("GetBatch", ledger_id, str(seq))
        except AnchorRefused as exc:
            if exc.reason == "not_found":
                return None
            raise
        block = self._with_failover(
            self.identity, lambda gw: gw.block_number_of_tx(self.channel, record["tx_id"])
        )
        receipt = self._receipt(record["tx_id"], block, "VALID", self.peers[0].name)
        receipt["signature"] = record.get("signature")
        receipt["anchored_at"] = record.get("anchored_at")
        return StoredHeader(
            header=record["header"], header_hash=record["header_hash"], receipt=receipt
        )

    def head(self, ledger_id: str) -> tuple[int, str] | None:
        try:
            record = self._evaluate_json("GetHead", ledger_id)
        except AnchorRefused as exc:
            if exc.reason == "unregistered":
                return None
            raise
        if record.get("seq") is None:
            return None
        return int(record["seq"]), str(record["header_hash"])

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

    def ledger_keys(self, ledger_id: str) -> list[dict[str, Any]]:
        """The keys the channel vouches for (RegisterLedger, rotations), oldest first.

        Each entry: public_key_b64, from_seq, tx_id, at (and reason after a
        rotation). An auditor can pin these instead of trusting the service's
        /v1/keys. Empty when the ledger is not registered.
        """
        try:
            record = self._evaluate_json("GetLedger", ledger_id)
        except AnchorRefused as exc:
            if exc.reason == "unregistered":
                return []
            raise
        return list(record.get("key_history") or [])

    def close(self) -> None:
        with self._lock:
            for gw in self._gateways.values():
                gw.close()
            self._gateways.clear()

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

    def get_certificate(self, certificate_id: str) -> dict[str, Any] | None:
        """The channel's record of a certificate, or None if it was never registered."""
        try:
            return self._evaluate_json("GetCertificate", certificate_id)
        except AnchorRefused as exc:
            if exc.reason == "not_found":
                return None
            raise
