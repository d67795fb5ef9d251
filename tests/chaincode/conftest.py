"""An in-memory, duck-typed chaincode stub and a harness that drives the real contract.

fabric-chaincode-python ships no mock stub. ``ContractChaincode.invoke(stub)``
only needs the handful of methods below, so the contract is tested through the
same dispatcher the peer uses (argument conversion, error responses) without a
peer. Writes are buffered and applied only when the response is 200, like a
Fabric transaction that fails endorsement.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import nacl.signing
import pytest
import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fabric_chaincode_python.fabric_contract_api.contractapi import ContractChaincode

from chaincode.evidence import shim_fixes
from chaincode.evidence.contract import EvidenceContract

shim_fixes.apply()


@dataclass
class Timestamp:
    seconds: int
    nanos: int = 0


@dataclass
class MemoryStub:
    """Just enough of ChaincodeStub for the contract API and the evidence contract."""

    state: dict[str, bytes]
    function: str
    args: list[str]
    mspid: str
    cert_pem: bytes
    tx_id: str
    timestamp: Timestamp
    writes: dict[str, bytes] = field(default_factory=dict)
    fail_reads: bool = False

    def get_function_and_parameters(self) -> tuple[str, list[str]]:
        return self.function, list(self.args)

    def get_creator(self) -> dict[str, Any]:
        return {"mspid": self.mspid, "idBytes": self.cert_pem}

    def get_txid(self) -> str:
        return self.tx_id

    def get_channel_id(self) -> str:
        return "evidence"

    def get_tx_timestamp(self) -> Timestamp:
        return self.timestamp

    async def get_state(self, key: str) -> bytes:
        if self.fail_reads:
            raise shim_fixes.ShimPeerError("GetState", "simulated peer failure")
        # Fabric reads do not see the transaction's own writes; neither do we.
        return self.state.get(key, b"")

    async def put_state(self, key: str, value: bytes) -> None:
        self.writes[key] = bytes(value)


@dataclass(frozen=True)
class Identity:
    mspid: str
    cert_pem: bytes


@dataclass
class Result:
    status: int
    payload: bytes
    message: str
    tx_id: str

    @property
    def ok(self) -> bool:
        return self.status == 200

    def json(self) -> Any:
        assert self.ok, self.message
        return json.loads(self.payload)


class Ledger:
    """World state plus a way to run one transaction against it."""

    def __init__(self) -> None:
        self.state: dict[str, bytes] = {}
        self.chaincode = ContractChaincode.new_chaincode(EvidenceContract())
        self._n = 0
        self.fail_reads = False

    def call(self, identity: Identity, function: str, *args: Any) -> Result:
        self._n += 1
        tx_id = f"tx{self._n:04d}"
        stub = MemoryStub(
            state=self.state,
            function=function,
            args=[str(a) for a in args],
            mspid=identity.mspid,
            cert_pem=identity.cert_pem,
            tx_id=tx_id,
            timestamp=Timestamp(1_795_000_000 + self._n, 123_456_789),
            fail_reads=self.fail_reads,
        )
        response = asyncio.run(self.chaincode.invoke(stub))
        if response.status == 200:
            self.state.update(stub.writes)
        return Result(response.status, bytes(response.payload), response.message, tx_id)


def _cert(mspid: str, ou: str, cn: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, mspid),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="session")
def identities() -> dict[str, Identity]:
    return {
        "platform_admin": Identity("PlatformMSP", _cert("PlatformMSP", "admin", "Admin")),
        "platform_client": Identity("PlatformMSP", _cert("PlatformMSP", "client", "User1")),
        "bank_admin": Identity("BankMSP", _cert("BankMSP", "admin", "Admin")),
    }


@pytest.fixture
def ledger() -> Ledger:
    return Ledger()


class Signer:
    """The service side: builds and signs a chain of headers for one ledger."""

    def __init__(self, ledger_id: str = "L1", seed: bytes = b"\x01" * 32) -> None:
        self.ledger_id = ledger_id
        self.key = nacl.signing.SigningKey(seed)
        self.public_key_b64 = base64.b64encode(bytes(self.key.verify_key)).decode()

    def header(self, seq: int, prev: str, root_byte: str = "a", size: int = 3) -> dict[str, Any]:
        return {
            "version": 1,
            "ledger_id": self.ledger_id,
            "seq": seq,
            "prev_header_hash": prev,
            "merkle_root": root_byte * 64,
            "size": size,
            "first_event": f"ev-{seq}-first",
            "last_event": f"ev-{seq}-last",
            "sealed_at": f"2026-11-26T10:00:{seq % 60:02d}.000Z",
        }

    def sign(self, header: dict[str, Any]) -> str:
        return base64.b64encode(self.key.sign(rfc8785.dumps(header)).signature).decode()

    @staticmethod
    def hash(header: dict[str, Any]) -> str:
        import hashlib

        return hashlib.sha256(rfc8785.dumps(header)).hexdigest()

    def chain(self, n: int) -> list[dict[str, Any]]:
        headers, prev = [], "0" * 64
        for seq in range(n):
            h = self.header(seq, prev)
            headers.append(h)
            prev = self.hash(h)
        return headers


@pytest.fixture
def signer() -> Signer:
    return Signer()


@pytest.fixture
def make_signer():
    """Factory for signers with other keys or ledger ids."""
    return Signer


@pytest.fixture
def make_ledger():
    """Factory for independent ledgers (e.g. two endorsers)."""
    return Ledger
