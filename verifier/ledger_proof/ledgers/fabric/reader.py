"""Reading a Fabric channel through a peer's Gateway: headers, ledger keys, certificates.

An auditor or bank reads what the evidence chaincode holds with its own
identity and its own peer, not through the platform's service. Only
read-only chaincode functions are evaluated (GetBatch, GetHead, GetLedger,
GetCertificate); the service's writer (``anchoring.fabric.backend``) extends
this class with the submitting side. Errors map onto the ledgers' shared
vocabulary (``ledger_proof.ledgers.base``):

- a chaincode refusal (``GAP:``, ``FORK:``, ``NOT_FOUND:`` ...) → AnchorRefused
  with the code in lower case as ``reason``;
- peers unreachable, deadlines, MVCC conflicts, a chaincode server that is
  down → AnchorUnavailable.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Self, TypeVar

from ledger_proof.ledgers.base import AnchorError, AnchorRefused, AnchorUnavailable, StoredHeader
from ledger_proof.ledgers.fabric.errors import FabricError, GatewayError, TransactionInvalid
from ledger_proof.ledgers.fabric.gateway import Gateway, PeerTarget, Timeouts
from ledger_proof.ledgers.fabric.identity import SigningIdentity
from ledger_proof.ledgers.fabric.profile import load_profile

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


class FabricReader:
    """Read-only view of the evidence chaincode on one channel; name "fabric"."""

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
    def from_profile(cls, path: str | Path, *, timeouts: Timeouts | None = None) -> Self:
        """Build from a connection profile (network/run/profile.json or profile-bank.json)."""
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

    # -------------------------------------------------------------- reads

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

    def get_certificate(self, certificate_id: str) -> dict[str, Any] | None:
        """The channel's record of a certificate, or None if it was never registered."""
        try:
            return self._evaluate_json("GetCertificate", certificate_id)
        except AnchorRefused as exc:
            if exc.reason == "not_found":
                return None
            raise
