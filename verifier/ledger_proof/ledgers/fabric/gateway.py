"""A minimal, synchronous Fabric Gateway client (Evaluate, Endorse, Submit, CommitStatus).

One ``Gateway`` talks to one peer's Gateway service over TLS; the peer's
Gateway does the endorsement fan-out to other organizations and the
broadcast to the orderer. Every call has a deadline, and every gRPC failure
becomes a named GatewayError subclass carrying the Gateway's ErrorDetails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc

from ledger_proof.ledgers.fabric import proposal as proposals
from ledger_proof.ledgers.fabric.errors import (
    CommitStatusError,
    EndorseError,
    EvaluateError,
    GatewayError,
    SubmitError,
    TransactionInvalid,
)
from ledger_proof.ledgers.fabric.identity import SigningIdentity
from ledger_proof.ledgers.fabric.status_details import details_from_metadata


@dataclass(frozen=True)
class Timeouts:
    """Per-call deadlines in seconds; commit status waits for a block, so it is the longest."""

    evaluate: float = 5.0
    endorse: float = 15.0
    submit: float = 5.0
    commit_status: float = 30.0
    #: How long to wait for the other orgs' peers to commit a transaction we wrote.
    peer_sync: float = 3.0


@dataclass(frozen=True)
class PeerTarget:
    """Where a peer's Gateway listens and how to authenticate its TLS certificate."""

    name: str
    address: str
    mspid: str
    tls_ca_pem: bytes
    server_name: str | None = None


@dataclass(frozen=True)
class Prepared:
    """An endorsed, not yet submitted transaction and the chaincode's answer in it."""

    tx_id: str
    channel: str
    envelope: common_pb2.Envelope
    result: bytes


@dataclass(frozen=True)
class Committed:
    """A transaction that reached a block; ``validation_code`` is VALID unless told otherwise."""

    tx_id: str
    result: bytes
    validation_code: str
    block_number: int
    peer: str


def _rpc_error(cls: type[GatewayError], exc: grpc.RpcError, tx_id: str = "") -> GatewayError:
    code = exc.code() if hasattr(exc, "code") else None
    details_text = exc.details() if hasattr(exc, "details") else str(exc)
    trailers = exc.trailing_metadata() if hasattr(exc, "trailing_metadata") else None
    return cls(
        details_text or str(exc),
        grpc_code=code.name if code is not None else "",
        details=details_from_metadata(trailers),
        tx_id=tx_id,
    )


class Gateway:
    """Client of one peer's Gateway service, signing as one identity."""

    def __init__(
        self,
        peer: PeerTarget,
        identity: SigningIdentity,
        *,
        timeouts: Timeouts | None = None,
        client_tls: tuple[bytes, bytes] | None = None,
    ) -> None:
        self.peer = peer
        self.identity = identity
        self.timeouts = timeouts or Timeouts()
        key, cert = client_tls if client_tls else (None, None)
        credentials = grpc.ssl_channel_credentials(
            root_certificates=peer.tls_ca_pem, private_key=key, certificate_chain=cert
        )
        options: list[tuple[str, object]] = [("grpc.max_receive_message_length", 100 * 2**20)]
        if peer.server_name:
            options.append(("grpc.ssl_target_name_override", peer.server_name))
        self._channel = grpc.secure_channel(peer.address, credentials, options=options)
        self._stub = gateway_pb2_grpc.GatewayStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------- queries

    def evaluate(
        self,
        channel: str,
        chaincode: str,
        function: str,
        args: Sequence[str | bytes] = (),
        *,
        target_orgs: Sequence[str] = (),
    ) -> bytes:
        """Run a read-only query on one endorser; the chaincode's payload."""
        proposal = proposals.build_proposal(self.identity, channel, chaincode, function, args)
        request = gateway_pb2.EvaluateRequest(
            transaction_id=proposal.tx_id,
            channel_id=channel,
            proposed_transaction=proposal.signed,
            target_organizations=list(target_orgs),
        )
        try:
            response = self._stub.Evaluate(request, timeout=self.timeouts.evaluate)
        except grpc.RpcError as exc:
            raise _rpc_error(EvaluateError, exc, proposal.tx_id) from exc
        if response.result.status >= 400:
            raise EvaluateError(
                f"chaincode response {response.result.status}, {response.result.message}",
                grpc_code="OK",
                tx_id=proposal.tx_id,
            )
        return bytes(response.result.payload)

    # -------------------------------------------------------------- transactions

    def endorse(
        self,
        channel: str,
        chaincode: str,
        function: str,
        args: Sequence[str | bytes] = (),
        *,
        endorsing_orgs: Sequence[str] = (),
    ) -> Prepared:
        """Collect endorsements through the Gateway; nothing is ordered yet."""
        proposal = proposals.build_proposal(self.identity, channel, chaincode, function, args)
        request = gateway_pb2.EndorseRequest(
            transaction_id=proposal.tx_id,
            channel_id=channel,
            proposed_transaction=proposal.signed,
            endorsing_organizations=list(endorsing_orgs),
        )
        try:
            response = self._stub.Endorse(request, timeout=self.timeouts.endorse)
        except grpc.RpcError as exc:
            raise _rpc_error(EndorseError, exc, proposal.tx_id) from exc
        envelope = response.prepared_transaction
        result = proposals.chaincode_response(envelope)
        return Prepared(proposal.tx_id, channel, envelope, bytes(result.payload))

    def submit(self, prepared: Prepared) -> None:
        """Sign the prepared envelope and hand it to the orderer via the Gateway."""
        request = gateway_pb2.SubmitRequest(
            transaction_id=prepared.tx_id,
            channel_id=prepared.channel,
            prepared_transaction=proposals.sign_envelope(self.identity, prepared.envelope),
        )
        try:
            self._stub.Submit(request, timeout=self.timeouts.submit)
        except grpc.RpcError as exc:
            raise _rpc_error(SubmitError, exc, prepared.tx_id) from exc

    def commit_status(
        self, channel: str, tx_id: str, *, timeout: float | None = None
    ) -> tuple[str, int]:
        """Wait until this peer has committed the transaction: (validation code, block)."""
        request = proposals.commit_status_request(self.identity, channel, tx_id)
        try:
            response = self._stub.CommitStatus(
                request, timeout=self.timeouts.commit_status if timeout is None else timeout
            )
        except grpc.RpcError as exc:
            raise _rpc_error(CommitStatusError, exc, tx_id) from exc
        return proposals.validation_code_name(response.result), int(response.block_number)

    def submit_and_wait(self, prepared: Prepared) -> Committed:
        """Submit, wait for the commit; TransactionInvalid if the peers rejected it."""
        self.submit(prepared)
        code, block = self.commit_status(prepared.channel, prepared.tx_id)
        if code != "VALID":
            raise TransactionInvalid(prepared.tx_id, code, block)
        return Committed(prepared.tx_id, prepared.result, code, block, self.peer.name)

    def submit_transaction(
        self,
        channel: str,
        chaincode: str,
        function: str,
        args: Sequence[str | bytes] = (),
    ) -> Committed:
        """Endorse, submit and wait for commit: the whole write path in one call."""
        return self.submit_and_wait(self.endorse(channel, chaincode, function, args))

    def block_number_of_tx(self, channel: str, tx_id: str) -> int:
        """Block holding a transaction, via the query system chaincode (qscc)."""
        block = self.evaluate(channel, "qscc", "GetBlockByTxID", [channel, tx_id])
        return proposals.block_number_of(block)
