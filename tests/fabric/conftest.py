"""Fixtures for the Fabric client tests.

Unit tests need no binaries: a fixed identity (tests/fabric/data, test-only
keys) for golden bytes, and an in-process fake Gateway gRPC server over real
TLS that answers with scripted results and errors (including the
``grpc-status-details-bin`` trailer the real Gateway sends).

Integration tests (marked ``fabric``) share one real network brought up by
scripts/network.sh; see the ``fabric_network`` fixture.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import subprocess
import time
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc
from fabric_protos.peer import proposal_pb2, proposal_response_pb2, transaction_pb2
from google.protobuf import any_pb2

from ledger_proof.ledgers.fabric.identity import SigningIdentity

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def golden_identity() -> SigningIdentity:
    return SigningIdentity.from_pem(
        "PlatformMSP",
        (DATA / "golden_cert.pem").read_bytes(),
        (DATA / "golden_key.pem").read_bytes(),
    )


# ---------------------------------------------------------------- fake Gateway


def encode_status(code: int, message: str, details: list[gateway_pb2.ErrorDetail]) -> bytes:
    """google.rpc.Status bytes, hand-encoded (fields 1, 2, 3) like the Go server sends."""

    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            b = n & 0x7F
            n >>= 7
            out.append(b | (0x80 if n else 0))
            if not n:
                return bytes(out)

    def ld(num: int, payload: bytes) -> bytes:
        return varint(num << 3 | 2) + varint(len(payload)) + payload

    buf = varint(1 << 3) + varint(code) + ld(2, message.encode())
    for d in details:
        packed = any_pb2.Any()
        packed.Pack(d)
        buf += ld(3, packed.SerializeToString())
    return buf


@dataclass
class Scripted:
    """What the fake Gateway answers; an entry may be an RpcFailure instead of a value."""

    evaluate: list[Any] = field(default_factory=list)
    endorse: list[Any] = field(default_factory=list)
    submit: list[Any] = field(default_factory=list)
    commit: list[Any] = field(default_factory=list)
    calls: list[tuple[str, Any]] = field(default_factory=list)


@dataclass
class RpcFailure:
    code: grpc.StatusCode
    message: str
    details: list[gateway_pb2.ErrorDetail] = field(default_factory=list)


def prepared_envelope(proposal: proposal_pb2.SignedProposal, payload: bytes) -> common_pb2.Envelope:
    """The shape the real Gateway returns from Endorse, with the chaincode's payload inside."""
    prop = proposal_pb2.Proposal.FromString(proposal.proposal_bytes)
    cc_action = proposal_pb2.ChaincodeAction(
        response=proposal_response_pb2.Response(status=200, payload=payload)
    )
    prp = proposal_response_pb2.ProposalResponsePayload(extension=cc_action.SerializeToString())
    cap = transaction_pb2.ChaincodeActionPayload(
        action=transaction_pb2.ChaincodeEndorsedAction(
            proposal_response_payload=prp.SerializeToString()
        )
    )
    tx = transaction_pb2.Transaction(
        actions=[transaction_pb2.TransactionAction(payload=cap.SerializeToString())]
    )
    payload_msg = common_pb2.Payload(
        header=common_pb2.Header.FromString(prop.header), data=tx.SerializeToString()
    )
    return common_pb2.Envelope(payload=payload_msg.SerializeToString())


class FakeGateway(gateway_pb2_grpc.GatewayServicer):
    def __init__(self, script: Scripted) -> None:
        self.script = script

    def _next(self, name: str, request: Any, context: grpc.ServicerContext) -> Any:
        self.script.calls.append((name, request))
        queue = getattr(self.script, name)
        item = queue.pop(0) if queue else None
        if isinstance(item, RpcFailure):
            status = encode_status(item.code.value[0], item.message, item.details)
            context.set_trailing_metadata([("grpc-status-details-bin", status)])
            context.abort(item.code, item.message)
        return item

    def Evaluate(self, request, context):
        item = self._next("evaluate", request, context)
        return gateway_pb2.EvaluateResponse(
            result=proposal_response_pb2.Response(status=200, payload=item or b"")
        )

    def Endorse(self, request, context):
        item = self._next("endorse", request, context)
        envelope = prepared_envelope(request.proposed_transaction, item or b"")
        return gateway_pb2.EndorseResponse(prepared_transaction=envelope)

    def Submit(self, request, context):
        self._next("submit", request, context)
        return gateway_pb2.SubmitResponse()

    def CommitStatus(self, request, context):
        item = self._next("commit", request, context) or (transaction_pb2.VALID, 7)
        code, block = item
        return gateway_pb2.CommitStatusResponse(result=code, block_number=block)


def _tls_pair() -> tuple[bytes, bytes, bytes]:
    """(CA pem, server cert pem, server key pem) for 127.0.0.1 / localhost."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-tlsca")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "peer0.fake")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("peer0.fake"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return (
        ca.public_bytes(pem),
        cert.public_bytes(pem),
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )


@dataclass
class FakeNetwork:
    script: Scripted
    address: str
    tls_ca: bytes


@pytest.fixture
def fake_gateway():
    ca, cert, key = _tls_pair()
    script = Scripted()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    gateway_pb2_grpc.add_GatewayServicer_to_server(FakeGateway(script), server)
    port = server.add_secure_port("127.0.0.1:0", grpc.ssl_server_credentials([(key, cert)]))
    server.start()
    try:
        yield FakeNetwork(script, f"127.0.0.1:{port}", ca)
    finally:
        server.stop(0)


# ---------------------------------------------------------------- real network


def _fabric_bin_dir() -> Path | None:
    env = os.environ.get("FABRIC_BIN")
    needed = ("peer", "orderer", "configtxgen", "osnadmin", "cryptogen")
    if env:
        p = Path(env)
        return p if all((p / b).exists() for b in needed) else None
    found = [shutil.which(b) for b in needed]
    return Path(found[0]).parent if all(found) else None


@dataclass
class RealNetwork:
    profile: Path
    up_seconds: float


@pytest.fixture(scope="session")
def fabric_network():
    """Bring the native network up once per session via scripts/network.sh, or reuse it.

    A network that was already up is left running; one this fixture started is
    stopped at the end (``down`` keeps the ledger; tests use fresh ledger ids),
    except under pytest-xdist, where other workers may still use it.
    network.sh serializes concurrent ``up`` calls itself.
    """
    if _fabric_bin_dir() is None:
        pytest.skip(
            "Fabric binaries (peer, orderer, configtxgen, osnadmin, cryptogen) not found on "
            "PATH or in FABRIC_BIN; official releases: "
            "https://github.com/hyperledger/fabric/releases"
        )
    script = REPO / "scripts" / "network.sh"
    was_up = subprocess.run([str(script), "status"], capture_output=True, cwd=REPO).returncode == 0
    started = time.monotonic()
    proc = subprocess.run(
        [str(script), "up"], capture_output=True, text=True, timeout=300, cwd=REPO
    )
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        pytest.fail(f"network.sh up failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    yield RealNetwork(REPO / "network" / "run" / "profile.json", elapsed)
    if not was_up and not os.environ.get("PYTEST_XDIST_WORKER"):
        subprocess.run([str(script), "down"], capture_output=True, cwd=REPO, timeout=120)


@pytest.fixture
def status_encoder():
    return encode_status


@pytest.fixture
def fail():
    """Build a scripted gRPC failure: fail(code, message, *details)."""

    def make(code: grpc.StatusCode, message: str, *details: str) -> RpcFailure:
        return RpcFailure(
            code,
            message,
            [
                gateway_pb2.ErrorDetail(address="peer0:7051", msp_id="PlatformMSP", message=m)
                for m in details
            ],
        )

    return make


def pytest_collection_modifyitems(config, items):
    """Fault tests kill network nodes: run them after every other test (stable order)."""
    items.sort(key=lambda item: item.path.name in {"test_faults.py", "test_service_faults.py"})
