"""Pure protobuf builders and parsers for Gateway transactions.

Everything here is deterministic given a nonce and a timestamp, so unit tests
pin the exact bytes (golden tests) without a network. The shapes follow the
Fabric Gateway client libraries: an endorser-transaction ChannelHeader with a
ChaincodeHeaderExtension, a SignatureHeader (creator, nonce), a
ChaincodeProposalPayload around a ChaincodeInvocationSpec.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import (
    chaincode_pb2,
    proposal_pb2,
    proposal_response_pb2,
    transaction_pb2,
)
from google.protobuf import timestamp_pb2
from google.protobuf.message import DecodeError

from ledger_proof.ledgers.fabric.errors import FabricError
from ledger_proof.ledgers.fabric.identity import SigningIdentity

NONCE_LENGTH = 24


class MalformedResponse(FabricError):
    """The Gateway returned bytes that do not have the expected transaction shape."""


def new_nonce() -> bytes:
    return os.urandom(NONCE_LENGTH)


def tx_id_for(nonce: bytes, creator: bytes) -> str:
    """Fabric's transaction id: hex(SHA-256(nonce || creator)); peers recompute and check it."""
    return hashlib.sha256(nonce + creator).hexdigest()


@dataclass(frozen=True)
class Proposal:
    """A signed proposal and the ids a Gateway request needs alongside it."""

    tx_id: str
    channel: str
    signed: proposal_pb2.SignedProposal


def build_proposal(
    identity: SigningIdentity,
    channel: str,
    chaincode: str,
    function: str,
    args: Sequence[str | bytes] = (),
    *,
    transient: Mapping[str, bytes] | None = None,
    nonce: bytes | None = None,
    timestamp: timestamp_pb2.Timestamp | None = None,
) -> Proposal:
    """Build and sign a chaincode proposal; nonce and timestamp are injectable for tests."""
    nonce = new_nonce() if nonce is None else nonce
    creator = identity.creator()
    tx_id = tx_id_for(nonce, creator)
    if timestamp is None:
        timestamp = timestamp_pb2.Timestamp()
        timestamp.GetCurrentTime()
    extension = proposal_pb2.ChaincodeHeaderExtension(
        chaincode_id=chaincode_pb2.ChaincodeID(name=chaincode)
    )
    channel_header = common_pb2.ChannelHeader(
        type=common_pb2.HeaderType.ENDORSER_TRANSACTION,
        timestamp=timestamp,
        channel_id=channel,
        tx_id=tx_id,
        epoch=0,
        extension=extension.SerializeToString(),
    )
    signature_header = common_pb2.SignatureHeader(creator=creator, nonce=nonce)
    header = common_pb2.Header(
        channel_header=channel_header.SerializeToString(),
        signature_header=signature_header.SerializeToString(),
    )
    invocation = chaincode_pb2.ChaincodeInvocationSpec(
        chaincode_spec=chaincode_pb2.ChaincodeSpec(
            type=chaincode_pb2.ChaincodeSpec.Type.UNDEFINED,
            chaincode_id=chaincode_pb2.ChaincodeID(name=chaincode),
            input=chaincode_pb2.ChaincodeInput(
                args=[function.encode(), *(a if isinstance(a, bytes) else a.encode() for a in args)]
            ),
        )
    )
    payload = proposal_pb2.ChaincodeProposalPayload(
        input=invocation.SerializeToString(), TransientMap=dict(transient or {})
    )
    proposal = proposal_pb2.Proposal(
        header=header.SerializeToString(), payload=payload.SerializeToString()
    )
    proposal_bytes = proposal.SerializeToString()
    signed = proposal_pb2.SignedProposal(
        proposal_bytes=proposal_bytes, signature=identity.sign(proposal_bytes)
    )
    return Proposal(tx_id=tx_id, channel=channel, signed=signed)


def sign_envelope(identity: SigningIdentity, envelope: common_pb2.Envelope) -> common_pb2.Envelope:
    """Sign the prepared transaction the Gateway returned from Endorse."""
    return common_pb2.Envelope(payload=envelope.payload, signature=identity.sign(envelope.payload))


def commit_status_request(
    identity: SigningIdentity, channel: str, tx_id: str
) -> gateway_pb2.SignedCommitStatusRequest:
    """CommitStatus is itself signed: the peer checks the caller may read the channel."""
    request = gateway_pb2.CommitStatusRequest(
        transaction_id=tx_id, channel_id=channel, identity=identity.creator()
    ).SerializeToString()
    return gateway_pb2.SignedCommitStatusRequest(request=request, signature=identity.sign(request))


def chaincode_response(envelope: common_pb2.Envelope) -> proposal_response_pb2.Response:
    """The chaincode's Response inside a prepared (endorsed) transaction envelope."""
    try:
        payload = common_pb2.Payload.FromString(envelope.payload)
        tx = transaction_pb2.Transaction.FromString(payload.data)
        action = transaction_pb2.ChaincodeActionPayload.FromString(tx.actions[0].payload)
        prp = proposal_response_pb2.ProposalResponsePayload.FromString(
            action.action.proposal_response_payload
        )
        cc_action = proposal_pb2.ChaincodeAction.FromString(prp.extension)
    except (IndexError, ValueError, DecodeError) as exc:
        raise MalformedResponse(f"prepared transaction has an unexpected shape: {exc}") from exc
    return cc_action.response


def validation_code_name(code: int) -> str:
    """TxValidationCode number to its name (VALID, MVCC_READ_CONFLICT, ...)."""
    try:
        return transaction_pb2.TxValidationCode.Name(code)
    except ValueError:
        return str(code)


def block_number_of(block_bytes: bytes) -> int:
    """Header number of a serialized common.Block (qscc GetBlockByTxID answers with one)."""
    try:
        return common_pb2.Block.FromString(block_bytes).header.number
    except (ValueError, DecodeError) as exc:
        raise MalformedResponse(f"not a block: {exc}") from exc
