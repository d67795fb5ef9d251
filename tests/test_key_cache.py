"""Keys and org signing rules are cached per process, and changes still take effect at once.

Another process (the CLI, a second API worker) stands in here as a second
LedgerContext on the same database: its revocation or org change must be
honoured by the serving context on the very next request, with no wait.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64

import pytest
from nacl.signing import SigningKey

from ledger_proof.canonical import canonicalize
from ledger_service.core.errors import Unauthorized
from ledger_service.evidence.story import score_event
from ledger_service.runtime.context import LedgerContext

from .conftest import Api
from .worlds import E1


def _other_process(ctx: LedgerContext) -> LedgerContext:
    return LedgerContext.open(ctx.settings, run_migrations=False)


def test_a_revocation_elsewhere_is_refused_on_the_next_request(api: Api) -> None:
    key_id, token = api.ctx.keys.create("auditor", "audit-cache")
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(3):  # now cached in this process
        assert api.client.get("/v1/batches", headers=headers).status_code == 200
    other = _other_process(api.ctx)
    try:
        other.keys.revoke(key_id)
    finally:
        other.close()
    r = api.client.get("/v1/batches", headers=headers)
    assert r.status_code == 401
    assert "revoked" in r.json()["error"]["message"]


def test_rotation_finished_elsewhere_drops_the_old_key_here(api: Api) -> None:
    old_id, old = api.ctx.keys.create("auditor", "audit-rotate")
    assert api.ctx.keys.authenticate(old).key_id == old_id
    other = _other_process(api.ctx)
    try:
        _, new = other.keys.rotate(old_id, revoke_old=True)
        assert other.keys.authenticate(new).org == "audit-rotate"
    finally:
        other.close()
    with pytest.raises(Unauthorized, match="revoked"):
        api.ctx.keys.authenticate(old)


def test_unknown_keys_are_not_remembered(api: Api) -> None:
    for _ in range(2):
        with pytest.raises(Unauthorized, match="unknown"):
            api.ctx.keys.authenticate("lk_never-issued")


def test_an_org_made_to_sign_elsewhere_is_held_to_it_at_once(api: Api) -> None:
    assert api.post("/v1/events", "platform",
                    score_event(E1, 700, "A", (70, 70, 70))).status_code == 201  # rules cached
    key = SigningKey.generate()
    other = _other_process(api.ctx)
    try:
        other.orgs.add("haixi-credit-platform", base64.b64encode(bytes(key.verify_key)).decode(),
                       require_signatures=True)
    finally:
        other.close()
    event = score_event(E1, 701, "A", (70, 70, 70))
    r = api.post("/v1/events", "platform", event)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "bad_signature"
    assert "must sign" in r.json()["error"]["message"]
    signature = base64.b64encode(key.sign(canonicalize(event)).signature).decode()
    assert api.post("/v1/events", "platform",
                    {**event, "signature": signature}).status_code == 201
