"""The API the portal needs: whoami, an enterprise's certificates and consents, orgs and
API keys (platform only), and the portal's own static files with their security headers.
On SQLite and PostgreSQL (the certificate list on SQLite with the embedded EVM chain)."""

from __future__ import annotations

from typing import Any

import pytest
from nacl.signing import SigningKey

from ledger_proof.signing import b64e
from ledger_service.evidence.story import PLATFORM_ORG, consent_event
from ledger_service.runtime.context import LedgerContext

from .certificates.conftest import CertApi, with_evm
from .conftest import Api
from .worlds import BANK_B, E1, E2, E3, LIVE_DAYS, access_world, add_banks, revoke


@pytest.fixture
def sqlite_capi(sqlite_ctx: LedgerContext) -> CertApi:
    return CertApi(with_evm(sqlite_ctx))


def error(r: Any) -> tuple[int, str, str | None]:
    body = r.json()["error"]
    return r.status_code, body["code"], body["details"].get("reason")


def test_whoami_names_role_and_org_and_refuses_bad_keys(api: Api) -> None:
    r = api.get("/v1/whoami", "bank")
    assert r.status_code == 200
    assert r.json()["role"] == "bank" and r.json()["org"] == "bank-of-fuzhou"
    mine = api.get("/v1/whoami", E1).json()
    assert (mine["role"], mine["org"]) == ("enterprise", E1)
    assert mine["key_id"] != r.json()["key_id"]
    assert error(api.client.get("/v1/whoami", headers={"Authorization": "Bearer lk_nope"})
                 )[:2] == (401, "unauthorized")
    assert api.client.get("/v1/whoami").status_code == 401
    api.ctx.keys.revoke(r.json()["key_id"])
    gone = api.get("/v1/whoami", "bank")
    assert error(gone)[:2] == (401, "unauthorized")
    assert "revoked" in gone.json()["error"]["message"]


def _listing(capi: CertApi, who: str, uscc: str = E1, **params: Any) -> Any:
    return capi.get(f"/v1/enterprises/{uscc}/certificates", who, params=params)


def test_enterprise_certificates_newest_first_paged_with_status(sqlite_capi: CertApi) -> None:
    capi = sqlite_capi
    capi.scored()
    first = capi.issue()
    second = capi.issue()
    assert capi.post(f"/v1/certificates/{first['id']}/revoke", "platform",
                     {"reason": "superseded"}).status_code == 200
    for who in ("platform", "auditor", E1):
        r = _listing(capi, who)
        assert r.status_code == 200, r.text
        page = r.json()
        assert [c["id"] for c in page["certificates"]] == [second["id"], first["id"]]
        assert [c["status"] for c in page["certificates"]] == ["active", "revoked"]
        assert page["total"] == 2 and page["next_offset"] is None
        row = page["certificates"][0]
        assert row["grade"] == "A" and row["score"] == 742
        assert row["pdf"] == f"/v1/certificates/{second['id']}.pdf"
    one = _listing(capi, E1, limit=1).json()
    assert [c["id"] for c in one["certificates"]] == [second["id"]] and one["next_offset"] == 1
    rest = _listing(capi, E1, offset=1, limit=1).json()
    assert [c["id"] for c in rest["certificates"]] == [first["id"]]
    assert rest["next_offset"] is None
    assert _listing(capi, "auditor", E2).json()["certificates"] == []


def test_certificate_list_refusals_do_not_leak_existence(sqlite_capi: CertApi) -> None:
    """E2 asking for E1 (which holds certificates) and for E3 (which holds none) gets the
    same refusal; a bank gets the role refusal before anything is looked up."""
    capi = sqlite_capi
    capi.scored()
    capi.issue()
    with_certs = _listing(capi, E2, E1)
    without = _listing(capi, E2, E3)
    assert error(with_certs) == error(without)
    assert with_certs.json() == without.json() | {"error": {
        **without.json()["error"], "details": {**without.json()["error"]["details"],
                                               "enterprise_id": E1}}}
    assert with_certs.status_code in (403, 404)
    bank_e1, bank_e3 = _listing(capi, "bank", E1), _listing(capi, "bank", E3)
    assert error(bank_e1) == error(bank_e3) == (403, "forbidden", "role_not_allowed")
    assert bank_e1.json() == bank_e3.json()
    assert _listing(capi, E1, "91350100M000100Y4X").status_code == 422


def test_consents_list_states_and_who_may_list(api: Api) -> None:
    ids = access_world(api)
    expired = api.record(E1, consent_event(E1, days=1))
    api.ctx.sealer.seal_all()
    r = api.get(f"/v1/enterprises/{E1}/consents", E1)
    assert r.status_code == 200, r.text
    rows = r.json()["consents"]
    assert [c["id"] for c in rows] == [expired, ids[E1]["scoped"], ids[E1]["consent"]]
    assert [c["state"] for c in rows] == ["expired", "live", "live"]
    assert rows[1]["grantee_org"] == BANK_B and rows[1]["scope"] == ["loan.applied"]
    assert "流动资金" in rows[0]["purpose"]
    e3 = api.get(f"/v1/enterprises/{E3}/consents", "auditor").json()["consents"]
    assert e3[0]["state"] == "revoked" and e3[0]["revoked_by"] == ids[E3]["revoked"]
    e2 = api.get(f"/v1/enterprises/{E2}/consents", "platform").json()["consents"]
    assert [c["state"] for c in e2] == ["expired"]
    # A bank sees only the consents naming it; another enterprise is refused.
    bank_b = api.get(f"/v1/enterprises/{E1}/consents", "bank_b").json()["consents"]
    assert [c["id"] for c in bank_b] == [ids[E1]["scoped"]]
    assert api.get(f"/v1/enterprises/{E3}/consents", "bank_b").json()["consents"] == []
    refused = api.get(f"/v1/enterprises/{E1}/consents", E2)
    assert refused.status_code in (403, 404) and "consents" not in refused.json()


def test_consent_revoked_through_events_shows_revoked(api: Api) -> None:
    add_banks(api)
    consent = api.record(E1, consent_event(E1, days=LIVE_DAYS))
    revocation = revoke(api, E1, consent, 5)
    row = api.get(f"/v1/enterprises/{E1}/consents", E1).json()["consents"][0]
    assert (row["state"], row["revoked_by"]) == ("revoked", revocation)


@pytest.mark.parametrize("who", ["bank", "auditor", E1])
def test_orgs_and_keys_are_platform_only(api: Api, who: str) -> None:
    key_id = api.get("/v1/whoami", "bank").json()["key_id"]
    for method, path, body in (
            ("get", "/v1/orgs", None), ("post", "/v1/orgs", {"name": "x-bank"}),
            ("get", "/v1/api-keys", None),
            ("post", "/v1/api-keys", {"role": "bank", "org": "x-bank"}),
            ("post", f"/v1/api-keys/{key_id}/rotate", {}),
            ("post", f"/v1/api-keys/{key_id}/revoke", None)):
        r = api.post(path, who, body) if method == "post" else api.get(path, who)
        assert error(r) == (403, "forbidden", "role_not_allowed"), (path, r.text)
    assert len(api.ctx.keys.list()) == 6 and not any(k["revoked"] for k in api.ctx.keys.list())
    assert api.ctx.orgs.list() == []


def test_orgs_register_and_list_with_checked_keys(api: Api) -> None:
    public = b64e(SigningKey.generate().verify_key.encode())
    r = api.post("/v1/orgs", "platform", {"name": "bank-of-xiamen", "public_key": public,
                                          "require_signatures": True})
    assert r.status_code == 201, r.text
    assert r.json() == {"name": "bank-of-xiamen", "public_key": public,
                        "require_signatures": True}
    bad = api.post("/v1/orgs", "platform", {"name": "bad-bank", "public_key": "bm90IGEga2V5"})
    assert error(bad)[:2] == (422, "validation_error")
    assert api.get("/v1/orgs", "platform").json() == {"orgs": [r.json()]}


def test_api_keys_create_list_rotate_revoke(api: Api) -> None:
    created = api.post("/v1/api-keys", "platform",
                       {"role": "bank", "org": BANK_B, "label": "portal test"})
    assert created.status_code == 201, created.text
    token, key = created.json()["token"], created.json()["key"]
    assert token.startswith("lk_") and key["role"] == "bank" and key["org"] == BANK_B
    assert token.startswith(key["prefix"])
    listed = api.get("/v1/api-keys", "platform").json()["keys"]
    assert key in listed and all("token" not in k for k in listed)
    assert token not in api.get("/v1/api-keys", "platform").text
    me = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/v1/whoami", headers=me).json()["org"] == BANK_B

    rotated = api.post(f"/v1/api-keys/{key['id']}/rotate", "platform", {"revoke_old": True})
    assert rotated.status_code == 201, rotated.text
    assert rotated.json()["replaces"] == key["id"]
    new = {"Authorization": f"Bearer {rotated.json()['token']}"}
    assert api.client.get("/v1/whoami", headers=new).json()["org"] == BANK_B
    assert api.client.get("/v1/whoami", headers=me).status_code == 401

    revoked = api.post(f"/v1/api-keys/{rotated.json()['key']['id']}/revoke", "platform")
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert revoked.json()["revoked_at"]
    assert api.client.get("/v1/whoami", headers=new).status_code == 401
    again = api.post(f"/v1/api-keys/{rotated.json()['key']['id']}/revoke", "platform")
    assert error(again)[:2] == (404, "not_found")
    assert api.post("/v1/api-keys/999999/rotate", "platform", {}).status_code == 404


def test_api_key_refusals_change_nothing(api: Api) -> None:
    before = api.ctx.keys.list()
    assert api.post("/v1/api-keys", "platform", {"role": "root", "org": "x"}).status_code == 422
    assert api.post("/v1/api-keys", "platform", {"role": "bank", "org": ""}).status_code == 422
    own = api.get("/v1/whoami", "platform").json()["key_id"]
    assert error(api.post(f"/v1/api-keys/{own}/revoke", "platform"))[:2] == (409, "conflict")
    assert error(api.post(f"/v1/api-keys/{own}/rotate", "platform",
                          {"revoke_old": True}))[:2] == (409, "conflict")
    assert api.ctx.keys.list() == before
    assert api.get("/v1/whoami", "platform").json()["org"] == PLATFORM_ORG


def test_portal_is_served_with_a_strict_content_security_policy(sqlite_api: Api) -> None:
    page = sqlite_api.client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "<script>" not in page.text and " on" + "click=" not in page.text
    for name in ("portal-app.js", "portal-verify.js", "portal.css"):
        r = sqlite_api.client.get(f"/portal/{name}")
        assert r.status_code == 200, name
        assert r.headers["content-security-policy"] == csp
    assert sqlite_api.client.get("/portal/portal-app.js").headers["content-type"].startswith(
        "text/javascript")
    for bad in ("../app.py", "__init__.py", "verify.html", "portal-nope.js", ".portal.js"):
        r = sqlite_api.client.get(f"/portal/{bad}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", bad
