"""Issue 9, item 8 (verification side): hostile input to the verifiers is a 4xx, not a 500;
an "erased" bundle is checked against the store; conforming proofs without @context verify.

Each case below was a 500 on the service before the fix (a TypeError, AttributeError,
ValueError or RecursionError escaping the checker), or a wrong VALID.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ledger_proof.certificates.dataintegrity import hash_data, verify_proof
from ledger_proof.certificates.multibase import encode_z

from ..certificates.conftest import CertApi
from ..certificates.conftest import sqlite_capi as sqlite_capi
from ..conftest import Api
from ..worlds import E1
from .forgery import forged_bundle


def genuine_bundle(api: Api) -> dict[str, Any]:
    from ledger_service.evidence.story import score_event

    event_id = api.record("platform", score_event(E1, 700, "A", (70, 70, 70)))
    api.ctx.sealer.seal_all()
    return api.get(f"/v1/events/{event_id}/proof").json()


def error_shape(r: Any, status: int = 422) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    return body["error"]


#: A placeholder replaced, in the raw request body, by JSON nested 1,000 levels deep under
#: a key outside the Basic Multilingual Plane (Python's json cannot even encode it).
DEEP_NON_BMP = "__DEEP__"
DEEP_TEXT = '{"\\ud83d\\ude00":' * 1000 + '"leaf"' + "}" * 1000


def post_raw(client: Any, path: str, doc: Any) -> Any:
    """POST doc as JSON, with every DEEP_NON_BMP string swapped for the deep document."""
    import json

    body = json.dumps(doc).replace(json.dumps(DEEP_NON_BMP), DEEP_TEXT)
    return client.post(path, content=body.encode(), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("mutate", [
    lambda b: b["batch"].__setitem__("key_id", ["ed25519:x"]),
    lambda b: b["batch"].__setitem__("key_id", {"k": 1}),
    lambda b: b.__setitem__("anchors", 5),
    lambda b: b["batch"].__setitem__("signature", 5),
    lambda b: b["batch"].__setitem__("signature", None),
    lambda b: b.__setitem__("event", DEEP_NON_BMP),
    lambda b: b["batch"].__setitem__("header", DEEP_NON_BMP),
    lambda b: b.__setitem__("salt", 7),
    lambda b: b["inclusion"].__setitem__("leaf_index", True),
], ids=["key_id list", "key_id object", "anchors 5", "signature number", "signature null",
        "event 1000 levels under a non-BMP key", "header 1000 levels", "salt number",
        "leaf_index bool"])
def test_malformed_bundles_are_4xx(sqlite_api: Api, mutate: Any) -> None:
    bundle, _ = forged_bundle()
    mutate(bundle)
    r = post_raw(sqlite_api.client, "/v1/verify/event", bundle)
    assert r.status_code < 500, r.text
    if r.status_code != 200:
        error_shape(r)
    else:
        assert r.json()["verdict"] == "INVALID"


def test_deep_header_is_a_failed_header_format(sqlite_api: Api) -> None:
    bundle, _ = forged_bundle()
    bundle["batch"]["header"]["ledger_id"] = DEEP_NON_BMP
    body = post_raw(sqlite_api.client, "/v1/verify/event", bundle).json()
    assert {c["name"]: c["status"] for c in body["checks"]}["header_format"] == "fail"


@pytest.mark.parametrize("mutate", [
    lambda c: c["credentialStatus"].__setitem__("statusListIndex", "²"),
    lambda c: c["credentialStatus"].__setitem__("statusListIndex", "1" * 40),
    lambda c: c["evidence"][0]["proofBundle"].__setitem__("anchors", 5),
    lambda c: c["evidence"][0]["proofBundle"]["batch"].__setitem__("key_id", []),
    lambda c: c.__setitem__("validFrom", "9999-12-31T23:59:59-01:00"),
    lambda c: c.__setitem__("validUntil", 5),
    lambda c: c.__setitem__("credentialSubject", DEEP_NON_BMP),
], ids=["statusListIndex superscript two", "statusListIndex 40 digits", "anchors 5",
        "key_id list", "validFrom overflows", "validUntil number", "deep subject"])
def test_malformed_certificates_are_4xx(sqlite_capi: CertApi, mutate: Any) -> None:
    sqlite_capi.scored()
    credential = copy.deepcopy(sqlite_capi.issue()["credential"])
    mutate(credential)
    r = post_raw(sqlite_capi.client, "/v1/verify/certificate", credential)
    assert r.status_code < 500, r.text
    if r.status_code != 200:
        error_shape(r)
    else:
        assert r.json()["verdict"] == "INVALID"


def test_statuslistindex_superscript_is_refused_as_malformed(sqlite_capi: CertApi) -> None:
    sqlite_capi.scored()
    credential = copy.deepcopy(sqlite_capi.issue()["credential"])
    credential["credentialStatus"]["statusListIndex"] = "²"
    error = error_shape(sqlite_capi.client.post("/v1/verify/certificate", json=credential))
    assert "statusListIndex" in error["message"]


def test_erased_bundle_is_checked_against_the_store(sqlite_api: Api) -> None:
    """A bundle that claims erasure is VALID only if the store erased that event."""
    bundle = genuine_bundle(sqlite_api)
    withheld = {**bundle, "event": None, "salt": None}
    body = sqlite_api.client.post("/v1/verify/event", json=withheld).json()
    checks = {c["name"]: c["status"] for c in body["checks"]}
    assert checks["commitment"] == "not_checked"
    assert checks["erasure_recorded"] == "fail" and body["verdict"] == "INVALID"
    r = sqlite_api.post(f"/v1/events/{bundle['event']['id']}/erase", "platform",
                        {"reason": "pipl_deletion_request"})
    assert r.status_code == 200, r.text
    erased = sqlite_api.get(f"/v1/events/{bundle['event']['id']}/proof").json()
    body = sqlite_api.client.post("/v1/verify/event", json=erased).json()
    checks = {c["name"]: c["status"] for c in body["checks"]}
    assert checks["erasure_recorded"] == "pass" and body["verdict"] == "VALID"


def test_proof_without_its_own_context_verifies(sqlite_capi: CertApi) -> None:
    """vc-di-eddsa: the proof configuration takes the document's @context when the proof
    object carries none; a conforming issuer may omit it there."""
    sqlite_capi.scored()
    credential = sqlite_capi.issue()["credential"]
    unsecured = {k: v for k, v in credential.items() if k != "proof"}
    options = {k: v for k, v in credential["proof"].items()
               if k not in ("proofValue", "@context")}
    config = {**options, "@context": unsecured["@context"]}
    signature = sqlite_capi.ctx.key.signing_key.sign(hash_data(unsecured, config)).signature
    conforming = {**unsecured, "proof": {**options, "proofValue": encode_z(signature)}}
    assert "@context" not in conforming["proof"]
    assert verify_proof(conforming) == sqlite_capi.ctx.key.public_key
