"""Gateway client unit tests: golden bytes, signatures, ids, error details; no binaries needed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from fabric_chaincode_python.fabric_shim.stub import ChaincodeStub
from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.msp import identities_pb2
from fabric_protos.peer import chaincode_pb2, proposal_pb2
from google.protobuf import timestamp_pb2

from ledger_proof.ledgers.fabric import proposal as P
from ledger_proof.ledgers.fabric.errors import ErrorDetail, IdentityError
from ledger_proof.ledgers.fabric.identity import (
    P256_HALF_ORDER,
    P256_ORDER,
    SigningIdentity,
    is_low_s,
    to_low_s,
)
from ledger_proof.ledgers.fabric.status_details import details_from_metadata, parse_status

DATA = Path(__file__).parent / "data"
NONCE = bytes(range(24))
TS = timestamp_pb2.Timestamp(seconds=1_795_000_000, nanos=123_000_000)


def golden_proposal(identity: SigningIdentity) -> P.Proposal:
    return P.build_proposal(
        identity,
        "evidence",
        "evidence",
        "AnchorBatch",
        ['{"seq":0}', "c2ln"],
        nonce=NONCE,
        timestamp=TS,
    )


def test_proposal_bytes_match_golden(golden_identity):
    prop = golden_proposal(golden_identity)
    golden = bytes.fromhex((DATA / "golden_proposal.hex").read_text().strip())
    assert prop.signed.proposal_bytes == golden
    assert prop.tx_id == "1af90150da11a79127c677db7adca44c3f774a3106f186de2f261f99ce9c51d4"


def test_proposal_structure(golden_identity):
    prop = golden_proposal(golden_identity)
    proposal = proposal_pb2.Proposal.FromString(prop.signed.proposal_bytes)
    header = common_pb2.Header.FromString(proposal.header)
    ch = common_pb2.ChannelHeader.FromString(header.channel_header)
    assert ch.type == common_pb2.HeaderType.ENDORSER_TRANSACTION
    assert (ch.channel_id, ch.tx_id, ch.epoch) == ("evidence", prop.tx_id, 0)
    assert (ch.timestamp.seconds, ch.timestamp.nanos) == (1_795_000_000, 123_000_000)
    ext = proposal_pb2.ChaincodeHeaderExtension.FromString(ch.extension)
    assert ext.chaincode_id.name == "evidence"
    sh = common_pb2.SignatureHeader.FromString(header.signature_header)
    assert sh.nonce == NONCE
    creator = identities_pb2.SerializedIdentity.FromString(sh.creator)
    assert creator.mspid == "PlatformMSP"
    assert creator.id_bytes == (DATA / "golden_cert.pem").read_bytes()
    cpp = proposal_pb2.ChaincodeProposalPayload.FromString(proposal.payload)
    spec = chaincode_pb2.ChaincodeInvocationSpec.FromString(cpp.input).chaincode_spec
    assert spec.chaincode_id.name == "evidence"
    assert list(spec.input.args) == [b"AnchorBatch", b'{"seq":0}', b"c2ln"]


def test_chaincode_shim_decodes_our_proposal(golden_identity):
    """An independent parser (the chaincode shim's stub) reads our proposal the same way."""
    prop = golden_proposal(golden_identity)
    stub = ChaincodeStub(None, "evidence", prop.tx_id, chaincode_pb2.ChaincodeInput(), prop.signed)
    assert stub.get_creator()["mspid"] == "PlatformMSP"
    assert stub.get_tx_timestamp().seconds == 1_795_000_000


def test_tx_id_is_sha256_of_nonce_and_creator(golden_identity):
    creator = golden_identity.creator()
    assert P.tx_id_for(NONCE, creator) == hashlib.sha256(NONCE + creator).hexdigest()
    a = P.build_proposal(golden_identity, "c", "cc", "F")
    b = P.build_proposal(golden_identity, "c", "cc", "F")
    assert a.tx_id != b.tx_id  # fresh nonce each time
    assert len(P.new_nonce()) == 24


def test_proposal_signature_verifies_and_is_low_s(golden_identity):
    pub = golden_identity.private_key.public_key()
    for _ in range(64):  # raw ECDSA would be high-S about half the time
        prop = P.build_proposal(golden_identity, "evidence", "evidence", "GetHead", ["L"])
        sig = prop.signed.signature
        assert is_low_s(sig)
        pub.verify(sig, prop.signed.proposal_bytes, ec.ECDSA(hashes.SHA256()))


def test_to_low_s_normalizes_high_s(golden_identity):
    msg = b"anchor me"
    pub = golden_identity.private_key.public_key()
    r, s = decode_dss_signature(golden_identity.sign(msg))
    high = encode_dss_signature(r, P256_ORDER - s)
    assert not is_low_s(high)
    pub.verify(high, msg, ec.ECDSA(hashes.SHA256()))  # both forms verify ...
    low = to_low_s(high)
    assert is_low_s(low) and decode_dss_signature(low) == (r, s)  # ... only one is kept
    assert to_low_s(low) == low
    assert P256_HALF_ORDER == P256_ORDER // 2


def test_envelope_signing_and_commit_status_request(golden_identity):
    env = common_pb2.Envelope(payload=b"prepared-bytes")
    signed = P.sign_envelope(golden_identity, env)
    golden_identity.private_key.public_key().verify(
        signed.signature, b"prepared-bytes", ec.ECDSA(hashes.SHA256())
    )
    req = P.commit_status_request(golden_identity, "evidence", "abc")
    inner = gateway_pb2.CommitStatusRequest.FromString(req.request)
    assert (inner.channel_id, inner.transaction_id) == ("evidence", "abc")
    assert inner.identity == golden_identity.creator()
    assert is_low_s(req.signature)


def test_identity_rejects_mismatched_key(golden_identity):
    other = ec.generate_private_key(ec.SECP256R1())
    from cryptography.hazmat.primitives import serialization

    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(IdentityError, match="do not match"):
        SigningIdentity.from_pem("PlatformMSP", golden_identity.cert_pem, pem)
    with pytest.raises(IdentityError):
        SigningIdentity.from_pem("PlatformMSP", b"nope", pem)
    with pytest.raises(IdentityError, match="cannot read"):
        SigningIdentity.from_files("PlatformMSP", DATA / "missing.pem", DATA / "missing.pem")


def test_validation_code_and_block_number():
    assert P.validation_code_name(0) == "VALID"
    assert P.validation_code_name(11) == "MVCC_READ_CONFLICT"
    assert P.validation_code_name(9999) == "9999"
    block = common_pb2.Block(header=common_pb2.BlockHeader(number=42))
    assert P.block_number_of(block.SerializeToString()) == 42
    with pytest.raises(P.MalformedResponse):
        P.block_number_of(b"\xff\xff")


def test_chaincode_response_rejects_garbage():
    with pytest.raises(P.MalformedResponse):
        P.chaincode_response(common_pb2.Envelope(payload=b"\x0a\x02zz"))


def test_status_details_roundtrip(status_encoder):
    details = [
        gateway_pb2.ErrorDetail(
            address="peer0:7051",
            msp_id="PlatformMSP",
            message="chaincode response 500, GAP: expects seq 3",
        )
    ]
    raw = status_encoder(10, "failed to endorse transaction", details)
    code, message, parsed = parse_status(raw)
    assert (code, message) == (10, "failed to endorse transaction")
    assert parsed == (
        ErrorDetail("peer0:7051", "PlatformMSP", "chaincode response 500, GAP: expects seq 3"),
    )
    assert details_from_metadata([("x", "y"), ("grpc-status-details-bin", raw)]) == parsed
    assert details_from_metadata([("grpc-status-details-bin", b"\xff")]) == ()
    assert details_from_metadata(None) == ()
