"""Certificate status on Fabric, with a stand-in for FabricBackend's certificate registry
(the real chaincode path is covered by tests/fabric against a running network)."""

from __future__ import annotations

from typing import Any

from ledger_service.certificates.service import CertificateService

from .conftest import CertApi, failed


class FakeRegistry:
    """RegisterCertificate / RevokeCertificate / GetCertificate with the chaincode's records."""

    name = "fabric"

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.tx = 0

    def _receipt(self) -> dict[str, Any]:
        self.tx += 1
        return {"backend": "fabric", "channel": "evidence", "chaincode": "evidence",
                "tx_id": f"{self.tx:064x}", "block_number": self.tx}

    def register_certificate(self, certificate_id: str, credential_hash: str) -> dict[str, Any]:
        record = {"certificate_id": certificate_id, "credential_hash": credential_hash,
                  "status": "active", "registered_tx": f"{self.tx + 1:064x}",
                  "revocation_reason": None}
        self.records[certificate_id] = record
        return {"record": record, "receipt": self._receipt()}

    def revoke_certificate(self, certificate_id: str, reason: str) -> dict[str, Any]:
        record = self.records[certificate_id]
        record.update(status="revoked", revocation_reason=reason)
        return {"record": record, "receipt": self._receipt()}

    def get_certificate(self, certificate_id: str) -> dict[str, Any] | None:
        return self.records.get(certificate_id)

    def read_header(self, ledger_id: str, seq: int) -> None:
        return None

    def close(self) -> None:
        pass


def test_fabric_registry_follows_issue_and_revoke(sqlite_capi: CertApi) -> None:
    sqlite_capi.scored()
    fabric = FakeRegistry()
    sqlite_capi.ctx.backends.append(fabric)
    assert CertificateService.of(sqlite_capi.ctx).fabric() is fabric
    out = sqlite_capi.issue()
    assert out["fabric"]["backend"] == "fabric"
    assert fabric.records[out["id"]]["credential_hash"] == out["credential_hash"]
    verdict = sqlite_capi.verify(out["credential"])
    assert verdict["valid"] is True, failed(verdict)
    assert "fabric.status" in {c["name"] for c in verdict["checks"]}

    r = sqlite_capi.post(f"/v1/certificates/{out['id']}/revoke", "platform",
                         {"reason": "superseded"})
    assert r.json()["revocation"]["fabric"]["backend"] == "fabric"
    verdict = sqlite_capi.verify(out["credential"])
    assert {"fabric.status", "status", "token.not_revoked"} == set(failed(verdict))


def test_a_different_hash_on_the_channel_fails(sqlite_capi: CertApi) -> None:
    sqlite_capi.scored()
    fabric = FakeRegistry()
    sqlite_capi.ctx.backends.append(fabric)
    out = sqlite_capi.issue()
    fabric.records[out["id"]]["credential_hash"] = "f" * 64
    assert failed(sqlite_capi.verify(out["credential"])) == ["fabric.status"]


def test_no_fabric_backend_means_no_fabric_check(sqlite_capi: CertApi) -> None:
    sqlite_capi.scored()
    out = sqlite_capi.issue()
    assert out["fabric"] is None
    checks = {c["name"]: c for c in sqlite_capi.verify(out["credential"])["checks"]}
    assert checks["fabric.status"]["status"] == "not_checked"
